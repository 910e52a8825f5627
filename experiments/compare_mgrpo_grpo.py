"""The test bed: MGRPO against plain GRPO on the arithmetic task, at equal generated tokens and equal training
time; what layer 2 learns from; what it costs.

    python experiments/compare_mgrpo_grpo.py --output-dir docs/results     # ~2.7 h on 2 cores, 3 seeds each
    python experiments/compare_mgrpo_grpo.py --output-dir /tmp/quick --quick  # one short seed each (CI)

From the embedded default model, trains plain GRPO (veRL's own loop) and MGRPO with the same settings and
seeds through ``python -m verl_mgrpo.main_mgrpo`` on CPU (``TEST_BED`` below: why each setting), validating
two-turn on arith_test (guide mode, sampled at temperature 0.7, 4 samples per problem) along the way. Each
run trains ~18 minutes; MGRPO's curve spans GRPO's final training time and its final generated tokens (every
token counts: layer 1, layer-2 corrections and augmentation samples). The first seed's MGRPO run is repeated
for 12 steps with the ``hf`` server's prefix cache off, to measure what reusing layer-1 states saves. Writes
``comparison.md`` (tables: experiments/test_bed_report.py), ``comparison.png`` (the five two-turn numbers
against tokens and against training seconds, mean and 95 % interval over seeds) and ``comparison.json``
(every number) into the output directory.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_bed_report  # noqa: E402  (a sibling script's module, not a package)


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
    "trainer.total_epochs=2",  # arith_train's 2 000 questions are 250 steps of 8: GRPO's 380 steps need a second pass
]


# The ablations the paper leaves open, each MGRPO with one setting changed (compared at GRPO's final tokens).
ABLATIONS = {
    "augment_n=4": ("mgrpo.augment_n=4",),  # H: the test bed's MGRPO uses the CPU config's 2
    "layer_weight=0.5": ("mgrpo.layer_weight=0.5",),
    "layer_weight=2": ("mgrpo.layer_weight=2.0",),
    "keep_selecting_sample": ("mgrpo.keep_selecting_sample=True",),
    "one guide phrase": ("mgrpo.guide_phrases=['Wait, let me double-check that.']",),  # the pool's first
}


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


def arms(args: argparse.Namespace) -> dict[str, tuple]:
    """arm -> (method, steps, validation period, overrides, run-name tag)."""
    plan = {"grpo": ("grpo", args.grpo_steps, args.grpo_val_every, (), ""),
            "mgrpo": ("mgrpo", args.mgrpo_steps, args.mgrpo_val_every, (), "")}
    if args.ablations:
        plan |= {f"mgrpo {name}": ("mgrpo", args.mgrpo_steps, args.ablation_val_every, extra,
                                   "_" + "".join(c for c in name if c.isalnum()))
                 for name, extra in ABLATIONS.items()}
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    # ~20 minutes of training for GRPO (the budget): GRPO ~3.4 s and ~2.5k generated tokens a step,
    # MGRPO ~11 s and ~7.5k (it also generates layer 2's corrections and augmentation samples), so MGRPO's curve
    # spans both GRPO's final training time and GRPO's final generated tokens.
    parser.add_argument("--grpo-steps", type=int, default=380)
    parser.add_argument("--mgrpo-steps", type=int, default=144)
    parser.add_argument("--grpo-val-every", type=int, default=76)
    parser.add_argument("--mgrpo-val-every", type=int, default=24)
    parser.add_argument("--val-samples", type=int, default=200)
    parser.add_argument("--ablations", action="store_true",
                        help="also MGRPO with each of ABLATIONS (~35 min each and seed)")
    # Ablations are read at GRPO's final tokens: validations every 48 steps bracket it and save ~5 minutes an arm.
    parser.add_argument("--ablation-val-every", type=int, default=48)
    parser.add_argument("--quick", action="store_true", help="one short seed of each, for CI")
    parser.add_argument("--reuse-logs", action="store_true",
                        help="skip a run whose metric log in the output directory is complete (rebuild the tables)")
    parser.add_argument("--report-only", action="store_true",
                        help="train nothing: tables from the complete runs' logs in the output directory")
    args = parser.parse_args()
    args.reuse_logs |= args.report_only
    if args.quick:
        args.seeds, args.grpo_steps, args.mgrpo_steps = args.seeds[:1], 4, 2
        args.grpo_val_every, args.mgrpo_val_every, args.ablation_val_every, args.val_samples = 2, 1, 1, 16
    out = args.output_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    plan = arms(args)
    curves = {arm: [] for arm in plan}
    # GRPO and MGRPO seed by seed (a stopped run leaves whole seeds of both to reuse), then the ablations
    order = [(arm, seed) for arms in (list(plan)[:2], list(plan)[2:]) for seed in args.seeds for arm in arms]
    for arm, seed in order:
        method, steps, every, extra, tag = plan[arm]
        if args.report_only and not finished(out / f"{method}{tag}_seed{seed}.jsonl", steps):
            print(f"{method}{tag}_seed{seed}: no complete log, left out", flush=True)
            continue
        log = run_training(method, seed, steps, every, args.val_samples, out, extra, tag, reuse=args.reuse_logs)
        curves[arm].append(test_bed_report.curve(log))
    curves = {method: runs for method, runs in curves.items() if runs}
    if not curves:
        raise SystemExit(f"compare_mgrpo_grpo: no complete run's log in {out}")
    # The same MGRPO run once more with the hf server's prefix cache off: what reusing layer-1 states saves.
    seed, costs = args.seeds[0], {}
    if "mgrpo" in curves:
        costs[f"seed {seed}, cache on"] = test_bed_report.layer_costs(curves["mgrpo"][:1])
    uncached_steps = min(args.mgrpo_steps, 12)
    if not args.report_only or finished(out / f"mgrpo_no_prefix_cache_seed{seed}.jsonl", uncached_steps):
        costs[f"seed {seed}, cache off"] = test_bed_report.layer_costs([test_bed_report.curve(run_training(
            "mgrpo", seed, uncached_steps, -1, args.val_samples, out, reuse=args.reuse_logs,
            extra=("actor_rollout_ref.rollout.enable_prefix_caching=False",), tag="_no_prefix_cache"))])
    header = [
        "# The test bed: MGRPO against GRPO on the arithmetic task (generated by experiments/compare_mgrpo_grpo.py)",
        "",
        f"Command: `python experiments/compare_mgrpo_grpo.py {' '.join(sys.argv[1:])}`  ",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, no GPU; "
        + ("tables rebuilt from complete runs' metric logs.  " if args.reuse_logs
           else f"{(time.time() - started) / 60:.0f} minutes in all.  "),
        f"Seeds {args.seeds} ({', '.join(f'{m}: {len(r)} complete' for m, r in curves.items())}); "
        f"GRPO {args.grpo_steps} steps, MGRPO {args.mgrpo_steps} steps; settings: "
        + ", ".join(f"`{o}`" for o in TEST_BED) + f"; two-turn validation on {args.val_samples} arith_test problems.",
    ]
    text, numbers = test_bed_report.report(curves, costs, header)
    (out / "comparison.md").write_text(text)
    (out / "comparison.json").write_text(json.dumps(numbers, indent=2, default=str))
    test_bed_report.plot(numbers["summary"], out)
    print(text)


if __name__ == "__main__":
    main()
