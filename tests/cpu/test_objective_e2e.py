"""The objective's invariant through veRL's real workers, shaped like a cluster (2 gloo training ranks, 2 hf
replicas, 4 agent-loop workers, dynamic batch size): with ``mgrpo.layer_weight=0`` one MGRPO update, on a
batch that holds layer-2 rows, moves the parameters exactly as veRL's GRPO update on its layer-1 rows alone."""

import os
import pickle
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from tests.conftest import REPO_ROOT
from verl_mgrpo.defaults import MODEL_DIR

pytestmark = pytest.mark.slow

CLUSTER_SHAPE = [
    "trainer.n_gpus_per_node=2",  # 2 training ranks, hence 2 hf rollout replicas
    "actor_rollout_ref.rollout.agent.num_workers=4",
    "actor_rollout_ref.actor.use_dynamic_bsz=True",
    "actor_rollout_ref.actor.ppo_max_token_len_per_gpu=1024",  # several micro-batches per rank
    "actor_rollout_ref.rollout.log_prob_use_dynamic_bsz=True",
    "actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu=1024",
    "actor_rollout_ref.ref.log_prob_use_dynamic_bsz=True",
    "actor_rollout_ref.ref.log_prob_max_token_len_per_gpu=1024",
    "data.train_batch_size=4",
    "actor_rollout_ref.actor.ppo_mini_batch_size=4",
    # Plain SGD without clipping or decay: the step is -lr · gradient, so a loss scaled wrong shows in the step
    # (Adam's first step, lr · g / (|g| + eps), would hide it). Two epochs: the second sees a KL to the
    # reference that is not zero, so the KL term's normalisation is compared too.
    "actor_rollout_ref.actor.optim.optimizer=SGD",
    "actor_rollout_ref.actor.optim.weight_decay=0",
    "actor_rollout_ref.actor.optim.clip_grad=1e9",
    "actor_rollout_ref.actor.optim.lr=1e-1",
    "actor_rollout_ref.actor.ppo_epochs=2",
    "actor_rollout_ref.actor.kl_loss_coef=0.1",
    "mgrpo.layer_weight=0",
]
# Allowed difference per parameter between the two runs: float reordering of the gradient (other row counts per
# micro-batch, other padding widths), relative to the largest step, plus the fp32 rounding of each of the
# ppo_epochs updates to the parameter's own spacing (one ulp of a norm weight of 1.0 is 1.2e-7, which can exceed
# 1e-4 of a small step). A loss scaled wrong moves parameters by a sizeable share of the step: far above both.
RELATIVE_TOLERANCE = 1e-4
ROUNDINGS = 2  # ppo_epochs: one fp32 rounding of the parameter per update


def _one_update(mode: str, root, overrides=()) -> dict[str, torch.Tensor]:
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-m", "tests.cpu.one_update", mode, str(root / "rows.pkl"), str(root / f"{mode}.pt"),
               *CLUSTER_SHAPE, *overrides]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"{mode} update failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return torch.load(root / f"{mode}.pt")


@pytest.fixture(scope="module")
def updates(tmp_path_factory):
    root = tmp_path_factory.mktemp("objective")
    mgrpo = _one_update("mgrpo", root)
    grpo = _one_update("grpo", root)
    with open(root / "rows.pkl", "rb") as file:
        metrics = pickle.load(file)["metrics"]
    return load_file(MODEL_DIR / "model.safetensors"), mgrpo, grpo, metrics


def test_layer_weight_zero_moves_the_parameters_as_verls_grpo_on_the_layer_one_rows(updates):
    initial, mgrpo, grpo, metrics = updates
    assert metrics["mgrpo/layer2/kept"] > 0 and metrics["mgrpo/layer2/samples"] > 0  # layer 2 was in the batch
    largest_step = max(float((grpo[name] - initial[name]).abs().max()) for name in initial)
    assert largest_step > 1e-5  # GRPO moved the parameters
    difference = max(float((mgrpo[name] - grpo[name]).abs().max()) for name in initial)
    spacing = torch.finfo(torch.float32).eps
    excess = max(
        float(((mgrpo[name] - grpo[name]).abs() - ROUNDINGS * spacing * grpo[name].abs()).max()) for name in initial
    )
    print(f"largest GRPO step {largest_step:.3e}; largest MGRPO(layer_weight=0) - GRPO difference {difference:.3e}; "
          f"beyond fp32 rounding {excess:.3e}")
    assert excess <= RELATIVE_TOLERANCE * largest_step
