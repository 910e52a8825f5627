r"""Answer forms read as the plainer forms :mod:`reward_fns.grade` compares (items already cleaned).

- ``p\%``: both the number of percent ``p`` and the value ``p/100``. The grader sees the gold, never the
  question, so it cannot tell "what percent ..." (gold ``64\%``, answer ``64``) from a probability (gold
  ``\frac{1}{4}``, answer ``25\%``); either reading that makes the numbers equal is accepted.
- ``0.\overline{4}``: the fraction it is (``\frac{4}{9}``).
- ``a \pm b``: the answers ``a + b`` and ``a - b``; several ``\pm`` are independent signs (``\pm 2 \pm 2i``: four
  roots), unless the item also has a ``\mp``, which takes the opposite of one shared sign.
- ``a < x \le b``, ``x > a``, ``x \in I``, ``t(0,4]``: the interval of values they allow.
- ``f(2) < f(1) < f(4)``: the terms in their written order, for an answer listing them (``f(2), f(1), f(4)``).
- Several answers: split at top-level commas; where order is the answer (labelled components, a tuple against a
  list, an ordering chain) :func:`ordered_pairs` pairs them in order, else grade.py matches them as multisets.
- ``\frac{1}{\sqrt{2}} c``: ``c \frac{1}{\sqrt{2}}`` for math-verify, which drops a trailing letter as a unit
  (``2c`` reads as 2), when the gold's expression ends in that letter.
"""

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from itertools import product

_PERCENT = re.compile(r"^(.*?)\s*\\?%$")
_REPEATING = re.compile(r"^([+-]?)(\d*)\.(\d*)\\overline\{(\d+)\}$")
_SIGNS = re.compile(r"\\(pm|mp)\b")
_MAX_SIGNS = 4  # 16 answers; beyond that an item is compared as written
_RELATION = re.compile(r"\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt)\b|<=|>=|<|>")
_UPWARD = {"<", "<=", "\\le", "\\leq", "\\leqslant", "\\lt"}  # the relations that read "less than"
_STRICT = {"<", ">", "\\lt", "\\gt"}
# Greek letters name variables (\lambda, \theta); \pi and \infty are numbers.
_GREEK = (r"\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|"
          r"rho|sigma|tau|upsilon|phi|varphi|chi|psi|omega)\b")
_NAME = rf"(?:\\angle\s*)?(?:[A-Za-z]|{_GREEK})(?:[A-Za-z0-9_{{}}\s]|\\[A-Za-z]+)*(?:\([A-Za-z, ]*\))?"
_MEMBERSHIP = re.compile(rf"^({_NAME})\s*\\in\s*([(\[].*[)\]])$")
_NAMED_INTERVAL = re.compile(r"^[A-Za-z]\s*(\([^()\[\]]*\]|\[[^()\[\]]*\))$")  # "t(0,4]": t in (0, 4]


def is_plain_name(text: str) -> bool:
    """``x``, ``a_1``, ``f(x)``, ``m_{\\max}``, ``\\angle BEA_1``: a left-hand side that only names the answer."""
    return bool(re.fullmatch(_NAME, text.strip()))


def percent_readings(item: str) -> list[str]:
    """``[item]``, or for ``p\\%`` the number of percent and the value: ``["64", "0.64"]``."""
    match = _PERCENT.match(item)
    if not match or not match.group(1):
        return [item]
    base = match.group(1).strip()
    try:
        hundredth = format(Decimal(base).scaleb(-2), "f")
    except InvalidOperation:
        hundredth = f"\\frac{{{base}}}{{100}}"
    return [base, hundredth]


def repeating_decimal(item: str) -> str | None:
    """``0.\\overline{4}`` -> ``\\frac{4}{9}``, ``1.2\\overline{36}`` -> ``\\frac{68}{55}``; None for anything else."""
    match = _REPEATING.match(item.replace(" ", ""))
    if not match:
        return None
    sign, whole, fixed, repeating = match.groups()
    value = Fraction(int(whole or 0)) + Fraction(int(fixed or 0), 10 ** len(fixed))
    value += Fraction(int(repeating), 10 ** len(fixed) * (10 ** len(repeating) - 1))
    value = -value if sign == "-" else value
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"


def expand_signs(item: str) -> list[str]:
    """The answers an item with ``\\pm`` / ``\\mp`` stands for; ``[item]`` without them (or with too many)."""
    signs = _SIGNS.findall(item)
    if not signs or len(signs) > _MAX_SIGNS:
        return [item]
    pieces = _SIGNS.split(item)[::2]
    if "mp" in signs:  # one shared choice: \pm takes it, \mp the opposite
        choices = [[s if sign == "pm" else "-+"["+-".index(s)] for sign in signs] for s in "+-"]
    else:
        choices = [list(combination) for combination in product("+-", repeat=len(signs))]
    return ["".join(piece + sign for piece, sign in zip(pieces, [*choice, ""])) for choice in choices]


def chain_terms(item: str) -> list[str] | None:
    """The terms of a chain of two or more inequalities pointing one way, in written order; None otherwise."""
    operators = _RELATION.findall(item)
    parts = [part.strip() for part in _RELATION.split(item)]
    pointing_one_way = len({op in _UPWARD for op in operators}) == 1
    return parts if len(operators) >= 2 and pointing_one_way and all(parts) else None


def as_interval(item: str) -> str | None:
    """The interval an inequality in one name (or ``x \\in I``, ``t(0,4]``) allows; None for anything else."""
    if match := _MEMBERSHIP.match(item):
        return match.group(2).strip()
    if match := _NAMED_INTERVAL.match(item):
        return match.group(1)
    parts = [part.strip() for part in _RELATION.split(item)]
    operators = _RELATION.findall(item)
    if not 1 <= len(operators) <= 2 or not all(parts):
        return None
    below = [op in _UPWARD for op in operators]
    strict = [op in _STRICT for op in operators]
    if len(set(below)) != 1:
        return None
    if not below[0]:  # "b > x > a": read it as "a < x < b"
        parts, strict = parts[::-1], strict[::-1]
    if len(parts) == 3 and is_plain_name(parts[1]) and not is_plain_name(parts[0]) and not is_plain_name(parts[2]):
        return f"{'(' if strict[0] else '['}{parts[0]}, {parts[2]}{')' if strict[1] else ']'}"
    if len(parts) == 2 and is_plain_name(parts[0]) and not is_plain_name(parts[1]):  # x < b
        return f"(-\\infty, {parts[1]}{')' if strict[0] else ']'}"
    if len(parts) == 2 and is_plain_name(parts[1]) and not is_plain_name(parts[0]):  # a < x
        return f"{'(' if strict[0] else '['}{parts[0]}, \\infty)"
    return None


_BARE_FRACTION = re.compile(r"\\[dt]?frac(?!\s*\{)")
_TRAILING_LETTER = re.compile(r"^(?P<term>[+-]?[^+\-]*[}\d)])\s*(?P<letter>[A-Za-z])$")


def factor_first(gold: str, pred: str) -> tuple[str, str]:
    """Both items with a trailing one-letter factor of the gold's single term moved to the front."""
    match = _TRAILING_LETTER.match(gold)
    if not match or _BARE_FRACTION.search(gold):  # \frac1b is 1/b: its last letter is an argument
        return gold, pred
    moved = _TRAILING_LETTER.match(pred)
    if moved and moved.group("letter") == match.group("letter"):
        pred = f"{moved.group('letter')} {moved.group('term')}"
    return f"{match.group('letter')} {match.group('term')}", pred


# --- several answers ------------------------------------------------------------------------------------------


def split_items(answer: str) -> list[str]:
    """Split at commas outside any bracket: ``1, -2`` is two answers, ``(3, \\frac{\\pi}{2})`` is one."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(answer):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(answer[start:index])
            start = index + 1
    items.append(answer[start:])
    return [item.strip() for item in items if item.strip()]


def equation_sides(item: str) -> tuple[str, str] | None:
    if item.count("=") != 1 or any(op in item for op in ("\\le", "\\ge", "<", ">")):
        return None
    left, right = item.split("=")
    return left.strip(), right.strip()


def is_set(item: str) -> bool:
    return item.startswith("\\{") and item.endswith("\\}")


def components(item: str) -> list[str] | None:
    """An ordered tuple's components (``(a, b)``: round brackets around two or more items); None otherwise."""
    inner = item[1:-1]
    if not (item.startswith("(") and item.endswith(")")) or not _brackets_balance(inner):
        return None  # "(1, 2) \cup (3, 4)" opens and closes round brackets but is no tuple
    parts = split_items(inner)
    return parts if len(parts) >= 2 else None


def _brackets_balance(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char in "([{") - (char in ")]}")
        if depth < 0:
            return False
    return depth == 0


def _labelled_values(items: list[str]) -> list[str] | None:
    """``a = -2, b = 1`` -> ``["-2", "1"]``: components named by distinct letters, in the order written
    (``x_1 = 1, x_2 = -2`` name roots of one unknown: a set, not a tuple)."""
    sides = [equation_sides(item) for item in items]
    if not all(sides) or not all(is_plain_name(left) for left, _ in sides):
        return None
    letters = [re.sub(r"[^A-Za-z].*", "", left) for left, _ in sides]
    return [right for _, right in sides] if len(set(letters)) == len(letters) else None


def ordered_pairs(gold_items: list[str], pred_items: list[str]) -> list[tuple[str, str]] | None:
    """Where order is the answer, the (gold, predicted) component pairs ([] when their counts differ):
    labelled components against the gold's in order, or a tuple against a list. None: compare as multisets."""
    labelled = _labelled_values(pred_items)
    if labelled and not _labelled_values(gold_items):
        gold_order = (components(gold_items[0]) or gold_items) if len(gold_items) == 1 else gold_items
        return list(zip(gold_order, labelled)) if len(gold_order) == len(labelled) else []
    chain = chain_terms(gold_items[0]) if len(gold_items) == 1 and len(pred_items) > 1 else None
    if chain:  # "f(2) < f(1) < f(4)" answered "f(2), f(1), f(4)"
        return list(zip(chain, pred_items)) if len(chain) == len(pred_items) else []
    for tuple_side, list_side, flip in ((pred_items, gold_items, False), (gold_items, pred_items, True)):
        parts = components(tuple_side[0]) if len(tuple_side) == 1 and len(list_side) > 1 else None
        if parts:
            pairs = list(zip(list_side, parts)) if len(parts) == len(list_side) else []
            return [(p, g) for g, p in pairs] if flip else pairs
    return None
