"""rollout.full_determinism through veRL's loop: every sample has its own seed, so a layer-2 group's H samples
of one query still differ (mixed groups exist), and a rerun repeats the run."""

import pytest

from tests.cpu.conftest import read_metrics, run_main

pytestmark = pytest.mark.slow

OVERRIDES = ["actor_rollout_ref.rollout.full_determinism=True", "trainer.val_before_train=False",
             "trainer.test_freq=-1", "data.train_batch_size=4", "actor_rollout_ref.actor.ppo_mini_batch_size=4",
             "trainer.total_training_steps=2", "mgrpo.augment_n=4", "actor_rollout_ref.rollout.agent.num_workers=8"]


def test_layer_two_samples_differ_and_a_rerun_repeats_them(tmp_path):
    runs = []
    for name in ("first", "second"):
        run_main(OVERRIDES, tmp_path / f"{name}.jsonl", cwd=tmp_path)
        runs.append(read_metrics(tmp_path / f"{name}.jsonl"))
    first, second = runs
    assert sorted(first) == sorted(second) == [1, 2]
    # identical samples would make every layer-2 group all right or all wrong
    assert any(first[step].get("mgrpo/layer2/mixed_groups", 0) > 0 for step in first)
    for step in first:
        # (prefix-cache hits depend on how concurrent requests fall into the server's batches; samples do not)
        layer_metrics = {k for k in first[step] if k.startswith(("mgrpo/", "critic/score")) and "cached" not in k}
        assert {k: first[step][k] for k in layer_metrics} == {k: second[step][k] for k in layer_metrics}
        assert first[step]["actor/pg_loss"] == pytest.approx(second[step]["actor/pg_loss"], rel=1e-5)
