"""python -m verl_mgrpo.evaluate on CPU through veRL's rollout: the default model on the arithmetic task and
on a slice of each real benchmark file, both second-turn modes."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from transformers import AutoTokenizer

from tests.readme_commands import argv, documented, substituted
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


def _results(output_dir):
    records = [json.loads(line) for line in open(output_dir / "generations.jsonl")]
    return records, json.loads((output_dir / "metrics.json").read_text()), (output_dir / "table.md").read_text()


def _run(command, cwd):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-5000:]


@pytest.fixture(scope="module")
def guide_run(prepared_dir, tmp_path_factory):
    from verl_mgrpo.defaults import default_path, ensure_arith_data

    root = tmp_path_factory.mktemp("guide")
    ensure_arith_data()
    arith = root / "arith_test.parquet"
    pd.read_parquet(default_path("arith_test")).head(16).to_parquet(arith)
    files = [arith] + [_slice(prepared_dir, name, 3, root) for name in BENCHMARKS]
    _run([sys.executable, "-m", "verl_mgrpo.evaluate", "--model", str(MODEL_DIR), "--data", *map(str, files),
          "--output-dir", str(root / "guide"), "--second-turn", "guide", "--temperature", "0",
          "--max-response-length", "48", "--method", "tiny-guide"], cwd=root)
    return root / "guide"


@pytest.fixture(scope="module")
def prompt_run(tmp_path_factory):
    """docs/results.md's intrinsic self-correction command, on 8 problems with greedy, short turns."""
    from verl_mgrpo.defaults import default_path, ensure_arith_data

    root = tmp_path_factory.mktemp("prompt")
    ensure_arith_data()
    arith = root / "arith_test.parquet"
    pd.read_parquet(default_path("arith_test")).head(8).to_parquet(arith)
    command = substituted(documented("python -m verl_mgrpo.evaluate --model verl_mgrpo/assets/tiny_model"), {
        "verl_mgrpo/assets/tiny_model": str(MODEL_DIR), "--data arith_test": f"--data {arith}",
        "runs/intrinsic": str(root / "prompt")})
    _run([*argv(command), "--temperature", "0", "--max-response-length", "48"], cwd=root)
    return root / "prompt"


def test_guide_mode_on_arith_and_every_benchmark(guide_run):
    records, metrics, table = _results(guide_run)
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


def test_prompt_mode_opens_a_new_turn(prompt_run):
    records, metrics, _ = _results(prompt_run)
    assert len(records) == 8 and all(r["second_turn"] == "prompt" and r["answer_t2"] for r in records)
    assert metrics["benchmarks"]["arith"]["pairs"] == 8


def test_the_documented_report_compares_two_runs(guide_run, prompt_run, tmp_path):
    command = substituted(documented("python -m verl_mgrpo.report"), {
        "runs/intrinsic": str(prompt_run), "runs/star_cpu/eval": str(guide_run), "runs/report": str(tmp_path / "r")})
    _run(argv(command), cwd=tmp_path)
    report = (tmp_path / "r.md").read_text()
    assert "| arith | intrinsic_self_correction |" in report and "| arith | tiny-guide |" in report
    assert (tmp_path / "r.png").stat().st_size > 0
