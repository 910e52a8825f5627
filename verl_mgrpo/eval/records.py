"""Two-turn evaluation results: one record per (problem, sample), the paper's five metrics per benchmark,
and the files an evaluation writes. Everything a report shows is recomputed from the saved records."""

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from verl_mgrpo.metrics import transition_rates

logger = logging.getLogger(__name__)

GENERATIONS_FILE, METRICS_FILE, TABLE_FILE = "generations.jsonl", "metrics.json", "table.md"
COLUMNS = (("acc_t1", "Acc@t1"), ("acc_t2", "Acc@t2"), ("delta", "Δ(t1,t2)"), ("i2c", "Δi→c"), ("c2i", "Δc→i"))


def has_second_turn(record: dict) -> bool:
    return record.get("second_turn_generated", True) and record["correct_t2"] is not None


def metrics_by_benchmark(records: Iterable[dict]) -> dict[str, dict[str, float]]:
    """The five metrics per data source over the (problem, sample) pairs that have a second turn, the pair
    count, and ``dropped``: first answers whose second-turn query did not fit ``rollout.prompt_length``. A
    dropped second turn is not scored (scoring it as t2 = t1 would pull Δ, Δi→c and Δc→i toward 0)."""
    verdicts: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    dropped: dict[str, int] = defaultdict(int)
    for record in records:
        first, second = verdicts[record["data_source"]]
        if has_second_turn(record):
            first.append(record["correct_t1"])
            second.append(record["correct_t2"])
        else:
            dropped[record["data_source"]] += 1
    for source, count in sorted(dropped.items()):
        logger.warning(
            "%s: %d of %d second turns not generated (query longer than rollout.prompt_length), not scored",
            source, count, count + len(verdicts[source][0]),
        )
    return {
        source: {**transition_rates(first, second), "pairs": len(first), "dropped": dropped[source]}
        for source, (first, second) in sorted(verdicts.items())
    }


def markdown_table(metrics: dict[str, dict[str, dict[str, float]]]) -> str:
    """Table 2 of the paper: a row per (benchmark, method), the five columns, in percent."""
    lines = ["| benchmark | method | " + " | ".join(title for _, title in COLUMNS) + " | pairs | dropped t2 |",
             "|---|---|" + "---|" * (len(COLUMNS) + 2)]
    benchmarks = sorted({b for per_method in metrics.values() for b in per_method})
    for benchmark in benchmarks:
        for method, per_benchmark in metrics.items():
            if benchmark in per_benchmark:
                values = per_benchmark[benchmark]
                cells = " | ".join(f"{100 * values[key]:.1f}" for key, _ in COLUMNS)
                counts = f"{values.get('pairs', '')} | {values.get('dropped', 0)}"
                lines.append(f"| {benchmark} | {method} | {cells} | {counts} |")
    return "\n".join(lines) + "\n"


def write_outputs(records: list[dict], output_dir: str | Path, method: str) -> dict:
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    with open(output_dir / GENERATIONS_FILE, "w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
    metrics = metrics_by_benchmark(records)
    (output_dir / METRICS_FILE).write_text(json.dumps({"method": method, "benchmarks": metrics}, indent=2))
    (output_dir / TABLE_FILE).write_text(markdown_table({method: metrics}))
    return metrics


def read_records(run_dir: str | Path) -> list[dict]:
    path = Path(run_dir) / GENERATIONS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no evaluation generations here (run python -m verl_mgrpo.evaluate)")
    records = []
    with open(path, encoding="utf-8") as file:
        for line_number, line in enumerate(file, start=1):
            try:
                record = json.loads(line)
                missing = {"data_source", "correct_t1", "correct_t2"} - set(record)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{line_number}: not valid JSON ({error.msg})") from error
            if missing:
                raise ValueError(f"{path}:{line_number}: record lacks {sorted(missing)}")
            records.append(record)
    return records


def two_turn_records(first, second, tokenizer, mode: str) -> list[dict]:
    """One record per first-turn row: both answers, extracted predictions and verdicts. A row whose second
    turn was not generated (its query did not fit the prompt budget) has no second answer and no verdict."""
    from verl_mgrpo.correction import is_right, valid_ids
    from verl_mgrpo.names import GUIDE_KEY, PARENT_KEY, PROMPT_IDS_KEY

    def answer(batch, row):
        text = tokenizer.decode(valid_ids(batch, row)[1], skip_special_tokens=True)
        score = float(batch.batch["rm_scores"][row].sum())
        pred = batch.non_tensor_batch["pred"][row] if "pred" in batch.non_tensor_batch else None
        return text, pred, bool(is_right(score))

    second_row = {int(parent): row for row, parent in enumerate(second.non_tensor_batch[PARENT_KEY])}
    records = []
    for row in range(len(first)):
        extra_info = first.non_tensor_batch["extra_info"][row] if "extra_info" in first.non_tensor_batch else {}
        text_t1, pred_t1, correct_t1 = answer(first, row)
        generated = row in second_row
        text_t2, pred_t2, correct_t2 = answer(second, second_row[row]) if generated else (None, None, None)
        records.append({
            "data_source": str(first.non_tensor_batch["data_source"][row]),
            "id": str((extra_info or {}).get("id", (extra_info or {}).get("index", row))),
            "uid": str(first.non_tensor_batch["uid"][row]),
            "ground_truth": str(first.non_tensor_batch["reward_model"][row]["ground_truth"]),
            "second_turn": mode,
            "guide": str(second.non_tensor_batch[GUIDE_KEY][second_row[row]]) if generated else None,
            # what the second turn continued after the question (the first answer as cut, then the guide or
            # the new-turn markup), special tokens shown
            "second_turn_context": tokenizer.decode(
                list(second.non_tensor_batch[PROMPT_IDS_KEY][second_row[row]])[len(valid_ids(first, row)[0]) :]
            ) if generated else None,
            "answer_t1": text_t1, "pred_t1": pred_t1, "correct_t1": correct_t1,
            "answer_t2": text_t2, "pred_t2": pred_t2, "correct_t2": correct_t2,
            "second_turn_generated": generated,
        })
    return records
