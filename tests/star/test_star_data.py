"""STaR training rows from generation records: which samples are kept, what is trained, clear errors."""

import pandas as pd
import pytest

from verl_mgrpo.eval.second_turn import PROMPT_INSTRUCTION
from verl_mgrpo.star.data import problem_prompts, star_messages, star_rows

PROMPT = [{"role": "system", "content": "Reason step by step."}, {"role": "user", "content": "1+1?"}]


def _record(correct_t1, correct_t2, problem="p1", generated=True, answer_t2="2"):
    return {"data_source": "arith", "id": problem, "second_turn": "prompt", "second_turn_generated": generated,
            "answer_t1": "3" if not correct_t1 else "2", "correct_t1": correct_t1,
            "answer_t2": answer_t2, "correct_t2": correct_t2}


def test_external_prompt_keeps_accepted_revisions_and_trains_only_the_revision():
    messages = star_messages(_record(False, True), PROMPT, "external_prompt")
    assert messages == PROMPT + [{"role": "assistant", "content": "3", "train": False},
                                 {"role": "user", "content": PROMPT_INSTRUCTION},
                                 {"role": "assistant", "content": "2"}]
    assert star_messages(_record(True, True), PROMPT, "external_prompt")[-1]["content"] == "2"  # right stays right
    assert star_messages(_record(True, False), PROMPT, "external_prompt") is None
    assert star_messages(_record(False, True, generated=False), PROMPT, "external_prompt") is None  # never revised


def test_one_round_keeps_accepted_first_answers():
    assert star_messages(_record(True, False), PROMPT, "one_round") == PROMPT + [{"role": "assistant", "content": "2"}]
    assert star_messages(_record(False, True), PROMPT, "one_round") is None


def test_external_prompt_refuses_guide_mode_generations():
    with pytest.raises(ValueError, match="prompt mode"):
        star_messages({**_record(False, True), "second_turn": "guide"}, PROMPT, "external_prompt")


def test_rows_are_distinct_accepted_conversations_in_record_order():
    records = [_record(False, True), _record(False, True), _record(False, False), _record(True, True, problem="p2"),
               _record(False, True, answer_t2="2.0")]
    rows = star_rows(records, {("arith", "p1"): PROMPT, ("arith", "p2"): PROMPT}, "external_prompt")
    assert [row["messages"][-1]["content"] for row in rows] == ["2", "2", "2.0"]
    assert [row["messages"][-3]["content"] for row in rows] == ["3", "2", "3"]


def test_a_record_for_an_unknown_problem_is_named():
    with pytest.raises(ValueError, match=r"record 2 names problem \('arith', 'p9'\)"):
        star_rows([_record(True, True), _record(True, True, problem="p9")], {("arith", "p1"): PROMPT}, "one_round")


def _write(path, ids, source="arith"):
    pd.DataFrame({"data_source": [source] * len(ids), "prompt": [PROMPT] * len(ids),
                  "extra_info": [{"id": i} if i is not None else {"split": "train"} for i in ids]}).to_parquet(path)
    return path


def test_problem_prompts_are_keyed_by_source_and_id_across_files(tmp_path):
    prompts = problem_prompts([_write(tmp_path / "a.parquet", ["p1", "p2"]), _write(tmp_path / "b.parquet", ["p1"], "gsm8k")])
    assert set(prompts) == {("arith", "p1"), ("arith", "p2"), ("gsm8k", "p1")}
    assert prompts[("arith", "p2")] == PROMPT


def test_problem_prompts_name_the_file_and_row_of_bad_ids(tmp_path):
    with pytest.raises(ValueError, match=r"a.parquet: row 1 has no extra_info.id"):
        problem_prompts([_write(tmp_path / "a.parquet", ["p1", None])])
    with pytest.raises(ValueError, match=r"b.parquet: row 0 repeats problem \('arith', 'p1'\), already in .*a.parquet row 0"):
        problem_prompts([_write(tmp_path / "a.parquet", ["p1"]), _write(tmp_path / "b.parquet", ["p1"])])

