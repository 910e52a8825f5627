"""The test bed: MGRPO against plain GRPO on the arithmetic task, at equal generated tokens and equal training
time; what layer 2 learns from; what it costs.

    python experiments/compare_mgrpo_grpo.py --output-dir runs/test_bed --curves-dir docs/results/curves --reuse-logs
    python experiments/compare_mgrpo_grpo.py --output-dir /tmp/quick --quick  # one short seed each (CI)

From the embedded default model, trains plain GRPO (veRL's own loop) and MGRPO with the same settings and
seeds through ``python -m verl_mgrpo.main_mgrpo`` on CPU (``TEST_BED`` below: why each setting), validating
two-turn on arith_test (guide mode, sampled at temperature 0.7, 4 samples per problem) along the way. GRPO
trains ~20 minutes on the machines of 2026-12-03 (~45 on 2026-12-07's); MGRPO's curve spans GRPO's final
training time and its final generated tokens (every token counts: layer 1, layer-2 corrections and
augmentation samples). The first seed's MGRPO run is repeated for 12 steps with the ``hf`` server's prefix
cache off, to measure what reusing layer-1 states saves. Writes ``comparison.md`` (tables:
experiments/test_bed_report.py), ``comparison.png`` (the five two-turn numbers against tokens and against
training seconds, mean and 95 % interval over seeds) and ``comparison.json`` (every number) into the output
directory, and each finished run's curve with its seed and machine into ``--curves-dir``
(experiments/test_bed_runs.py): committed, they let ``--reuse-logs`` go on in a later session, on another
machine, where this one stopped.
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
import test_bed_report  # noqa: E402  (sibling scripts' modules, not a package)
import test_bed_runs  # noqa: E402


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


def run_name(method: str, seed: int, tag: str = "") -> str:
    """A run's metric log, console log and saved curve are named by this."""
    return f"{method}{tag}_seed{seed}"


def run_training(method: str, seed: int, steps: int, val_every: int, val_samples: int, out: Path,
                 extra: tuple[str, ...] = (), tag: str = "") -> Path:
    """One training run with the test bed's settings and ``extra`` overrides; ``val_every=-1`` skips validation."""
    name = run_name(method, seed, tag)
    log = out / f"{name}.jsonl"
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


def saved_curve(name: str, steps: int, out: Path, curves: Path) -> dict | None:
    """A complete run's curve: its saved curve file in ``curves``, else its complete metric log in ``out`` (a run
    from before curves were saved: its machine is unknown); None if neither reached ``steps``."""
    path = curves / f"{name}.json"
    if path.is_file() and len((curve := test_bed_runs.load_curve(path))["steps"]) == steps:
        return curve
    if finished(out / f"{name}.jsonl", steps):
        return test_bed_runs.curve(out / f"{name}.jsonl") | {"machine": "unknown"}
    return None


def refuse_other_runs(planned: dict[str, int], curves: Path) -> None:
    """Stop before any training if a saved curve of a planned run's name holds a run of another length (a
    ``--quick`` run into the committed curves, say): nothing is overwritten."""
    for name, steps in planned.items():
        path = curves / f"{name}.json"
        if path.is_file() and (saved := len(test_bed_runs.load_curve(path)["steps"])) != steps:
            raise SystemExit(f"compare_mgrpo_grpo: {path} holds a {saved}-step run, not the {steps}-step one planned; "
                             "nothing was trained or overwritten (choose another --curves-dir)")


def train_curve(method: str, seed: int, steps: int, val_every: int, val_samples: int, out: Path, curves: Path,
                extra: tuple[str, ...] = (), tag: str = "", reuse: bool = False) -> dict:
    """A run's curve, trained by ``run_training`` unless ``reuse`` finds it complete; a trained one is saved in
    ``curves`` with its seed and machine, so a later session on another machine still has it."""
    name = run_name(method, seed, tag)
    if reuse and (curve := saved_curve(name, steps, out, curves)):
        print(f"{name}: reusing its complete run", flush=True)
        return curve | {"seed": seed}
    log = run_training(method, seed, steps, val_every, val_samples, out, extra, tag)
    curve = test_bed_runs.curve(log) | {"seed": seed, "machine": test_bed_runs.machine()}
    test_bed_runs.save_curve(curve, curves / f"{name}.json")
    return curve


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
    # ~20 minutes of training for GRPO (the budget) on the machines of 2026-12-03: GRPO ~3.4 s and ~2.5k
    # generated tokens a step, MGRPO ~11 s and ~7.5k (it also generates layer 2's corrections and augmentation
    # samples), so MGRPO's curve spans both GRPO's final training time and GRPO's final generated tokens. Step
    # times scale with the machine a session draws (GRPO ~7 s on 2026-12-07's); token counts do not.
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
    parser.add_argument("--curves-dir", type=Path,
                        help="where each run's curve is saved and looked for (default: OUTPUT_DIR/curves)")
    parser.add_argument("--reuse-logs", action="store_true",
                        help="skip a run whose saved curve or metric log is complete (rebuild the tables)")
    parser.add_argument("--report-only", action="store_true",
                        help="train nothing: tables from the complete runs' saved curves and logs")
    args = parser.parse_args()
    args.reuse_logs |= args.report_only
    if args.quick:
        args.seeds, args.grpo_steps, args.mgrpo_steps = args.seeds[:1], 4, 2
        args.grpo_val_every, args.mgrpo_val_every, args.ablation_val_every, args.val_samples = 2, 1, 1, 16
    out = args.output_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    curves_dir = (args.curves_dir or out / "curves").resolve()
    started = time.time()
    plan = arms(args)
    curves = {arm: [] for arm in plan}
    # GRPO and MGRPO seed by seed (a stopped run leaves whole seeds of both to reuse), then the ablations
    order = [(arm, seed) for arms in (list(plan)[:2], list(plan)[2:]) for seed in args.seeds for arm in arms]
    uncached, uncached_steps = "_no_prefix_cache", min(args.mgrpo_steps, 12)
    refuse_other_runs({run_name(method, seed, tag): steps for arm, seed in order
                       for method, steps, _, _, tag in [plan[arm]]}
                      | {run_name("mgrpo", args.seeds[0], uncached): uncached_steps}, curves_dir)
    for arm, seed in order:
        method, steps, every, extra, tag = plan[arm]
        if args.report_only and not saved_curve(run_name(method, seed, tag), steps, out, curves_dir):
            print(f"{run_name(method, seed, tag)}: no complete run, left out", flush=True)
            continue
        curves[arm].append(train_curve(method, seed, steps, every, args.val_samples, out, curves_dir, extra, tag,
                                       reuse=args.reuse_logs))
    curves = {method: runs for method, runs in curves.items() if runs}
    if not curves:
        raise SystemExit(f"compare_mgrpo_grpo: no complete run in {out} or {curves_dir}")
    # The same MGRPO run once more with the hf server's prefix cache off: what reusing layer-1 states saves.
    seed, costs = args.seeds[0], {}
    if "mgrpo" in curves:
        costs[f"seed {seed}, cache on"] = test_bed_report.layer_costs(curves["mgrpo"][:1])
    if not args.report_only or saved_curve(run_name("mgrpo", seed, uncached), uncached_steps, out, curves_dir):
        costs[f"seed {seed}, cache off"] = test_bed_report.layer_costs([train_curve(
            "mgrpo", seed, uncached_steps, -1, args.val_samples, out, curves_dir, reuse=args.reuse_logs,
            extra=("actor_rollout_ref.rollout.enable_prefix_caching=False",), tag=uncached)])
    header = [
        "# The test bed: MGRPO against GRPO on the arithmetic task (generated by experiments/compare_mgrpo_grpo.py)",
        "",
        f"Command: `python experiments/compare_mgrpo_grpo.py {' '.join(sys.argv[1:])}`  ",
        f"Tables made on {platform.platform()}, {os.cpu_count()} cores, no GPU (each run's machine: the runs table); "
        + ("tables rebuilt from complete runs.  " if args.reuse_logs
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
