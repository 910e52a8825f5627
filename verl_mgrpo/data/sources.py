"""The benchmarks as their publishers ship them, read into one record shape.

Each :class:`Source` knows where a split lives in a local download (the layout of ``../shared/data``) and on
the Hugging Face hub (or, for the arithmetic task, how to generate it), and how to turn one raw row into
``(question, answer, original_id)``.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reward_fns import gold_answer
from reward_fns.extract import last_boxed
from verl_mgrpo.data import arith


class MalformedFileError(ValueError):
    pass


@dataclass(frozen=True)
class Record:
    question: str
    answer: str
    original_id: str


class SkippedRow(Exception):
    """A row that cannot be used: it is counted and its id reported, never fatal."""

    def __init__(self, row_id: str, reason: str):
        super().__init__(f"{row_id}: {reason}")
        self.row_id, self.reason = row_id, reason


def _required(row: dict, key: str, row_id: str):
    if row.get(key) in (None, "", []):
        raise SkippedRow(row_id, f"missing {key!r}")
    return row[key]


def _gsm8k(row: dict, position: int) -> Record:
    row_id = str(position)
    solution = _required(row, "answer", row_id)
    if "####" not in solution:
        raise SkippedRow(row_id, "answer has no '####' final answer")
    return Record(_required(row, "question", row_id), solution.split("####")[-1].strip(), row_id)


def _math(row: dict, position: int) -> Record:
    row_id = str(row.get("unique_id") or position)
    answer = row.get("answer")
    if answer is None:  # hub copies without an answer column: the last box of the solution
        answer = last_boxed(_required(row, "solution", row_id)) or ""
    if not answer.strip():
        raise SkippedRow(row_id, "empty gold answer (\\boxed{})")
    return Record(_required(row, "problem", row_id), answer.strip(), row_id)


def _minerva(row: dict, position: int) -> Record:
    row_id = str(row.get("idx", row.get("id", position)))
    answer = row.get("answer") or last_boxed(_required(row, "solution", row_id)) or ""
    if not answer.strip():
        raise SkippedRow(row_id, "no \\boxed{} answer in solution")
    return Record(_required(row, "problem", row_id), answer.strip(), row_id)


def _arith(row: dict, position: int) -> Record:
    return Record(row["question"], row["answer"], row["id"])


def _olympiadbench(row: dict, position: int) -> Record:
    row_id = str(row.get("id", position))
    answer = gold_answer(_required(row, "final_answer", row_id))
    question = _required(row, "question", row_id)
    if row.get("context"):
        question = f"{row['context']}\n\n{question}"
    return Record(question, answer.strip(), row_id)


@dataclass(frozen=True)
class Source:
    benchmark: str  # also the data_source written into each row
    split: str
    local_path: str | None  # relative to --source
    hub: tuple[str, str | None, str] | None  # (dataset name, config, split)
    convert: Callable[[dict, int], Record]
    generate: Callable[[str], Iterator[dict]] | None = None  # made here, not downloaded (the arithmetic task)

    @property
    def output_name(self) -> str:
        return f"{self.benchmark}_{self.split}"


SOURCES = {
    s.output_name: s
    for s in (
        Source("math", "train", "math/train_12k.jsonl", ("DigitalLearningGmbH/MATH-lighteval", "default", "train+test"), _math),
        Source("math500", "test", "math500/test.jsonl", ("HuggingFaceH4/MATH-500", None, "test"), _math),
        Source("gsm8k", "train", "gsm8k/train.jsonl", ("openai/gsm8k", "main", "train"), _gsm8k),
        Source("gsm8k", "test", "gsm8k/test.jsonl", ("openai/gsm8k", "main", "test"), _gsm8k),
        Source("minerva_math", "test", "minerva_math/test.jsonl", ("knoveleng/Minerva-Math", None, "train"), _minerva),
        Source("olympiadbench", "test", "olympiadbench/test.jsonl", ("Hothan/OlympiadBench", "OE_TO_maths_en_COMP", "train"), _olympiadbench),
        Source("arith", "train", None, None, _arith, generate=arith.raw_rows),
        Source("arith", "test", None, None, _arith, generate=arith.raw_rows),
    )
}


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as file:
        for line_number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise MalformedFileError(f"{path}:{line_number}: not valid JSON ({error.msg})") from error
            if not isinstance(row, dict):
                raise MalformedFileError(f"{path}:{line_number}: expected a JSON object, got {type(row).__name__}")
            yield row


def read_hub(source: Source) -> Iterator[dict]:
    """The same split from the Hugging Face hub (needs network access to the hub)."""
    import datasets

    name, config, split = source.hub
    rows = list(datasets.load_dataset(name, config, split=split))
    if source.output_name == "math_train":
        # The "12k" split: MATH train + test, minus the MATH500 test problems (Lightman et al.).
        held_out = {row["problem"] for row in datasets.load_dataset("HuggingFaceH4/MATH-500", split="test")}
        rows = [row for row in rows if row["problem"] not in held_out]
    yield from rows
