"""Sampled validation through veRL's loop depends on the model and rollout.seed alone: plain GRPO (veRL's own
loop) and MGRPO, from the same model, with requests batched differently (agent-loop workers, two replicas),
generate the very same validation samples, first and second turns. So their step-0 numbers are equal by
construction, and what differs later is what training did."""

import json

import pytest

from tests.cpu.conftest import read_metrics, run_main

pytestmark = pytest.mark.slow

SAMPLED_VALIDATION = ["trainer.val_only=True", "trainer.val_before_train=True", "data.val_max_samples=16",
                      "actor_rollout_ref.rollout.val_kwargs.do_sample=True",
                      "actor_rollout_ref.rollout.val_kwargs.temperature=1.0", "actor_rollout_ref.rollout.val_kwargs.n=2",
                      "actor_rollout_ref.rollout.seed=7",
                      "data.seed=7"]  # else veRL draws the val_max_samples rows anew in each run
RUNS = {
    "grpo": ["algorithm.adv_estimator=grpo", "mgrpo.num_layers=1", "actor_rollout_ref.rollout.agent.num_workers=2"],
    # two replicas, one per training rank, and more agent-loop workers: other batches, another request order
    "mgrpo": ["trainer.n_gpus_per_node=2", "actor_rollout_ref.rollout.agent.num_workers=4"],
}


def _samples(directory) -> list[tuple]:
    rows = [json.loads(line) for line in (directory / "0.jsonl").open()]
    return sorted((row["input"], row["output"], row["second_turn_generated"]) for row in rows)


def test_grpo_and_mgrpo_validate_alike_at_step_0(tmp_path):
    samples, metrics = {}, {}
    for method, overrides in RUNS.items():
        out = tmp_path / method
        run_main(SAMPLED_VALIDATION + overrides + [f"trainer.validation_data_dir={out}"], tmp_path / f"{method}.jsonl",
                 cwd=tmp_path)
        samples[method], metrics[method] = _samples(out), read_metrics(tmp_path / f"{method}.jsonl")[0]
    assert len(samples["grpo"]) == 32 and len({output for _, output, _ in samples["grpo"]}) > 16  # sampled: varied
    assert samples["grpo"] == samples["mgrpo"]
    two_turn = {k: v for k, v in metrics["grpo"].items() if "/two_turn/" in k}
    assert two_turn and two_turn == {k: metrics["mgrpo"][k] for k in two_turn}
