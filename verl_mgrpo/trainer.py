"""RayMGRPOTrainer: veRL's RayPPOTrainer with MGRPO's correction layers (Ding et al., 2025, Figure 1).

Per training step:

    1. Layer 1      G samples per question (standard GRPO rollout), scored by the reward.
    2. Correction   every response o_i becomes q'_i = q ⊕ o_i ⊕ p_guide; one continuation each.
    3. Selection    keep the q'_j whose continuation the rule-based verifier accepts (G' ≤ G).
    4. Augmentation H more samples per kept q'_j: one GRPO group each. (2-4 repeat for layers 3, 4, ...)
    5. Update       one clipped-ratio update on all groups, with KL to the reference, as veRL's GRPO.

All generation (1-4) runs before the rollout replicas are put to sleep. ``fit`` is overridden because veRL's
sleeps them right after its one generation call; it reuses RayPPOTrainer's helpers for everything else and
``tests/test_trainer.py`` pins a hash of veRL's ``fit`` so an upstream change is reviewed, not drifted from.
With ``mgrpo.num_layers=1`` it is veRL's own ``fit``, unchanged. The maths lives in
:mod:`verl_mgrpo.correction`, :mod:`verl_mgrpo.advantage`, :mod:`verl_mgrpo.objective` (the loss:
J_layer1 + layer_weight · J_layer2) and :mod:`verl_mgrpo.metrics`; veRL's loop features that ``fit`` keeps are in
:mod:`verl_mgrpo.loop_features`, generation calls in :mod:`verl_mgrpo.generation`, two-turn validation in
:mod:`verl_mgrpo.eval.validation`.
"""

import random
from pprint import pprint

import numpy as np
import torch
from omegaconf import OmegaConf, open_dict
from tqdm import tqdm
from transformers import AutoConfig
from verl import DataProto
from verl.trainer.ppo.ray_trainer import RayPPOTrainer
from verl.trainer.ppo.reward import extract_reward
from verl.utils.config import omega_conf_to_dataclass
from verl.utils.fs import copy_to_local
from verl.utils.metric import reduce_metrics
from verl.utils.model import get_generation_config
from verl.utils.profiler import marked_timer
from verl.utils.tracking import Tracking
from verl.workers.rollout.utils import get_max_position_embeddings

from verl_mgrpo.advantage import compute_mgrpo_outcome_advantage
from verl_mgrpo.config import MGRPOConfig
from verl_mgrpo.correction import GuideTokens, augment, correction_queries, new_group_uids, in_groups, select
from verl_mgrpo.eval.validation import TwoTurnValidation
from verl_mgrpo.generation import Generation
from verl_mgrpo.loop_features import LoopFeatures, StepProfiler
from verl_mgrpo.merging import batch_multiple, merge_layers, pad_rows
from verl_mgrpo.metrics import (
    cached_prompt_share, layer_metrics, scores, signal_token_shares, token_counts, transition_rates,
)
from verl_mgrpo.names import LAYER_KEY, MAX_TOKENS_KEY, PARENT_KEY
from verl_mgrpo.objective import LOSS_TERM_KEY, NORMALISERS_KEY, loss_terms, make_loss_fn, term_normalisers
from verl_mgrpo.rollout_dump import KEPT_KEY, STAGE_KEY, dump_batch
from verl_mgrpo.supported import check_step_count, check_supported


class RayMGRPOTrainer(TwoTurnValidation, Generation, LoopFeatures, RayPPOTrainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        trainer = self.config.trainer
        val_only = trainer.get("val_only", False)
        check_step_count(trainer.total_training_steps, len(self.train_dataloader), trainer.total_epochs, val_only)
        self.mgrpo: MGRPOConfig = omega_conf_to_dataclass(self.config.mgrpo, dataclass_type=MGRPOConfig)
        model_path = copy_to_local(self.config.actor_rollout_ref.model.path)
        rollout = self.config.actor_rollout_ref.rollout
        self.correction_budget = self.mgrpo.max_correction_length or rollout.response_length
        if self.mgrpo.num_layers > 1:
            hf_config = AutoConfig.from_pretrained(
                model_path, trust_remote_code=self.config.actor_rollout_ref.model.get("trust_remote_code", False)
            )
            check_supported(
                self.config, self.use_critic, self.use_rm, get_max_position_embeddings(hf_config), self.correction_budget
            )
        generation_config = get_generation_config(model_path)
        eos = getattr(generation_config, "eos_token_id", None)
        self.generation_eos_ids = tuple(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        self.guides = GuideTokens.build(
            self.tokenizer, self.mgrpo.guide_phrases, self.mgrpo.guide_separator, self.mgrpo.think_end,
            self.generation_eos_ids,
        )
        self.guide_rng = random.Random(self.mgrpo.seed)

    def init_workers(self):
        super().init_workers()
        if self.mgrpo.num_layers > 1:  # MGRPO's objective: J_layer1 + layer_weight · J_layer≥2 (objective.py)
            actor_config = omega_conf_to_dataclass(self.config.actor_rollout_ref.actor)
            self.actor_rollout_wg.set_loss_fn(make_loss_fn(actor_config, self.mgrpo.layer_weight))

    # --- the training loop ----------------------------------------------------------------------------------

    def fit(self):
        if self.mgrpo.num_layers == 1:
            return super().fit()  # one layer is GRPO: veRL's loop, unchanged
        logger = Tracking(
            project_name=self.config.trainer.project_name,
            experiment_name=self.config.trainer.experiment_name,
            default_backend=self.config.trainer.logger,
            config=OmegaConf.to_container(self.config, resolve=True),
        )
        self._init_dump_executor()  # trainer.rollout_data_dir's writer (veRL's), closed when fit returns
        self.global_steps = 0
        self._load_checkpoint()
        self.checkpoint_manager.update_weights(self.global_steps)
        if self.config.trainer.get("val_before_train", True):
            val_metrics = self._validate()
            pprint(f"Initial validation metrics: {val_metrics}")
            logger.log(data=val_metrics, step=self.global_steps)
            if self.config.trainer.get("val_only", False):
                self._shutdown_dump_executor()
                return
        progress_bar = tqdm(total=self.total_training_steps, initial=self.global_steps, desc="Training Progress")
        start_epoch = self.global_steps // len(self.train_dataloader)  # before the increment, as veRL's fit
        self.global_steps += 1
        self.max_steps_duration = 0  # read by the ESI-expiry save
        self.profiler = StepProfiler(self)
        for epoch in range(start_epoch, self.config.trainer.total_epochs):
            for batch_dict in self.train_dataloader:
                self._finalize_async_calls(blocking=False)
                metrics, timing_raw = {}, {}
                is_last_step = self.global_steps >= self.total_training_steps
                self.profiler.start(timing_raw)
                with marked_timer("step", timing_raw):
                    # MGRPO stages 1-4: every layer's generation; then the replicas sleep.
                    layers = self._rollout_layers(DataProto.from_single_dict(batch_dict), metrics, timing_raw)
                    # Stage 5: one update on all layers' groups.
                    batch = self._update(layers, metrics, timing_raw, is_last_step)
                if self.config.trainer.test_freq > 0 and (
                    is_last_step or self.global_steps % self.config.trainer.test_freq == 0
                ):
                    with marked_timer("testing", timing_raw):
                        metrics.update(self._validate())
                self.profiler.stop(timing_raw, is_last_step)
                self.max_steps_duration = max(self.max_steps_duration, timing_raw["step"])
                metrics.update({"training/global_step": self.global_steps, "training/epoch": epoch})
                self._step_metrics(batch, timing_raw, metrics)
                logger.log(data=metrics, step=self.global_steps)
                progress_bar.update(1)
                self.global_steps += 1
                if is_last_step:
                    self._finalize_async_calls(blocking=True)
                    self._shutdown_dump_executor()
                    progress_bar.close()
                    pprint({k: v for k, v in metrics.items() if k.endswith("/acc") or k.startswith("val-core/")})
                    return
                if hasattr(self.train_dataset, "on_batch_end"):  # a dataset that adapts to training, as in veRL
                    self.train_dataset.on_batch_end(batch=batch)
        self._shutdown_dump_executor()

    def _finalize_async_calls(self, blocking: bool) -> None:
        """veRL's fit waits here for the actor's asynchronous calls (an async checkpoint save) when it has any."""
        if hasattr(self.actor_rollout_wg, "async_calls_finalize_fn_exec"):
            self.actor_rollout_wg.async_calls_finalize_fn_exec(blocking=blocking)

    # --- stages 1-4: generation ------------------------------------------------------------------------------

    def _rollout_layers(self, batch: DataProto, metrics: dict, timing_raw: dict) -> list[DataProto]:
        """Every layer's samples, generated before the replicas sleep."""
        n = self.config.actor_rollout_ref.rollout.n
        batch.meta_info["temperature"] = self.config.actor_rollout_ref.rollout.temperature
        if self.profiler.current:
            self.llm_server_manager.start_profile()
        # 1. Layer 1: G samples per question, scored by the reward as they finish.
        with marked_timer("gen", timing_raw):
            layer = self._first_answers(batch, n, validate=False, key_prefix=f"train{self.global_steps}")
        layer.non_tensor_batch[LAYER_KEY] = np.ones(len(layer), dtype=np.int64)
        metrics.update(layer_metrics(layer, 1))
        layers, generated = [layer], [layer]

        # 2-4. Layers 2..L: correct, select and augment the layer below.
        for k in range(2, self.mgrpo.num_layers + 1):
            with marked_timer(f"gen_layer{k}", timing_raw):
                layer = self._correction_layer(layers[-1], k, metrics, timing_raw, generated)
            if layer is None:
                break
            metrics.update(layer_metrics(layer, k))
            layers.append(layer)
        self.checkpoint_manager.sleep_replicas()  # MGRPO: only after the last layer has generated
        if self.profiler.current:
            self.llm_server_manager.stop_profile()
        rollout_data_dir = self.config.trainer.get("rollout_data_dir", None)
        if rollout_data_dir:  # veRL's dump, with every layer's rows
            rows, columns = dump_batch(generated, self.tokenizer.pad_token_id)
            self._log_rollout_data(rows, columns, timing_raw, rollout_data_dir)
        for k in range(2, self.mgrpo.num_layers + 1):
            metrics.update(cached_prompt_share(metrics, f"mgrpo/layer{k}"))
        # Every generated token, layer 2+ counting its correction pass too (what a fair comparison spends).
        metrics["mgrpo/rollout_tokens"] = metrics["mgrpo/layer1/response_tokens"] + sum(
            metrics.get(f"mgrpo/layer{k}/{stage}_tokens", 0.0)
            for k in range(2, self.mgrpo.num_layers + 1)
            for stage in ("correction", "augmentation")
        )
        return layers

    def _correction_layer(self, below: DataProto, k: int, metrics: dict, timing_raw: dict,
                          generated: list) -> DataProto | None:
        """Layer k from the layer below (``None`` if nothing is kept); every batch it generates joins ``generated``.
        Its generation calls are timed apart (``timing_s/gen_layer{k}/correction``, ``/augmentation``): the rest of
        ``gen_layer{k}`` is building queries and selecting."""
        prefix = f"mgrpo/layer{k}"
        # 2. Correction: q'_i = q ⊕ o_i ⊕ p_guide for every response of the layer below; one continuation each.
        queries = correction_queries(
            below, self.guides, self.config.actor_rollout_ref.rollout.prompt_length, self.guide_rng, k
        )
        metrics[f"{prefix}/dropped_too_long"] = queries.dropped_too_long
        metrics[f"{prefix}/ran_past_turn_end"] = queries.ran_past_turn_end
        if len(queries.batch) == 0:
            return None
        budget = self.correction_budget
        queries.batch.non_tensor_batch[MAX_TOKENS_KEY] = np.full(len(queries.batch), budget, dtype=np.int64)
        with marked_timer(f"gen_layer{k}/correction", timing_raw):
            corrections = self._generate(queries.batch, f"layer{k}/correction")
        metrics.update(token_counts(corrections, f"{prefix}/correction"))

        # 3. Selection: keep the q'_j whose continuation the verifier accepts.
        selection = select(scores(corrections), scores(below), corrections.non_tensor_batch[PARENT_KEY])
        kept = selection.kept
        rates = transition_rates(selection.parent_right, selection.right)
        corrections.non_tensor_batch[STAGE_KEY] = np.full(len(corrections), "correction", dtype=object)
        corrections.non_tensor_batch[KEPT_KEY] = np.isin(np.arange(len(corrections)), kept)
        generated.append(corrections)
        metrics.update(
            {
                f"{prefix}/correction_acc": rates["acc_t2"],
                f"{prefix}/i2c": rates["i2c"],
                f"{prefix}/c2i": rates["c2i"],
                f"{prefix}/kept_ratio": len(kept) / len(below),
                f"{prefix}/kept": len(kept),
            }
        )
        if len(kept) == 0:
            return None

        # 4. Augmentation: H more samples per kept q'_j, one group each.
        group_uids = new_group_uids(len(kept))
        groups = [in_groups(corrections, kept, group_uids)] if self.mgrpo.keep_selecting_sample else []
        if self.mgrpo.augment_n > 0:
            augmentation_queries = augment(queries.batch, kept, self.mgrpo.augment_n, group_uids)
            with marked_timer(f"gen_layer{k}/augmentation", timing_raw):
                augmented = self._generate(augmentation_queries, f"layer{k}/augmentation")
            augmented.non_tensor_batch[STAGE_KEY] = np.full(len(augmented), "augmentation", dtype=object)
            augmented.non_tensor_batch[KEPT_KEY] = np.ones(len(augmented), dtype=bool)  # samples of kept queries
            generated.append(augmented)
            metrics.update(token_counts(augmented, f"{prefix}/augmentation"))
            groups.append(augmented)
        return groups[0] if len(groups) == 1 else DataProto.concat(groups)

    # --- stage 5: one update on all groups --------------------------------------------------------------------

    def _update(self, layers: list[DataProto], metrics: dict, timing_raw: dict, is_last_step: bool) -> DataProto:
        """One update on every layer's groups; returns the batch without its padding rows, for metrics."""
        merged = merge_layers(layers, pad_token_id=self.tokenizer.pad_token_id)
        # MGRPO's batch size varies with the kept corrections, but veRL splits it evenly over workers and
        # micro-batches: pad with rows that carry no loss.
        multiple = batch_multiple(self.config.actor_rollout_ref, self.actor_rollout_wg.world_size)
        batch = pad_rows(merged, -len(merged) % multiple)
        if self.config.trainer.balance_batch:
            self._balance_batch(batch, metrics=metrics)
        batch.meta_info["global_token_num"] = torch.sum(batch.batch["attention_mask"], dim=-1).tolist()
        with marked_timer("reward", timing_raw):
            reward_tensor, reward_extra_infos = extract_reward(batch)
        batch = self._old_log_probs(batch, metrics, timing_raw)
        if self.use_reference_policy:
            with marked_timer("ref", timing_raw):
                batch = batch.union(self._compute_ref_log_prob(batch))
        with marked_timer("adv", timing_raw):
            batch.batch["token_level_scores"] = reward_tensor
            batch.batch["token_level_rewards"] = reward_tensor
            batch.non_tensor_batch.update({k: np.array(v) for k, v in reward_extra_infos.items()})
            # MGRPO: group-relative advantages within every uid group (layer weights apply in the loss).
            advantages, returns = compute_mgrpo_outcome_advantage(
                token_level_rewards=reward_tensor,
                response_mask=batch.batch["response_mask"],
                index=batch.non_tensor_batch["uid"],
                config=self.config.algorithm,
            )
            batch.batch["advantages"], batch.batch["returns"] = advantages, returns
            batch = self._rollout_correction(batch, metrics)  # may reject tokens: normalise after it
        metrics.update(signal_token_shares(batch.batch["advantages"], batch.batch["response_mask"],
                                           batch.non_tensor_batch[LAYER_KEY]))
        # MGRPO: each row's term of the objective, and each term's normalisers over the whole (one) mini-batch.
        batch.batch[LOSS_TERM_KEY] = loss_terms(batch.non_tensor_batch[LAYER_KEY])
        batch.meta_info[NORMALISERS_KEY] = term_normalisers(batch.batch[LOSS_TERM_KEY], batch.batch["response_mask"])
        with marked_timer("update_actor", timing_raw):
            actor_output = self._update_actor_once(batch)
        metrics.update(reduce_metrics(actor_output.meta_info["metrics"]))
        if self._must_save(is_last_step):
            with marked_timer("save_checkpoint", timing_raw):
                self._save_checkpoint()
        with marked_timer("update_weights", timing_raw):
            self.checkpoint_manager.update_weights(self.global_steps)
        return batch.select_idxs(np.flatnonzero(batch.non_tensor_batch[LAYER_KEY] > 0))

    def _update_actor_once(self, batch: DataProto) -> DataProto:
        """One optimizer step on the whole batch, however many layer-2 rows it holds.

        veRL's ``_update_actor`` sizes its mini-batch as ``ppo_mini_batch_size * rollout.n`` rows, a constant
        in GRPO (and ``_check_supported`` makes it the whole layer-1 batch); MGRPO's batch grows with the kept
        corrections, so for this call the mini-batch is set to the whole batch.
        """
        actor = self.config.actor_rollout_ref.actor
        configured = actor.ppo_mini_batch_size
        with open_dict(actor):
            actor.ppo_mini_batch_size = len(batch) // self.config.actor_rollout_ref.rollout.n
        try:
            return self._update_actor(batch)
        finally:
            with open_dict(actor):
                actor.ppo_mini_batch_size = configured
