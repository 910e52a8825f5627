"""What MGRPO's loop refuses at start-up, with the key and the numbers, before any worker starts work."""

import logging

from verl_mgrpo.names import ESTIMATOR_NAME

logger = logging.getLogger(__name__)


def rollout_max_model_len(rollout, max_position_embeddings: int) -> int:
    """The rollout server's context: ``rollout.max_model_len``, or the model's own as vLLM takes it when null."""
    return int(rollout.get("max_model_len") or max_position_embeddings)


def check_step_count(total_training_steps: int | None, steps_per_epoch: int, total_epochs: int,
                     val_only: bool) -> None:
    """Refuse ``trainer.total_training_steps`` beyond what the epochs give: veRL's loop (and MGRPO's) would end
    with the data, short of the steps asked for and without the last step's validation and checkpoint. A
    validation-only run trains nothing (its train set is a stand-in: ``python -m verl_mgrpo.evaluate``)."""
    if val_only:
        return
    if total_training_steps is not None and total_training_steps > steps_per_epoch * total_epochs:
        raise ValueError(
            f"trainer.total_training_steps={total_training_steps} is more than the training data gives: "
            f"{steps_per_epoch} steps per epoch × trainer.total_epochs={total_epochs} = "
            f"{steps_per_epoch * total_epochs}; the loop would stop there without its last validation; set "
            f"trainer.total_epochs={-(-total_training_steps // steps_per_epoch)}"
        )


def check_supported(config, use_critic: bool, use_rm: bool, max_position_embeddings: int, correction_budget: int):
    """Raise one ValueError listing every setting MGRPO's loop cannot honour."""
    problems = []
    rollout = config.actor_rollout_ref.rollout
    if config.algorithm.adv_estimator != ESTIMATOR_NAME:
        problems.append(f"algorithm.adv_estimator={config.algorithm.adv_estimator}: use {ESTIMATOR_NAME}")
    if use_critic or use_rm or config.algorithm.use_kl_in_reward:
        problems.append("MGRPO trains with rule rewards and KL loss only: no critic, reward model or KL reward")
    if config.trainer.get("critic_warmup", 0):
        problems.append(f"trainer.critic_warmup={config.trainer.critic_warmup}: MGRPO has no critic to warm up; use 0")
    if config.get("skip", {}).get("rollout", {}).get("enable", False):
        problems.append(
            "skip.rollout.enable=True: RolloutSkip replays one cached generation per step, and an MGRPO step makes "
            "several (answers, corrections, augmentation); use False"
        )
    if config.actor_rollout_ref.actor.ppo_mini_batch_size != config.data.train_batch_size:
        problems.append(
            "set actor_rollout_ref.actor.ppo_mini_batch_size = data.train_batch_size: each step makes one "
            "update on layer-1 and layer-2 groups together, however many corrections were kept"
        )
    if rollout.prompt_length < config.data.max_prompt_length:
        problems.append(
            f"actor_rollout_ref.rollout.prompt_length={rollout.prompt_length} must hold "
            f"data.max_prompt_length={config.data.max_prompt_length}"
        )
    max_model_len = rollout_max_model_len(rollout, max_position_embeddings)
    room = max_model_len - rollout.prompt_length
    if room < 1:
        problems.append(
            f"actor_rollout_ref.rollout.prompt_length={rollout.prompt_length} leaves no room for a correction "
            f"within the rollout's max_model_len={max_model_len} (rollout.max_model_len, or the model's "
            f"max_position_embeddings={max_position_embeddings} when null): a layer-2 query of that length would "
            "make the server raise mid-step; lower rollout.prompt_length below max_model_len"
        )
    elif room < correction_budget:
        logger.warning(
            "MGRPO: a layer-2 query of up to rollout.prompt_length=%d tokens leaves %d of max_model_len=%d for its "
            "correction, fewer than the %d tokens a correction may take: the longest queries get shorter corrections",
            rollout.prompt_length, room, max_model_len, correction_budget,
        )
    if problems:
        raise ValueError("MGRPO: " + "; ".join(problems))
