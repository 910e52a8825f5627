"""recipes/run_mgrpo_cpu_cluster.sh through veRL's loop: 2 gloo training ranks, 2 hf replicas, 4 agent-loop
workers, dynamic batch size, balanced batches, Qwen2.5-Math base's token layout, a checkpoint, and a resume
at the end of an epoch (24 rows, batch 8: 3 steps; the first run stops after 2)."""

import json
import os
import subprocess

import pytest

from tests.conftest import REPO_ROOT
from tests.cpu.conftest import read_metrics

pytestmark = pytest.mark.slow

RECIPE = REPO_ROOT / "recipes" / "run_mgrpo_cpu_cluster.sh"
EPOCH_OF_THREE_STEPS = ["data.train_max_samples=24", "data.train_batch_size=8", "actor_rollout_ref.actor.ppo_mini_batch_size=8"]


def _run_recipe(root, log_name, overrides) -> dict[int, dict]:
    env = {**os.environ, "VERL_FILE_LOGGER_PATH": str(root / log_name)}
    command = ["bash", str(RECIPE), *overrides, *EPOCH_OF_THREE_STEPS, "trainer.logger=[console,file]",
               "data.val_max_samples=16", f"mgrpo.val_output_dir={root / 'val'}"]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=1500)
    if result.returncode != 0:
        pytest.fail(f"the recipe failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return read_metrics(root / log_name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    first = _run_recipe(root, "first.jsonl", ["trainer.total_training_steps=2", "trainer.val_before_train=False"])
    # The whole epoch: resumes from global_step_2 and must still train and save step 3.
    second = _run_recipe(root, "second.jsonl", ["trainer.total_training_steps=null", "trainer.test_freq=-1",
                                               "trainer.val_before_train=False"])
    return root, first, second


def test_two_steps_log_layer_two_metrics_with_a_high_prefix_cache_share(runs):
    _, first, _ = runs
    assert sorted(first) == [1, 2]
    for data in first.values():
        assert data["mgrpo/layer1/samples"] == 64 and data["actor/grad_norm"] > 0
        assert 0 <= data["mgrpo/layer2/kept_ratio"] <= 1 and data["mgrpo/layer2/correction_tokens"] > 0
        # sticky routing over 2 replicas: a correction reaches the server that holds its answer's states
        assert data["mgrpo/layer2/cached_prompt_share"] >= 0.8
        assert "global_seqlen/mean" in data  # trainer.balance_batch ran
    # the base layout's model writes on past <|im_end|>; layer 2 cut those answers there
    assert sum(data["mgrpo/layer2/ran_past_turn_end"] for data in first.values()) > 0


def test_second_turn_never_starts_a_new_turn_on_the_base_layout(runs):
    root, _, _ = runs
    records = [json.loads(line) for line in (root / "val" / "global_step_2" / "generations.jsonl").open()]
    contexts = [r["second_turn_context"] for r in records if r["second_turn_generated"]]
    assert contexts and all("<|im_end|>" not in c and "<|endoftext|>" not in c for c in contexts)
    assert all(c.endswith(r["guide"]) for c, r in zip(contexts, records))


def test_the_rerun_resumes_and_trains_the_last_step_of_the_epoch(runs):
    root, _, second = runs
    assert sorted(second) == [3]
    checkpoints = root / "checkpoints" / "mgrpo_cpu" / "cpu_cluster_shape"
    assert (checkpoints / "global_step_2").is_dir() and (checkpoints / "global_step_3").is_dir()
    assert (checkpoints / "latest_checkpointed_iteration.txt").read_text().strip() == "3"
