"""MGRPO's layer-2 maths on veRL batches: correction queries, selection, augmentation, batch merging.

Pure functions of ``DataProto`` / token ids; the trainer only calls them in order (paper §4):

    q'_i = q ⊕ o_i ⊕ p_guide        correction_queries   (token ids, never re-templated text)
    keep q'_j whose continuation is right (G' ≤ G)   select_correct
    H more samples per kept q'_j, one group each     augment
    layer-1 and layer-2 rows in one batch            merge_layers
"""

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from verl import DataProto
from verl.utils.model import compute_position_id_with_mask

from verl_mgrpo.names import CONTINUATION_AGENT, GUIDE_KEY, LAYER_KEY, PARENT_KEY, PROMPT_IDS_KEY, REQUEST_KEY


def _find(sequence: list[int], pattern: list[int]) -> int:
    """First index of ``pattern`` in ``sequence``, or -1."""
    if not pattern:
        return -1
    for start in range(len(sequence) - len(pattern) + 1):
        if sequence[start : start + len(pattern)] == pattern:
            return start
    return -1


def answer_to_continue(
    response_ids: Sequence[int], think_end_ids: Sequence[int] = (), turn_end_ids: frozenset[int] = frozenset()
) -> tuple[list[int], bool]:
    """The part of a response that a correction continues, and whether tokens after its end of turn were dropped.

    The response is cut at its first end-of-turn token (that token and everything after it: a base model such
    as Qwen2.5-Math, whose eos is not the chat turn's end, may write on into a hallucinated next turn), then
    before ``</think>`` when it has one, so the model goes on in the same assistant turn."""
    response = list(response_ids)
    ends = [i for i, token in enumerate(response) if token in turn_end_ids]
    ran_past_turn_end = bool(ends) and ends[0] < len(response) - 1
    if ends:
        response = response[: ends[0]]
    cut = _find(response, list(think_end_ids))
    return (response[:cut] if cut >= 0 else response), ran_past_turn_end


def correction_query(
    prompt_ids: Sequence[int],
    response_ids: Sequence[int],
    guide_ids: Sequence[int],
    think_end_ids: Sequence[int] = (),
    turn_end_ids: frozenset[int] = frozenset(),
) -> list[int]:
    """q ⊕ o ⊕ p_guide on token ids, o cut as :func:`answer_to_continue` cuts it."""
    return list(prompt_ids) + answer_to_continue(response_ids, think_end_ids, turn_end_ids)[0] + list(guide_ids)


def valid_ids(batch: DataProto, row: int) -> tuple[list[int], list[int]]:
    """A row's prompt ids without left padding and response ids without right padding."""
    prompts, responses = batch.batch["prompts"], batch.batch["responses"]
    prompt_width = prompts.shape[1]
    mask = batch.batch["attention_mask"][row]
    prompt = prompts[row][mask[:prompt_width].bool()].tolist()
    response = responses[row][mask[prompt_width:].bool()].tolist()
    return prompt, response


@dataclass(frozen=True)
class GuideTokens:
    """The guide pool, tokenized once: each phrase with its separator from the response; and the tokens that
    mark where a response to be continued ends (``</think>``, the end-of-turn tokens)."""

    phrases: tuple[str, ...]
    ids: tuple[tuple[int, ...], ...]
    think_end_ids: tuple[int, ...]
    turn_end_ids: frozenset[int]

    @classmethod
    def build(
        cls, tokenizer, phrases: Sequence[str], separator: str, think_end: str, generation_eos_ids: Sequence[int] = ()
    ) -> "GuideTokens":
        encode = lambda text: tuple(tokenizer.encode(text, add_special_tokens=False))  # noqa: E731
        return cls(
            tuple(phrases),
            tuple(encode(separator + p) for p in phrases),
            encode(think_end),
            end_of_turn_ids(tokenizer, generation_eos_ids),
        )


TEMPLATE_PLACEHOLDER = "\u2063MGRPO\u2063"  # text no chat template adds itself


def chat_turn_end_id(tokenizer) -> int | None:
    """The special token the chat template closes an assistant turn with (``<|im_end|>`` in ChatML), if any."""
    if not getattr(tokenizer, "chat_template", None):
        return None
    conversation = [{"role": "user", "content": "q"}, {"role": "assistant", "content": TEMPLATE_PLACEHOLDER}]
    rendered = tokenizer.apply_chat_template(conversation, tokenize=False)
    after = rendered[rendered.index(TEMPLATE_PLACEHOLDER) + len(TEMPLATE_PLACEHOLDER) :]
    ids = tokenizer.encode(after, add_special_tokens=False)
    special = set(tokenizer.all_special_ids) | {
        token_id for token_id, token in tokenizer.added_tokens_decoder.items() if token.special
    }
    return ids[0] if ids and ids[0] in special else None


def end_of_turn_ids(tokenizer, generation_eos_ids: Sequence[int] = ()) -> frozenset[int]:
    """Every token that ends an assistant turn: the tokenizer's eos and pad, the model's generation-config eos
    ids (what the rollout server stops at) and the chat template's turn end. On Qwen2.5-Math base the first
    three are ``<|endoftext|>`` and only the last is ``<|im_end|>``."""
    ids = {tokenizer.eos_token_id, tokenizer.pad_token_id, chat_turn_end_id(tokenizer), *generation_eos_ids}
    return frozenset(ids - {None})


@dataclass
class CorrectionQueries:
    batch: DataProto  # generation input for the continuation agent loop, one row per kept query
    dropped_too_long: int
    ran_past_turn_end: int  # responses with tokens after their first end-of-turn token (dropped from the query)


def correction_queries(
    layer: DataProto, guides: GuideTokens, max_prompt_length: int, rng: random.Random, next_layer: int
) -> CorrectionQueries:
    """One correction query per row of ``layer``; queries longer than ``max_prompt_length`` are dropped and
    counted (veRL's agent loop would otherwise cut them from the left, losing the question)."""
    rows, queries, guide_index, ran_past_turn_end = [], [], [], 0
    for row in range(len(layer)):
        prompt, response = valid_ids(layer, row)
        choice = rng.randrange(len(guides.ids))
        answer, ran_past = answer_to_continue(response, guides.think_end_ids, guides.turn_end_ids)
        ran_past_turn_end += ran_past
        query = prompt + answer + list(guides.ids[choice])
        if len(query) <= max_prompt_length:
            rows.append(row)
            queries.append(query)
            guide_index.append(choice)
    non_tensor = {key: value[rows] for key, value in layer.non_tensor_batch.items() if key in _CARRIED_KEYS}
    prompt_ids = np.empty(len(rows), dtype=object)
    prompt_ids[:] = queries
    non_tensor.update(
        {
            PROMPT_IDS_KEY: prompt_ids,
            PARENT_KEY: np.array(rows, dtype=np.int64),
            LAYER_KEY: np.full(len(rows), next_layer, dtype=np.int64),
            "agent_name": np.array([CONTINUATION_AGENT] * len(rows), dtype=object),
            GUIDE_KEY: np.array([guides.phrases[i] for i in guide_index], dtype=object),
        }
    )
    return CorrectionQueries(DataProto.from_dict(non_tensors=non_tensor), len(layer) - len(rows), ran_past_turn_end)


# What a correction row inherits from the row it continues: what the reward needs, what groups it, the
# original question for logs, and the routing key.
_CARRIED_KEYS = {"data_source", "reward_model", "extra_info", "raw_prompt", "index", REQUEST_KEY, "uid"}


def select_correct(scores: torch.Tensor | np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Indices of the corrections the rule-based verifier accepts (score > threshold)."""
    return np.flatnonzero(np.asarray(scores, dtype=np.float64) > threshold)


def augment(queries: DataProto, kept: np.ndarray, samples: int, group_uids: np.ndarray) -> DataProto:
    """``samples`` generation inputs per kept query; the samples of ``kept[j]`` form group ``group_uids[j]``."""
    chosen = queries.select_idxs(kept)
    chosen.non_tensor_batch["uid"] = np.asarray(group_uids, dtype=object)
    return chosen.repeat(repeat_times=samples, interleave=True)


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


# --- one batch out of several layers -------------------------------------------------------------------------


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
