"""MGRPO's objective on the loss function veRL's engine calls: J_layer1 + layer_weight · J_layer≥2, each term
veRL's own ``ppo_loss`` over its rows (the run through veRL's workers on 2 ranks is in
tests/cpu/test_objective_e2e.py)."""

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_module
from omegaconf import open_dict
from verl.utils import tensordict_utils as tu
from verl.utils.config import omega_conf_to_dataclass
from verl.workers.utils.losses import ppo_loss

from verl_mgrpo.objective import LOSS_TERM_KEY, NORMALISERS_KEY, loss_terms, mgrpo_loss, term_normalisers

PROMPT, RESPONSE = 3, 5


def _actor_config(loss_agg_mode: str):
    import verl  # noqa: F401  (the plugin's resolvers)

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        config = compose(config_name="mgrpo_trainer_cpu")
    with open_dict(config):
        config.actor_rollout_ref.actor.loss_agg_mode = loss_agg_mode
        config.actor_rollout_ref.actor.kl_loss_coef = 0.5  # large, so a wrong KL normaliser shows
    return omega_conf_to_dataclass(config.actor_rollout_ref.actor)


class Rows:
    """Random rows as the engine hands them to the loss: padded tensors plus flat log-probs with a gradient."""

    def __init__(self, layers: list[int], seed: int = 0):
        generator = torch.Generator().manual_seed(seed)
        n = len(layers)
        self.layers = np.array(layers)
        lengths = torch.randint(1, RESPONSE + 1, (n,), generator=generator)
        self.attention = torch.cat([torch.ones(n, PROMPT), (torch.arange(RESPONSE)[None] < lengths[:, None])], 1)
        self.response_mask = self.attention[:, PROMPT:].clone()
        self.response_mask[self.layers == 0] = 0  # a padding row (pad_rows): a real row with no loss
        self.advantages = torch.randn(n, 1, generator=generator).expand(n, RESPONSE) * self.response_mask
        self.old_log_probs = -torch.rand(n, RESPONSE, generator=generator)
        self.ref_log_prob = -torch.rand(n, RESPONSE, generator=generator)
        # the new policy's log-prob of every token of every sequence: prompt and response, flattened
        self.sequence_log_probs = [
            -torch.rand(PROMPT + int(lengths[i]), generator=generator) for i in range(n)
        ]

    def data(self, rows, dp_size=1, normalisers=None) -> tuple[dict, dict]:
        rows = list(rows)
        log_probs = torch.cat([self.sequence_log_probs[i] for i in rows]).clone().requires_grad_(True)
        tensors = {
            "prompts": torch.ones(len(rows), PROMPT, dtype=torch.long),
            "responses": torch.ones(len(rows), RESPONSE, dtype=torch.long),
            "attention_mask": self.attention[rows].long(),
            "response_mask": self.response_mask[rows],
            "old_log_probs": self.old_log_probs[rows],
            "ref_log_prob": self.ref_log_prob[rows],
            "advantages": self.advantages[rows],
            LOSS_TERM_KEY: loss_terms(self.layers[rows]),
        }
        non_tensors = {
            "dp_size": dp_size,
            "batch_num_tokens": int(self.response_mask.sum()),
            "global_batch_size": len(self.layers),
            NORMALISERS_KEY: normalisers,
        }
        return tu.get_tensordict(tensors, non_tensors), {"log_probs": log_probs}


def _grad(loss, output):
    (grad,) = torch.autograd.grad(loss, output["log_probs"])
    return grad


LAYERS = [1, 1, 1, 1, 2, 2, 2, 0]  # 4 layer-1 rows, 3 layer-2 rows, 1 padding row


@pytest.mark.parametrize("mode", ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"])
def test_layer_weight_zero_is_veRLs_loss_on_the_layer_one_rows_alone(mode):
    config, rows = _actor_config(mode), Rows(LAYERS)
    layer1 = np.flatnonzero(rows.layers == 1)
    data, output = rows.data(layer1)
    tu.assign_non_tensor(data, batch_num_tokens=int(rows.response_mask[layer1].sum()), global_batch_size=len(layer1))
    expected_loss, _ = ppo_loss(config, output, data)
    expected_grad = _grad(expected_loss, output)

    normalisers = term_normalisers(loss_terms(rows.layers), rows.response_mask)
    data, output = rows.data(range(len(LAYERS)), normalisers=normalisers)
    loss, metrics = mgrpo_loss(config, output, data, layer_weight=0.0)
    grad = _grad(loss, output)
    assert loss.item() == pytest.approx(expected_loss.item(), rel=1e-6)
    layer1_tokens = torch.cat([torch.full((len(rows.sequence_log_probs[i]),), bool(rows.layers[i] == 1))
                               for i in range(len(LAYERS))])
    assert torch.allclose(grad[layer1_tokens], expected_grad, atol=1e-7)
    assert not grad[~layer1_tokens].any()  # layer 2 and padding: no gradient at weight 0
    assert "layer2plus/pg_loss" in metrics  # layer 2's term is still measured

    # veRL's loss over the merged batch (what MGRPO did before): layer 2 dilutes layer 1
    merged, output = rows.data(range(len(LAYERS)))
    merged["advantages"] = merged["advantages"] * torch.from_numpy(rows.layers == 1)[:, None]
    diluted_grad = _grad(ppo_loss(config, output, merged)[0], output)
    assert not torch.allclose(diluted_grad[layer1_tokens], expected_grad, atol=1e-4)


@pytest.mark.parametrize("mode", ["token-mean", "seq-mean-token-mean"])
def test_the_sum_is_the_same_over_two_ranks_and_any_micro_batches(mode):
    """Each rank's loss carries dp_size and the global normalisers; averaged over ranks (what data-parallel
    gradient averaging does) and summed over micro-batches it is the one-rank loss."""
    config, rows = _actor_config(mode), Rows(LAYERS, seed=1)
    normalisers = term_normalisers(loss_terms(rows.layers), rows.response_mask)
    data, output = rows.data(range(len(LAYERS)), normalisers=normalisers)
    whole, _ = mgrpo_loss(config, output, data, layer_weight=0.7)
    parts = []
    for rank_rows in ([0, 4, 7], [1, 5], [2, 3, 6]):  # 2 ranks: the first with 2 micro-batches
        data, output = rows.data(rank_rows, dp_size=2, normalisers=normalisers)
        parts.append(mgrpo_loss(config, output, data, layer_weight=0.7)[0])
    rank0, rank1 = parts[0] + parts[1], parts[2]
    assert ((rank0 + rank1) / 2).item() == pytest.approx(whole.item(), rel=1e-6)


def test_layer_two_term_is_layer_weight_times_veRLs_loss_on_its_rows():
    config, rows = _actor_config("token-mean"), Rows(LAYERS, seed=2)
    normalisers = term_normalisers(loss_terms(rows.layers), rows.response_mask)
    data, output = rows.data(range(len(LAYERS)), normalisers=normalisers)
    at_zero = mgrpo_loss(config, output, data, layer_weight=0.0)[0]
    at_two = mgrpo_loss(config, output, data, layer_weight=2.0)[0]
    upper = np.flatnonzero(rows.layers == 2)
    data, output = rows.data(upper)
    tu.assign_non_tensor(data, batch_num_tokens=int(rows.response_mask[upper].sum()), global_batch_size=len(upper))
    alone = ppo_loss(config, output, data)[0]
    assert (at_two - at_zero).item() == pytest.approx(2.0 * alone.item(), rel=1e-5)


def test_normalisers_count_each_terms_tokens_and_rows_and_skip_padding():
    terms = loss_terms(np.array([1, 1, 2, 3, 0]))
    assert terms.tolist() == [1, 1, 2, 2, 0]
    mask = torch.tensor([[1, 1, 0], [1, 0, 0], [1, 1, 1], [1, 0, 0], [0, 0, 0]])
    assert term_normalisers(terms, mask) == {
        1: {"batch_num_tokens": 3, "global_batch_size": 2}, 2: {"batch_num_tokens": 4, "global_batch_size": 2}}


def test_a_batch_without_the_trainers_normalisers_is_refused():
    config, rows = _actor_config("token-mean"), Rows([1, 1])
    data, output = rows.data([0, 1])
    with pytest.raises(ValueError, match="mgrpo_loss_normalisers"):
        mgrpo_loss(config, output, data)
