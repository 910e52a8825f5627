"""MGRPO's objective: J_layer1 + layer_weight · J_layer≥2 (paper eq. 3 and 6), each term veRL's own PPO loss.

veRL's loss aggregation (``actor.loss_agg_mode``) normalises over the whole mini-batch across data-parallel
ranks: one loss over the merged batch would let every layer-2 token dilute layer 1, so that layer 1 steps less
than GRPO at the same learning rate, and ``layer_weight=0`` would still not be GRPO. Here each term is veRL's
``ppo_loss`` (the policy loss of ``actor.policy_loss.loss_mode``, the KL loss, the entropy bonus) over its own
rows only, normalised by its own global token count (``token-mean``) or row count (``seq-mean-*``):

    loss = ppo_loss(layer-1 rows) + layer_weight · ppo_loss(rows of layers ≥ 2)

so the layer-1 term is exactly the loss veRL's GRPO computes on the layer-1 rows alone, whatever the ranks,
micro-batches or dynamic batch size. Padding rows belong to neither term.

Normalisation of the layer-2 term: per row (the same ``loss_agg_mode`` over all layer-2 rows). Eq. 6 averages
over the kept groups, then over each group's H samples; every layer-2 group has the same size (H, or H + 1
with ``keep_selecting_sample``), so the mean over rows is that mean over groups.
"""

from functools import partial

import numpy as np
import torch
from tensordict import TensorDict
from verl.utils import tensordict_utils as tu
from verl.workers.utils.losses import ppo_loss

# Per-row tensor the loss reads: which term a row belongs to.
LOSS_TERM_KEY = "mgrpo_loss_term"
PADDING, LAYER1, UPPER_LAYERS = 0, 1, 2
# meta_info entry: each term's global token and row counts over the mini-batch, computed by the trainer.
NORMALISERS_KEY = "mgrpo_loss_normalisers"
LAYER2_METRIC_PREFIX = "layer2plus/"


def loss_terms(layers: np.ndarray) -> torch.Tensor:
    """The loss term of each row from its layer (0 marks padding rows)."""
    layers = np.asarray(layers, dtype=np.int64)
    return torch.from_numpy(np.minimum(layers, UPPER_LAYERS))


def term_normalisers(terms: torch.Tensor, response_mask: torch.Tensor) -> dict[int, dict[str, int]]:
    """Each term's ``batch_num_tokens`` (response tokens) and ``global_batch_size`` (rows with a response
    token): the denominators veRL's aggregation would use if the term's rows were the whole mini-batch."""
    tokens = response_mask.sum(dim=-1)
    return {
        term: {
            "batch_num_tokens": int(tokens[terms == term].sum()),
            "global_batch_size": int((tokens[terms == term] > 0).sum()),
        }
        for term in (LAYER1, UPPER_LAYERS)
    }


def _only_rows(mask: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """``mask`` with the rows outside ``keep`` zeroed; nested (jagged) masks stay nested."""
    if mask.is_nested:
        rows = [row * keep[i].to(row.dtype) for i, row in enumerate(mask.unbind())]
        return torch.nested.as_nested_tensor(rows, layout=torch.jagged)
    return mask * keep.to(mask.dtype).unsqueeze(-1)


def _term_data(data: TensorDict, term: int, normalisers: dict[str, int]) -> TensorDict:
    part = data.clone(recurse=False)
    keep = data[LOSS_TERM_KEY] == term
    part["response_mask"] = _only_rows(data["response_mask"], keep)
    tu.assign_non_tensor(part, **normalisers)
    return part


def mgrpo_loss(config, model_output, data: TensorDict, dp_group=None, layer_weight: float = 1.0):
    """veRL's loss-function signature (``TrainingWorker.set_loss_fn``); ``config`` is the actor's config."""
    normalisers = tu.get_non_tensor_data(data, NORMALISERS_KEY, None)
    if normalisers is None:
        raise ValueError(f"mgrpo_loss: the batch lacks meta_info[{NORMALISERS_KEY!r}] (set by RayMGRPOTrainer)")
    loss, metrics = ppo_loss(config, model_output, _term_data(data, LAYER1, normalisers[LAYER1]), dp_group)
    if normalisers[UPPER_LAYERS]["batch_num_tokens"] > 0:  # decided on global counts: every rank agrees
        upper_loss, upper_metrics = ppo_loss(
            config, model_output, _term_data(data, UPPER_LAYERS, normalisers[UPPER_LAYERS]), dp_group
        )
        loss = loss + layer_weight * upper_loss
        metrics.update({LAYER2_METRIC_PREFIX + key.removeprefix("actor/"): v for key, v in upper_metrics.items()})
    return loss, metrics


def make_loss_fn(actor_config, layer_weight: float):
    return partial(mgrpo_loss, config=actor_config, layer_weight=layer_weight)
