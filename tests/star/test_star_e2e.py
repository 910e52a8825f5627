"""One STaR round end to end on CPU: generation through veRL, verified revisions, veRL's SFT trainer, evaluation."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import torch
from transformers import AutoModelForCausalLM

import reward_fns
from tests.readme_commands import REPO_ROOT, argv, documented, substituted
from verl_mgrpo.defaults import MODEL_DIR, default_path, ensure_arith_data
from verl_mgrpo.eval.second_turn import PROMPT_INSTRUCTION

pytestmark = pytest.mark.slow


def _star(*arguments, cwd):
    return subprocess.run([sys.executable, "-m", "verl_mgrpo.star", *arguments], check=True, capture_output=True,
                          text=True, cwd=cwd, timeout=1500)


@pytest.fixture(scope="module")
def star_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("star")
    ensure_arith_data()
    train = pd.read_parquet(default_path("arith_train")).head(16)
    train.to_parquet(root / "train.parquet")
    pd.read_parquet(default_path("arith_test")).head(8).to_parquet(root / "test.parquet")
    # docs/results.md's command, every setting replaced by a stand-in (arguments after the recipe's win).
    recipe = substituted(documented("bash recipes/run_star_cpu.sh"), {"recipes/": f"{REPO_ROOT}/recipes/"})
    stand_ins = ["--data", str(root / "train.parquet"), "--max-problems", "-1", "--output-dir", str(root / "run"),
                 "--n", "2", "--batch-size", "4", "--lr", "1e-3", "--epochs", "1", "--eval-data", str(root / "test.parquet")]
    subprocess.run([*argv(recipe), *stand_ins], check=True, capture_output=True, text=True, cwd=root, timeout=1500)
    return root, train


def test_it_fine_tunes_on_revisions_the_verifier_accepts(star_run):
    root, train = star_run
    run = root / "run"
    summary = json.loads((run / "star.json").read_text())
    assert summary["generated"] == 16 * 2 and 0 < summary["kept"] <= 32
    rows = pd.read_parquet(run / "sft_data.parquet")
    assert len(rows) == summary["kept"]
    gold = {info["id"]: model["ground_truth"] for info, model in zip(train["extra_info"], train["reward_model"])}
    for row in rows.itertuples():
        first, instruction, revision = row.messages[-3:]
        assert first["train"] is False and instruction["content"] == PROMPT_INSTRUCTION
        assert reward_fns.compute_score("arith", revision["content"], gold[row.id])["score"] == 1.0

    tuned = AutoModelForCausalLM.from_pretrained(summary["model"], dtype=torch.float32).state_dict()
    base = AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32).state_dict()
    assert any(not torch.allclose(tuned[name], base[name]) for name in base)

    evaluation = json.loads((run / "eval" / "metrics.json").read_text())
    arith = evaluation["benchmarks"]["arith"]
    # Every problem evaluated: paired, or counted as dropped when its sampled (temperature 0.7) first answer
    # leaves the second turn no room.
    assert evaluation["method"] == "star_external_prompt" and arith["pairs"] + arith["dropped"] == 8


def test_its_checkpoint_converts_with_verls_model_merger(star_run, tmp_path):
    root, _ = star_run
    step = json.loads((root / "run" / "star.json").read_text())["model"].rsplit("/", 1)[0]
    subprocess.run([sys.executable, "-m", "verl.model_merger", "merge", "--backend", "fsdp", "--local_dir", step,
                    "--target_dir", str(tmp_path)], check=True, capture_output=True, timeout=600)
    assert AutoModelForCausalLM.from_pretrained(tmp_path).num_parameters() > 0


def test_a_rerun_reuses_the_generations(star_run):
    root, _ = star_run
    result = _star("--data", str(root / "train.parquet"), "--output-dir", str(root / "run"), "--n", "2",
                   "--mode", "one_round", "--batch-size", "4", cwd=root)  # the same generation settings
    assert "reusing the generations" in result.stdout
    assert json.loads((root / "run" / "star.json").read_text())["mode"] == "one_round"
