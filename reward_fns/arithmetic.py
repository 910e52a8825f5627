"""Constant LaTeX arithmetic without sympy: the fast path of the symbolic step.

math-verify spends ~50 ms (MATH) to ~250 ms (Minerva) per comparison, most of it in its ANTLR LaTeX parser
(measured with cProfile on the benchmarks' perturbed answers). Most answers that reach it are constants such
as ``\\frac{3}{4}``, ``2\\sqrt{3}`` or ``\\frac{\\pi}{6}``: this module evaluates those exactly (``Fraction``)
or to double precision, and :func:`arithmetic_verdict` decides only where math-verify could not disagree:
equal exact values, or values far apart. Anything else (a variable, a set, an interval, an equation, close
but unequal values) returns None and goes to math-verify.
"""

import math
import re
from fractions import Fraction

from reward_fns.tokens import TokenCursor

Value = Fraction | float
_TOKEN = re.compile(r"\s*(\\frac|\\sqrt|\\pi|\\cdot|\\times|\d+\.?\d*|\.\d+|[-+*/^(){}\[\]])")
_STARTS_FACTOR = {"\\frac", "\\sqrt", "\\pi", "(", "{"}
_MAX_EXPONENT = 64  # 2**64-sized exact numbers are fine; larger is not a benchmark answer
# Far apart: beyond any rounding math-verify applies (it rounds numbers to 6 decimals before comparing).
_FAR_APART_RELATIVE, _FAR_APART_ABSOLUTE = 1e-4, 1e-5
_SAME = 1e-12  # relative difference of two closed forms of one number in double precision


class _NotArithmetic(Exception):
    pass


def _is_number(token: str) -> bool:
    return token[0].isdigit() or token[0] == "."


class _Parser(TokenCursor):
    pattern, refused = _TOKEN, _NotArithmetic

    def expression(self) -> Value:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> Value:
        value = self.signed()
        while self.peek() in ("\\cdot", "\\times", "*", "/") or self.peek() in _STARTS_FACTOR:
            if self.peek() == "\\frac" and _is_number(self.tokens[self.position - 1]):
                raise _NotArithmetic  # "2\\frac{1}{4}" is a mixed number (2 + 1/4) to math-verify: its call
            operator = self.take() if self.peek() in ("\\cdot", "\\times", "*", "/") else "*"
            right = self.signed()
            if operator == "/":
                if right == 0:
                    raise _NotArithmetic
                value = value / right
            else:
                value = value * right
        return value

    def signed(self) -> Value:
        if self.peek() in ("+", "-"):
            return -self.signed() if self.take() == "-" else self.signed()
        return self.power()

    def power(self) -> Value:
        base = self.atom()
        if self.peek() != "^":
            return base
        self.take("^")
        exponent = self.group() if self.peek() == "{" else self.atom()
        return _power(base, exponent)

    def group(self) -> Value:
        self.take("{")
        value = self.expression()
        self.take("}")
        return value

    def atom(self) -> Value:
        token = self.take()
        if _is_number(token):
            return Fraction(token)
        if token == "\\pi":
            return math.pi
        if token == "\\frac":
            numerator, denominator = self.group(), self.group()
            if denominator == 0:
                raise _NotArithmetic
            return numerator / denominator
        if token == "\\sqrt":
            degree = Fraction(2)
            if self.peek() == "[":
                self.take("[")
                degree = self.expression()
                self.take("]")
            return _root(self.group(), degree)
        if token == "(":
            value = self.expression()
            self.take(")")
            return value
        if token == "{":
            self.position -= 1
            return self.group()
        raise _NotArithmetic


def _power(base: Value, exponent: Value) -> Value:
    if not isinstance(exponent, Fraction):
        raise _NotArithmetic  # an irrational exponent: math-verify's
    if exponent.denominator == 1:
        if abs(exponent) > _MAX_EXPONENT or (base == 0 and exponent < 0):
            raise _NotArithmetic
        return base ** int(exponent)
    if exponent.numerator == 1:  # x^{1/n}
        return _root(base, Fraction(exponent.denominator))
    raise _NotArithmetic


def _root(value: Value, degree: Value) -> Value:
    if not (isinstance(degree, Fraction) and degree.denominator == 1 and 2 <= degree <= _MAX_EXPONENT) or value < 0:
        raise _NotArithmetic
    if isinstance(value, Fraction):  # exact when both parts are perfect powers
        roots = [round(part ** (1 / int(degree))) for part in (value.numerator, value.denominator)]
        if roots[0] ** int(degree) == value.numerator and roots[1] ** int(degree) == value.denominator:
            return Fraction(roots[0], roots[1])
    return float(value) ** (1 / float(degree))


def evaluate(text: str) -> Value | None:
    """The value of a constant LaTeX expression (cleaned by :func:`reward_fns.grade.clean`), or None."""
    try:
        parser = _Parser(text)
        value = parser.expression()
        if parser.peek() is not None or (isinstance(value, float) and not math.isfinite(value)):
            return None
        return value
    except (_NotArithmetic, OverflowError, ZeroDivisionError, ValueError):
        return None


def _values_verdict(gold_value: Value, pred_value: Value) -> bool | None:
    if isinstance(gold_value, Fraction) and isinstance(pred_value, Fraction) and gold_value == pred_value:
        return True
    gold_float, pred_float = float(gold_value), float(pred_value)
    difference = abs(gold_float - pred_float)
    scale = max(abs(gold_float), abs(pred_float))
    if difference > _FAR_APART_ABSOLUTE and difference > _FAR_APART_RELATIVE * scale:
        return False
    both_exact = isinstance(gold_value, Fraction) and isinstance(pred_value, Fraction)
    return True if not both_exact and difference <= _SAME * scale else None


def _bracketed(text: str) -> tuple[str, list[Value], str] | None:
    """``(a, b, ...)`` or ``[a, b)`` of constants: its brackets and values (a tuple, a point, an interval)."""
    from reward_fns.grade import split_items

    text = text.strip()
    if len(text) < 2 or text[0] not in "([" or text[-1] not in ")]":
        return None
    values = [evaluate(item) for item in split_items(text[1:-1])]
    if len(values) < 2 or any(value is None for value in values):
        return None
    return text[0], values, text[-1]


def _tuple_verdict(gold: str, pred: str) -> bool | None:
    """Same brackets and length: equal if every element is; unequal if some element is and the values are no
    permutation of each other either (so an order-free reading would not disagree); else math-verify's."""
    gold_tuple, pred_tuple = _bracketed(gold), _bracketed(pred)
    if gold_tuple is None or pred_tuple is None:
        return None
    (gold_open, gold_values, gold_close), (pred_open, pred_values, pred_close) = gold_tuple, pred_tuple
    if (gold_open, gold_close) != (pred_open, pred_close) or len(gold_values) != len(pred_values):
        return None
    verdicts = [_values_verdict(g, p) for g, p in zip(gold_values, pred_values)]
    if all(verdicts):
        return True
    if None in verdicts:
        return None
    as_sets = [_values_verdict(g, p) for g, p in zip(sorted(map(float, gold_values)), sorted(map(float, pred_values)))]
    return False if False in as_sets else None


def arithmetic_verdict(gold: str, pred: str) -> bool | None:
    """True for equal constants (or tuples of them), False for constants far apart, None when math-verify
    must decide."""
    gold_value, pred_value = evaluate(gold), evaluate(pred)
    if gold_value is not None and pred_value is not None:
        return _values_verdict(gold_value, pred_value)
    return _tuple_verdict(gold, pred)
