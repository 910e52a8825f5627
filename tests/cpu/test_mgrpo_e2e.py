"""MGRPO through veRL's own loop on CPU: layer-2 metrics, three layers, a checkpoint veRL's merger converts."""

import subprocess
import sys

import pytest
from transformers import AutoModelForCausalLM

from tests.cpu.conftest import read_metrics, run_main
from tests.readme_commands import argv, documented, substituted

pytestmark = pytest.mark.slow

COMMON = ["trainer.val_before_train=False", "trainer.test_freq=-1", "data.train_batch_size=4",
          "actor_rollout_ref.actor.ppo_mini_batch_size=4"]


@pytest.fixture(scope="module")
def two_layers(tmp_path_factory):
    root = tmp_path_factory.mktemp("mgrpo")
    run_main(COMMON + ["trainer.total_training_steps=3", "trainer.save_freq=3",
                       f"trainer.default_local_dir={root / 'checkpoints'}", f"trainer.rollout_data_dir={root / 'rollouts'}"],
             root / "metrics.jsonl", cwd=root)
    return root, read_metrics(root / "metrics.jsonl")


def test_layer_metrics_are_logged_every_step_and_plausible(two_layers):
    _, metrics = two_layers
    assert sorted(metrics) == [1, 2, 3]
    for step, data in metrics.items():
        assert data["mgrpo/layer1/samples"] == 4 * 8 and data["mgrpo/layer1/groups"] == 4
        assert 0 <= data["mgrpo/layer1/acc"] <= 1 and data["mgrpo/layer1/response_tokens"] > 0
        assert data["mgrpo/layer2/dropped_too_long"] == 0
        assert 0 <= data["mgrpo/layer2/kept_ratio"] <= 1
        assert data["mgrpo/layer2/kept"] == round(data["mgrpo/layer2/kept_ratio"] * 32)
        assert data["mgrpo/layer2/i2c"] + data["mgrpo/layer2/c2i"] <= 1
        assert data["actor/grad_norm"] > 0 and data["training/rollout_probs_diff_max"] < 1e-3
        assert data["timing_s/gen"] > 0 and data["timing_s/gen_layer2"] > 0
        assert data["mgrpo/rollout_tokens"] == data["mgrpo/layer1/response_tokens"] + data[
            "mgrpo/layer2/correction_tokens"] + data.get("mgrpo/layer2/augmentation_tokens", 0)
    kept_steps = [data for data in metrics.values() if data["mgrpo/layer2/kept"] > 0]
    assert kept_steps, "the default model corrects some of its answers"
    assert all(0 < data["mgrpo/layer1/signal_token_share"] <= 1 for data in metrics.values() if
               data["mgrpo/layer1/mixed_groups"] > 0)
    for data in kept_steps:  # augment_n=2 samples per kept correction, one group each
        assert data["mgrpo/layer2/samples"] == 2 * data["mgrpo/layer2/kept"]
        assert data["mgrpo/layer2/groups"] == data["mgrpo/layer2/kept"]
        shares = [data[f"mgrpo/layer2/{kind}_groups"] for kind in ("mixed", "all_right", "all_wrong")]
        assert sum(shares) == pytest.approx(1.0)
        # a mixed group's samples all carry a non-zero advantage, the others none
        assert (data["mgrpo/layer2/signal_token_share"] > 0) == (data["mgrpo/layer2/mixed_groups"] > 0)
        assert data["mgrpo/layer2/prompt_tokens"] / data["mgrpo/layer2/samples"] > (
            data["mgrpo/layer1/prompt_tokens"] / data["mgrpo/layer1/samples"])  # q ⊕ o ⊕ guide
        # The hf server kept each answer's key/value states: an augmentation sample prefills one token of its
        # query (the rest is its correction's query), a correction only what follows its answer. (Every layer-2
        # row is an augmentation sample here: keep_selecting_sample is false.)
        assert data["mgrpo/layer2/augmentation_cached_prompt_tokens"] == (
            data["mgrpo/layer2/augmentation_prompt_tokens"] - data["mgrpo/layer2/samples"])
    for data in metrics.values():
        assert data["mgrpo/layer2/correction_cached_prompt_tokens"] > 0.8 * data["mgrpo/layer2/correction_prompt_tokens"]


def test_the_rollout_dump_holds_every_layers_rows_with_their_lineage(two_layers):
    import json

    root, metrics = two_layers
    for step, data in metrics.items():
        rows = [json.loads(line) for line in (root / "rollouts" / f"{step}.jsonl").open()]
        stages = [row["stage"] for row in rows]
        assert stages.count("answer") == 32 and stages.count("correction") == 32
        assert stages.count("augmentation") == data.get("mgrpo/layer2/samples", 0)
        corrections = [row for row in rows if row["stage"] == "correction"]
        assert sum(row["kept"] for row in corrections) == data["mgrpo/layer2/kept"]
        answers = {row["sample_key"]: row for row in rows if row["stage"] == "answer"}
        for row in corrections:
            assert row["layer"] == 2 and row["guide"] and row["sample_key"] in answers
            assert row["kept"] == (row["score"] > 0.5)
            assert row["input"].endswith(row["guide"])  # q ⊕ o ⊕ p_guide, decoded


def test_mgrpo_checkpoint_converts_with_verls_model_merger(two_layers, tmp_path):
    root, _ = two_layers
    command = substituted(documented("python -m verl.model_merger merge"), {
        "checkpoints/<project>/<experiment>/global_step_<N>/actor": str(root / "checkpoints" / "global_step_3" / "actor"),
        "hf_model": str(tmp_path)})
    subprocess.run(argv(command), check=True, capture_output=True, timeout=600)
    assert AutoModelForCausalLM.from_pretrained(tmp_path).num_parameters() > 0


def test_three_layers_run_and_log_layer_three(tmp_path):
    run_main(COMMON + ["trainer.total_training_steps=2", "mgrpo.num_layers=3"], tmp_path / "m.jsonl", cwd=tmp_path)
    metrics = read_metrics(tmp_path / "m.jsonl")
    assert sorted(metrics) == [1, 2]
    assert any("mgrpo/layer3/kept_ratio" in data for data in metrics.values())


def test_a_checkpoint_step_is_evaluated_after_conversion(two_layers, tmp_path):
    import pandas as pd

    from verl_mgrpo.defaults import default_path, ensure_arith_data

    root, _ = two_layers
    ensure_arith_data()
    pd.read_parquet(default_path("arith_test")).head(8).to_parquet(tmp_path / "arith.parquet")
    subprocess.run([sys.executable, "-m", "verl_mgrpo.evaluate", "--model", str(root / "checkpoints" / "global_step_3"),
                    "--data", str(tmp_path / "arith.parquet"), "--output-dir", str(tmp_path / "eval"),
                    "--temperature", "0", "--max-response-length", "48"],
                   check=True, capture_output=True, cwd=tmp_path, timeout=900)
    assert (tmp_path / "eval" / "hf_model" / "config.json").is_file()  # converted by veRL's merger
    assert len((tmp_path / "eval" / "generations.jsonl").read_text().splitlines()) == 8
