"""reward_fns.pointwise and latex_reader: the reading of LaTeX is math-verify's, and it never calls a math-verify match wrong.

The rule tests pin each reading the module's docstring lists (measured on latex2sympy 1.11). The real-row
tests hold it against math-verify itself on every gold and perturbed gold of MATH500, Minerva and
OlympiadBench: where the reader accepts an answer its value is math-verify's parse's value, and every pair it
calls different, math-verify's ``symbolic_equal`` rejects too.
"""

import cmath
import itertools
import random
import re
import time

import pytest

from reward_fns.grade import EXACT, clean
from reward_fns.latex_reader import FUNCTIONS, ambiguous, read, symbols
from reward_fns.pointwise import _ENTIRE, _REAL_ONLY, _uninterpreted, _value, differ

READINGS = [
    # (gold, pred, differ): juxtaposition binds tighter than "/" for latex2sympy
    ("\\frac{1}{2 x}", "1 / 2 x", False),
    ("\\frac{x}{2}", "1 / 2 x", True),
    ("x^{23}", "x^23", False),  # a digit run is the whole exponent
    ("\\sin(\\frac{x}{y})", "\\sin x / y", False),  # an argument without parentheses is the whole product
    ("\\frac{\\sin(x)}{y}", "\\sin x / y", True),
    ("\\frac{\\cos(\\omega t)}{\\omega}", "\\cos (\\omega t) / \\omega", False),
    ("\\log_{10}(x)", "\\log(x)", False),  # \log is base 10
    ("\\ln(x)", "\\log(x)", True),
    ("c_1 x", "C_{1} x", False),  # symbols are lowercase, x_1 is x_{1}
    ("\\omega t", "\\Omega t", False),
    ("3", "3 t", False),  # math-verify drops a trailing unit-like letter: "3 t" is 3
    ("137 \\frac{1}{2}", "137 \\frac{1}{3}", False),  # a mixed number: refused, math-verify decides
    ("m", "m+1", False),  # a bare symbol: math-verify compares names, refused
    ("x, y", "x, z", False),  # several answers: refused
    ("u(t) e^{-t}", "u(t) e^{-2t}", True),  # a function or a product: different either way
    ("n(n+1)", "n^{2}+n", False),  # equal as a product
    ("1+\\sqrt{3} i", "1+\\sqrt{4} i", True),  # i imaginary or a symbol: different either way
    ("e^{i t}", "\\cos(t)+i \\sin(t)", False),  # equal when i is the imaginary unit
    ("\\sin ^{2} \\theta", "\\sin ^{3} \\theta", True),
    ("\\lfloor m / 2\\rfloor", "\\lfloor m / 3\\rfloor", True),  # equal on [0, 2), apart beyond
    ("\\binom{2n}{n}", "\\frac{(2n)!}{n! n!}", False),
    ("\\arcsin{1.3 \\sin{\\theta_w}}", "\\arcsin{1.4 \\sin{\\theta_w}}", True),  # defined on a third of points
    ("\\sqrt{x^{2}}", "x", False),  # equal for the positive points it samples
    ("\\frac{d \\omega}{d t}", "\\frac{\\omega}{t} + 1", False),  # a derivative for latex2sympy: refused
    ("\\frac{2 \\pi c^{2}}{\\lambda^{5}[e^{h c /(\\lambda k T)}-1] d^{2}}",  # a bracketed sum is a factor
     "\\frac{2 \\pi c^{2}}{\\lambda^{5}[e^{h c /(\\lambda k T)}-1] d^{3}}", True),
    ("a^{2}[m]", "a^{2} m", False),  # a bracketed single term applies a function: refused
]


# Pairs math-verify accepts that an earlier reader rejected (found in review): each a reading of latex2sympy's.
MATH_VERIFY_ACCEPTS = [
    ("\\Gamma(n+1)", "n!"), ("\\Gamma(5)", "24"), ("2", "2\\gamma"),  # \Gamma is gamma, \gamma EulerGamma
    ("I^2 R", "I R"), ("I_1 + I_2", "2 I"), ("\\frac{I_0}{4}", "\\frac{I}{4}"),  # I ignores _ and ^
    ("\\sin 2t e^{-t}", "e^{-t}\\sin(2t)"), ("\\cos \\theta \\sqrt{2}", "\\sqrt{2} \\cos \\theta"),  # argument ends
    ("x + 2(3)", "x + 5"), ("100 2", "102"), ("x+4\\left(\\frac{1}{2}\\right)", "x+\\frac{9}{2}"),  # mixed numbers
    ("2E3x", "2000x"), ("x 4E2", "400x"),  # E-notation
    ("r^2(\\theta)", "r(\\theta) r(\\theta)"),  # a power of a function
    ("p(-10)1", "-11p"), ("x(-2)3", "-5x"),  # a mixed number after an applied letter
    ("x^{2}[t]", "x(t) x(t)"), ("a^{2}[m]", "a(m) a(m)"), ("\\lambda^{5}[t]", "\\lambda(t)^{5}"),  # functions
    ("a[m-1][n+1]", "a (m-1)(n+1)"), ("a[m+1]^{2}", "a(m+1)(m+1)"), ("a[m-1]!", "a (m-1)!"),  # products
    ("2^d y 2^d y", "4^d y"),  # "^d y" is the power dy
    ("10^{20} + x - 10^{20}", "x + 1 - 1"),  # cancellation in doubles
    ("3", "3!^2"), ("2", "2^e"),  # latex2sympy cannot parse these; math-verify falls back to a number
    ("d \\div 2", "2 d \\div 1"),  # "d \div" is one differential symbol
]


@pytest.mark.parametrize("gold,pred", MATH_VERIFY_ACCEPTS)
def test_never_rejects_a_pair_math_verify_accepts(gold, pred):
    from reward_fns.symbolic import symbolic_equal

    assert symbolic_equal(gold, pred, EXACT)
    assert not differ(gold, pred)


@pytest.mark.parametrize("gold,pred,expected", READINGS)
def test_reading(gold, pred, expected):
    assert differ(gold, pred) is expected


def test_every_function_the_reader_knows_has_a_value():
    assert FUNCTIONS | {"sqrt", "floor", "ceil", "factorial"} <= set(_ENTIRE) | set(_REAL_ONLY)


@pytest.mark.parametrize("hostile", ["9^{9^{9^{9}}}", "(" * 400 + "x" + ")" * 400, "x^{4096} " * 100, "x" + "+x" * 498])
def test_hostile_answers_are_bounded(hostile):
    started = time.perf_counter()
    differ("x+1", hostile)
    assert time.perf_counter() - started < 0.5


# --- against math-verify on the real rows -------------------------------------------------------------------


def _answers(benchmark_data_dir, name):
    from experiments.reward_speed import load_cases, perturbed

    golds = [gold for _, gold in load_cases(benchmark_data_dir)[name]]
    return [(clean(gold), clean(perturbed(gold))) for gold in golds]


def _name(symbol: str) -> str:
    return re.sub(r"\\text|[{}\\\s]", "", symbol).lower()


def _math_verify_value(expr, point: dict[str, float]):
    """math-verify's parse at a point, its undefined functions replaced by the reader's fixed ones."""
    from sympy import Float
    from sympy.core.function import AppliedUndef

    values = {s: point[_name(s.name)] for s in expr.free_symbols}
    for applied in sorted(expr.atoms(AppliedUndef), key=lambda a: len(str(a))):
        argument = complex(applied.args[0].subs(values).evalf(30))
        values[applied] = Float(_uninterpreted(_name(applied.func.__name__), argument).real, 30)
    return complex(expr.subs(values).evalf(30))


def _agrees(tree, expr) -> bool | None:
    """Whether the reader's tree has math-verify's value under some reading at the first point where both
    have a value; None when no point gives both a value."""
    rng, two_way, names = random.Random(1), sorted(ambiguous(tree)), sorted(symbols(tree))
    for _ in range(20):
        point = {name: rng.uniform(0.5, 5.0) for name in names}
        try:
            theirs = _math_verify_value(expr, {_name(n): v for n, v in point.items()})
        except KeyError:
            return False  # a symbol the reader did not see: not the same reading
        except (TypeError, ValueError):
            continue  # no value there
        ours = []
        for choice in itertools.product((True, False), repeat=len(two_way)):
            try:
                ours.append(_value(tree, {n: complex(v) for n, v in point.items()}, dict(zip(two_way, choice))))
            except Exception:  # noqa: BLE001 - undefined under this reading
                continue
        if ours and cmath.isfinite(theirs):
            return any(abs(value - theirs) <= 1e-8 * max(1.0, abs(theirs)) for value in ours)
    return None


@pytest.mark.slow
@pytest.mark.parametrize("name", ["math500_test", "minerva_math_test", "olympiadbench_test"])
def test_reads_as_math_verify_parses(benchmark_data_dir, name):
    import sympy

    from reward_fns.symbolic import _parsed

    checked, disagreements = 0, []
    for answer in sorted({a for pair in _answers(benchmark_data_dir, name) for a in pair}):
        tree = read(answer)
        parsed = [p for p in _parsed(answer) if isinstance(p, sympy.Expr)] if tree else []
        if not parsed or parsed[0].has(sympy.zoo, sympy.nan):
            continue
        verdict = _agrees(tree, parsed[0])
        checked += verdict is not None
        if verdict is False:
            disagreements.append((answer, str(parsed[0])))
    assert checked > 100 and disagreements == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["math500_test", "minerva_math_test", "olympiadbench_test"])
def test_never_rejects_what_math_verify_accepts(benchmark_data_dir, name):
    from reward_fns.symbolic import symbolic_equal

    pairs = _answers(benchmark_data_dir, name)
    shifted = [(gold, other) for (gold, _), (other, _) in zip(pairs, pairs[1:] + pairs[:1])]
    decided = [(gold, pred) for gold, pred in pairs + shifted if differ(gold, pred)]
    assert len(decided) > 50
    assert [(g, p) for g, p in decided if symbolic_equal(g, p, EXACT)] == []
