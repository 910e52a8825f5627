"""MGRPO's layer-2 maths and decisions on veRL batches: correction queries, selection, augmentation.

Pure functions of ``DataProto`` / token ids; the trainer only calls them in order (paper §4):

    q'_i = q ⊕ o_i ⊕ p_guide        correction_queries   (token ids, never re-templated text)
    keep q'_j whose continuation is right (G' ≤ G)   select   (one threshold: RIGHT_ABOVE)
    H more samples per kept q'_j, one group each     augment  (new_group_uids, in_groups)

Merging the layers into one batch for the update is :mod:`verl_mgrpo.merging`.
"""

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from verl import DataProto

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


# --- the layer's decisions -------------------------------------------------------------------------------------

RIGHT_ABOVE = 0.5  # a sample is right when its outcome score is above this (rule-based rewards are 1 or 0)


def is_right(scores: torch.Tensor | np.ndarray | float) -> np.ndarray:
    """The verifier's verdict on each sample, from its outcome score."""
    return np.asarray(scores, dtype=np.float64) > RIGHT_ABOVE


@dataclass(frozen=True)
class Selection:
    """Stage 3 of a layer: the verdict on each correction and on the answer it continued, and which
    correction queries are kept (their continuation is right)."""

    right: np.ndarray
    parent_right: np.ndarray
    kept: np.ndarray


def select(correction_scores, parent_scores, parents: np.ndarray) -> Selection:
    """Keep the q'_j whose continuation the verifier accepts (G' ≤ G); ``parents[j]`` is the row of the layer
    below that q'_j continued."""
    right = is_right(correction_scores)
    return Selection(right=right, parent_right=is_right(parent_scores)[parents], kept=np.flatnonzero(right))


def new_group_uids(count: int) -> np.ndarray:
    """``count`` fresh GRPO group ids (one per question, or per kept query)."""
    return np.array([str(uuid.uuid4()) for _ in range(count)], dtype=object)


def in_groups(batch: DataProto, kept: np.ndarray, group_uids: np.ndarray) -> DataProto:
    """The rows ``kept``, row ``kept[j]`` in group ``group_uids[j]``. With ``mgrpo.keep_selecting_sample`` the
    kept corrections themselves join their queries' groups this way."""
    chosen = batch.select_idxs(kept)
    chosen.non_tensor_batch["uid"] = np.asarray(group_uids, dtype=object)
    return chosen


def augment(queries: DataProto, kept: np.ndarray, samples: int, group_uids: np.ndarray) -> DataProto:
    """``samples`` generation inputs per kept query; the samples of ``kept[j]`` form group ``group_uids[j]``."""
    return in_groups(queries, kept, group_uids).repeat(repeat_times=samples, interleave=True)
