"""Tell two answers apart by evaluating them at points, read the way math-verify reads them.

math-verify costs 10 ms to 2 s per comparison of expressions in variables (Minerva's ODE solutions and
physics formulas): an ANTLR parse of each side, then sympy's ``simplify`` of their difference. A wrong answer
usually differs from the gold at any point, which a few float evaluations show in microseconds. So
:func:`differ` reads both sides (:mod:`reward_fns.latex_reader`) and says True only when they are apart at
several points under every reading math-verify might take: then math-verify cannot find them equal either,
since its ``verify`` accepts an expression pair only when their difference is identically zero (string
match, ``evalf`` to zero, or ``simplify`` to zero), which would make them equal at every point. Anything else
(no point apart, no points with a value, a construct the reader refuses) returns False, and math-verify
decides as before.

Points are positive reals (math-verify's symbols are real, so its identities hold there); functions with
branch cuts are evaluated only where every convention agrees, elsewhere the point is skipped.
"""

import cmath
import itertools
import math
import random
import zlib

from reward_fns.latex_reader import ambiguous, read, symbols

_ENTIRE = {"exp": cmath.exp, "sin": cmath.sin, "cos": cmath.cos, "sinh": cmath.sinh, "cosh": cmath.cosh}
_REAL_ONLY = {  # functions with branch cuts: only where every convention agrees (a real argument in domain)
    "tan": math.tan, "sec": lambda x: 1 / math.cos(x), "csc": lambda x: 1 / math.sin(x),
    "cot": lambda x: 1 / math.tan(x), "tanh": math.tanh, "arctan": math.atan,
    "arcsin": lambda x: math.asin(x) if -1 <= x <= 1 else _undefined(),
    "arccos": lambda x: math.acos(x) if -1 <= x <= 1 else _undefined(),
    "ln": lambda x: math.log(x) if x > 0 else _undefined(),
    "sqrt": lambda x: math.sqrt(x) if x >= 0 else _undefined(),
    "floor": lambda x: math.floor(_off_integers(x)), "ceil": lambda x: math.ceil(_off_integers(x)),
    "factorial": lambda x: math.gamma(x + 1) if x > -1 else _undefined(),  # sympy's factorial of a real
}
_CANCELLATION = 1e-8  # a sum this much smaller than its terms has lost what tells answers apart
_PERIODIC = frozenset("sin cos tan sec csc cot".split())
_MAX_PERIODIC_ARGUMENT = 1e4
_POINTS, _TRIES = 3, 30  # tries: arcsin(1.3 sin x) has a value on a third of the points
_SCALES = ((0.5, 1.5), (1.5, 5.0))  # positive: math-verify's symbols are real; some answers need n > 2
_EQUAL_POINTS = 8
_MAX_AMBIGUOUS = 3  # 2**3 readings a side, 64 pairs: still well under a millisecond
_TOLERANCE = 1e-5  # relative, and absolute below 1: beyond math-verify's 6-decimal rounding of floats


class _Undefined(Exception):
    """The expression has no value at this point (a pole, a branch cut, an overflow)."""


def _undefined():
    raise _Undefined


def _value(tree: tuple, point: dict[str, complex], readings: dict[str, bool]) -> complex:
    kind = tree[0]
    if kind == "num":
        return complex(tree[1])
    if kind == "pi":
        return complex(math.pi)
    if kind == "sym":
        name = tree[1]
        if name in ("e", "E") and readings.get(name):
            return complex(math.e)
        if name in ("i", "I") and readings.get(name):
            return 1j
        return point[name.lower()]
    if kind == "apply":  # as a function: some fixed function of the argument; else a product
        argument = _value(tree[2], point, readings)
        if readings[tree[1] + "("]:
            return _uninterpreted(tree[1].lower(), argument)
        return _value(("sym", tree[1]), point, readings) * argument
    if kind == "neg":
        return -_value(tree[1], point, readings)
    if kind == "binom":
        n, k = (_real(_value(part, point, readings)) for part in tree[1:])
        if min(n + 1, k + 1, n - k + 1) <= 0:
            raise _Undefined
        return complex(math.gamma(n + 1) / (math.gamma(k + 1) * math.gamma(n - k + 1)))
    if kind == "fn":
        argument = _value(tree[2], point, readings)
        if tree[1] in _PERIODIC and abs(argument) > _MAX_PERIODIC_ARGUMENT:
            raise _Undefined  # cos(25! x) in doubles is noise: no digits of the argument's phase are left
        if tree[1] in _ENTIRE:
            return _ENTIRE[tree[1]](argument)
        return complex(_REAL_ONLY[tree[1]](_real(argument)))
    if kind == "log":
        base, argument = (_real(_value(part, point, readings)) for part in tree[1:])
        if argument <= 0 or base <= 0 or base == 1:
            raise _Undefined
        return complex(math.log(argument) / math.log(base))
    left, right = _value(tree[1], point, readings), _value(tree[2], point, readings)
    if kind in ("add", "sub"):
        total = left + right if kind == "add" else left - right
        if abs(total) < _CANCELLATION * max(abs(left), abs(right)):
            raise _Undefined  # (10^{20} + x) - 10^{20}: the digits of x are gone from doubles
        return total
    if kind == "mul":
        return left * right
    if kind == "div":
        if right == 0:
            raise _Undefined
        return left / right
    return _power(left, right)


def _off_integers(x: float) -> float:
    if abs(x - round(x)) < 1e-9:
        raise _Undefined  # at a jump of floor or ceil, rounding error could pick the wrong side
    return x


def _uninterpreted(name: str, argument: complex) -> complex:
    """A fixed entire function per name: equal arguments give equal values, as for any function."""
    seed = zlib.crc32(name.encode())
    a, b, c = 0.3 + seed % 7 / 10, 0.5 + seed % 11 / 10, 0.2 + seed % 13 / 10
    return b * cmath.exp(a * argument) + c * argument * argument


def _real(value: complex) -> float:
    if value.imag != 0:
        raise _Undefined  # branch conventions differ off the real line
    return value.real


def _power(base: complex, exponent: complex) -> complex:
    if exponent.imag == 0 and exponent.real.is_integer() and abs(exponent.real) <= 4096:
        if base == 0 and exponent.real < 0:
            raise _Undefined
        return base ** int(exponent.real)
    if base.imag != 0 or base.real <= 0:
        raise _Undefined  # a fractional power of a negative or complex number: branch conventions differ
    return cmath.exp(exponent * math.log(base.real))  # b^z = exp(z ln b) for b > 0: e^{i t} included


def _apart(a: complex, b: complex) -> bool:
    return abs(a - b) > _TOLERANCE * max(1.0, abs(a), abs(b))


def differ(gold: str, pred: str) -> bool:
    """True when gold and pred are unequal at several points under every reading: a sure wrong answer."""
    trees = read(gold), read(pred)
    if None in trees:
        return False
    names = sorted(symbols(trees[0]) | symbols(trees[1]))
    two_way = sorted(ambiguous(trees[0]) | ambiguous(trees[1]))
    if len(two_way) > _MAX_AMBIGUOUS:
        return False
    # Each side is read on its own (math-verify decides the reading of i per string).
    side_readings = [dict(zip(two_way, choice)) for choice in itertools.product((True, False), repeat=len(two_way))]
    rng = random.Random(0)  # the same points every call: verdicts are reproducible
    return all(
        _apart_at_points(trees, names, readings, rng) for readings in itertools.product(side_readings, repeat=2)
    )


def _apart_at_points(trees: tuple, names: list[str], readings: tuple[dict, dict], rng: random.Random) -> bool:
    """Apart at _POINTS points where both sides have a value (points off the domain are skipped). One point
    apart already shows two different functions; three guard against rounding. Equal points are allowed
    (``\\lfloor m/2 \\rfloor`` and ``\\lfloor m/3 \\rfloor`` agree on [0, 2)), up to _EQUAL_POINTS."""
    apart = equal = 0
    for attempt in range(_TRIES):
        scale = _SCALES[attempt % len(_SCALES)]
        point = {name: complex(rng.uniform(*scale)) for name in names}
        try:
            values = [_value(tree, point, reading) for tree, reading in zip(trees, readings)]
        except (_Undefined, OverflowError, ZeroDivisionError, ValueError):
            continue
        if not all(cmath.isfinite(value) for value in values):
            continue
        if _apart(*values):
            apart += 1
        else:
            equal += 1
        if apart == _POINTS:
            return True
        if equal == _EQUAL_POINTS:
            return False
    return False
