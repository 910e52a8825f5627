"""Which rules each benchmark grades by, and the ``data_source`` names that select it."""

from dataclasses import dataclass

from reward_fns.grade import EXACT, GradingPolicy


@dataclass(frozen=True)
class Benchmark:
    name: str
    policy: GradingPolicy = EXACT
    # GSM8K harnesses (veRL's "flexible" mode, lm-eval) take the last number when nothing else marks the
    # answer; the LaTeX benchmarks' harnesses do not.
    last_number_fallback: bool = False


BENCHMARKS = {
    b.name: b
    for b in (
        Benchmark("math"),
        Benchmark("math500"),
        Benchmark("gsm8k", last_number_fallback=True),
        Benchmark("minerva_math", policy=GradingPolicy(significant_figures=True)),
        Benchmark("olympiadbench"),
        Benchmark("arith"),
    )
}

# The names veRL's own data scripts write, so existing veRL parquet files score unchanged.
ALIASES = {
    "openai/gsm8k": "gsm8k",
    "lighteval/MATH": "math",
    "DigitalLearningGmbH/MATH-lighteval": "math",
    "HuggingFaceH4/MATH-500": "math500",
}


def accepted_data_sources() -> list[str]:
    return sorted(BENCHMARKS) + sorted(ALIASES)


def benchmark_for(data_source: str) -> Benchmark:
    name = ALIASES.get(data_source, data_source)
    if name not in BENCHMARKS:
        accepted = ", ".join(accepted_data_sources())
        raise ValueError(f"reward_fns: unknown data_source {data_source!r}; accepted: {accepted}")
    return BENCHMARKS[name]
