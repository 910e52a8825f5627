"""Is a predicted final answer the gold one?

math-verify does the symbolic work; this module fixes what it gets wrong on MATH, GSM8K, Minerva Math and
OlympiadBench before handing it anything:

- e-notation (``4.5e33``): math-verify reads ``e`` as Euler's number; we read it as a power of ten.
- base subscripts (``52_8``): math-verify drops the base, so ``52_8 == 52_9``; we compare digits and base.
- clock times (``8\\!:\\!34 \\text{ p.m.}``): math-verify reads ``8:34`` as a ratio.
- several answers (``$a$, $b$``, ``1, -2``): matched as a multiset, order-free, none missing, none extra.
- units and thousands separators (``\\text{ degrees}``, ``\\mbox{ inches}^2``, ``1,600``).
- Minerva's numeric answers: equal at the precision the gold is written to (``1.6`` accepts 1.55 to 1.65).
- Minerva's golds in Python/numpy notation (``-1./3``, ``np.arcsin(10/13)``): read as the LaTeX they mean.

Constant arithmetic (``\\frac{3}{4}`` against ``\\frac{3}{5}``) is decided by :mod:`reward_fns.arithmetic` without
sympy. Everything here is plain string and :mod:`decimal` work on short strings; the symbolic step
(:func:`reward_fns.symbolic.symbolic_equal`, math-verify and sympy) can run unboundedly long on hostile input,
so callers pass it in as ``symbolic``, sandboxed when they need a time bound (see :mod:`reward_fns.sandbox`).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable

from reward_fns.arithmetic import arithmetic_verdict
from reward_fns.forms import (
    as_interval, components, equation_sides, expand_signs, factor_first, is_plain_name, is_set, ordered_pairs,
    percent_readings, repeating_decimal, split_items,
)
from reward_fns.pointwise import differ


@dataclass(frozen=True)
class GradingPolicy:
    """How a benchmark compares answers.

    significant_figures: numbers agree when the prediction rounds to the gold at the gold's written
        precision (half a unit in the gold's last digit). Minerva's answers are measurements given to a few
        significant figures; elsewhere numbers must be equal.
    """

    significant_figures: bool = False


EXACT = GradingPolicy()
SymbolicCheck = Callable[[str, str, GradingPolicy], bool]

# --- cleaning ------------------------------------------------------------------------------------------------

_SPACING = re.compile(r"(?<!\\)\\[!,;:> ]|\\(?:q?quad|displaystyle|textstyle|limits)\b")  # not a matrix row end
_LEFT_RIGHT = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?:\.|\b)")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\circ\b|\\degree\b")
_TEXT_COMMAND = r"\\(?:text|textrm|textbf|mbox|mathrm|operatorname|rm)\s*"
_UNIT_TAIL = re.compile(r"(?:\s*" + _TEXT_COMMAND + r"\{[^{}]*\}(?:\s*\^\s*\{?-?\d+\}?)?)+\s*$")
_WRAPPED_TEXT = re.compile(r"^" + _TEXT_COMMAND + r"\{([^{}]*)\}$")
_TEXT_DIGITS = re.compile(_TEXT_COMMAND + r"\{([0-9A-Za-z]+)\}(?=\s*_)")
_ANY_TEXT = re.compile(_TEXT_COMMAND + r"\{([^{}]*)\}")
_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?:([ap])\.?m\.?)?$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_E_NOTATION = re.compile(r"(?<![A-Za-z\\\d.])(\d+(?:\.\d*)?|\.\d+)[eE]([+-]?\d+)(?![A-Za-z\d])")
_NUMPY_FUNCTION = re.compile(r"\b(?:np|numpy|math)\.(arcsin|arccos|arctan|sin|cos|tan|exp|log|pi)\b")
_PYTHON_FLOAT = re.compile(r"(?<![\d.])(\d+)\.(?![\d.])")  # "1." in "-1./3"


def _canonical_time(text: str) -> str | None:
    """``8:34 \text{ p.m.}`` -> ``8:34pm`` (math-verify would read ``8:34`` as the ratio 8/34)."""
    plain = _ANY_TEXT.sub(r"\1", text).lower().replace(" ", "")
    match = _CLOCK_TIME.match(plain)
    return f"{int(match.group(1))}:{match.group(2)}{match.group(3) or ''}{'m' if match.group(3) else ''}" if match else None


def from_numpy_notation(answer: str) -> str:
    """``np.arcsin(10/13)`` -> ``\\arcsin(10/13)``, ``-1./3`` -> ``-1/3``: Python/numpy spellings (3 of Minerva's
    golds) as LaTeX. Only text that names a numpy function or writes a float with a bare trailing dot changes."""
    if "." not in answer:
        return answer
    text = _NUMPY_FUNCTION.sub(lambda m: "\\" + m.group(1), answer)
    return _PYTHON_FLOAT.sub(r"\1", text) if "/" in text or text != answer else text


def clean(answer: str) -> str:
    """Remove what never changes an answer's meaning: delimiters, spacing, sizing, degrees, units."""
    text = from_numpy_notation(answer).replace("$", " ").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    text = text.replace("{,}", ",").replace("~", " ").replace("\\%", "%")  # a percent: see forms.percent_readings
    text = _SPACING.sub(" ", text)
    text = _LEFT_RIGHT.sub("", text)
    text = _DEGREES.sub("", text)
    text = _TEXT_DIGITS.sub(r"\1", text)  # "\text{A5}_{11}": base digits written as text
    text = text.strip().rstrip(".").strip()
    time = _canonical_time(text)
    if time:
        return time
    unit_tail = _UNIT_TAIL.search(text)
    if unit_tail and unit_tail.start() > 0:  # "10\text{ degrees}" is 10; "\text{Evelyn}" stays an answer
        text = text[: unit_tail.start()].strip()
    if _THOUSANDS.match(text.replace(" ", "")):
        text = text.replace(",", "").replace(" ", "")
    return _E_NOTATION.sub(r"\1\\times 10^{\2}", text)


def comparison_key(item: str) -> str:
    """A spelling-insensitive key: equal keys mean equal answers without any parsing."""
    wrapped = _WRAPPED_TEXT.match(item)
    if wrapped:
        item = wrapped.group(1)
    key = re.sub(r"\s+", "", item)
    choice = re.fullmatch(r"\(?([A-Ea-e])\)?", key)  # multiple choice: "(C)", "C"
    return choice.group(1).upper() if choice else (key.lower() if key.isalpha() else key)


# --- special forms math-verify gets wrong -------------------------------------------------------------------

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_PLAIN_NUMBER = re.compile(rf"^({_NUMBER})$")
_SCIENTIFIC = re.compile(rf"^({_NUMBER})\s*(?:\\times|\\cdot|\*)\s*10\s*\^\s*\{{?\s*([+-]?\d+)\s*\}}?$")
_POWER_OF_TEN = re.compile(r"^10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?$")
_BASE_SUBSCRIPT = re.compile(r"^([0-9A-Za-z]+)_\{?(\d+)\}?$")
_MAX_EXPONENT = 10_000  # beyond this a "number" is not a benchmark answer; keeps Decimal maths small


@dataclass(frozen=True)
class Number:
    value: Decimal
    half_unit: Decimal  # half a unit in the last written digit


def as_number(item: str) -> Number | None:
    """A plain or scientific-notation real number, with its written precision; None for anything else."""
    text = item.replace(" ", "")
    if m := _PLAIN_NUMBER.match(text):
        mantissa, exponent = m.group(1), 0
    elif m := _SCIENTIFIC.match(text):
        mantissa, exponent = m.group(1), int(m.group(2))
    elif m := _POWER_OF_TEN.match(text):
        mantissa, exponent = "1", int(m.group(1))
    else:
        return None
    if abs(exponent) > _MAX_EXPONENT:
        return None
    try:
        value = Decimal(mantissa).scaleb(exponent)
    except InvalidOperation:
        return None
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return Number(value, Decimal(5).scaleb(exponent - decimals - 1))


def numbers_equal(gold: Number, pred: Number, policy: GradingPolicy) -> bool:
    if policy.significant_figures:
        return abs(pred.value - gold.value) <= gold.half_unit
    return pred.value == gold.value


def _in_base(digits: str, base: int) -> bool:
    return 2 <= base <= 36 and all(int(d, 36) < base for d in digits.lower())


def special_form_verdict(gold: str, pred: str) -> bool | None:
    """Verdict for base-subscript and clock-time golds (``clean`` made times canonical); None otherwise."""
    gold_key, pred_key = comparison_key(gold), comparison_key(pred)
    if _CLOCK_TIME.match(gold_key):
        return gold_key == pred_key
    base_match = _BASE_SUBSCRIPT.match(gold_key)
    if base_match and _in_base(base_match.group(1), int(base_match.group(2))):
        digits, base = base_match.group(1).lower(), base_match.group(2)
        pred_match = _BASE_SUBSCRIPT.match(pred_key)
        if pred_match:
            return pred_match.group(1).lower() == digits and int(pred_match.group(2)) == int(base)
        return pred_key.lower() == digits  # "52" for "52_8": the question already fixed the base
    return None


# --- matching ------------------------------------------------------------------------------------------------


def items_equal(gold: str, pred: str, policy: GradingPolicy, symbolic: SymbolicCheck) -> bool:
    """One gold answer against one predicted answer (both already cleaned)."""
    if comparison_key(gold) == comparison_key(pred):
        return True
    readings = [(g, p) for g in percent_readings(gold) for p in percent_readings(pred)]
    if readings != [(gold, pred)]:  # a percent: either reading
        return any(items_equal(g, p, policy, symbolic) for g, p in readings)
    gold, pred = repeating_decimal(gold) or gold, repeating_decimal(pred) or pred
    if components(gold) and is_set(pred):
        return False  # a set \{...\} drops the order that is the ordered tuple's answer
    intervals = as_interval(gold) or gold, as_interval(pred) or pred
    if intervals != (gold, pred):  # "a < x \le b", "x \in I": the interval they allow
        return items_equal(*intervals, policy, symbolic)
    special = special_form_verdict(gold, pred)
    if special is not None:
        return special
    gold_number, pred_number = as_number(gold), as_number(pred)
    if gold_number and pred_number:
        return numbers_equal(gold_number, pred_number, policy)
    gold_sides, pred_sides = equation_sides(gold), equation_sides(pred)
    if gold_sides and pred_sides and comparison_key(gold_sides[0]) == comparison_key(pred_sides[0]):
        return items_equal(gold_sides[1], pred_sides[1], policy, symbolic)
    if pred_sides and not gold_sides and is_plain_name(pred_sides[0]):  # "x = 5" for gold "5"
        return items_equal(gold, pred_sides[1], policy, symbolic)
    if gold_sides and not pred_sides and is_plain_name(gold_sides[0]):  # "5" for gold "x = 5"
        return items_equal(gold_sides[1], pred, policy, symbolic)
    if gold_sides and not pred_sides and not re.search(r"[A-Za-z]", gold):  # "0.56 = 56\%": either value
        return any(items_equal(side, pred, policy, symbolic) for side in gold_sides)
    gold, pred = factor_first(gold, pred)
    if not (policy.significant_figures and gold_number):  # (a measurement's tolerance is symbolic_equal's)
        verdict = arithmetic_verdict(gold, pred)  # constants: decided without sympy
        if verdict is not None:
            return verdict
        if differ(gold, pred):  # unequal at several points: math-verify could not find them equal
            return False
    return symbolic(gold, pred, policy)


def _perfect_matching(size: int, equal: Callable[[int, int], bool]) -> bool:
    """Can every gold item be paired with a distinct equal predicted item? (Kuhn's augmenting paths.)"""
    owner: dict[int, int] = {}  # predicted index -> gold index

    def place(gold_index: int, seen: set[int]) -> bool:
        for pred_index in range(size):
            if pred_index not in seen and equal(gold_index, pred_index):
                seen.add(pred_index)
                if pred_index not in owner or place(owner[pred_index], seen):
                    owner[pred_index] = gold_index
                    return True
        return False

    return all(place(gold_index, set()) for gold_index in range(size))


def _without_identical_pairs(gold_items: list[str], pred_items: list[str]) -> tuple[list[str], list[str]]:
    """Pair items with equal comparison keys first: equality is an equivalence, so some perfect matching
    uses those pairs, and the symbolic step only sees the rest."""
    remaining_pred = list(pred_items)
    keys = [comparison_key(p) for p in remaining_pred]
    unmatched_gold = []
    for gold in gold_items:
        key = comparison_key(gold)
        if key in keys:
            index = keys.index(key)
            del keys[index], remaining_pred[index]
        else:
            unmatched_gold.append(gold)
    return unmatched_gold, remaining_pred


def answers_match(gold: str, pred: str, policy: GradingPolicy, symbolic: SymbolicCheck) -> bool:
    """Whole answers: equal as written, or as multisets of comma-separated items."""
    gold_clean, pred_clean = clean(gold), clean(pred)
    if not pred_clean:
        return False
    gold_items, pred_items = (
        [answer for item in split_items(text) for answer in (expand_signs(item) if not is_set(item) else [item])]
        for text in (gold_clean, pred_clean)
    )
    if len(gold_items) == len(pred_items) == 1:
        return items_equal(gold_items[0], pred_items[0], policy, symbolic)
    ordered = ordered_pairs(gold_items, pred_items)
    if ordered is not None:
        return bool(ordered) and all(items_equal(clean(g), clean(p), policy, symbolic) for g, p in ordered)
    # Several answers: a multiset match item by item. Never hand the whole list to math-verify, which
    # compares lists as sets and so accepts "-1, 3" for "-1, 3, 3".
    if len(gold_items) != len(pred_items):
        return False
    gold_items, pred_items = _without_identical_pairs([clean(i) for i in gold_items], [clean(i) for i in pred_items])
    verdicts: dict[tuple[int, int], bool] = {}

    def equal(g: int, p: int) -> bool:
        if (g, p) not in verdicts:
            verdicts[g, p] = items_equal(gold_items[g], pred_items[p], policy, symbolic)
        return verdicts[g, p]

    return _perfect_matching(len(gold_items), equal)
