"""Hostile answers return 0 within a bounded time, off the main thread and after pickling, as in veRL's
reward loop (executor threads inside Ray async actors)."""

import pickle
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import reward_fns
from reward_fns import compute_score
from reward_fns.grade import EXACT
from reward_fns.sandbox import SandboxPool

HOSTILE = {
    "tower of powers": "\\boxed{9^{9^{9^{9}}}}",
    "10 000 nested braces": "\\boxed{" + "{" * 10_000 + "1" + "}" * 10_000 + "}",
    "1 MB of text": "x" * 1_000_000,
    "1 MB boxed": "\\boxed{" + "1+" * 500_000 + "1}",
    "unclosed box": "\\boxed{" + "(" * 5000,
    "huge factorial": "\\boxed{100000000!}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_answer_scores_zero_in_bounded_time_off_the_main_thread(name):
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as executor:  # veRL scores in executor threads
        result = executor.submit(compute_score, "math", HOSTILE[name], "5").result(timeout=60)
    assert result["score"] == 0.0
    assert time.monotonic() - started < reward_fns.sandbox.DEFAULT_TIMEOUT_SECONDS + 10


def test_a_timed_out_child_is_replaced_and_grading_goes_on():
    pool = SandboxPool(size=1, timeout=3.0)

    started = time.monotonic()
    assert pool.symbolic_equal("5", "9^{9^{9^{9}}}", EXACT) is False
    assert time.monotonic() - started < 8
    assert pool.symbolic_equal("\\frac{1}{2}", "0.5", EXACT) is True  # a fresh child answers


def test_a_fresh_childs_start_is_not_charged_to_the_first_answers_deadline():
    pool = SandboxPool(size=1, timeout=0.1)  # less than a child takes to import sympy and math-verify
    assert pool.symbolic_equal("x^2 - 1", "(x + 1)(x - 1)", EXACT) is True


def test_a_child_that_cannot_start_is_an_error_not_a_wrong_answer(monkeypatch):
    monkeypatch.setattr(reward_fns.sandbox.sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match="did not start"):
        SandboxPool(size=1).symbolic_equal("1", "1", EXACT)


def test_many_threads_score_concurrently_and_agree():
    cases = [("math", "\\boxed{\\frac{1}{2}}", "0.5", 1.0), ("math", "\\boxed{\\frac{1}{3}}", "0.5", 0.0)] * 20
    with ThreadPoolExecutor(max_workers=8) as executor:
        scores = list(executor.map(lambda c: compute_score(c[0], c[1], c[2])["score"], cases))
    assert scores == [c[3] for c in cases]


def test_compute_score_survives_pickling_and_takes_extra_kwargs():
    restored = pickle.loads(pickle.dumps(compute_score))
    result = restored(data_source="math500", solution_str="\\boxed{2}", ground_truth="2",
                      extra_info={"split": "test"}, reward_router_address=None, unexpected="ignored")
    assert result["score"] == 1.0
