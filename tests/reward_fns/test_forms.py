"""The answer-form readings of reward_fns.forms, one by one, with hand-written expectations."""

import pytest

from reward_fns import compute_score
from reward_fns.forms import (
    as_interval, chain_terms, expand_signs, factor_first, is_plain_name, ordered_pairs, percent_readings,
    repeating_decimal,
)


def test_a_percent_reads_as_the_number_of_percent_and_as_the_value():
    assert percent_readings("64%") == ["64", "0.64"]
    assert percent_readings("12.5 %") == ["12.5", "0.125"]
    assert percent_readings("\\frac{1}{3}%") == ["\\frac{1}{3}", "\\frac{\\frac{1}{3}}{100}"]
    assert percent_readings("64") == ["64"] and percent_readings("%") == ["%"]


def test_a_percent_sign_inside_an_answer_is_graded_not_looped_on():
    assert compute_score("math", "\\boxed{50\\% x}", "\\frac{x}{2}")["score"] in (0.0, 1.0)


def test_repeating_decimals_are_their_fractions():
    assert repeating_decimal("0.\\overline{4}") == "\\frac{4}{9}"
    assert repeating_decimal("1.2\\overline{36}") == "\\frac{68}{55}"
    assert repeating_decimal("-0.\\overline{3}") == "\\frac{-1}{3}"
    assert repeating_decimal("0.44") is None


def test_plus_minus_expands_to_independent_signs_and_minus_plus_ties_them():
    assert expand_signs("1 \\pm \\sqrt{19}") == ["1 + \\sqrt{19}", "1 - \\sqrt{19}"]
    assert expand_signs("\\pm 2 \\pm 2i") == ["+ 2 + 2i", "+ 2 - 2i", "- 2 + 2i", "- 2 - 2i"]
    assert expand_signs("(a \\pm b, a \\mp b)") == ["(a + b, a - b)", "(a - b, a + b)"]
    assert expand_signs("\\pm a \\pm b \\pm c \\pm d \\pm e") == ["\\pm a \\pm b \\pm c \\pm d \\pm e"]  # too many
    assert expand_signs("x + 1") == ["x + 1"]


@pytest.mark.parametrize(("item", "interval"), [
    ("3 < \\lambda \\le 4", "(3, 4]"), ("-2 \\le x \\le 7", "[-2, 7]"), ("k < -5", "(-\\infty, -5)"),
    ("x \\geq 2", "[2, \\infty)"), ("5 > x > 1", "(1, 5)"), ("x \\in [-2,7]", "[-2,7]"), ("t(0,4]", "(0,4]"),
])
def test_inequalities_in_one_unknown_are_intervals(item, interval):
    assert as_interval(item) == interval


@pytest.mark.parametrize("item", ["0 < x < \\pi < 4", "a < b", "f(2) < f(1) < f(4)", "x < 1 > y", "(0, 4]", "x = 3"])
def test_other_relations_are_not_intervals(item):
    assert as_interval(item) is None


def test_an_ordering_chain_keeps_its_written_order():
    assert chain_terms("f(2) < f(1) < f(4)") == ["f(2)", "f(1)", "f(4)"]
    assert chain_terms("a < b > c") is None and chain_terms("x < 3") is None


def test_names_may_be_subscripted_greek_or_angles_but_not_numbers():
    assert all(map(is_plain_name, ["x", "a_1", "m_{\\max}", "\\lambda", "f(x)", "\\angle BEA_1"]))
    assert not any(map(is_plain_name, ["\\pi", "\\infty", "2x", "f(2)"]))


def test_labelled_components_are_compared_in_the_gold_order():
    assert ordered_pairs(["(-2,1)"], ["a=-2", "b=1"]) == [("-2", "-2"), ("1", "1")]
    assert ordered_pairs(["1.68", "0.45"], ["a = 0.45", "b = 1.68"]) == [("1.68", "0.45"), ("0.45", "1.68")]
    assert ordered_pairs(["1", "-2"], ["x_1 = 1", "x_2 = -2"]) is None  # roots of one unknown: a set
    assert ordered_pairs(["10^{3}", "10"], ["(1000, 10)"]) == [("10^{3}", "1000"), ("10", "10")]
    assert ordered_pairs(["1", "2"], ["2", "1"]) is None


def test_a_trailing_factor_of_the_gold_moves_to_the_front():
    assert factor_first("\\frac{1}{\\sqrt{2}}c", "\\frac{c}{\\sqrt{2}}") == ("c \\frac{1}{\\sqrt{2}}", "\\frac{c}{\\sqrt{2}}")
    assert factor_first("\\frac{37}{4} m", "\\frac{37}{5} m") == ("m \\frac{37}{4}", "m \\frac{37}{5}")
    assert factor_first("\\frac1b", "1/b") == ("\\frac1b", "1/b")  # b is \frac's argument
    assert factor_first("x + 2c", "2c + x") == ("x + 2c", "2c + x")  # not a single term
