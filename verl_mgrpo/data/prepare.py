"""Convert the benchmarks into veRL RL parquet files.

    python -m verl_mgrpo.data.prepare --source ../shared/data --output-dir data
    python -m verl_mgrpo.data.prepare --output-dir data              # from the Hugging Face hub

writes ``OUT/{benchmark}_{split}.parquet`` (``math_train``, ``math500_test``, ``gsm8k_train``, ``gsm8k_test``,
``minerva_math_test``, ``olympiadbench_test``, and the generated arithmetic task ``arith_train``,
``arith_test``) in veRL's RLHFDataset schema: ``data_source``, ``prompt``
(chat messages), ``ability``, ``reward_model = {style: rule, ground_truth}``, ``extra_info = {split, index,
id}``. ``ground_truth`` and ``id`` are strings in every file, so veRL can concatenate any of them.
"""

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from verl_mgrpo.data.sources import SOURCES, Record, SkippedRow, Source, read_hub, read_jsonl

QWEN25_MATH_COT = "Please reason step by step, and put your final answer within \\boxed{}."

# Named instruction templates: each maps a question to chat messages.
PROMPT_TEMPLATES = {
    # Qwen2.5-Math's evaluation harness: the instruction is the system message.
    "qwen25-math-cot": lambda question: [
        {"role": "system", "content": QWEN25_MATH_COT},
        {"role": "user", "content": question},
    ],
    # For chat templates without a system role: the instruction follows the question.
    "qwen25-math-cot-user": lambda question: [{"role": "user", "content": f"{question}\n{QWEN25_MATH_COT}"}],
}
DEFAULT_TEMPLATE = "qwen25-math-cot"


def to_verl_row(source: Source, record: Record, index: int, template: str) -> dict:
    return {
        "data_source": source.benchmark,
        "prompt": PROMPT_TEMPLATES[template](record.question),
        "ability": "math",
        "reward_model": {"style": "rule", "ground_truth": record.answer},
        "extra_info": {"split": source.split, "index": index, "id": record.original_id},
    }


def convert(source: Source, raw_rows: Iterable[dict], template: str) -> tuple[list[dict], list[SkippedRow]]:
    rows, skipped = [], []
    for position, raw in enumerate(raw_rows):
        try:
            record = source.convert(raw, position)
        except SkippedRow as skip:
            skipped.append(skip)
            continue
        rows.append(to_verl_row(source, record, len(rows), template))
    return rows, skipped


def select_sources(names: list[str] | None) -> list[Source]:
    """Output names (``gsm8k_test``) or benchmark names (``gsm8k``: all its splits); default all."""
    if not names:
        return list(SOURCES.values())
    chosen = []
    for name in names:
        matches = [s for key, s in SOURCES.items() if name in (key, s.benchmark)]
        if not matches:
            accepted = sorted(set(SOURCES) | {s.benchmark for s in SOURCES.values()})
            raise SystemExit(f"prepare: unknown benchmark {name!r}; accepted: {', '.join(accepted)}")
        chosen += [s for s in matches if s not in chosen]
    return chosen


def prepare(sources: list[Source], source_dir: Path | None, output_dir: Path, template: str) -> dict[str, int]:
    output_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for source in sources:
        if source.generate is not None:
            raw_rows = source.generate(source.split)
        elif source_dir is None:
            raw_rows = read_hub(source)
        else:
            path = source_dir / source.local_path
            if not path.is_file():
                raise SystemExit(f"prepare: {path} not found (expected the publisher's layout under --source)")
            raw_rows = read_jsonl(path)
        rows, skipped = convert(source, raw_rows, template)
        out_path = output_dir / f"{source.output_name}.parquet"
        pd.DataFrame(rows).to_parquet(out_path, index=False)
        counts[source.output_name] = len(rows)
        print(f"{out_path}: {len(rows)} rows", flush=True)
        if skipped:
            print(f"  skipped {len(skipped)} unusable rows:", flush=True)
            for skip in skipped:
                print(f"    {skip}", flush=True)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="local download in the publishers' layout; default: the hub")
    parser.add_argument("--output-dir", type=Path, required=True)
    parser.add_argument("--benchmarks", nargs="+", help=f"default: all of {', '.join(SOURCES)}")
    parser.add_argument("--template", choices=sorted(PROMPT_TEMPLATES), default=DEFAULT_TEMPLATE)
    args = parser.parse_args(argv)
    try:
        prepare(select_sources(args.benchmarks), args.source, args.output_dir, args.template)
    except ValueError as error:  # a malformed input file: the message names file and line
        sys.exit(f"prepare: {error}")


if __name__ == "__main__":
    main()
