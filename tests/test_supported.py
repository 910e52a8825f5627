"""What MGRPO refuses at start-up, with the key and the numbers."""

import logging

import pytest
from hydra import compose, initialize_config_module

from verl_mgrpo.supported import check_step_count, check_supported


@pytest.fixture
def config():
    import verl  # noqa: F401  (the plugin's resolvers)

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        return compose(config_name="mgrpo_trainer_cpu")


def _check(config, max_position_embeddings=1024, correction_budget=96):
    check_supported(config, False, False, max_position_embeddings, correction_budget)


def test_the_packaged_cpu_config_is_supported(config):
    _check(config)


def test_a_prompt_length_that_leaves_no_room_for_a_correction_is_refused_with_the_numbers(config):
    config.actor_rollout_ref.rollout.prompt_length = 1024
    with pytest.raises(ValueError, match=r"prompt_length=1024 leaves no room .* max_model_len=1024 .* "
                                         r"max_position_embeddings=1024"):
        _check(config)
    config.actor_rollout_ref.rollout.max_model_len = 2048  # room again
    _check(config)


def test_room_for_part_of_a_correction_is_a_warning(config, caplog):
    config.actor_rollout_ref.rollout.prompt_length = 1000
    with caplog.at_level(logging.WARNING):
        _check(config)
    assert "leaves 24 of max_model_len=1024" in caplog.text


def test_every_problem_is_listed_with_its_key(config):
    config.algorithm.adv_estimator = "grpo"
    config.actor_rollout_ref.actor.ppo_mini_batch_size = 4
    with pytest.raises(ValueError) as error:
        _check(config)
    assert "algorithm.adv_estimator=grpo" in str(error.value)
    assert "actor_rollout_ref.actor.ppo_mini_batch_size" in str(error.value)


@pytest.mark.parametrize("key, value, message", [
    ("trainer.critic_warmup", 2, "trainer.critic_warmup=2: MGRPO has no critic"),
    ("skip.rollout.enable", True, "skip.rollout.enable=True: RolloutSkip replays one cached generation"),
])
def test_settings_mgrpo_cannot_honour_are_refused_by_name(config, key, value, message):
    from omegaconf import OmegaConf

    OmegaConf.update(config, key, value)
    with pytest.raises(ValueError, match=message):
        _check(config)


def test_more_steps_than_the_epochs_give_are_refused_with_the_epochs_to_set():
    check_step_count(None, 250, 1, val_only=False)  # veRL's default: as many steps as the epochs give
    check_step_count(500, 250, 2, val_only=False)
    with pytest.raises(ValueError, match=r"total_training_steps=380 .* 250 steps per epoch × "
                                         r"trainer.total_epochs=1 = 250; .* set trainer.total_epochs=2"):
        check_step_count(380, 250, 1, val_only=False)
    check_step_count(15, 2, 1, val_only=True)  # validation only (verl_mgrpo.evaluate): its train set is a stand-in
