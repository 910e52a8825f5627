"""Tables and plots from the test bed's runs (their curves: :mod:`test_bed_runs`), written by
:mod:`compare_mgrpo_grpo`. Pure functions of the curves: ``--report-only`` rebuilds everything without training.

Methods are compared at equal budgets by interpolating each run's curve linearly between validations (never
extrapolating), seed by seed; intervals are 95 % Student-t intervals over seeds. Training seconds depend on the
machine a run drew (a session's machine need not be the last one's), so equal time is read pair by pair: each
seed's run against the baseline's run of that seed in the same boot of one machine.
"""

import math
import statistics
from pathlib import Path

from test_bed_runs import METRICS
from test_bed_steps import MECHANISM, mechanism, median_of, orchestration

AXES = {"tokens": "tokens", "seconds": "training s", "step": "steps"}
TITLES = {"acc_t1": "Acc@t1", "acc_t2": "Acc@t2", "delta": "Δ(t1,t2)", "i2c": "Δi→c", "c2i": "Δc→i"}
_T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def at_budget(points: list[dict], axis: str, budget: float) -> dict | None:
    """The metrics at ``budget`` on ``axis`` (tokens or seconds), linear between the validations around it;
    None past the last validation."""
    for before, after in zip(points, points[1:]):
        if before[axis] <= budget <= after[axis]:
            share = (budget - before[axis]) / ((after[axis] - before[axis]) or 1.0)
            return {k: before[k] + share * (after[k] - before[k]) for k in METRICS}
    return None


def mean_ci(values: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95 % Student-t interval (0 for a single value)."""
    mean = statistics.mean(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, _T_975.get(len(values) - 1, 1.96) * statistics.stdev(values) / math.sqrt(len(values))


def learning_goal(runs: list[dict], seconds: float = 20 * 60, gain: float = 0.05) -> dict:
    """Issue #12's first goal for plain GRPO: each seed's Acc@t1 gain since step 0 within ``seconds`` of training
    (its last validation, or interpolated at ``seconds`` if it validated later), the mean and its interval, and
    whether the goal is met: at least 3 seeds, a mean gain of at least ``gain`` and an interval that excludes 0."""
    gains = []
    for run in runs:
        points = run["points"]
        end = points[-1] if points[-1]["seconds"] <= seconds else at_budget(points, "seconds", seconds)
        gains.append(end["acc_t1"] - points[0]["acc_t1"])
    mean, half = mean_ci(gains)
    return {"seconds": seconds, "gain": gain, "gains": gains, "mean": (mean, half),
            "met": len(gains) >= 3 and mean >= gain and mean - half > 0}


def summarize(curves: dict[str, list[dict]]) -> dict:
    """Per method and validation index: (mean, 95 % half-width) over seeds of budgets and metrics."""
    summary = {}
    for method, runs in curves.items():
        count = min(len(run["points"]) for run in runs)
        summary[method] = [
            {key: mean_ci([p[key] for p in points]) for key in ("tokens", "seconds", *METRICS)}
            | {"step": points[0]["step"]}
            for points in ([run["points"][i] for run in runs] for i in range(count))
        ]
    return summary


BASELINE, MGRPO = "grpo", "mgrpo"


def is_ablation(method: str) -> bool:
    """Ablation arms are MGRPO with one setting changed, named "mgrpo <change>"."""
    return method.startswith(MGRPO + " ")


def budget_reader(curves: dict[str, list[dict]], axis: str):
    """run -> the budget on ``axis`` at which to read it, or None. Tokens: the baseline's final tokens (its
    smallest over seeds: one every baseline run reached); steps: the fewest any run made (equal updates: does
    layer 2 change what layer 1 learns per update?); seconds: the final training time of the baseline's run of
    the same seed if both ran in one boot of one machine (a machine's speed is part of a run's time)."""
    if axis == "seconds":
        ends = {run["seed"]: run for run in curves[BASELINE]}

        def paired(run):
            pair = ends.get(run["seed"])
            if pair is run or (pair is not None and run["boot"] is not None and run["boot"] == pair["boot"]):
                return pair["points"][-1]["seconds"]
            return None
        return paired
    arms = curves.values() if axis == "step" else [curves[BASELINE]]
    common = min(run["points"][-1][axis] for runs in arms for run in runs)
    return lambda run: common


def references(method: str, methods) -> list[str]:
    """The arms ``method`` is paired against: the baseline (GRPO) for every other arm, and MGRPO too for its
    ablations (arms named "mgrpo <change>"): does the change help MGRPO, and does it beat GRPO."""
    candidates = [BASELINE, MGRPO] if is_ablation(method) else [BASELINE]
    return [ref for ref in candidates if ref in methods and ref != method]


def paired_differences(pairs: list[tuple[dict, dict]]) -> dict:
    """Per metric, the mean and interval of (run minus reference) over readings paired by seed."""
    return {key: mean_ci([run[key] - reference[key] for run, reference in pairs]) for key in METRICS}


def at_equal_budgets(curves: dict[str, list[dict]]) -> dict:
    """Each method at equal generated tokens, training seconds and steps (``budget_reader``): per seed the
    interpolated metrics, their mean and interval and the gain over step 0, the mean budget of the runs read, the
    runs with no budget (no baseline run of their seed in their boot), and under ``paired`` the difference from
    each reference arm's run of the same seed at the same budget (``references``; paired: a seed's validation
    samples and step-0 model are shared, so the pair's noise partly cancels). Ablations are read at equal tokens
    only: the issue's budget for them, and their runs are shorter than MGRPO's."""
    table = {}
    for axis in ("tokens", "seconds", "step"):
        arms = {method: runs for method, runs in curves.items() if axis == "tokens" or not is_ablation(method)}
        budget = budget_reader(arms, axis)
        readings = {}  # method -> seed -> (step 0, at the budget)
        for method, runs in arms.items():
            values = {run["seed"]: budget(run) for run in runs}
            ends = {run["seed"]: (run["points"][0], at_budget(run["points"], axis, values[run["seed"]]))
                    for run in runs if values[run["seed"]] is not None}
            readings[method] = {seed: pair for seed, pair in ends.items() if pair[1] is not None}
            read = [values[seed] for seed in readings[method]]
            row = {"budget": statistics.mean(read) if read else None, "runs": len(read),
                   "unpaired": sum(value is None for value in values.values()), "paired": {}}
            if read:
                reached = readings[method].values()
                row |= {key: mean_ci([end[key] for _, end in reached]) for key in METRICS}
                row |= {f"gain_{key}": mean_ci([end[key] - start[key] for start, end in reached]) for key in METRICS}
            table[axis, method] = row
        for method in arms:
            for ref in references(method, arms):
                pairs = [(end, readings[ref][seed][1]) for seed, (_, end) in readings[method].items()
                         if seed in readings[ref]]
                table[axis, method]["paired"][ref] = {"pairs": len(pairs)} | (
                    paired_differences(pairs) if pairs else {})
    return table


def paired_over_training(curves: dict[str, list[dict]], method: str = MGRPO) -> list[dict]:
    """``method`` minus GRPO over training, seed by seed: at each of ``method``'s validations (the i-th of every
    seed together, as in ``summarize``: one schedule for all seeds), GRPO's run of the same seed read at the same
    generated tokens (``at_budget``; tokens, not seconds, so pairs need no shared boot). Per validation: the step,
    the pairs, their mean tokens and, per metric, the mean difference and its interval; a seed whose GRPO run
    ended before those tokens is left out. Does layer 2 move Δi→c and Δc→i as training goes on?"""
    grpo_points = {run["seed"]: run["points"] for run in curves.get(BASELINE, [])}
    runs = [run for run in curves.get(method, []) if run["seed"] in grpo_points]
    rows = []
    for index in range(min((len(run["points"]) for run in runs), default=0)):
        readings = [(run["points"][index], at_budget(grpo_points[run["seed"]], "tokens", run["points"][index]["tokens"]))
                    for run in runs]
        pairs = [(point, grpo_at) for point, grpo_at in readings if grpo_at is not None]
        if pairs:
            rows.append({"step": pairs[0][0]["step"], "pairs": len(pairs),
                         "tokens": statistics.mean(point["tokens"] for point, _ in pairs)}
                        | paired_differences(pairs))
    return rows


def _pct(value: tuple[float, float]) -> str:
    return f"{100 * value[0]:.1f} ± {100 * value[1]:.1f}"


def _budget(axis: str, row: dict) -> str:
    """A table's budget cell, for a row that read at least one run (its budget is their mean)."""
    return (f"GRPO's own time (mean {row['budget']:,.0f} s)" if axis == "seconds"
            else f"{row['budget']:,.0f} {AXES[axis]}")


def report(curves: dict[str, list[dict]], costs: dict[str, dict], header: list[str]) -> tuple[str, dict]:
    """The markdown report and every number in it."""
    summary, budgets = summarize(curves), at_equal_budgets(curves) if BASELINE in curves else {}
    goal = learning_goal(curves[BASELINE]) if BASELINE in curves else None
    numbers = {"summary": summary, "grpo_learning_goal": goal,
               "equal_budgets": {f"{a}/{m}": v for (a, m), v in budgets.items()},
               "paired_over_training": paired_over_training(curves),
               "mechanism": {m: mechanism(runs) for m, runs in curves.items() if m != BASELINE},
               "orchestration": {m: orchestration([d for r in runs for d in r["steps"]]) for m, runs in curves.items()},
               "layer2_costs": costs}
    lines = [*header, "", "## Curves (mean ± 95 % interval over seeds)", "",
             "| method | step | rollout tokens | training s | " + " | ".join(f"{TITLES[k]} %" for k in METRICS) + " |",
             "|---|---|---|---|" + "---|" * len(METRICS)]
    for method, points in summary.items():
        lines += [f"| {method} | {p['step']} | {p['tokens'][0]:,.0f} | {p['seconds'][0]:.0f} | "
                  + " | ".join(_pct(p[k]) for k in METRICS) + " |" for p in points]
    for method, runs in curves.items():
        gains = [run["points"][-1]["acc_t1"] - run["points"][0]["acc_t1"] for run in runs]
        minutes = [run["points"][-1]["seconds"] / 60 for run in runs]
        lines += ["", f"{method}: Acc@t1 gain from step 0 to its last validation, seed by seed: "
                  + ", ".join(f"{100 * g:+.1f}" for g in gains) + f" points (mean {_pct(mean_ci(gains))}) in "
                  + ", ".join(f"{m:.1f}" for m in minutes) + " minutes of training."]
    lines += ["", "Runs. Training seconds depend on the machine a run drew: the curves' training s above and the goal "
              "below read each run's own, whatever its machine; equal time below pairs runs of one boot only.", "",
              "| method | seed | steps | machine | boot | median step s | final tokens | training minutes |",
              "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {method} | {run['seed']} | {len(run['steps'])} | {run['machine']} | {(run['boot'] or '?')[:8]} | "
              f"{median_of(run['steps'], 'timing_s/step'):.1f} | {run['points'][-1]['tokens']:,.0f} | "
              f"{run['points'][-1]['seconds'] / 60:.1f} |" for method, runs in curves.items() for run in runs]
    if goal:
        lines += ["", f"grpo within {goal['seconds'] / 60:.0f} minutes of training (the issue's first goal: a mean "
                  f"Acc@t1 gain of at least {100 * goal['gain']:.0f} points over at least 3 seeds, its interval "
                  "above 0): "
                  + ", ".join(f"{100 * g:+.1f}" for g in goal["gains"]) + f" points, mean {_pct(goal['mean'])}: "
                  + ("met." if goal["met"] else "not met.")]
    lines += ["", "## At equal budgets (interpolated between validations, seed by seed)", "",
              "Tokens: GRPO's final generated tokens (its smallest over seeds). Training s: each seed's GRPO run's "
              "own final training time (the mean is shown), read only from runs in that GRPO run's boot of its "
              "machine. Steps: the fewest of any GRPO or MGRPO run (equal updates). Ablations: equal tokens only.", "",
              "| budget | method | seeds | " + " | ".join(f"{TITLES[k]} %" for k in METRICS)
              + " | gain in Acc@t1 since step 0 | gain in Acc@t2 |",
              "|---|---|---|" + "---|" * (len(METRICS) + 2)]
    for (axis, method), row in budgets.items():
        if not row["runs"]:
            why = "no GRPO run of its seeds in its boot" if row["unpaired"] else "not reached"
            lines.append(f"| {AXES[axis]} | {method} | 0 ({why}) |" + " |" * (len(METRICS) + 2))
            continue
        lines.append(f"| {_budget(axis, row)} | {method} | {row['runs']} | " + " | ".join(_pct(row[k]) for k in METRICS)
                     + f" | {_pct(row['gain_acc_t1'])} | {_pct(row['gain_acc_t2'])} |")
    lines += ["", "## Paired differences at equal budgets (points; mean ± 95 % interval over the seeds paired)", "",
              "Each run minus the reference arm's run of the same seed at the same budget (GRPO for every arm, MGRPO "
              "for its ablations): a seed's step-0 model and validation samples are shared, so part of their noise cancels.",
              "", "| budget | method | minus | pairs | " + " | ".join(TITLES[k] for k in METRICS) + " |",
              "|---|---|---|---|" + "---|" * len(METRICS)]
    lines += [f"| {_budget(axis, row)} | {method} | {ref} | {diff['pairs']} | "
              + " | ".join(_pct(diff[k]) for k in METRICS) + " |"
              for (axis, method), row in budgets.items() for ref, diff in row["paired"].items() if diff["pairs"]]
    if numbers["paired_over_training"]:
        lines += ["", "## MGRPO minus GRPO over training (points; paired by seed at MGRPO's validations' tokens)", "",
                  "At each MGRPO validation, GRPO's run of the same seed read at the same generated tokens; mean ± 95 % "
                  "interval over the seeds whose GRPO run reached them.", "",
                  "| MGRPO step | pairs | rollout tokens | " + " | ".join(TITLES[k] for k in METRICS) + " |",
                  "|---|---|---|" + "---|" * len(METRICS)]
        lines += [f"| {row['step']} | {row['pairs']} | {row['tokens']:,.0f} | " + " | ".join(_pct(row[k]) for k in METRICS)
                  + " |" for row in numbers["paired_over_training"]]
    for method, rows in numbers["mechanism"].items():
        lines += ["", f"## What layer 2 learns from ({method}; medians over steps and seeds, by third of training)", "",
                  "| part | " + " | ".join(key.removeprefix("mgrpo/") for key in MECHANISM) + " |",
                  "|---|" + "---|" * len(MECHANISM)]
        lines += [f"| {row['part']} | " + " | ".join(f"{row[key]:.3g}" for key in MECHANISM) + " |" for row in rows]
    lines += ["", "## Orchestration: share of a step outside generation, log-probs, reference, update, checkpoint", "",
              "| method | " + " | ".join(next(iter(numbers["orchestration"].values()))) + " |",
              "|---|" + "---|" * len(next(iter(numbers["orchestration"].values())))]
    lines += [f"| {m} | " + " | ".join(f"{100 * v:.1f} %" for v in shares.values()) + " |"
              for m, shares in numbers["orchestration"].items()]
    if costs:
        lines += ["", "## What layer 2 costs (per step, medians)", "", f"| quantity | {' | '.join(costs)} |",
                  "|---|" + "---|" * len(costs)]
        lines += [f"| {key} | {' | '.join(f'{column[key]:,.4g}' for column in costs.values())} |"
                  for key in next(iter(costs.values()))]
    return "\n".join(lines) + "\n", numbers


def plot(summary: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, len(METRICS), figsize=(4 * len(METRICS), 7), squeeze=False)
    for row, (axis_key, label) in enumerate((("tokens", "generated rollout tokens"), ("seconds", "training seconds"))):
        for column, key in enumerate(METRICS):
            axis = axes[row][column]
            for method, points in summary.items():
                x = [p[axis_key][0] for p in points]
                mean = [100 * p[key][0] for p in points]
                half = [100 * p[key][1] for p in points]
                axis.plot(x, mean, marker="o", label=method)
                axis.fill_between(x, [m - h for m, h in zip(mean, half)], [m + h for m, h in zip(mean, half)], alpha=0.2)
            axis.set_xlabel(label)
            axis.set_ylabel(f"{TITLES[key]} % (arith_test)")
            axis.legend()
    figure.suptitle("Two-turn validation (guide mode): mean over seeds, 95 % interval")
    figure.tight_layout()
    figure.savefig(out / "comparison.png", dpi=90)
    plt.close(figure)
