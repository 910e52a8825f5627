import numpy as np
import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf
from verl.utils.config import omega_conf_to_dataclass

from verl_mgrpo.config import MGRPOConfig
from verl_mgrpo.guides import DEFAULT_GUIDE_PHRASES
from verl_mgrpo.metrics import group_outcome_shares, signal_token_shares, transition_rates


def test_transition_rates_hand_computed():
    rates = transition_rates([True, True, False, False, False], [True, False, True, False, True])
    assert rates == pytest.approx({"acc_t1": 0.4, "acc_t2": 0.6, "delta": 0.2, "i2c": 0.4, "c2i": 0.2})


def test_group_outcome_shares_split_groups_into_mixed_all_right_and_all_wrong():
    correct = [True, False, True, True, False, False, True]
    groups = ["a", "a", "b", "b", "c", "c", "d"]
    shares = group_outcome_shares(correct, groups)  # "a" mixed; "b", "d" (one sample) all right; "c" all wrong
    assert shares == {"mixed_groups": 0.25, "all_right_groups": 0.5, "all_wrong_groups": 0.25}
    assert group_outcome_shares([], []) == {"mixed_groups": 0.0, "all_right_groups": 0.0, "all_wrong_groups": 0.0}


def test_signal_token_shares_count_response_tokens_with_a_non_zero_advantage_per_layer():
    import torch

    advantages = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0], [2.0, 2.0, 2.0]])
    mask = torch.tensor([[1, 1, 0], [1, 1, 1], [1, 0, 0], [1, 1, 1]])
    shares = signal_token_shares(advantages, mask, np.array([1, 2, 2, 0]))  # the last row: padding
    assert shares == {"mgrpo/layer1/signal_token_share": 1.0, "mgrpo/layer2/signal_token_share": 0.25}


def test_layer_metrics_of_a_hand_made_layer():
    import numpy as np
    import torch
    from verl import DataProto

    from verl_mgrpo.metrics import layer_metrics

    # 4 samples in 2 groups; scores on the last response token; prompts of 2 and 1 tokens, responses of 3 and 1.
    scores = torch.zeros(4, 3)
    scores[0, 2], scores[2, 0] = 1.0, 1.0
    layer = DataProto.from_dict(
        tensors={"rm_scores": scores, "prompts": torch.zeros(4, 2, dtype=torch.long),
                 "response_mask": torch.tensor([[1, 1, 1], [1, 0, 0], [1, 0, 0], [1, 1, 1]]),
                 "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [0, 1, 1, 0, 0], [0, 1, 1, 0, 0], [1, 1, 1, 1, 1]])},
        non_tensors={"uid": np.array(["a", "a", "b", "b"], dtype=object)},
    )
    assert layer_metrics(layer, 2) == {
        "mgrpo/layer2/acc": 0.5, "mgrpo/layer2/samples": 4, "mgrpo/layer2/groups": 2,
        "mgrpo/layer2/mixed_groups": 1.0, "mgrpo/layer2/all_right_groups": 0.0, "mgrpo/layer2/all_wrong_groups": 0.0,
        "mgrpo/layer2/response_tokens": 8.0,
        "mgrpo/layer2/response_length_mean": 2.0, "mgrpo/layer2/prompt_tokens": 6.0,
    }


def test_transition_rates_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="3 first answers|\\(3,\\) first"):
        transition_rates([True] * 3, [True] * 2)


@pytest.mark.parametrize(
    "field,value,message",
    [("num_layers", 0, "num_layers=0"), ("augment_n", -1, "augment_n=-1"), ("guide_phrases", [], "guide_phrases"),
     ("layer_weight", -1.0, "layer_weight"), ("max_correction_length", 0, "max_correction_length")],
)
def test_bad_settings_say_what_to_do(field, value, message):
    with pytest.raises(ValueError, match=message):
        MGRPOConfig(**{field: value})


def test_augment_n_zero_needs_the_selecting_sample():
    with pytest.raises(ValueError, match="leaves layer 2 empty"):
        MGRPOConfig(augment_n=0)
    assert MGRPOConfig(augment_n=0, keep_selecting_sample=True).augment_n == 0


@pytest.mark.parametrize("config_name", ["mgrpo_trainer", "mgrpo_trainer_cpu"])
def test_packaged_configs_compose_on_verls_and_type_check(config_name):
    import verl  # noqa: F401  (plugin: resolvers)

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        config = compose(config_name=config_name)
    assert config.algorithm.adv_estimator == "mgrpo" and config.trainer.use_v1 is False
    assert "actor_rollout_ref" in config  # veRL's own tree underneath
    mgrpo = omega_conf_to_dataclass(config.mgrpo, dataclass_type=MGRPOConfig)
    assert tuple(mgrpo.guide_phrases) == DEFAULT_GUIDE_PHRASES  # from guides.py, the one place they are written
    OmegaConf.resolve(config)  # every interpolation resolves


def test_the_yaml_mgrpo_section_holds_the_dataclass_defaults():
    from dataclasses import fields

    from verl_mgrpo.guides import PACKAGED_ADDITIONS

    section = OmegaConf.load(PACKAGED_ADDITIONS).mgrpo
    declared = {f.name for f in fields(MGRPOConfig) if not f.name.startswith("_")}
    assert set(section) - {"_target_"} == declared  # every setting overridable, none undocumented
    defaults = MGRPOConfig()
    assert {name: OmegaConf.to_object(section)[name] for name in declared} == {
        name: getattr(defaults, name) for name in declared}
