"""python -m verl_mgrpo.evaluate on CPU through veRL's rollout: the default model on the arithmetic task and
on a slice of each real benchmark file, both second-turn modes."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from transformers import AutoTokenizer

from verl_mgrpo.defaults import MODEL_DIR

pytestmark = pytest.mark.slow
BENCHMARKS = ["math500_test", "gsm8k_test", "minerva_math_test", "olympiadbench_test"]


def _slice(prepared_dir, name, rows, out_dir):
    """The ``rows`` shortest prompts (the tiny model's context is short)."""
    frame = pd.read_parquet(prepared_dir / f"{name}.parquet")
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    lengths = frame.prompt.map(lambda p: len(tokenizer.apply_chat_template(list(p), tokenize=True, return_dict=False)))
    path = out_dir / f"{name}.parquet"
    frame.loc[lengths.nsmallest(rows).index].to_parquet(path)
    return path


def _evaluate(files, output_dir, mode, cwd):
    command = [sys.executable, "-m", "verl_mgrpo.evaluate", "--model", str(MODEL_DIR), "--data", *map(str, files),
               "--output-dir", str(output_dir), "--second-turn", mode, "--temperature", "0",
               "--max-response-length", "48", "--method", f"tiny-{mode}"]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]
    records = [json.loads(line) for line in open(output_dir / "generations.jsonl")]
    return records, json.loads((output_dir / "metrics.json").read_text()), (output_dir / "table.md").read_text()


def test_guide_mode_on_arith_and_every_benchmark(prepared_dir, tmp_path):
    from verl_mgrpo.defaults import ensure_arith_data, default_path

    ensure_arith_data()
    arith = tmp_path / "arith_test.parquet"
    pd.read_parquet(default_path("arith_test")).head(16).to_parquet(arith)
    files = [arith] + [_slice(prepared_dir, name, 3, tmp_path) for name in BENCHMARKS]
    records, metrics, table = _evaluate(files, tmp_path / "guide", "guide", tmp_path)
    counts = {s: sum(r["data_source"] == s for r in records) for s in {r["data_source"] for r in records}}
    assert counts == {"arith": 16, "math500": 3, "gsm8k": 3, "minerva_math": 3, "olympiadbench": 3}
    assert metrics["method"] == "tiny-guide"
    assert set(metrics["benchmarks"]) == set(counts)
    for values in metrics["benchmarks"].values():
        assert set(values) == {"acc_t1", "acc_t2", "delta", "i2c", "c2i", "pairs", "dropped"}
    assert metrics["benchmarks"]["arith"]["acc_t1"] >= 0.5  # greedy accuracy of the default model is ~0.9
    assert all(r["second_turn_generated"] and r["guide"] for r in records)
    assert all(r["answer_t1"] and r["pred_t1"] is not None for r in records if r["data_source"] == "arith")
    assert "| arith | tiny-guide |" in table


def test_prompt_mode_opens_a_new_turn(tmp_path):
    from verl_mgrpo.defaults import default_path, ensure_arith_data

    ensure_arith_data()
    arith = tmp_path / "arith_test.parquet"
    pd.read_parquet(default_path("arith_test")).head(8).to_parquet(arith)
    records, metrics, _ = _evaluate([arith], tmp_path / "prompt", "prompt", tmp_path)
    assert len(records) == 8 and all(r["second_turn"] == "prompt" and r["answer_t2"] for r in records)
    assert metrics["benchmarks"]["arith"]["pairs"] == 8
