"""How fast does reward_fns score? (A script, not a timed test.)

    python experiments/reward_speed.py --source ../shared/data [--workers 2] [--benchmarks minerva_math_test ...]

Scores every gold answer of every benchmark as a model answer, twice: written as the gold itself
(``\\boxed{gold}``: the common case of a right answer in the gold's form) and in a perturbed form that
forces the full grading path (last digit changed, or ``+1`` appended: math-verify's symbolic step in the
sandbox child). Prints answers per second on one core (wall clock, and per CPU second: the same on an idle
machine, and still the one-core rate on a busy one) and with ``--workers`` processes scoring in parallel, as
veRL's reward workers do, and the slowest single answer.
"""

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

from reward_fns import compute_score
from reward_fns.grade import EXACT
from reward_fns.sandbox import shared_pool
from verl_mgrpo.data.sources import SOURCES, SkippedRow, read_jsonl


BENCHMARK_FILES = ("math_train", "math500_test", "gsm8k_test", "minerva_math_test", "olympiadbench_test")


def load_cases(source_dir: Path, names=BENCHMARK_FILES) -> dict[str, list[tuple[str, str]]]:
    cases = {}
    for name in names:
        source, golds = SOURCES[name], []
        for position, raw in enumerate(read_jsonl(source_dir / source.local_path)):
            try:
                golds.append((source.benchmark, source.convert(raw, position).answer))
            except SkippedRow:
                continue
        cases[name] = golds
    return cases


def perturbed(gold: str) -> str:
    digits = [i for i, c in enumerate(gold) if c.isdigit()]
    if digits:
        i = digits[-1]
        return gold[:i] + str((int(gold[i]) + 1) % 10) + gold[i + 1 :]
    return gold + "+1"


def cpu_seconds() -> float:
    """CPU time of this process and its sandbox children. Answers per CPU second is the rate on one core even
    while other work shares the machine (the parent waits while its child grades: they never run together)."""
    process = psutil.Process()
    return sum(sum(p.cpu_times()[:2]) for p in (process, *process.children()))


def score_chunk(chunk: list[tuple[str, str, str]]) -> tuple[int, float, float, float, str]:
    """Score (data_source, response, gold) triples; returns (count, seconds, CPU seconds, slowest seconds,
    slowest answer)."""
    # Outside the timing, as once per process in training: import math-verify's normalisation for
    # reward_fns.pointwise, and start this process's sandbox child.
    compute_score("math", "\\boxed{x+1}", "x")
    shared_pool().symbolic_equal("x", "x+1", EXACT)
    slowest, slowest_answer, started, cpu_started = 0.0, "", time.perf_counter(), cpu_seconds()
    for data_source, response, gold in chunk:
        t0 = time.perf_counter()
        compute_score(data_source, response, gold)
        if time.perf_counter() - t0 > slowest:
            slowest, slowest_answer = time.perf_counter() - t0, response
    return len(chunk), time.perf_counter() - started, cpu_seconds() - cpu_started, slowest, slowest_answer


def run(triples, workers: int) -> tuple[float, float, float, str]:
    """Answers per second (wall), per CPU second, the slowest answer's seconds and the answer."""
    if workers == 1:
        count, seconds, cpu, slowest, answer = score_chunk(triples)
        return count / seconds, count / cpu, slowest, answer
    chunks = [triples[i::workers] for i in range(workers)]
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(score_chunk, chunks))
    worst = max(results, key=lambda r: r[3])
    count = sum(r[0] for r in results)
    return count / (time.perf_counter() - started), count / sum(r[2] for r in results), worst[3], worst[4]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--workers", type=int, default=2, help="parallel scoring processes (veRL reward workers)")
    parser.add_argument("--benchmarks", nargs="+", choices=BENCHMARK_FILES, default=BENCHMARK_FILES)
    args = parser.parse_args()
    cases = load_cases(args.source, args.benchmarks)
    print(f"{'benchmark':20s} {'form':9s} {'answers':>7s} {'per s, 1 core':>13s} {'per CPU s':>9s} {'slowest s':>9s}"
          "  slowest answer")
    all_triples = []
    for name, golds in cases.items():
        for form, make in (("as gold", lambda g: g), ("perturbed", perturbed)):
            triples = [(source, f"\\boxed{{{make(gold)}}}", gold) for source, gold in golds]
            all_triples += triples
            rate, cpu_rate, slowest, answer = run(triples, 1)
            print(f"{name:20s} {form:9s} {len(triples):7d} {rate:13.0f} {cpu_rate:9.0f} {slowest:9.3f}  {answer[:60]!r}",
                  flush=True)
    rate, cpu_rate, slowest, _ = run(all_triples, args.workers)
    print(f"all, {args.workers} processes in parallel: {rate:.0f} answers/s ({cpu_rate:.0f} per CPU second); "
          f"slowest single answer {slowest:.3f} s")


if __name__ == "__main__":
    main()
