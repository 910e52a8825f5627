"""MGRPO against GRPO on the arithmetic task, for the same generated rollout tokens; and what layer 2 costs.

    python experiments/compare_mgrpo_grpo.py --output-dir docs/results            # ~30 min on 2 cores
    python experiments/compare_mgrpo_grpo.py --output-dir /tmp/quick --quick      # one short seed each

From the embedded default model, trains plain GRPO (veRL's own loop) and MGRPO with the same settings and
seeds through ``python -m verl_mgrpo.main_mgrpo`` on CPU, validating two-turn on arith_test (guide mode,
temperature 0.7) along the way. GRPO runs more steps than MGRPO so that both spend about the same number of
generated tokens (every token counts: layer 1, layer-2 corrections and augmentation samples). The first
seed's MGRPO run is repeated with the ``hf`` server's prefix cache off, to measure what reusing the layer-1
key/value states saves in layer 2. Writes
``comparison.md`` (tables), ``comparison.png`` (Acc@t1 and Acc@t2 against cumulative rollout tokens, mean
and range over seeds) and ``comparison.json`` (every number) into the output directory.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROWS_PER_STEP = 8 * 8  # mgrpo_trainer_cpu: train_batch_size 8 x rollout.n 8
TWO_TURN = "val-core/arith/two_turn"
PHASES = ("gen", "gen_layer2", "reward", "old_log_prob", "ref", "update_actor", "step")


def finished(log: Path, steps: int) -> bool:
    """Whether a metric log reached ``steps`` (a run killed while writing leaves a partial last line)."""
    if not log.is_file():
        return False
    try:
        return any(json.loads(line)["step"] == steps for line in open(log))
    except json.JSONDecodeError:
        return False


# The test bed: settings under which plain GRPO visibly learns on 2 cores (docs/results.md says why each).
TEST_BED = [
    "actor_rollout_ref.actor.optim.lr=1e-4",  # the CPU config's 2e-5 moves Acc@t1 by ~1 point in 20 minutes
    # Sampled validation (each sample seeded by its key: both methods' step-0 numbers are equal by construction);
    # greedy Acc@t1 starts at 90 %, too close to the ceiling to show gains.
    "actor_rollout_ref.rollout.val_kwargs.do_sample=True",
    "actor_rollout_ref.rollout.val_kwargs.temperature=0.7",  # the paper's sampling temperature
    "actor_rollout_ref.rollout.val_kwargs.n=4",  # 4 samples per problem: a quarter of one sample's variance
    "trainer.save_freq=-1",
]


def run_training(method: str, seed: int, steps: int, val_every: int, val_samples: int, out: Path,
                 extra: tuple[str, ...] = (), tag: str = "", reuse: bool = False) -> Path:
    """One training run with the test bed's settings and ``extra`` overrides; ``val_every=-1`` skips validation."""
    name = f"{method}{tag}_seed{seed}"
    log = out / f"{name}.jsonl"
    if reuse and finished(log, steps):
        print(f"{name}: reusing {log}", flush=True)
        return log
    overrides = [
        *TEST_BED,
        f"trainer.total_training_steps={steps}",
        f"trainer.test_freq={val_every}",
        f"trainer.val_before_train={val_every > 0}",
        "trainer.logger=[console,file]",
        f"trainer.experiment_name={name}",
        "trainer.resume_mode=disable",
        f"data.val_max_samples={val_samples}",
        f"data.seed={seed}",
        f"actor_rollout_ref.rollout.seed={seed}",
        f"mgrpo.seed={seed}",
        *extra,
    ]
    if method == "grpo":
        overrides += ["algorithm.adv_estimator=grpo", "mgrpo.num_layers=1"]
    env = {**os.environ, "VERL_FILE_LOGGER_PATH": str(log)}
    started = time.time()
    with open(out / f"{name}.log", "w") as console:
        subprocess.run([sys.executable, "-m", "verl_mgrpo.main_mgrpo", *overrides], env=env, check=True,
                       stdout=console, stderr=subprocess.STDOUT, cwd=out)
    print(f"{name}: {steps} steps in {time.time() - started:.0f} s", flush=True)
    return log


def step_tokens(data: dict) -> float:
    """Generated tokens of one training step (veRL's GRPO loop logs only the mean response length)."""
    if "mgrpo/rollout_tokens" in data:
        return data["mgrpo/rollout_tokens"]
    return data["response_length/mean"] * ROWS_PER_STEP


def curve(log: Path) -> dict:
    """Cumulative rollout tokens at each validation, and the two-turn metrics there."""
    entries = sorted((json.loads(line) for line in open(log)), key=lambda e: e["step"])
    tokens, points, steps = 0.0, [], []
    for entry in entries:
        data = entry["data"]
        if entry["step"] > 0 and "actor/grad_norm" in data:
            tokens += step_tokens(data)
            steps.append(data)
        if f"{TWO_TURN}/acc_t1" in data:
            points.append({"step": entry["step"], "tokens": tokens,
                           **{k: data[f"{TWO_TURN}/{k}"] for k in ("acc_t1", "acc_t2", "i2c", "c2i")}})
    return {"points": points, "steps": steps}


def layer_costs(runs: list[dict]) -> dict:
    """Per-step medians over MGRPO's steps (robust to a run's first, warm-up step): wall time per phase, tokens
    per layer, seconds per generated token."""
    steps = [data for run in runs for data in run["steps"]]
    median = lambda key: statistics.median(d.get(key, 0.0) for d in steps)  # noqa: E731
    costs = {f"time/{phase}": median(f"timing_s/{phase}") for phase in PHASES}
    costs.update({
        "tokens/layer1_generated": median("mgrpo/layer1/response_tokens"),
        "tokens/layer2_corrections": median("mgrpo/layer2/correction_tokens"),
        "tokens/layer2_augmentation": median("mgrpo/layer2/augmentation_tokens"),
        "tokens/layer1_prompt": median("mgrpo/layer1/prompt_tokens"),
        "tokens/layer2_prompt": median("mgrpo/layer2/prompt_tokens"),
        "tokens/layer2_query": median("mgrpo/layer2/correction_prompt_tokens") + median(
            "mgrpo/layer2/augmentation_prompt_tokens"),
        "tokens/layer2_query_from_prefix_cache": median("mgrpo/layer2/correction_cached_prompt_tokens") + median(
            "mgrpo/layer2/augmentation_cached_prompt_tokens"),
        "layer2/kept_ratio": median("mgrpo/layer2/kept_ratio"),
        "layer2/i2c": median("mgrpo/layer2/i2c"),
        "layer2/c2i": median("mgrpo/layer2/c2i"),
    })
    first, second = ([seconds_per_token(d, layer) for d in steps] for layer in (1, 2))
    costs["seconds_per_token/layer1"] = statistics.median(first)
    costs["seconds_per_token/layer2"] = statistics.median(second)
    costs["seconds_per_token/ratio_layer2_to_layer1"] = statistics.median(b / a for a, b in zip(first, second))
    return costs


def seconds_per_token(data: dict, layer: int) -> float:
    """Generation time per generated token of one step's layer (layer 2: corrections and augmentation)."""
    if layer == 1:
        return data["timing_s/gen"] / data["mgrpo/layer1/response_tokens"]
    generated = data.get("mgrpo/layer2/correction_tokens", 0.0) + data.get("mgrpo/layer2/augmentation_tokens", 0.0)
    return data.get("timing_s/gen_layer2", 0.0) / max(generated, 1.0)


def summarize(curves: dict[str, list[dict]]) -> dict:
    """Per method and validation index: mean and range over seeds of tokens and metrics."""
    summary = {}
    for method, runs in curves.items():
        count = min(len(run["points"]) for run in runs)
        summary[method] = [
            {key: (statistics.mean(p[key] for p in points), min(p[key] for p in points), max(p[key] for p in points))
             for key in ("tokens", "acc_t1", "acc_t2", "i2c", "c2i")} | {"step": points[0]["step"]}
            for points in ([run["points"][i] for run in runs] for i in range(count))
        ]
    return summary


def write_report(summary: dict, costs: dict[str, dict], args, out: Path, seconds: float) -> None:
    lines = [
        "# MGRPO vs GRPO on the arithmetic task (generated by experiments/compare_mgrpo_grpo.py)",
        "",
        f"Command: `python experiments/compare_mgrpo_grpo.py {' '.join(sys.argv[1:])}`  ",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, no GPU; "
        + ("tables rebuilt from the metric logs of complete runs (--reuse-logs).  " if args.reuse_logs
           else f"{seconds / 60:.0f} minutes in all.  "),
        f"Seeds {args.seeds}; GRPO {args.grpo_steps} steps, MGRPO {args.mgrpo_steps} steps; two-turn validation "
        f"(guide mode, temperature 0.7) on {args.val_samples} arith_test problems. Mean over seeds (min–max).",
        "",
        "| method | step | rollout tokens | Acc@t1 % | Acc@t2 % | Δi→c % | Δc→i % |",
        "|---|---|---|---|---|---|---|",
    ]
    fmt = lambda v: f"{100 * v[0]:.1f} ({100 * v[1]:.1f}–{100 * v[2]:.1f})"  # noqa: E731
    for method, points in summary.items():
        for p in points:
            lines.append(f"| {method} | {p['step']} | {p['tokens'][0]:,.0f} | {fmt(p['acc_t1'])} | {fmt(p['acc_t2'])} "
                         f"| {fmt(p['i2c'])} | {fmt(p['c2i'])} |")
    lines += ["", "What layer 2 costs (MGRPO, per step, median over steps; the hf backend's prefix cache on and off):",
              "", f"| quantity | {' | '.join(costs)} |", "|---|" + "---|" * len(costs)]
    lines += [f"| {key} | {' | '.join(f'{column[key]:,.4g}' for column in costs.values())} |"
              for key in next(iter(costs.values()))]
    (out / "comparison.md").write_text("\n".join(lines) + "\n")


def plot(summary: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for axis, key, title in ((axes[0], "acc_t1", "Acc@t1"), (axes[1], "acc_t2", "Acc@t2")):
        for method, points in summary.items():
            tokens = [p["tokens"][0] for p in points]
            axis.plot(tokens, [100 * p[key][0] for p in points], marker="o", label=method)
            axis.fill_between(tokens, [100 * p[key][1] for p in points], [100 * p[key][2] for p in points], alpha=0.2)
        axis.set_xlabel("generated rollout tokens")
        axis.set_ylabel(f"{title} % (arith_test)")
        axis.set_title(f"{title}: mean and range over seeds")
        axis.legend()
    figure.tight_layout()
    figure.savefig(out / "comparison.png", dpi=100)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    # ~12 minutes of training each: GRPO ~3 s a step, MGRPO ~11 s (it also generates layer 2's corrections and
    # augmentation samples); MGRPO's curve spans both GRPO's wall time and GRPO's generated tokens.
    parser.add_argument("--grpo-steps", type=int, default=240)
    parser.add_argument("--mgrpo-steps", type=int, default=96)
    parser.add_argument("--grpo-val-every", type=int, default=40)
    parser.add_argument("--mgrpo-val-every", type=int, default=16)
    parser.add_argument("--val-samples", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="one short seed of each, for CI")
    parser.add_argument("--reuse-logs", action="store_true",
                        help="skip a run whose metric log in the output directory is complete (rebuild the tables)")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.grpo_steps, args.mgrpo_steps = args.seeds[:1], 4, 2
        args.grpo_val_every, args.mgrpo_val_every, args.val_samples = 2, 1, 16
    out = args.output_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    plan = {"grpo": (args.grpo_steps, args.grpo_val_every), "mgrpo": (args.mgrpo_steps, args.mgrpo_val_every)}
    curves = {method: [] for method in plan}
    for seed in args.seeds:  # seed by seed: a stopped run leaves whole seeds of both methods to reuse
        for method, (steps, every) in plan.items():
            log = run_training(method, seed, steps, every, args.val_samples, out, reuse=args.reuse_logs)
            curves[method].append(curve(log))
    # The same MGRPO run once more with the hf server's prefix cache off: what reusing layer-1 states saves.
    seed = args.seeds[0]
    uncached = curve(run_training("mgrpo", seed, min(args.mgrpo_steps, 12), -1, args.val_samples, out,
                                  reuse=args.reuse_logs,
                                  extra=("actor_rollout_ref.rollout.enable_prefix_caching=False",),
                                  tag="_no_prefix_cache"))
    summary = summarize(curves)
    costs = {
        "all seeds, cache on": layer_costs(curves["mgrpo"]),
        f"seed {seed}, cache on": layer_costs(curves["mgrpo"][:1]),
        f"seed {seed}, cache off": layer_costs([uncached]),
    }
    (out / "comparison.json").write_text(json.dumps({"summary": summary, "layer2_costs": costs}, indent=2))
    write_report(summary, costs, args, out, time.time() - started)
    plot(summary, out)
    print((out / "comparison.md").read_text())


if __name__ == "__main__":
    main()
