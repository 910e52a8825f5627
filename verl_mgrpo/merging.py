"""One batch out of several layers, for MGRPO's single update: common widths, common fields, and rows that
carry no loss to make the batch size divide over workers and micro-batches."""

import uuid
from collections.abc import Sequence

import numpy as np
import torch
from verl import DataProto
from verl.utils.model import compute_position_id_with_mask

from verl_mgrpo.names import LAYER_KEY


def batch_multiple(config, world_size: int) -> int:
    """What a batch size must divide by (``config``: ``actor_rollout_ref``): rollout.n (the actor's mini-batch
    is counted in prompts) and, on every worker, each fixed micro-batch size of the old-log-prob, reference
    and update passes."""
    micro_sizes = [
        section.get(key) or 1
        for section, key in (
            (config.rollout, "log_prob_micro_batch_size_per_gpu"),
            (config.ref, "log_prob_micro_batch_size_per_gpu"),
            (config.actor, "ppo_micro_batch_size_per_gpu"),
        )
        if not section.get("log_prob_use_dynamic_bsz", section.get("use_dynamic_bsz", False))
    ]
    return int(np.lcm.reduce([config.rollout.n, *micro_sizes])) * world_size


def pad_rows(batch: DataProto, count: int) -> DataProto:
    """``batch`` plus ``count`` rows that carry no loss and no signal: copies of row 0 with a zero response
    mask and zero reward, each in a group of its own, at layer 0."""
    if count == 0:
        return batch
    filler = batch.select_idxs(np.zeros(count, dtype=np.int64))
    filler.batch["response_mask"] = torch.zeros_like(filler.batch["response_mask"])
    filler.batch["rm_scores"] = torch.zeros_like(filler.batch["rm_scores"])
    filler.non_tensor_batch["uid"] = np.array([f"padding-{uuid.uuid4()}" for _ in range(count)], dtype=object)
    if LAYER_KEY in filler.non_tensor_batch:
        filler.non_tensor_batch[LAYER_KEY] = np.zeros(count, dtype=np.int64)
    return DataProto.concat([batch, filler])


def _left_pad(tensor: torch.Tensor, width: int, value) -> torch.Tensor:
    return torch.nn.functional.pad(tensor, (width - tensor.shape[-1], 0), value=value)


def _right_pad(tensor: torch.Tensor, width: int, value) -> torch.Tensor:
    return torch.nn.functional.pad(tensor, (0, width - tensor.shape[-1]), value=value)


def repad(batch: DataProto, prompt_width: int, response_width: int, pad_token_id: int) -> DataProto:
    """The same rows with prompts left-padded to ``prompt_width`` and responses right-padded to
    ``response_width``; input ids, attention mask and position ids rebuilt to match."""
    tensors = batch.batch
    old_prompt = tensors["prompts"].shape[1]
    prompts = _left_pad(tensors["prompts"], prompt_width, pad_token_id)
    responses = _right_pad(tensors["responses"], response_width, pad_token_id)
    mask = torch.cat(
        [
            _left_pad(tensors["attention_mask"][:, :old_prompt], prompt_width, 0),
            _right_pad(tensors["attention_mask"][:, old_prompt:], response_width, 0),
        ],
        dim=1,
    )
    out = {
        "prompts": prompts,
        "responses": responses,
        "input_ids": torch.cat([prompts, responses], dim=1),
        "attention_mask": mask,
        "position_ids": compute_position_id_with_mask(mask),
    }
    for key, value in tensors.items():  # per-response-token tensors: response_mask, rm_scores, log-probs
        if key not in out and value.dim() == 2 and value.shape[1] == tensors["responses"].shape[1]:
            out[key] = _right_pad(value, response_width, 0)
        elif key not in out:
            raise ValueError(f"merge_layers: cannot re-pad batch tensor {key!r} of shape {tuple(value.shape)}")
    return DataProto.from_dict(tensors=out, non_tensors=dict(batch.non_tensor_batch), meta_info=dict(batch.meta_info))


def merge_layers(layers: Sequence[DataProto], pad_token_id: int) -> DataProto:
    """All layers' rows in one batch: common prompt and response widths, and the fields every layer has (a
    field only some layers carry, such as the continuation prompt ids or the dataset's dummy tensor, is
    dropped)."""
    layers = [layer for layer in layers if len(layer)]
    prompt_width = max(layer.batch["prompts"].shape[1] for layer in layers)
    response_width = max(layer.batch["responses"].shape[1] for layer in layers)
    shared = set.intersection(*(set(layer.non_tensor_batch) for layer in layers))
    tensor_keys = set.intersection(*(set(layer.batch.keys()) for layer in layers))
    padded = []
    for layer in layers:
        common = DataProto.from_dict(
            tensors={k: v for k, v in layer.batch.items() if k in tensor_keys},
            non_tensors={k: v for k, v in layer.non_tensor_batch.items() if k in shared},
            meta_info=layer.meta_info,
        )
        padded.append(repad(common, prompt_width, response_width, pad_token_id))
    return DataProto.concat(padded)
