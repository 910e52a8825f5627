"""The test bed: MGRPO against plain GRPO on the arithmetic task, at equal generated tokens and equal training
time; what layer 2 learns from; what it costs.

    python experiments/compare_mgrpo_grpo.py --output-dir runs/test_bed --curves-dir docs/results/curves --reuse
    python experiments/compare_mgrpo_grpo.py --output-dir /tmp/quick --quick  # one short seed each (CI)

From the embedded default model, trains plain GRPO (veRL's own loop) and MGRPO with the same settings and
seeds through ``python -m verl_mgrpo.main_mgrpo`` on CPU (``TEST_BED`` below: why each setting), validating
two-turn on arith_test (guide mode, sampled at temperature 0.7, 4 samples per problem) along the way. GRPO
trains ~20 minutes on the machines of 2026-12-03 (~37 on 2026-12-07's); MGRPO's curve spans GRPO's final
training time and its final generated tokens (every token counts: layer 1, layer-2 corrections and
augmentation samples). The first seed's MGRPO run is repeated for 12 steps with the ``hf`` server's prefix
cache off, to measure what reusing layer-1 states saves. Writes ``comparison.md`` (tables:
experiments/test_bed_report.py), ``comparison.png`` (the five two-turn numbers against tokens and against
training seconds, mean and 95 % interval over seeds) and ``comparison.json`` (every number) into the output
directory, and each finished run's curve with its seed and machine into ``--curves-dir``
(experiments/test_bed_runs.py): committed, they let ``--reuse`` go on in a later session, on another
machine, where this one stopped.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_bed_report  # noqa: E402  (sibling scripts' modules, not a package)
import test_bed_runs  # noqa: E402
import test_bed_steps  # noqa: E402


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
ABLATIONS = {  # in training order: H=4 last, its steps are the longest (twice the augmentation samples)
    "layer_weight=0.5": ("mgrpo.layer_weight=0.5",),
    "layer_weight=2": ("mgrpo.layer_weight=2.0",),
    "keep_selecting_sample": ("mgrpo.keep_selecting_sample=True",),
    "one guide phrase": ("mgrpo.guide_phrases=['Wait, let me double-check that.']",),  # the pool's first
    "augment_n=4": ("mgrpo.augment_n=4",),  # H: the test bed's MGRPO uses the CPU config's 2
}


@dataclass(frozen=True)
class Run:
    """One training run: an arm's method and settings, and a seed."""
    method: str
    seed: int
    steps: int
    val_every: int  # -1: no validation
    val_samples: int
    extra: tuple[str, ...] = ()  # the arm's own overrides
    tag: str = ""  # the arm's part of the run's name

    @property
    def name(self) -> str:
        """A run's metric log, console log and saved curve are named by this."""
        return f"{self.method}{self.tag}_seed{self.seed}"

    def curve_path(self, curves: Path) -> Path:
        """Where the run's curve is saved and looked for in the folder ``curves``."""
        return curves / f"{self.name}.json"

    def overrides(self) -> list[str]:
        """``python -m verl_mgrpo.main_mgrpo``'s overrides: the test bed's settings, then the run's."""
        overrides = [
            *TEST_BED,
            f"trainer.total_training_steps={self.steps}",
            f"trainer.test_freq={self.val_every}",
            f"trainer.val_before_train={self.val_every > 0}",
            "trainer.logger=[console,file]",
            f"trainer.experiment_name={self.name}",
            "trainer.resume_mode=disable",
            f"data.val_max_samples={self.val_samples}",
            f"data.seed={self.seed}",
            f"actor_rollout_ref.rollout.seed={self.seed}",
            f"mgrpo.seed={self.seed}",
            *self.extra,
        ]
        if self.method == "grpo":
            overrides += ["algorithm.adv_estimator=grpo", "mgrpo.num_layers=1"]
        return overrides


def run_training(run: Run, out: Path) -> Path:
    """Train ``run``; its metric log (veRL's file logger) and console log go into ``out``."""
    log = out / f"{run.name}.jsonl"
    env = {**os.environ, "VERL_FILE_LOGGER_PATH": str(log)}
    started = time.time()
    with open(out / f"{run.name}.log", "w") as console:
        subprocess.run([sys.executable, "-m", "verl_mgrpo.main_mgrpo", *run.overrides()], env=env, check=True,
                       stdout=console, stderr=subprocess.STDOUT, cwd=out)
    print(f"{run.name}: {run.steps} steps in {time.time() - started:.0f} s", flush=True)
    return log


def refuse_other_runs(planned: list[Run], curves: Path) -> None:
    """Stop before any training if a saved curve of a planned run's name was trained with other settings (a
    ``--quick`` run into the committed curves, or another validation size, say): nothing is overwritten."""
    for run in planned:
        path = run.curve_path(curves)
        if path.is_file():
            saved = test_bed_runs.load_curve(path)["overrides"]
            if differ := sorted(set(saved) ^ set(run.overrides())):
                raise SystemExit(f"compare_mgrpo_grpo: {path} was trained with other settings than planned "
                                 f"({', '.join(differ)}); nothing was trained or overwritten (choose another "
                                 "--curves-dir, or the settings it holds)")


def train_curve(run: Run, out: Path, curves: Path, reuse: bool = False, train: bool = True) -> dict | None:
    """``run``'s curve: its saved one if ``reuse`` finds it, else (if ``train``) trained now by ``run_training`` and
    saved in ``curves`` with its seed, machine, boot and settings, so a later session on another machine still has it
    (returned as saved: what this session reports is what a later one reads); None if neither."""
    path = run.curve_path(curves)
    if reuse and path.is_file():  # refuse_other_runs checked its settings
        print(f"{run.name}: reusing {path}", flush=True)
        return test_bed_runs.load_curve(path)
    if not train:
        return None
    record = {"seed": run.seed, "machine": test_bed_runs.machine(), "boot": test_bed_runs.boot_id(),
              "overrides": run.overrides()}
    test_bed_runs.save_curve(test_bed_runs.curve(run_training(run, out)) | record, path)
    return test_bed_runs.load_curve(path)


def arms(args: argparse.Namespace) -> dict[str, tuple]:
    """arm -> (method, steps, validation period, overrides, run-name tag)."""
    plan = {"grpo": ("grpo", args.grpo_steps, args.grpo_val_every, (), ""),
            "mgrpo": ("mgrpo", args.mgrpo_steps, args.mgrpo_val_every, (), "")}
    if args.ablations:
        plan |= {f"mgrpo {name}": ("mgrpo", args.ablation_steps, args.ablation_val_every, extra,
                                   "_" + "".join(c for c in name if c.isalnum()))
                 for name, extra in ABLATIONS.items()}
    return plan


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-dir", type=Path, required=True, help="metric and console logs, the tables, the plot")
    parser.add_argument("--curves-dir", type=Path,
                        help="where each run's curve is saved and looked for (default: OUTPUT_DIR/curves)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    # ~20 minutes of training for GRPO (the budget) on the machines of 2026-12-03: GRPO ~3.4 s and ~2.5k
    # generated tokens a step, MGRPO ~11 s and ~7.5k (it also generates layer 2's corrections and augmentation
    # samples), so MGRPO's curve spans both GRPO's final training time and GRPO's final generated tokens. Step
    # times scale with the machine a session draws (GRPO ~5.8 s on 2026-12-07's); token counts do not.
    parser.add_argument("--grpo-steps", type=int, default=380)
    parser.add_argument("--mgrpo-steps", type=int, default=144)
    parser.add_argument("--grpo-val-every", type=int, default=76)
    parser.add_argument("--mgrpo-val-every", type=int, default=24)
    parser.add_argument("--val-samples", type=int, default=200)
    parser.add_argument("--ablations", action="store_true",
                        help="also MGRPO with each of ABLATIONS (~47 min each and seed on 2026-12-07's machine)")
    # Ablations are read at GRPO's final tokens only (917k-989k so far, MGRPO's step ~121-130): 136 steps reach
    # them with a margin for shorter answers, validations every 68 steps bracket them; ~10 minutes an arm less
    # than MGRPO's own schedule.
    parser.add_argument("--ablation-steps", type=int, default=136)
    parser.add_argument("--ablation-val-every", type=int, default=68)
    parser.add_argument("--quick", action="store_true", help="one short seed of each, for CI")
    parser.add_argument("--reuse", "--reuse-logs", dest="reuse", action="store_true",
                        help="take a run whose curve is saved instead of training it again")
    parser.add_argument("--report-only", action="store_true", help="train nothing: tables from the saved curves")
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f"--seeds {' '.join(map(str, args.seeds))}: each seed once (a seed is one run of each arm)")
    args.reuse |= args.report_only
    if args.quick:
        args.seeds, args.grpo_steps, args.mgrpo_steps, args.ablation_steps = args.seeds[:1], 4, 2, 2
        args.grpo_val_every, args.mgrpo_val_every, args.ablation_val_every, args.val_samples = 2, 1, 1, 16
    return args


UNCACHED = "mgrpo, prefix cache off"


def plan_runs(args: argparse.Namespace) -> list[tuple[str, Run]]:
    """(arm, run) in training order: GRPO and MGRPO seed by seed (a stopped plan leaves whole seeds of both); the
    first seed's MGRPO again for 12 steps with the hf server's prefix cache off (what reusing layer-1 states saves);
    then the ablations, every arm's first seed before any arm's second."""
    plan = arms(args)

    def seed_by_seed(group: list[str]) -> list[tuple[str, Run]]:
        runs = []
        for seed in args.seeds:
            for arm in group:
                method, steps, every, extra, tag = plan[arm]
                runs.append((arm, Run(method, seed, steps, every, args.val_samples, extra, tag)))
        return runs

    uncached = Run("mgrpo", args.seeds[0], min(args.mgrpo_steps, 12), -1, args.val_samples,
                   ("actor_rollout_ref.rollout.enable_prefix_caching=False",), "_no_prefix_cache")
    return [*seed_by_seed(list(plan)[:2]), (UNCACHED, uncached), *seed_by_seed(list(plan)[2:])]


def main() -> None:
    args = parse_args()
    out = args.output_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    curves_dir = (args.curves_dir or out / "curves").resolve()
    started = time.time()
    order = plan_runs(args)
    refuse_other_runs([run for _, run in order], curves_dir)
    curves = {arm: [] for arm, _ in order}
    for arm, run in order:
        if (curve := train_curve(run, out, curves_dir, reuse=args.reuse, train=not args.report_only)) is None:
            print(f"{run.name}: no saved curve in {curves_dir}, left out", flush=True)
            continue
        curves[arm].append(curve)
    uncached = curves.pop(UNCACHED)
    curves = {arm: runs for arm, runs in curves.items() if runs}
    if not curves:
        raise SystemExit(f"compare_mgrpo_grpo: no saved curve in {curves_dir}")
    seed, costs = args.seeds[0], {}
    first = len(uncached[0]["steps"]) if uncached else None  # the same stretch of training, cache on and off
    if cached := [run for run in curves.get("mgrpo", []) if run["seed"] == seed]:
        costs[f"seed {seed}, cache on" + (f", first {first} steps" if first else "")] = \
            test_bed_steps.layer_costs(cached, first)
    if uncached:
        costs[f"seed {seed}, cache off"] = test_bed_steps.layer_costs(uncached)
    header = [
        "# The test bed: MGRPO against GRPO on the arithmetic task (generated by experiments/compare_mgrpo_grpo.py)",
        "",
        f"Command: `python experiments/compare_mgrpo_grpo.py {' '.join(sys.argv[1:])}`  ",
        f"Tables made on {platform.platform()}, {os.cpu_count()} cores, no GPU (each run's machine: the runs table); "
        + ("tables from saved curves only.  " if args.report_only else
           f"{(time.time() - started) / 60:.0f} minutes in all{' (saved curves reused)' if args.reuse else ''}.  "),
        f"Seeds {args.seeds} ({', '.join(f'{m}: {len(r)} complete' for m, r in curves.items())}); "
        f"GRPO {args.grpo_steps} steps, MGRPO {args.mgrpo_steps} steps"
        + (f", ablations {args.ablation_steps} steps" if args.ablations else "") + "; settings: "
        + ", ".join(f"`{o}`" for o in TEST_BED) + f"; two-turn validation on {args.val_samples} arith_test problems.",
    ]
    text, numbers = test_bed_report.report(curves, costs, header)
    (out / "comparison.md").write_text(text)
    (out / "comparison.json").write_text(json.dumps(numbers, indent=2, default=str))
    test_bed_report.plot(numbers["summary"], out)
    print(text)


if __name__ == "__main__":
    main()
