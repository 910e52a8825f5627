"""The symbolic step: math-verify's parse and verify, for what :mod:`reward_fns.grade` cannot decide by
itself. Unbounded in time on hostile input: :mod:`reward_fns.sandbox` runs it in a killable child."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from reward_fns.grade import GradingPolicy, Number, as_number, numbers_equal


@lru_cache(maxsize=4096)
def _parsed(answer: str) -> tuple:
    """math-verify's parse of one answer. Cached: in training one gold is graded against every sample of its
    group and its corrections, and right answers repeat; the ANTLR parse is most of math-verify's time."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    configs = [LatexExtractionConfig(), ExprExtractionConfig()]
    return tuple(parse(f"${answer}$", extraction_config=configs, parsing_timeout=None))


def symbolic_equal(gold: str, pred: str, policy: GradingPolicy) -> bool:
    """math-verify's parse + verify, without its signal-based timeouts (they fail off the main thread)."""
    from math_verify import verify

    gold_parsed, pred_parsed = list(_parsed(gold)), list(_parsed(pred))
    if not gold_parsed or not pred_parsed:
        return False
    gold_number = as_number(gold)
    if policy.significant_figures and gold_number and getattr(pred_parsed[0], "is_number", False):
        try:
            pred_value = Decimal(str(float(pred_parsed[0].evalf(20))))
        except (TypeError, ValueError, InvalidOperation):
            return False
        return numbers_equal(gold_number, Number(pred_value, Decimal(0)), policy)
    return bool(verify(gold_parsed, pred_parsed, timeout_seconds=None))
