"""The rows one round of STaR fine-tunes on, built from two-turn generations (``generations.jsonl``).

- ``external_prompt`` (STaR with external prompts): the question, the first answer, the paper's correction
  instruction as a new user turn, then a revision the verifier accepts. Only the revision is trained: the
  first answer is context (``"train": False``, honoured by :class:`~verl_mgrpo.star.dataset.MaskedMultiTurnSFTDataset`).
- ``one_round`` (one-round STaR): the question and a first answer the verifier accepts.

Rows are chat ``messages``, the format of veRL's multi-turn SFT dataset.
"""

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from verl_mgrpo.eval.second_turn import PROMPT_INSTRUCTION

MODES = ("external_prompt", "one_round")


def problem_prompts(files: Iterable[str | Path]) -> dict[tuple[str, str], list[dict]]:
    """Each problem's prompt messages, keyed by ``(data_source, id)`` as evaluation records name problems."""
    prompts: dict[tuple[str, str], list[dict]] = {}
    origin: dict[tuple[str, str], str] = {}
    for file in files:
        frame = pd.read_parquet(file)
        for row, (source, prompt, extra_info) in enumerate(
            zip(frame["data_source"], frame["prompt"], frame["extra_info"], strict=True)
        ):
            extra_info = extra_info or {}
            problem_id = extra_info.get("id", extra_info.get("index"))
            if problem_id is None:
                raise ValueError(f"{file}: row {row} has no extra_info.id or extra_info.index to match generations by")
            key = (str(source), str(problem_id))
            if key in prompts:
                raise ValueError(f"{file}: row {row} repeats problem {key}, already in {origin[key]}")
            prompts[key] = [{"role": str(m["role"]), "content": str(m["content"])} for m in prompt]
            origin[key] = f"{file} row {row}"
    return prompts


def star_messages(record: dict, prompt: list[dict], mode: str) -> list[dict] | None:
    """The conversation to train on for one generation record, or None when the verifier rejected it."""
    if mode == "one_round":
        return prompt + [{"role": "assistant", "content": record["answer_t1"]}] if record["correct_t1"] else None
    if mode != "external_prompt":
        raise ValueError(f"STaR mode {mode!r}: use one of {', '.join(MODES)}")
    if record.get("second_turn") != "prompt":
        mode_used = record.get("second_turn")
        raise ValueError(f"external-prompt STaR needs second turns generated in prompt mode, not {mode_used!r}")
    if not (record["second_turn_generated"] and record["correct_t2"]):
        return None
    return prompt + [
        {"role": "assistant", "content": record["answer_t1"], "train": False},
        {"role": "user", "content": PROMPT_INSTRUCTION},
        {"role": "assistant", "content": record["answer_t2"]},
    ]


def star_rows(records: list[dict], prompts: dict[tuple[str, str], list[dict]], mode: str) -> list[dict]:
    """The distinct accepted conversations, in record order, as rows of ``messages``, ``data_source`` and ``id``."""
    rows, seen = [], set()
    for number, record in enumerate(records, start=1):
        key = (record["data_source"], record["id"])
        if key not in prompts:
            raise ValueError(f"generation record {number} names problem {key}, which is in none of the data files")
        messages = star_messages(record, prompts[key], mode)
        fingerprint = repr(messages)
        if messages is not None and fingerprint not in seen:
            seen.add(fingerprint)
            rows.append({"messages": messages, "data_source": record["data_source"], "id": record["id"]})
    return rows
