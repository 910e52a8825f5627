"""The arithmetic task: multi-step word problems whose step-by-step solutions end in ``\\boxed{N}``.

Small enough for a sub-million-parameter model to learn partly (so GRPO groups mix right and wrong
answers), and every error is a visible slip in a written step, which a second look can catch. Its worked
examples (for the embedded model's supervised training) include a share that slip, write a guiding phrase
and correct the step: the latent self-correction the MGRPO paper assumes pre-training data contains.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass

NAMES = ("Tom", "Ana", "Li", "Sam", "Mia", "Ben", "Eva", "Raj", "Zoe", "Kai")
ITEMS = ("apples", "coins", "books", "stamps", "marbles", "cards", "shells", "pens")
GAIN = ("buys {k} more", "finds {k} more", "gets {k} more", "wins {k} more")
LOSS = ("gives away {k}", "loses {k}", "sells {k}", "uses {k}")
GROW = {2: "doubles the {item}", 3: "triples the {item}"}
# Phrases that introduce a second look, in the worked examples; the MGRPO guide pool is separate.
CHECK_PHRASES = ("Wait, let me double-check that.", "Let me check that step again.", "Hmm, that looks off.")

TRAIN_SEED, TEST_SEED = 1, 2
TRAIN_SIZE, TEST_SIZE = 2000, 200


@dataclass(frozen=True)
class Step:
    left: int
    op: str  # "+", "-" or "*"
    right: int

    @property
    def result(self) -> int:
        return {"+": self.left + self.right, "-": self.left - self.right, "*": self.left * self.right}[self.op]

    def written(self, result: int | None = None) -> str:
        return f"{self.left} {self.op} {self.right} = {self.result if result is None else result}"


@dataclass(frozen=True)
class ArithProblem:
    question: str
    steps: tuple[Step, ...]

    @property
    def answer(self) -> int:
        return self.steps[-1].result


def make_problem(rng: random.Random) -> ArithProblem:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    value = rng.randint(3, 30)
    sentences, steps = [f"{name} has {value} {item}."], []
    for _ in range(rng.choice((2, 3))):
        kind = rng.choice(("gain", "loss", "grow") if value <= 40 else ("gain", "loss"))
        if kind == "grow":
            factor = rng.choice((2, 3))
            step, phrase = Step(value, "*", factor), GROW[factor].format(item=item)
        elif kind == "loss" and value > 2:
            amount = rng.randint(1, value - 1)
            step, phrase = Step(value, "-", amount), rng.choice(LOSS).format(k=amount)
        else:
            amount = rng.randint(2, 20)
            step, phrase = Step(value, "+", amount), rng.choice(GAIN).format(k=amount)
        sentences.append(f"Then {name} {phrase}.")
        steps.append(step)
        value = step.result
    sentences.append(f"How many {item} does {name} have now?")
    return ArithProblem(" ".join(sentences), tuple(steps))


def _slipped(value: int, rng: random.Random) -> int:
    return value + rng.choice((-3, -2, -1, 1, 2, 3, 10, -10))


def _uncorrected_pass(problem: ArithProblem, rng: random.Random) -> str:
    """A solution with one slip that propagates: later steps compute from the wrong value."""
    slip_at, value, lines = rng.randrange(len(problem.steps)), problem.steps[0].left, []
    for index, step in enumerate(problem.steps):
        step = Step(value, step.op, step.right)
        value = _slipped(step.result, rng) if index == slip_at else step.result
        lines.append(step.written(value))
    return "\n".join(lines) + f"\nThe answer is \\boxed{{{value}}}."


def worked_solution(
    problem: ArithProblem, rng: random.Random, slip_rate: float, recheck_rate: float = 0.0, guides=CHECK_PHRASES
) -> str:
    """Step-by-step solution. With probability ``slip_rate`` one step is first written wrong, then flagged
    with a check phrase and rewritten correctly. With probability ``recheck_rate`` the answer is followed
    by a guiding phrase and a second, correct pass; half of those first passes hold an uncorrected slip,
    so the second pass changes the answer (the continuation MGRPO's layer 2 trains)."""
    slip_at = rng.randrange(len(problem.steps)) if rng.random() < slip_rate else -1
    lines = []
    for index, step in enumerate(problem.steps):
        if index == slip_at:
            lines.append(f"{step.written(_slipped(step.result, rng))}. {rng.choice(CHECK_PHRASES)}")
        lines.append(step.written())
    solution = "\n".join(lines) + f"\nThe answer is \\boxed{{{problem.answer}}}."
    if rng.random() < recheck_rate:
        first_pass = _uncorrected_pass(problem, rng) if rng.random() < 0.5 else solution
        return f"{first_pass}\n{rng.choice(guides)}\n{solution}"
    return solution


def problems(seed: int, count: int) -> Iterator[ArithProblem]:
    rng = random.Random(seed)
    for _ in range(count):
        yield make_problem(rng)


def raw_rows(split: str) -> Iterator[dict]:
    """The RL split as raw rows (``question``, ``answer``, ``id``) for :mod:`verl_mgrpo.data.prepare`."""
    seed, size = (TRAIN_SEED, TRAIN_SIZE) if split == "train" else (TEST_SEED, TEST_SIZE)
    for index, problem in enumerate(problems(seed, size)):
        yield {"question": problem.question, "answer": str(problem.answer), "id": f"arith-{split}-{index}"}
