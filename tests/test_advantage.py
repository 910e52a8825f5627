import numpy as np
import pytest
import torch
from verl.trainer.ppo.core_algos import compute_grpo_outcome_advantage, get_adv_estimator_fn

from verl_mgrpo.advantage import compute_mgrpo_outcome_advantage


def _rewards(scores, length=3):
    rewards = torch.zeros(len(scores), length)
    rewards[:, -1] = torch.tensor(scores, dtype=torch.float32)
    return rewards


def test_registered_with_verl_under_mgrpo():
    assert get_adv_estimator_fn("mgrpo") is compute_mgrpo_outcome_advantage


def test_hand_computed_group_relative_advantages():
    mask = torch.ones(4, 3)
    adv, returns = compute_mgrpo_outcome_advantage(_rewards([1, 0, 1, 1]), mask, np.array(["a", "a", "b", "b"]))
    # group a: mean 0.5, unbiased std 0.7071 -> +-0.7071; group b: all equal -> 0
    assert torch.allclose(adv[:, 0], torch.tensor([0.70710, -0.70710, 0.0, 0.0]), atol=1e-4)
    assert torch.equal(adv, returns) and torch.equal(adv[:, 0], adv[:, 2])


def test_one_sample_groups_have_no_signal():
    adv, _ = compute_mgrpo_outcome_advantage(_rewards([1.0]), torch.ones(1, 3), np.array(["solo"]))
    assert adv.abs().sum() == 0
    grpo, _ = compute_grpo_outcome_advantage(_rewards([1.0]), torch.ones(1, 3), np.array(["solo"]))
    assert grpo.abs().sum() > 0  # veRL's GRPO gives a lone sample its raw score


@pytest.mark.parametrize("norm", [True, False])
def test_equals_verls_grpo_when_every_group_has_two_or_more_samples(norm):
    generator = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 2, (32,), generator=generator).float().tolist()
    index = np.repeat(np.arange(8), 4).astype(str)
    mask = (torch.rand(32, 3, generator=generator) > 0.2).float()
    ours, _ = compute_mgrpo_outcome_advantage(_rewards(scores), mask, index, norm_adv_by_std_in_grpo=norm)
    theirs, _ = compute_grpo_outcome_advantage(_rewards(scores), mask, index, norm_adv_by_std_in_grpo=norm)
    assert torch.allclose(ours, theirs)


def test_padding_rows_in_groups_of_one_get_zero_advantage():
    index = np.array(["a", "a", "b", "b", "pad"])
    adv, _ = compute_mgrpo_outcome_advantage(_rewards([1, 0, 1, 0, 1]), torch.ones(5, 3), index)
    assert torch.allclose(adv[:, 0], torch.tensor([0.70710, -0.70710, 0.70710, -0.70710, 0.0]), atol=1e-4)


def test_reads_the_std_switch_from_verls_algorithm_config():
    adv, _ = compute_mgrpo_outcome_advantage(_rewards([1, 0]), torch.ones(2, 3), np.array(["a", "a"]),
                                             config={"norm_adv_by_std_in_grpo": False})
    assert torch.allclose(adv[:, 0], torch.tensor([0.5, -0.5]))
