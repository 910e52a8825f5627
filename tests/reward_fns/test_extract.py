import pytest

from reward_fns.extract import all_boxed, extract_answer, last_boxed

CASES = [
    ("a \\boxed{1} b \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
    ("\\fbox{7}", "7"),
    ("the answer is \\boxed 5$.", "5"),
    ("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
    ("\\boxed{unclosed", None),
    ("no box", None),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_last_boxed_takes_the_last_balanced_box(text, expected):
    assert last_boxed(text) == expected


def test_all_boxed_in_order():
    assert all_boxed("\\boxed{a}, \\fbox{b} and \\boxed{{c}}") == ["a", "b", "{c}"]


@pytest.mark.parametrize(
    "text,fallback,expected",
    [
        ("Final Answer: The final answer is $4.5e33$. I hope it is correct.", False, "4.5e33"),
        ("Natalia sold 72 clips.\n#### 72", False, "72"),
        ("she had 3 apples and 5 pears, 8 in all", True, "8"),
        ("she had 3 apples and 5 pears, 8 in all", False, None),
        ("\\boxed{}", False, None),
    ],
)
def test_extract_answer_fallbacks(text, fallback, expected):
    assert extract_answer(text, last_number_fallback=fallback) == expected
