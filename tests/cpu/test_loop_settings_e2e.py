"""veRL's loop settings through MGRPO's loop on CPU: rollout correction in decoupled and bypass modes, the
validation dump, veRL's entropy and variance metrics."""

import json

import pytest

from tests.cpu.conftest import read_metrics, run_main

pytestmark = pytest.mark.slow

COMMON = ["trainer.val_before_train=False", "data.train_batch_size=4", "actor_rollout_ref.actor.ppo_mini_batch_size=4",
          "trainer.total_training_steps=2", "data.val_max_samples=8"]


def test_decoupled_rollout_correction_and_the_validation_dump(tmp_path):
    run_main(COMMON + ["algorithm.rollout_correction.rollout_is=token", "trainer.test_freq=2",
                       f"trainer.validation_data_dir={tmp_path / 'val'}"], tmp_path / "m.jsonl", cwd=tmp_path)
    metrics = read_metrics(tmp_path / "m.jsonl")
    for data in metrics.values():
        assert data["actor/entropy"] > 0 and "timing_s/old_log_prob" in data
        assert any(key.startswith("rollout_corr/") for key in data)  # veRL's importance-weight metrics
    rows = [json.loads(line) for line in (tmp_path / "val" / "2.jsonl").open()]
    assert len(rows) == 8 and all({"input", "output", "score", "answer_t2", "correct_t2", "guide"} <= set(r) for r in rows)


def test_bypass_mode_trains_on_the_rollouts_log_probs(tmp_path):
    run_main(COMMON + ["algorithm.rollout_correction.bypass_mode=True", "trainer.test_freq=-1"],
             tmp_path / "m.jsonl", cwd=tmp_path)
    metrics = read_metrics(tmp_path / "m.jsonl")
    assert sorted(metrics) == [1, 2]
    for data in metrics.values():
        assert "timing_s/old_log_prob" not in data  # no recomputation: the rollout's log-probs are the old ones
        assert data["actor/grad_norm"] > 0
