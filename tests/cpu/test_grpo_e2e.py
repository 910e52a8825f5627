"""veRL's own RayPPOTrainer loop on CPU: plain GRPO on the embedded model, checkpoint, resume, merge."""

import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from tests.cpu.conftest import read_metrics, run_main
from verl_mgrpo.defaults import MODEL_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def grpo_run(tmp_path_factory):
    """4 GRPO steps, checkpoints at steps 2 and 4; then a resumed run to step 6."""
    root = tmp_path_factory.mktemp("grpo")
    common = [
        "algorithm.adv_estimator=grpo",
        "mgrpo.num_layers=1",  # one layer: veRL's own RayPPOTrainer.fit
        f"trainer.default_local_dir={root / 'checkpoints'}",
        "trainer.val_before_train=False",
        "trainer.test_freq=-1",
        "trainer.save_freq=2",
        "actor_rollout_ref.actor.optim.lr=1e-4",  # large enough to show through the merger's bf16
    ]
    first = run_main(common + ["trainer.total_training_steps=4"], root / "first.jsonl", cwd=root)
    resumed = run_main(common + ["trainer.total_training_steps=6"], root / "resumed.jsonl", cwd=root)
    return root, read_metrics(root / "first.jsonl"), read_metrics(root / "resumed.jsonl"), first, resumed


def test_steps_complete_with_gradients_and_synced_rollout_weights(grpo_run):
    _, metrics, *_ = grpo_run
    assert sorted(metrics) == [1, 2, 3, 4]
    for step, data in metrics.items():
        assert data["actor/grad_norm"] > 0, step
        # The hf server samples with the actor's latest weights: its log-probs match the actor's recomputation.
        assert data["training/rollout_probs_diff_max"] < 1e-3, step
        assert 0 <= data["critic/score/mean"] <= 1


def test_checkpoint_at_step_k_resumes_at_step_k_plus_1(grpo_run):
    root, _, resumed, _, _ = grpo_run
    assert (root / "checkpoints" / "global_step_4" / "actor").is_dir()
    assert sorted(resumed) == [5, 6]


def test_verl_model_merger_converts_the_checkpoint(grpo_run, tmp_path):
    from transformers import AutoModelForCausalLM

    root, *_ = grpo_run
    subprocess.run(
        [sys.executable, "-m", "verl.model_merger", "merge", "--backend", "fsdp",
         "--local_dir", str(root / "checkpoints" / "global_step_6" / "actor"), "--target_dir", str(tmp_path)],
        check=True, capture_output=True, timeout=600,
    )
    merged = AutoModelForCausalLM.from_pretrained(tmp_path).state_dict()
    start = load_file(MODEL_DIR / "model.safetensors")
    changed = sum(int((merged[k].float() != start[k].to(merged[k].dtype).float()).sum()) for k in start)
    assert changed > 1000, "six updates at lr 1e-4 must move weights beyond the merger's bf16 rounding"
    assert all(torch.allclose(merged[k].float(), start[k], atol=0.05) for k in start)
