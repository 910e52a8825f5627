"""A reader of answer LaTeX that reads it as math-verify does, for :mod:`reward_fns.pointwise`.

Each rule measured on latex2sympy 1.11; ``tests/reward_fns/test_pointwise.py`` checks this reader against
math-verify's parse on every benchmark answer it accepts:
- first math-verify's own ``normalize_latex`` with its extraction config: it drops trailing unit-like words,
  so ``2 t`` is ``2`` and ``a / b c`` is ``a /``;
- symbols are lowercase (``C_{1}`` is ``c_1``, ``\\Omega`` is ``omega``); ``x_0`` is ``x_{0}``;
- juxtaposition binds tighter than ``/``: ``1 / 2 x`` is ``1/(2x)``; ``x^23`` is ``x**23``;
- a function's argument without parentheses is the whole product after it: ``\\sin x / y`` is ``sin(x/y)``;
- ``\\log`` is base 10, ``\\ln`` natural; ``\\lfloor``, ``\\lceil``, ``!``, ``\\binom`` are floor, ceiling,
  factorial and binomial; ``\\dot{x}`` is a symbol of its own;
- some letters have two readings (see :func:`ambiguous`): ``e``/``E`` Euler's number or a symbol, ``i``/``I``
  the imaginary unit or a symbol (measured: ``e`` and ``I`` are the constants, ``E`` and ``i`` symbols, real or
  not by the spacing around ``i``), a letter before ``(`` a function or a product (``u(t)`` is a function,
  ``x(t+1)`` a product).
Refused (:func:`read` returns None), each a place where latex2sympy reads something else or nothing: a bare
symbol (math-verify compares those by name: ``\\lambda`` equals ``l a m b d a``); a number before a rational
constant (``2(3)``, ``100 2``, ``137 \\frac{1}{2}``: mixed numbers, sums); a derivative
(``\\frac{d \\omega}{d t}``) and ``d`` before a letter or command (``d x`` is one symbol ``dx``); ``\\Gamma`` and
``\\gamma`` (the gamma function, Euler's constant); ``I_0``, ``I^2`` (both ``I``); ``2E3`` (2000); ``r^2(\\theta)``
(``r(theta)**2``); a bracket after a letter unless it holds a sum (``a[m]`` is a function, ``a[m-1]`` a
product); a function's argument without parentheses followed by ``\\sqrt``, ``e`` or ``(`` (it ends
there); ``2^e``, ``3!^2``, ``e_1`` (unparsable: math-verify then falls back to a number in the string);
commas, relations and anything unknown.

A tree is a tuple: ``("num", 2.0)``, ``("pi",)``, ``("sym", "x_0")``, ``("apply", "u", argument)``,
``("neg", a)``, ``("add" | "sub" | "mul" | "div" | "pow", a, b)``, ``("fn", name, argument)``,
``("log", base, argument)``, ``("binom", n, k)``.
"""

import re
from functools import lru_cache

from reward_fns.tokens import TokenCursor

FUNCTIONS = frozenset("exp sin cos sinh cosh tan sec csc cot tanh arcsin arccos arctan ln".split())
_FUNCTION_COMMANDS = FUNCTIONS | {"log"}  # \log has a base of its own (see _Reader.function)
_GREEK = frozenset(
    "alpha beta delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho sigma tau "
    "upsilon phi varphi chi psi omega Delta Theta Lambda Xi Sigma Upsilon Phi Psi Omega".split()
)
_TOKEN = re.compile(r"\s*(\\[A-Za-z]+|\d+(?:\.\d+)?|\.\d+|[A-Za-z]|[-+*/^_(){}\[\]!])")
_BINARY = {"*": "mul", "\\cdot": "mul", "\\times": "mul", "/": "div", "\\div": "div"}
_CLOSERS = {"(": ")", "[": "]", "{": "}", "\\lfloor": "\\rfloor", "\\lceil": "\\rceil"}
_ROUNDING = {"\\lfloor": "floor", "\\lceil": "ceil"}
_ACCENTS = frozenset("dot ddot hat bar tilde vec".split())
_ENDS = ("+", "-", *_CLOSERS.values())  # what ends a product's juxtaposed factors
_MAX_DEPTH = 200  # a tree deeper than this (a 200-term sum) is not a benchmark answer


class _Refused(Exception):
    """Outside the subset this reader reads exactly as math-verify does."""


class _Reader(TokenCursor):
    """Recursive descent over latex2sympy's precedence: sum > product (``*``, ``/``) > juxtaposition > power."""

    pattern, refused = _TOKEN, _Refused

    def read(self) -> tuple:
        tree = self.sum()
        if self.peek() is not None:
            raise _Refused
        return tree

    def sum(self) -> tuple:
        tree = self.product()
        while self.peek() in ("+", "-"):
            tree = ("add" if self.take() == "+" else "sub", tree, self.product())
        return tree

    def product(self, functions: bool = True) -> tuple:
        tree = self.unary(functions)
        while self.peek() in _BINARY:
            tree = (_BINARY[self.take()], tree, self.unary(functions))
        return tree

    def unary(self, functions: bool) -> tuple:
        if self.peek() in ("+", "-"):
            sign, operand = self.take(), self.unary(functions)
            return operand if sign == "+" else ("neg", operand)
        tree = factor = self.power(functions)
        while self.peek() is not None and self.peek() not in (*_ENDS, *_BINARY):
            if not functions and not self._extends_argument(self.peek()):
                raise _Refused  # latex2sympy ends "\sin x \sqrt{y}"'s argument before \sqrt (and before e)
            if self.peek() == "(" and factor[0] == "pow":
                raise _Refused  # "r^2(\theta)" is r(theta)**2 for latex2sympy
            if self.peek() == "[" and factor[0] != "num" and not self._bracket_holds_sum():
                raise _Refused  # "a[m]", "x^{2}[t]": function applications for latex2sympy ("a[m-1]" a product)
            if factor[0] == "apply" and self.peek()[0].isdigit():
                raise _Refused  # "p(-10)1" is p*(-11) for latex2sympy: a mixed number
            following = self.power(functions)
            if factor[0] == "num" and _is_rational(following):
                raise _Refused  # "2(3)", "100 2", "137 \frac{1}{2}": mixed numbers, sums for latex2sympy
            tree, factor = ("mul", tree, following), following
        return tree

    def _bracket_holds_sum(self) -> bool:
        """Whether the ``[...]`` ahead holds a sum or difference (``[e^{x}-1]``): latex2sympy reads such a
        bracket after a letter as a factor, one holding a single term (``a[m]``) as a function's argument."""
        start = self.position
        try:
            self.take("[")
            inside = self.sum()
            return inside[0] in ("add", "sub") and self.peek() == "]"
        except _Refused:
            return False
        finally:
            self.position = start

    @staticmethod
    def _extends_argument(token: str) -> bool:
        """Whether a juxtaposed factor starting with ``token`` stays inside a function's argument."""
        if len(token) == 1 and token.isalpha():
            return token not in "eE"
        return token[0].isdigit() or token[1:] in _GREEK or token in ("\\pi", "\\frac", "\\binom", "{", "[")

    def power(self, functions: bool) -> tuple:
        base = self.atom(functions)
        while self.peek() == "!":
            self.take()
            base = ("fn", "factorial", base)
            if self.peek() == "^":
                raise _Refused  # "3!^2": latex2sympy cannot parse it
        if self.peek() == "^":
            self.take()
            return ("pow", base, self.exponent())
        return base

    def exponent(self) -> tuple:
        token = self.take()
        if token == "{":
            return self.group("{")
        if token[0].isdigit() and "." not in token:  # x^23 is x**23 for latex2sympy
            return ("num", float(token))
        if len(token) == 1 and token.isalpha() and token not in "eEd":  # "2^e" does not parse, "x^d y" is x**dy
            return ("sym", _symbol_name(token))
        if token == "\\pi":
            return ("pi",)
        raise _Refused

    def group(self, opener: str) -> tuple:
        tree = self.sum()
        self.take(_CLOSERS[opener])
        return tree

    def braced(self) -> tuple:
        self.take("{")
        return self.group("{")

    def atom(self, functions: bool) -> tuple:
        token = self.take()
        if token in _ROUNDING:
            return ("fn", _ROUNDING[token], self.group(token))
        if token in _CLOSERS:
            return self.group(token)
        if token == "\\binom":
            return ("binom", self.braced(), self.braced())
        if token[0].isdigit() or token[0] == ".":
            return ("num", float(token))
        if token == "\\frac":
            if self.peek(1) == "d" and "d" in self.tokens[self.position + 2 :]:
                raise _Refused  # \frac{d \omega}{d t} is a derivative for latex2sympy
            return ("div", self.braced(), self.braced())
        if token == "\\sqrt":
            if self.peek() == "[":
                self.take()
                degree = self.group("[")
                return ("pow", self.braced(), ("div", ("num", 1.0), degree))
            return ("fn", "sqrt", self.braced())
        if token == "\\pi":
            if self.peek() == "(":
                raise _Refused  # "\pi(r)" is a function named \pi for latex2sympy
            return ("pi",)
        name = token[1:]
        if token.startswith("\\") and name in _FUNCTION_COMMANDS:
            if not functions:
                raise _Refused  # "\sin x \cos x": latex2sympy's argument rules get subtle here
            return self.function(name)
        if (len(token) == 1 and token.isalpha()) or (token.startswith("\\") and name in _GREEK):
            return self.symbol(token.lstrip("\\"))
        if token.startswith("\\") and name in _ACCENTS:  # \dot{x} is its own symbol for latex2sympy
            self.take("{")
            letter = self.take()
            self.take("}")
            if not letter.isalpha() or len(letter) > 1:
                raise _Refused
            return self.symbol(f"{name}{{{letter}}}")
        raise _Refused

    def function(self, name: str) -> tuple:
        base = power = None
        if name == "log":
            base = ("num", 10.0)
            if self.peek() == "_":
                self.take()
                base = self.braced() if self.peek() == "{" else self.exponent()
        elif self.peek() == "^":  # \sin^{2} x is sin(x)**2 (and \sin^{-1} would be arcsin: refused)
            self.take()
            power = self.exponent()
            if power[0] != "num":
                raise _Refused
        if self.peek() == "(":
            self.take()
            argument = self.group("(")
        else:  # latex2sympy: an argument without parentheses is a whole product, "\sin x / y" = sin(x/y)
            argument = self.product(functions=False)
            if self.peek() not in (None, *_ENDS):
                raise _Refused
        tree = ("log", base, argument) if base is not None else ("fn", name, argument)
        return ("pow", tree, power) if power is not None else tree

    def symbol(self, letter: str) -> tuple:
        name, following = _symbol_name(letter), self.peek() or ""
        previous = self.tokens[self.position - 2] if self.position >= 2 else ""
        if letter in "IeE" and following in ("_", "^") and not (letter in "eE" and following == "^"):
            raise _Refused  # latex2sympy: I_0 and I^2 are I; e_1, E_1 do not parse
        if letter == "E" and previous[:1].isdigit():
            raise _Refused  # "2E3" is 2000 for latex2sympy
        if letter == "d" and (following[:1].isalpha() or following.startswith("\\")):
            raise _Refused  # "d x", "d \pi": one differential symbol (dx, dpi) for latex2sympy
        if self.peek() == "_":
            self.take()
            name = f"{name}_{self.subscript()}"
        if self.peek() == "(":  # u(t) is a function for latex2sympy, x(t+1) a product: both readings
            if letter in "eE":
                raise _Refused
            self.take()
            applied = ("apply", name, self.group("("))
            if self.peek() in ("!", "^"):
                raise _Refused  # "k(d-k)!" binds the ! to the parenthesis in the product reading only
            return applied
        return ("sym", name)

    def subscript(self) -> str:
        """A subscript as part of a symbol's name: ``x_0`` and ``x_{0}`` are one symbol, ``x_01`` is ``x_{01}``."""
        token = self.take()
        if token != "{":
            return token.lstrip("\\").lower()
        parts, depth = [], 1
        while depth:
            token = self.take()
            depth += (token == "{") - (token == "}")
            parts.append(token)
        return re.sub(r"\\text|[{}\\]", "", "".join(parts[:-1])).lower()


@lru_cache(maxsize=4096)
def read(answer: str) -> tuple | None:
    """The expression tree of one answer as math-verify would read it, or None when outside the subset."""
    from latex2sympy2_extended.math_normalization import normalize_latex
    from math_verify import LatexExtractionConfig

    text = normalize_latex(answer, LatexExtractionConfig().normalization_config)
    try:
        tree = _Reader(text).read()
    except (_Refused, RecursionError, ValueError):
        return None
    if tree[0] == "sym" or _depth(tree) > _MAX_DEPTH:  # bare symbols: math-verify compares their names
        return None
    return tree


def _symbol_name(letter: str) -> str:
    """Lowercase, as math-verify names symbols, but for e, E, i and I: each keeps its own two readings, since
    one string may use two of them differently (``I E + i``: the unit I, the symbols e and i)."""
    return letter if letter in "eEiI" else letter.lower()


def _is_rational(tree: tuple) -> bool:
    """A constant of numbers and arithmetic only (what latex2sympy folds to a sympy Rational)."""
    if tree[0] == "num":
        return True
    return tree[0] in ("neg", "add", "sub", "mul", "div", "pow") and all(_is_rational(part) for part in tree[1:])


def _depth(tree: tuple) -> int:
    depth, frontier = 0, [tree]
    while frontier:
        depth += 1
        frontier = [part for node in frontier for part in node[1:] if isinstance(part, tuple)]
    return depth


def symbols(tree: tuple) -> set[str]:
    """The names of the point's coordinates: E read as a symbol is math-verify's symbol e, I its i."""
    if tree[0] in ("sym", "apply"):  # (an applied letter is a symbol in its product reading)
        return {tree[1].lower()} | (symbols(tree[2]) if tree[0] == "apply" else set())
    return set().union(*(symbols(part) for part in tree[1:] if isinstance(part, tuple)))


def ambiguous(tree: tuple) -> set[str]:
    """What math-verify may read two ways: e and E (Euler's number or a symbol), i and I (the imaginary unit
    or a symbol), and each letter before a parenthesis (``u(``: a function or a product)."""
    found = {tree[1] + "("} if tree[0] == "apply" else set()
    found |= {tree[1]} & set("eEiI") if tree[0] in ("sym", "apply") else set()
    return found.union(*(ambiguous(part) for part in tree[1:] if isinstance(part, tuple)))
