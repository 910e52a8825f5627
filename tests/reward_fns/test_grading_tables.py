"""(gold, model response, expected verdict) tables: equivalent forms that must pass, near misses that must
fail. Rows are real gold answers from the benchmark files unless noted."""

import pytest

from reward_fns import compute_score

EQUIVALENT = [
    # GSM8K: thousands separators in gold and in answers
    ("gsm8k", "1,600", "She pays \\boxed{1600} dollars."),
    ("gsm8k", "1600", "She pays \\boxed{1,600} dollars."),
    ("gsm8k", "70000", "#### 70,000"),
    ("gsm8k", "18", "So she makes 9 * 2 = 18 dollars."),  # GSM8K harnesses take the last number
    ("openai/gsm8k", "18", "\\boxed{\\$18}"),
    # MATH: text, units, bases, times, tuples, intervals, fractions
    ("math", "\\text{Evelyn}", "The answer is \\boxed{\\text{Evelyn}}."),
    ("math", "\\text{(C)}", "\\boxed{C}"),
    ("math", "10\\text{ degrees}", "\\boxed{10^\\circ}"),
    ("math", "5\\mbox{ inches}^2", "\\boxed{5}"),
    ("math", "52_8", "\\boxed{52_8}"),
    ("math", "52_8", "\\boxed{52}"),  # the question fixed the base
    ("math", "8\\!:\\!34 \\text{ p.m.}", "\\boxed{8:34 \\text{ p.m.}}"),
    ("math", "\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3,\\frac{\\pi}{2})}"),
    ("math", "(-\\infty, -2] \\cup [3, \\infty)", "\\boxed{(-\\infty,-2]\\cup[3,\\infty)}"),
    ("math", "\\frac{1}{2}", "\\boxed{0.5}"),
    ("math", "\\dfrac{3}{4}", "\\boxed{\\frac34}"),
    ("math", "1, -2", "\\boxed{-2, 1}"),
    ("math", "10,\\!000", "\\boxed{10000}"),
    ("math", "2\\sqrt{3}", "\\boxed{\\sqrt{12}}"),
    ("lighteval/MATH", "0", "\\fbox{0}"),
    ("HuggingFaceH4/MATH-500", "\\frac{14}{3}", "\\boxed{\\frac{14}{3}}"),
    ("math500", "x^2+7x+10", "\\boxed{(x+2)(x+5)}"),
    # Minerva: e-notation and significant figures, units inside the box
    ("minerva_math", "4.5e33", "\\boxed{4.5 \\times 10^{33}}"),
    ("minerva_math", "4.5e33", "\\boxed{4.5\\cdot10^{33}} ergs/s"),
    ("minerva_math", "1.6", "\\boxed{1.6 \\mathrm{~cm}}"),
    ("minerva_math", "1.6", "\\boxed{1.62}"),  # agrees at the gold's precision
    ("minerva_math", "3.3e-10", "\\boxed{3.3 \\times 10^{-10}}"),
    ("minerva_math", "0.33", "\\boxed{\\frac{1}{3}}"),
    ("minerva_math", "1.6", "Final Answer: The final answer is $1.6$. I hope it is correct."),
    # OlympiadBench: lists as sets, intervals, equations, units
    ("olympiadbench", ["$(1,8,19), (2,7,13), (4,5,7)$"], "\\boxed{(4,5,7), (1,8,19), (2,7,13)}"),
    ("olympiadbench", ["$69$,$84$"], "\\boxed{84, 69}"),
    ("olympiadbench", ["$(-\\infty, 0) \\cup\\{1\\}$."], "\\boxed{(-\\infty,0)\\cup\\{1\\}}"),
    ("olympiadbench", ["$f(x)=x$,$f(x)=2-x$"], "\\boxed{f(x)=2-x, f(x)=x}"),
    ("olympiadbench", ["$90^{\\circ}$,$60^{\\circ}$"], "\\boxed{60^\\circ, 90^\\circ}"),
    ("olympiadbench", ["$\\frac{41}{12}$"], "\\boxed{\\frac{41}{12} \\text{ km}}"),
    ("olympiadbench", ["$2n$"], "\\boxed{n=... } then \\boxed{2n}"),
    ("arith", "42", "so the answer is \\boxed{42}"),
]

NEAR_MISS = [
    ("gsm8k", "1,600", "\\boxed{1601}"),
    ("gsm8k", "18", "no number at all"),
    ("math", "52_8", "\\boxed{52_9}"),  # math-verify alone accepts this
    ("math", "52_8", "\\boxed{42}"),
    ("math", "8\\!:\\!34 \\text{ p.m.}", "\\boxed{8:34 \\text{ a.m.}}"),
    ("math", "8\\!:\\!34 \\text{ p.m.}", "\\boxed{\\frac{4}{17}}"),  # math-verify alone accepts this
    ("math", "1, -2", "\\boxed{1}"),
    ("math", "1, -2", "\\boxed{1, 2}"),
    ("math", "1, -2", "\\boxed{1, -2, 3}"),
    ("math", "\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(\\frac{\\pi}{2}, 3)}"),
    ("math", "(-\\infty, -2] \\cup [3, \\infty)", "\\boxed{(-\\infty,-2)\\cup(3,\\infty)}"),
    ("math", "\\text{Evelyn}", "\\boxed{\\text{Evelin}}"),
    ("math", "\\text{(C)}", "\\boxed{D}"),
    ("math", "0", "I could not solve it."),
    ("math", "0", "\\boxed{}"),
    ("minerva_math", "4.5e33", "\\boxed{4.5 \\times 10^{32}}"),
    ("minerva_math", "4.5e33", "\\boxed{4.6 \\times 10^{33}}"),
    ("minerva_math", "4.5e33", "\\boxed{4.5 e 33}"),
    ("minerva_math", "1.6", "\\boxed{1.7}"),
    ("minerva_math", "7.26e6", "\\boxed{7.27 \\times 10^{6}}"),
    ("olympiadbench", ["$(1,8,19), (2,7,13), (4,5,7)$"], "\\boxed{(1,8,19), (2,7,13)}"),
    ("olympiadbench", ["$(1,8,19), (2,7,13), (4,5,7)$"], "\\boxed{(1,8,19), (2,7,13), (4,5,7), (1,1,1)}"),
    ("olympiadbench", ["$69$,$84$"], "\\boxed{69, 69}"),
    ("olympiadbench", ["$f(x)=x$,$f(x)=2-x$"], "\\boxed{f(x)=x}"),
    ("olympiadbench", ["$(-\\infty, 0) \\cup\\{1\\}$."], "\\boxed{(-\\infty,0)}"),
]


@pytest.mark.parametrize("data_source,gold,response", EQUIVALENT)
def test_equivalent_forms_score_one(data_source, gold, response):
    result = compute_score(data_source, response, gold)
    assert result["score"] == 1.0 and result["acc"] is True, result


@pytest.mark.parametrize("data_source,gold,response", NEAR_MISS)
def test_near_misses_score_zero(data_source, gold, response):
    result = compute_score(data_source, response, gold)
    assert result["score"] == 0.0 and result["acc"] is False, result


def test_result_has_the_keys_verl_needs_for_every_sample():
    # veRL takes reward_extra_info's key set from the first sample: right, wrong and empty must agree.
    keys = {frozenset(compute_score("math", r, "1")) for r in ("\\boxed{1}", "\\boxed{2}", "")}
    assert keys == {frozenset({"score", "acc", "pred"})}


def test_pred_is_the_extracted_answer():
    assert compute_score("math", "first \\boxed{1} then \\boxed{\\frac{a}{b}}", "2")["pred"] == "\\frac{a}{b}"


def test_unknown_data_source_names_it_and_the_accepted_ones():
    with pytest.raises(ValueError, match=r"'aime25'.*accepted: .*gsm8k.*openai/gsm8k"):
        compute_score("aime25", "\\boxed{1}", "1")
