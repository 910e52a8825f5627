"""Every gold answer of every benchmark file, through the prepared parquet files and ``compute_score``.

- self-check: each gold, written as a boxed answer, scores 1.0 (12 000 - 2 + 500 + 1319 + 272 + 675);
- Minerva's 58 e-notation golds written as ``a \\times 10^{b}`` score 1.0 (math-verify alone: 0 of 58);
- near misses score 0.0: every numeric gold with its last digit changed, every multi-answer gold with one
  answer missing.
"""

import re

import pandas as pd
import pytest

from reward_fns import compute_score
from reward_fns.forms import split_items
from reward_fns.grade import as_number, clean

FILES = ["math_train", "math500_test", "gsm8k_test", "minerva_math_test", "olympiadbench_test"]
EXPECTED_ROWS = {"math_train": 11998, "math500_test": 500, "gsm8k_test": 1319, "minerva_math_test": 272,
                 "olympiadbench_test": 675}


def _rows(prepared_dir, name):
    frame = pd.read_parquet(prepared_dir / f"{name}.parquet")
    return [(row.data_source, row.reward_model["ground_truth"]) for row in frame.itertuples()]


def _failures(rows, make_response, expected):
    return [(gold, make_response(gold)) for source, gold in rows
            if compute_score(source, make_response(gold), gold)["score"] != expected]


@pytest.mark.parametrize("name", FILES)
def test_every_gold_verifies_against_itself(prepared_dir, name):
    rows = _rows(prepared_dir, name)
    assert len(rows) == EXPECTED_ROWS[name]
    failures = _failures(rows, lambda gold: f"Reasoning.\nSo the answer is $\\boxed{{{gold}}}$.", 1.0)
    assert failures == [], f"{len(failures)} of {len(rows)} golds fail against themselves: {failures[:5]}"


def test_minerva_e_notation_golds_accept_times_ten_form(prepared_dir):
    rows = [(s, g) for s, g in _rows(prepared_dir, "minerva_math_test") if re.fullmatch(r"[\d.]+e-?\d+", g)]
    assert len(rows) == 58

    def times_ten(gold):
        mantissa, exponent = gold.split("e")
        return f"\\boxed{{{mantissa} \\times 10^{{{int(exponent)}}}}}"

    assert _failures(rows, times_ten, 1.0) == []


def _change_last_digit(gold: str) -> str:
    # The number without its units ("2400 \\mbox{ cm}^2" -> "2400"); in "4.5 \\times 10^{33}" the mantissa,
    # so the change is at the gold's written precision.
    mantissa, times, power = clean(gold).partition("\\times")
    index = max(i for i, c in enumerate(mantissa) if c.isdigit())
    return mantissa[:index] + str((int(mantissa[index]) + 1) % 10) + mantissa[index + 1:] + times + power


def _numeric_golds(rows):
    return [(s, g) for s, g in rows if as_number(clean(g)) is not None]


@pytest.mark.parametrize("name", FILES)
def test_numeric_golds_with_last_digit_changed_fail(prepared_dir, name):
    rows = _numeric_golds(_rows(prepared_dir, name))
    assert rows, "every benchmark has numeric golds"
    failures = _failures(rows, lambda gold: f"\\boxed{{{_change_last_digit(gold)}}}", 0.0)
    assert failures == [], f"{len(failures)} of {len(rows)} near misses accepted: {failures[:5]}"


@pytest.mark.parametrize("name", ["math_train", "math500_test", "olympiadbench_test"])
def test_multi_answer_golds_with_one_answer_missing_fail(prepared_dir, name):
    rows = [(s, g) for s, g in _rows(prepared_dir, name) if len(split_items(clean(g))) > 1]
    assert rows

    def drop_last(gold):
        return "\\boxed{" + ", ".join(split_items(clean(gold))[:-1]) + "}"

    failures = _failures(rows, drop_last, 0.0)
    assert failures == [], f"{len(failures)} of {len(rows)} incomplete answers accepted: {failures[:5]}"


# Minerva's golds written in Python/numpy notation, each with its LaTeX spelling and a near miss.
NUMPY_GOLDS = {
    "np.arcsin(10/13)": (r"\arcsin\left(\frac{10}{13}\right)", r"\arcsin\left(\frac{10}{11}\right)"),
    "-1./3": (r"-\frac{1}{3}", r"\frac{1}{3}"),
    "-3./2": (r"-\frac{3}{2}", r"-\frac{2}{3}"),
}


def test_minerva_numpy_notation_golds_accept_their_latex_and_reject_near_misses(prepared_dir):
    rows = [(s, g) for s, g in _rows(prepared_dir, "minerva_math_test") if "np." in g or re.search(r"\d\./", g)]
    assert sorted(g for _, g in rows) == sorted(NUMPY_GOLDS)
    for source, gold in rows:
        right, near_miss = NUMPY_GOLDS[gold]
        assert compute_score(source, f"So the answer is $\\boxed{{{right}}}$.", gold)["score"] == 1.0, gold
        assert compute_score(source, f"So the answer is $\\boxed{{{near_miss}}}$.", gold)["score"] == 0.0, gold
