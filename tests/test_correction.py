"""Layer-2 construction, selection, augmentation (correction.py) and batch merging (merging.py), with
hand-computed expectations."""

import random

import numpy as np
import pytest
import torch
from verl import DataProto

from verl_mgrpo.correction import (
    RIGHT_ABOVE, GuideTokens, augment, correction_queries, correction_query, is_right, new_group_uids, select,
    in_groups, valid_ids,
)
from verl_mgrpo.merging import batch_multiple, merge_layers, pad_rows
from verl_mgrpo.names import CONTINUATION_AGENT, LAYER_KEY, PARENT_KEY, PROMPT_IDS_KEY

PAD, EOS, THINK_END = 0, 99, [50, 51]


def test_query_is_prompt_then_response_then_guide():
    assert correction_query([1, 2], [3, 4, EOS], [7, 8], THINK_END, frozenset({EOS})) == [1, 2, 3, 4, 7, 8]


def test_query_cuts_the_response_before_think_end():
    response = [3, 4, 50, 51, 5, 6, EOS]
    assert correction_query([1], response, [7], THINK_END, frozenset({EOS})) == [1, 3, 4, 7]


def test_response_without_think_end_is_used_whole_and_half_a_marker_is_not_a_marker():
    assert correction_query([1], [3, 50, 4], [7], THINK_END, frozenset({EOS})) == [1, 3, 50, 4, 7]


def test_empty_response_gives_prompt_and_guide():
    assert correction_query([1, 2], [], [7], THINK_END, frozenset({EOS})) == [1, 2, 7]
    assert correction_query([1, 2], [EOS], [7], THINK_END, frozenset({EOS})) == [1, 2, 7]


def _layer(rows: list[tuple[list[int], list[int], float]], prompt_width=4, response_width=4) -> DataProto:
    """A veRL rollout batch: left-padded prompts, right-padded responses, score on the last response token."""
    prompts = torch.full((len(rows), prompt_width), PAD)
    responses = torch.full((len(rows), response_width), PAD)
    mask = torch.zeros((len(rows), prompt_width + response_width), dtype=torch.long)
    scores = torch.zeros((len(rows), response_width))
    for i, (prompt, response, score) in enumerate(rows):
        prompts[i, prompt_width - len(prompt):] = torch.tensor(prompt)
        mask[i, prompt_width - len(prompt): prompt_width] = 1
        if response:
            responses[i, : len(response)] = torch.tensor(response)
            mask[i, prompt_width: prompt_width + len(response)] = 1
            scores[i, len(response) - 1] = score
    return DataProto.from_dict(
        tensors={"prompts": prompts, "responses": responses, "input_ids": torch.cat([prompts, responses], 1),
                 "attention_mask": mask, "position_ids": torch.clip(mask.cumsum(-1) - 1, min=0),
                 "response_mask": mask[:, prompt_width:], "rm_scores": scores},
        non_tensors={"uid": np.array(["a", "a", "b"][: len(rows)], dtype=object),
                     "data_source": np.array(["arith"] * len(rows), dtype=object),
                     "reward_model": np.array([{"ground_truth": "3"}] * len(rows), dtype=object),
                     "acc": np.array([s > 0.5 for *_, s in rows])},
    )


GUIDES = GuideTokens(("check",), ((7, 8),), tuple(THINK_END), frozenset({EOS, PAD}))


def test_valid_ids_strip_padding():
    layer = _layer([([1, 2], [3, EOS], 1.0)])
    assert valid_ids(layer, 0) == ([1, 2], [3, EOS])


def test_correction_queries_carry_the_reward_fields_and_drop_what_is_too_long():
    layer = _layer([([1, 2], [3, EOS], 1.0), ([1, 2, 3, 4], [5, 6, 7, EOS], 0.0), ([9], [], 0.0)])
    queries = correction_queries(layer, GUIDES, max_prompt_length=6, rng=random.Random(0), next_layer=2)
    assert queries.dropped_too_long == 1  # 4 + 3 + 2 = 9 tokens > 6: dropped, not cut
    batch = queries.batch
    assert [list(ids) for ids in batch.non_tensor_batch[PROMPT_IDS_KEY]] == [[1, 2, 3, 7, 8], [9, 7, 8]]
    assert list(batch.non_tensor_batch[PARENT_KEY]) == [0, 2]
    assert list(batch.non_tensor_batch[LAYER_KEY]) == [2, 2]
    assert list(batch.non_tensor_batch["agent_name"]) == [CONTINUATION_AGENT] * 2
    assert list(batch.non_tensor_batch["data_source"]) == ["arith", "arith"]
    assert "acc" not in batch.non_tensor_batch  # the layer below's verdicts are not the correction's


def test_guides_are_drawn_from_the_whole_pool():
    guides = GuideTokens(("a", "b", "c"), ((1,), (2,), (3,)), (), frozenset())
    layer = _layer([([1], [2], 1.0)])
    drawn = {tuple(correction_queries(layer, guides, 10, random.Random(seed), 2).batch.non_tensor_batch[
        PROMPT_IDS_KEY][0]) for seed in range(30)}
    assert drawn == {(1, 2, 1), (1, 2, 2), (1, 2, 3)}


def test_selection_keeps_the_right_continuations():
    assert list(select(torch.tensor([1.0, 0.0, 1.0, 0.4]), np.zeros(4), np.arange(4)).kept) == [0, 2]
    assert list(select(np.zeros(3), np.zeros(3), np.arange(3)).kept) == []


def test_selection_judges_each_correction_and_the_answer_it_continued():
    # corrections 0..3 continue answers 2, 0, 0, 1 of the layer below (scores 1, 0, 1)
    selection = select(np.array([0.0, 1.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0]), np.array([2, 0, 0, 1]))
    assert selection.right.tolist() == [False, True, True, False]
    assert selection.parent_right.tolist() == [True, True, True, False]


def test_right_means_a_score_above_one_threshold():
    assert RIGHT_ABOVE == 0.5
    assert is_right(np.array([1.0, 0.5, 0.51, 0.0, -1.0])).tolist() == [True, False, True, False, False]
    assert bool(is_right(1.0)) and not bool(is_right(0.0))


def test_the_selecting_sample_joins_its_querys_group():
    corrections = _layer([([1], [2], 1.0), ([1], [3], 0.0), ([4], [5], 1.0)])
    uids = new_group_uids(2)
    joined = in_groups(corrections, np.array([0, 2]), uids)
    assert list(joined.non_tensor_batch["uid"]) == list(uids) and len(set(uids)) == 2
    assert joined.batch["responses"][:, 0].tolist() == [2, 5]


def test_augmentation_makes_one_group_per_kept_query():
    layer = _layer([([1], [2], 1.0), ([1], [3], 0.0), ([4], [5], 1.0)])
    queries = correction_queries(layer, GUIDES, 10, random.Random(0), 2).batch
    groups = augment(queries, np.array([0, 2]), samples=3, group_uids=np.array(["g0", "g2"]))
    assert list(groups.non_tensor_batch["uid"]) == ["g0"] * 3 + ["g2"] * 3
    assert [list(x) for x in groups.non_tensor_batch[PROMPT_IDS_KEY]] == [[1, 2, 7, 8]] * 3 + [[4, 5, 7, 8]] * 3


def test_augment_n_zero_gives_no_rows():
    queries = correction_queries(_layer([([1], [2], 1.0)]), GUIDES, 10, random.Random(0), 2).batch
    assert len(augment(queries, np.array([0]), samples=0, group_uids=np.array(["g"]))) == 0


def test_merge_repads_rows_of_different_widths_with_masks_and_positions_right():
    first = _layer([([1, 2], [3, EOS], 1.0)], prompt_width=2, response_width=2)
    second = _layer([([1, 2, 3, 7], [4, 5, 6], 1.0)], prompt_width=4, response_width=3)
    first.non_tensor_batch[LAYER_KEY] = np.array([1])
    second.non_tensor_batch[LAYER_KEY] = np.array([2])
    merged = merge_layers([first, second], pad_token_id=PAD)
    assert merged.batch["prompts"].tolist() == [[PAD, PAD, 1, 2], [1, 2, 3, 7]]
    assert merged.batch["responses"].tolist() == [[3, EOS, PAD], [4, 5, 6]]
    assert merged.batch["attention_mask"].tolist() == [[0, 0, 1, 1, 1, 1, 0], [1] * 7]
    assert merged.batch["position_ids"].tolist() == [[0, 0, 0, 1, 2, 3, 3], list(range(7))]
    assert merged.batch["input_ids"].tolist() == [[PAD, PAD, 1, 2, 3, EOS, PAD], [1, 2, 3, 7, 4, 5, 6]]
    assert merged.batch["rm_scores"].sum(-1).tolist() == [1.0, 1.0]
    assert merged.batch["rm_scores"][0].tolist() == [0.0, 1.0, 0.0]  # still on the last response token
    assert list(merged.non_tensor_batch[LAYER_KEY]) == [1, 2]
    for row in range(2):  # the rows read back exactly as they were
        assert valid_ids(merged, row) == valid_ids([first, second][row], 0)


def test_merge_keeps_only_fields_every_layer_has():
    first, second = _layer([([1], [2], 1.0)]), _layer([([1], [2], 1.0)])
    second.non_tensor_batch[PROMPT_IDS_KEY] = np.array([[1]], dtype=object)
    first.batch["dummy_tensor"] = torch.zeros(1, 1)  # veRL's dataset adds one to layer-1 rows only
    merged = merge_layers([first, second], PAD)
    assert PROMPT_IDS_KEY not in merged.non_tensor_batch and "dummy_tensor" not in merged.batch.keys()


def test_padding_rows_carry_no_loss_and_no_group():
    batch = pad_rows(_layer([([1], [2], 1.0), ([1], [3], 1.0)]), 2)
    assert len(batch) == 4
    assert batch.batch["response_mask"][2:].sum() == 0 and batch.batch["rm_scores"][2:].sum() == 0
    assert len(set(batch.non_tensor_batch["uid"][2:]) | {"a"}) == 3
    assert pad_rows(batch, 0) is batch


@pytest.mark.parametrize("text", ["</think>"])
def test_guide_tokens_from_a_real_tokenizer(text):
    from transformers import AutoTokenizer

    from verl_mgrpo.defaults import MODEL_DIR

    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    guides = GuideTokens.build(tokenizer, ["Wait, let me double-check that."], "\n", text)
    assert tokenizer.decode(list(guides.ids[0])) == "\nWait, let me double-check that."
    assert tokenizer.decode(list(guides.think_end_ids)) == text
    assert tokenizer.eos_token_id in guides.turn_end_ids


@pytest.fixture(scope="module")
def qwen_base_tokenizer():
    """Qwen2.5-Math base's layout: eos = pad = <|endoftext|>; the chat turn ends with <|im_end|>."""
    from transformers import AutoTokenizer

    from verl_mgrpo.defaults import QWEN_BASE_LAYOUT_DIR

    tokenizer = AutoTokenizer.from_pretrained(QWEN_BASE_LAYOUT_DIR)
    assert tokenizer.eos_token == tokenizer.pad_token == "<|endoftext|>"
    return tokenizer


def test_turn_end_of_a_base_model_layout_comes_from_the_chat_template(qwen_base_tokenizer):
    from verl.utils.model import get_generation_config

    from verl_mgrpo.correction import end_of_turn_ids
    from verl_mgrpo.defaults import QWEN_BASE_LAYOUT_DIR

    generation_eos = get_generation_config(str(QWEN_BASE_LAYOUT_DIR)).eos_token_id
    ids = end_of_turn_ids(qwen_base_tokenizer, [generation_eos])
    assert ids == {qwen_base_tokenizer.convert_tokens_to_ids(t) for t in ("<|endoftext|>", "<|im_end|>")}


def test_a_response_that_runs_past_its_turn_end_is_cut_at_the_first_one(qwen_base_tokenizer):
    from verl_mgrpo.correction import answer_to_continue, end_of_turn_ids

    tokenizer = qwen_base_tokenizer
    guides = GuideTokens.build(tokenizer, ["Wait, let me double-check that."], "\n", "</think>")
    question = tokenizer.apply_chat_template([{"role": "user", "content": "1+1?"}], add_generation_prompt=True,
                                             tokenize=True, return_dict=False)
    answer = tokenizer.encode("\\boxed{2}<|im_end|>\n<|im_start|>user\nnext?<|im_end|><|endoftext|>",
                              add_special_tokens=False)
    assert answer_to_continue(answer, guides.think_end_ids, end_of_turn_ids(tokenizer))[1]
    layer = _layer([(question, answer, 1.0)], prompt_width=len(question), response_width=len(answer))
    query = correction_queries(layer, guides, 1000, random.Random(0), 2)
    text = tokenizer.decode(list(query.batch.non_tensor_batch[PROMPT_IDS_KEY][0]))
    assert text.endswith("assistant\n\\boxed{2}\nWait, let me double-check that.")  # the same assistant turn
    assert query.ran_past_turn_end == 1
    # an answer that ends at its turn end has nothing cut after it
    clean = tokenizer.encode("\\boxed{2}<|im_end|>", add_special_tokens=False)
    clean_layer = _layer([(question, clean, 1.0)], prompt_width=len(question), response_width=len(clean))
    assert correction_queries(clean_layer, guides, 1000, random.Random(0), 2).ran_past_turn_end == 0


def test_think_end_cut_applies_within_the_turn():
    from verl_mgrpo.correction import answer_to_continue

    assert answer_to_continue([1, *THINK_END, 3, EOS, 4], tuple(THINK_END), frozenset({EOS})) == ([1], True)
    assert answer_to_continue([1, 2, EOS], tuple(THINK_END), frozenset({EOS})) == ([1, 2], False)


def test_the_batch_divides_by_n_and_every_fixed_micro_batch_on_every_worker():
    from omegaconf import OmegaConf

    config = OmegaConf.create({
        "rollout": {"n": 4, "log_prob_micro_batch_size_per_gpu": 6, "log_prob_use_dynamic_bsz": False},
        "ref": {"log_prob_micro_batch_size_per_gpu": 3, "log_prob_use_dynamic_bsz": False},
        "actor": {"ppo_micro_batch_size_per_gpu": 5, "use_dynamic_bsz": True},  # dynamic: any size divides
    })
    assert batch_multiple(config, world_size=2) == 12 * 2
