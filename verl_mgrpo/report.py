"""Table 2 of the paper, and a plot, from saved two-turn evaluations.

    python -m verl_mgrpo.report RUN_DIR [RUN_DIR ...] [--output report] [--names GRPO MGRPO ...]

Each RUN_DIR holds the ``generations.jsonl`` that ``python -m verl_mgrpo.evaluate`` (or validation with
``mgrpo.val_output_dir``) wrote. The numbers are recomputed from those records, so a report can be rebuilt
without running any model. Writes ``OUTPUT.md`` (benchmark × method rows; Acc@t1, Acc@t2, Δ(t1,t2), Δi→c,
Δc→i in percent) and ``OUTPUT.png`` (per benchmark: Acc@t1 and Acc@t2 per method; Δi→c and Δc→i).
"""

import argparse
import json
from pathlib import Path

from verl_mgrpo.eval.records import METRICS_FILE, markdown_table, metrics_by_benchmark, read_records


def method_name(run_dir: Path) -> str:
    metrics_file = run_dir / METRICS_FILE
    if metrics_file.is_file():
        return json.loads(metrics_file.read_text()).get("method") or run_dir.name
    return run_dir.name


def plot(metrics: dict[str, dict[str, dict[str, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    benchmarks = sorted({b for per_method in metrics.values() for b in per_method})
    methods = list(metrics)
    figure, axes = plt.subplots(2, len(benchmarks), figsize=(4 * len(benchmarks), 6.5), squeeze=False)
    width = 0.8 / len(methods)
    for column, benchmark in enumerate(benchmarks):
        for row, (keys, title) in enumerate(((("acc_t1", "acc_t2"), "accuracy %"), (("i2c", "c2i"), "share %"))):
            axis = axes[row][column]
            for offset, method in enumerate(methods):
                values = metrics[method].get(benchmark)
                heights = [100 * values[key] if values else 0.0 for key in keys]
                positions = [i + offset * width for i in range(len(keys))]
                axis.bar(positions, heights, width, label=method)
            axis.set_xticks([i + width * (len(methods) - 1) / 2 for i in range(len(keys))])
            axis.set_xticklabels(["Acc@t1", "Acc@t2"] if row == 0 else ["Δi→c", "Δc→i"])
            axis.set_ylabel(title)
            axis.set_title(benchmark if row == 0 else f"{benchmark}: changes")
    axes[0][0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def build_report(run_dirs: list[Path], names: list[str] | None, output: Path) -> dict:
    if names and len(names) != len(run_dirs):
        raise SystemExit(f"report: {len(names)} names for {len(run_dirs)} run directories")
    metrics = {}
    for index, run_dir in enumerate(run_dirs):
        name = names[index] if names else method_name(run_dir)
        metrics[name] = metrics_by_benchmark(read_records(run_dir))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".md").write_text(markdown_table(metrics))
    plot(metrics, output.with_suffix(".png"))
    return metrics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dirs", nargs="+", type=Path)
    parser.add_argument("--output", type=Path, default=Path("report"), help="writes OUTPUT.md and OUTPUT.png")
    parser.add_argument("--names", nargs="+", help="method names, one per run directory")
    args = parser.parse_args(argv)
    try:
        build_report(args.run_dirs, args.names, args.output)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f"report: {error}") from error
    print(args.output.with_suffix(".md").read_text(), end="")
    print(f"plot: {args.output.with_suffix('.png')}")


if __name__ == "__main__":
    main()
