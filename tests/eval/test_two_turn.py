"""Two-turn evaluation pieces: the second-turn constructions on token ids, metrics on hand-made verdict
tables (n > 1 samples per problem), records, files, and the report rebuilt from stored outputs."""

import json

import pytest
from PIL import Image
from transformers import AutoTokenizer

from verl_mgrpo.correction import correction_query
from verl_mgrpo.defaults import MODEL_DIR
from verl_mgrpo.eval.records import markdown_table, metrics_by_benchmark, read_records, write_outputs
from verl_mgrpo.eval.second_turn import PROMPT_INSTRUCTION, new_turn_suffix, second_turn_tokens
from verl_mgrpo.report import build_report


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(MODEL_DIR)


def test_prompt_mode_closes_the_turn_and_opens_a_user_and_an_assistant_turn(tokenizer):
    suffix = tokenizer.decode(new_turn_suffix(tokenizer))
    assert suffix == f"<|im_end|>\n<|im_start|>user\n{PROMPT_INSTRUCTION}<|im_end|>\n<|im_start|>assistant\n"


def test_prompt_mode_query_on_token_ids(tokenizer):
    tokens = second_turn_tokens(tokenizer, "prompt", ["unused"], "\n", "</think>")
    prompt = tokenizer.encode("Q", add_special_tokens=False)
    response = tokenizer.encode("A </think> B", add_special_tokens=False) + [tokenizer.eos_token_id]
    query = correction_query(prompt, response, tokens.ids[0], tokens.think_end_ids, tokens.turn_end_ids)
    # the whole first answer stays (no </think> cut); its end of turn is the template's, once
    assert tokenizer.decode(query) == "QA </think> B" + tokenizer.decode(new_turn_suffix(tokenizer))


def test_guide_mode_query_on_token_ids(tokenizer):
    tokens = second_turn_tokens(tokenizer, "guide", ["Wait, let me double-check that."], "\n", "</think>")
    prompt = tokenizer.encode("Q", add_special_tokens=False)
    response = tokenizer.encode("A </think> B", add_special_tokens=False) + [tokenizer.eos_token_id]
    query = correction_query(prompt, response, tokens.ids[0], tokens.think_end_ids, tokens.turn_end_ids)
    assert tokenizer.decode(query) == "QA \nWait, let me double-check that."


def test_unknown_mode_names_the_choices(tokenizer):
    with pytest.raises(ValueError, match="guide, prompt"):
        second_turn_tokens(tokenizer, "reflect", ["x"], "\n", "</think>")


def _record(source, problem, sample, t1, t2):
    return {"data_source": source, "id": str(problem), "uid": f"{problem}", "sample": sample,
            "correct_t1": t1, "correct_t2": t2}


# Two problems x two samples on "math": (right,right) (wrong,right) | (right,wrong) (wrong,wrong);
# one problem x one sample on "gsm8k": (wrong,right).
TABLE = [_record("math", 0, 0, True, True), _record("math", 0, 1, False, True),
         _record("math", 1, 0, True, False), _record("math", 1, 1, False, False),
         _record("gsm8k", 0, 0, False, True)]


def test_metrics_on_a_hand_made_verdict_table_with_several_samples_per_problem():
    metrics = metrics_by_benchmark(TABLE)
    assert metrics["math"] == pytest.approx({"acc_t1": 0.5, "acc_t2": 0.5, "delta": 0.0, "i2c": 0.25,
                                             "c2i": 0.25, "pairs": 4, "dropped": 0})
    assert metrics["gsm8k"] == pytest.approx({"acc_t1": 0.0, "acc_t2": 1.0, "delta": 1.0, "i2c": 1.0,
                                              "c2i": 0.0, "pairs": 1, "dropped": 0})


def test_a_dropped_second_turn_is_counted_and_warned_about_never_scored(caplog):
    # wrong first answers whose second turn did not fit: scored as t2 = t1 they would halve Δi→c
    dropped = [dict(_record("gsm8k", p, 0, False, None), second_turn_generated=False) for p in (1, 2)]
    metrics = metrics_by_benchmark(TABLE + dropped)
    assert metrics["gsm8k"] == pytest.approx({"acc_t1": 0.0, "acc_t2": 1.0, "delta": 1.0, "i2c": 1.0,
                                              "c2i": 0.0, "pairs": 1, "dropped": 2})
    assert "gsm8k: 2 of 3 second turns not generated" in caplog.text
    assert "| gsm8k | MGRPO | 0.0 | 100.0 | 100.0 | 100.0 | 0.0 | 1 | 2 |" in markdown_table({"MGRPO": metrics})


def test_table_has_the_papers_five_columns_in_percent():
    table = markdown_table({"MGRPO": metrics_by_benchmark(TABLE)})
    assert "| benchmark | method | Acc@t1 | Acc@t2 | Δ(t1,t2) | Δi→c | Δc→i | pairs | dropped t2 |" in table
    assert "| math | MGRPO | 50.0 | 50.0 | 0.0 | 25.0 | 25.0 | 4 | 0 |" in table
    assert "| gsm8k | MGRPO | 0.0 | 100.0 | 100.0 | 100.0 | 0.0 | 1 | 0 |" in table


def test_outputs_round_trip_and_the_report_is_rebuilt_from_them(tmp_path):
    write_outputs(TABLE, tmp_path / "mgrpo", "MGRPO")
    write_outputs([dict(r, correct_t2=r["correct_t1"]) for r in TABLE], tmp_path / "grpo", "GRPO")
    assert read_records(tmp_path / "mgrpo") == TABLE
    assert json.loads((tmp_path / "mgrpo" / "metrics.json").read_text())["method"] == "MGRPO"
    metrics = build_report([tmp_path / "grpo", tmp_path / "mgrpo"], None, tmp_path / "report")
    assert list(metrics) == ["GRPO", "MGRPO"]
    table = (tmp_path / "report.md").read_text()
    assert "| math | GRPO | 50.0 | 50.0 | 0.0 | 0.0 | 0.0 |" in table and "| math | MGRPO |" in table
    image = Image.open(tmp_path / "report.png")
    assert image.size[0] > 400 and image.size[1] > 300


def test_a_broken_generations_file_names_file_and_line(tmp_path):
    (tmp_path / "generations.jsonl").write_text(json.dumps(TABLE[0]) + "\n{oops\n")
    with pytest.raises(ValueError, match="generations.jsonl:2"):
        read_records(tmp_path)
    (tmp_path / "generations.jsonl").write_text(json.dumps({"data_source": "x"}) + "\n")
    with pytest.raises(ValueError, match="generations.jsonl:1: record lacks"):
        read_records(tmp_path)
