"""reward_fns against raw math-verify 0.9.0 on the answer-form suite (tests/reward_fns/test_answer_forms.py).

    python experiments/grader_suite.py [--misses]

Raw math-verify: ``verify(parse("$gold$"), parse("\\boxed{answer}"))`` (a whole response is parsed as
written), on the main thread with its own timeouts. Prints right verdicts per benchmark for both, and with
``--misses`` every case each gets wrong.
"""

import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests package, for the suite

from math_verify import parse, verify  # noqa: E402

from reward_fns import compute_score  # noqa: E402
from tests.reward_fns.test_answer_forms import BENCHMARK_OF, CASES, Response  # noqa: E402


def raw_math_verify(gold: str, answer: str) -> bool:
    target = str(answer) if isinstance(answer, Response) else f"\\boxed{{{answer}}}"
    try:
        return bool(verify(parse(f"${gold}$"), parse(target)))
    except Exception:  # a crash is a wrong verdict
        return False


def reward_fns(source: str, gold: str, answer: str) -> bool:
    solution = str(answer) if isinstance(answer, Response) else f"\\boxed{{{answer}}}"
    return compute_score(source, solution, gold)["score"] == 1.0


def main() -> None:
    graders = {
        "reward_fns": lambda case: reward_fns(*case[:3]),
        "raw math-verify 0.9.0": lambda case: raw_math_verify(*case[1:3]),
    }
    for name, grade in graders.items():
        right, total, misses = collections.Counter(), collections.Counter(), []
        for case in CASES:
            benchmark = BENCHMARK_OF[case[0]]
            total[benchmark] += 1
            if grade(case) == case[3]:
                right[benchmark] += 1
            else:
                misses.append(case)
        per_benchmark = ", ".join(f"{b} {right[b]}/{total[b]}" for b in total)
        rejected = sum(case[3] for case in misses)
        print(f"{name}: {sum(right.values())}/{len(CASES)} right ({sum(right.values()) / len(CASES):.1%}); "
              f"{per_benchmark}; {rejected} right answers rejected, {len(misses) - rejected} wrong accepted")
        if "--misses" in sys.argv:
            for case in misses:
                print("   ", case)


if __name__ == "__main__":
    main()
