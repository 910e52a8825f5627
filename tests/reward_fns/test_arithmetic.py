"""The arithmetic fast path: exact or double-precision values of constant LaTeX, and verdicts only where
math-verify could not disagree."""

from fractions import Fraction

import pytest

from reward_fns import compute_score
from reward_fns.arithmetic import arithmetic_verdict, evaluate


@pytest.mark.parametrize("text, value", [
    (r"\frac{3}{4}", Fraction(3, 4)), ("-0.5", Fraction(-1, 2)), ("3^{2}", 9), ("2^{-1}", Fraction(1, 2)),
    (r"\sqrt[3]{8}", 2), (r"(1+2)\cdot 3", 9), (r"\sqrt{\frac{9}{4}}", Fraction(3, 2)), ("4^{1/2}", 2),
    (r"2 \times 3 - 1", 5), ("7/2", Fraction(7, 2)),
])
def test_exact_values(text, value):
    assert evaluate(text) == value and isinstance(evaluate(text), Fraction)


@pytest.mark.parametrize("text, value", [(r"2\sqrt{3}", 2 * 3 ** 0.5), (r"\frac{\pi}{6}", 0.5235987755982988),
                                         (r"3\pi", 9.42477796076938)])
def test_irrational_values_in_double_precision(text, value):
    assert evaluate(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text", [r"129\frac{1}{3}", r"6 \frac{3}{4}",  # mixed numbers: math-verify's reading
                                  "x+1", "1, 2", r"\frac{1}{0}", r"\sqrt{-1}", "10^{100}", r"[1, 2)", r"\infty",
                                  "2^{x}", r"\text{5}", "", "3!", r"2^{\sqrt{2}}"])
def test_anything_else_is_not_arithmetic(text):
    assert evaluate(text) is None


@pytest.mark.parametrize("gold, pred, verdict", [
    (r"\frac{1}{2}", "0.5", True),  # equal exact values
    (r"\sqrt{8}", r"2\sqrt{2}", True),  # equal in double precision
    (r"\frac{3}{4}", r"\frac{3}{5}", False),  # far apart
    (r"\frac{1}{3}", "0.333333", None),  # close but unequal: math-verify's rounding decides
    ("0", "0.0000001", None),  # below math-verify's 6-decimal rounding
    ("100000", "100001", None),  # within 1e-4 relative
    ("x", "1", None),
])
def test_verdicts_only_where_math_verify_could_not_disagree(gold, pred, verdict):
    assert arithmetic_verdict(gold, pred) is verdict


def test_a_measurements_tolerance_is_not_overruled():
    # Minerva's 1.6 accepts 1.58 (half a unit of its last digit): the fast path must not reject it
    assert compute_score("minerva_math", r"\boxed{\frac{79}{50}}", "1.6")["score"] == 1.0
    assert compute_score("math", r"\boxed{\frac{79}{50}}", "1.6")["score"] == 0.0


@pytest.mark.parametrize("gold, pred, verdict", [
    ("(4,5,7)", "(4,5,8)", False),
    ("(4,5,7)", "(4, 5, 7)", True),
    (r"[\frac{1}{2}, 8]", "[0.5, 8]", True),
    (r"(2+\sqrt{2}, 1+\sqrt{2})", r"(2+\sqrt{2}, 1+\sqrt{3})", False),
    ("(4,5,7)", "(5,4,7)", None),  # a permutation: an order-free reading would accept it; math-verify decides
    ("(1,2)", "[1,2]", None),  # other brackets: open vs closed interval is math-verify's call
    ("(1,2)", "(1,2,3)", None),
    ("(x,2)", "(x,3)", None),
])
def test_tuples_and_intervals_of_constants(gold, pred, verdict):
    assert arithmetic_verdict(gold, pred) is verdict
