"""Answer rewards for MATH, GSM8K, Minerva Math, OlympiadBench and the arithmetic task.

``compute_score`` has veRL's custom-reward signature, so it serves both as
``reward.custom_reward_function`` and behind the reward managers that :mod:`verl_mgrpo.plugin` registers.
Nothing here registers anything: loading this file by path (as veRL does for custom reward functions) and
importing it by name must both be harmless.
"""

from collections.abc import Iterable

from reward_fns.benchmarks import BENCHMARKS, benchmark_for
from reward_fns.extract import extract_answer
from reward_fns.grade import GradingPolicy, answers_match

__all__ = ["BENCHMARKS", "compute_score", "gold_answer", "is_correct"]

# Longer or deeper than any benchmark answer: such a "final answer" is wrong without being parsed.
MAX_ANSWER_CHARS = 1000
MAX_BRACE_DEPTH = 40


def gold_answer(ground_truth) -> str:
    """The gold answer as one string. OlympiadBench stores a list (``['$a$, $b$']``); parquet reads it back
    as a numpy array."""
    if isinstance(ground_truth, str):
        return ground_truth
    if isinstance(ground_truth, Iterable):
        return ", ".join(str(item) for item in ground_truth)
    return str(ground_truth)


def _brace_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        deepest = max(deepest, depth)
    return deepest


def is_correct(gold: str, pred: str, policy: GradingPolicy) -> bool:
    """Bounded in time: the symbolic step runs in a killable child process (see reward_fns.sandbox)."""
    from reward_fns.sandbox import shared_pool

    if len(pred) > MAX_ANSWER_CHARS or _brace_depth(pred) > MAX_BRACE_DEPTH:
        return False
    return answers_match(gold, pred, policy, symbolic=shared_pool().symbolic_equal)


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> dict:
    """veRL custom reward: ``score`` 1.0 for a right final answer, else 0.0; ``acc`` and ``pred`` ride along
    into veRL's ``reward_extra_info``. Raises only for an unknown ``data_source``."""
    benchmark = benchmark_for(data_source)
    pred = extract_answer(solution_str, last_number_fallback=benchmark.last_number_fallback)
    correct = pred is not None and is_correct(gold_answer(ground_truth), pred, benchmark.policy)
    return {"score": 1.0 if correct else 0.0, "acc": correct, "pred": pred or ""}
