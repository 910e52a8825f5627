import json

import pandas as pd
import pytest

from reward_fns import compute_score
from verl_mgrpo.data.prepare import QWEN25_MATH_COT, main, prepare, select_sources

EXPECTED_ROWS = {"math_train": 11998, "math500_test": 500, "gsm8k_train": 7473, "gsm8k_test": 1319,
                 "minerva_math_test": 272, "olympiadbench_test": 675, "arith_train": 2000, "arith_test": 200}


def test_conversion_writes_every_file_with_the_published_row_counts(prepared_dir):
    counts = {path.stem: len(pd.read_parquet(path)) for path in prepared_dir.glob("*.parquet")}
    assert counts == EXPECTED_ROWS


@pytest.mark.parametrize("name", sorted(EXPECTED_ROWS))
def test_rows_follow_verls_schema_and_every_gold_scores_one(prepared_dir, name):
    frame = pd.read_parquet(prepared_dir / f"{name}.parquet")
    assert list(frame.columns) == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    benchmark, split = name.rsplit("_", 1)
    for row in frame.itertuples():
        assert row.data_source == benchmark and row.ability == "math"
        assert [m["role"] for m in row.prompt] == ["system", "user"]
        assert row.prompt[0]["content"] == QWEN25_MATH_COT and row.prompt[1]["content"]
        assert row.reward_model["style"] == "rule" and isinstance(row.reward_model["ground_truth"], str)
        assert row.extra_info["split"] == split and row.extra_info["index"] == row.Index
        assert isinstance(row.extra_info["id"], str) and row.extra_info["id"]
    sample = frame.iloc[:: max(1, len(frame) // 50)]
    for row in sample.itertuples():
        gold = row.reward_model["ground_truth"]
        assert compute_score(row.data_source, f"\\boxed{{{gold}}}", gold)["score"] == 1.0


def test_original_ids_are_kept(prepared_dir):
    math500 = pd.read_parquet(prepared_dir / "math500_test.parquet")
    assert math500.iloc[0].extra_info["id"] == "test/precalculus/807.json"
    olympiad = pd.read_parquet(prepared_dir / "olympiadbench_test.parquet")
    assert olympiad.iloc[0].extra_info["id"] == "1606"


def test_empty_boxed_golds_are_skipped_with_their_ids(prepared_dir, capsys, benchmark_data_dir, tmp_path):
    prepare(select_sources(["math_train"]), benchmark_data_dir, tmp_path, "qwen25-math-cot")
    out = capsys.readouterr().out
    assert "skipped 2 unusable rows" in out
    assert "train/number_theory/7115.json" in out and "train/number_theory/7117.json" in out


def test_user_template_puts_the_instruction_after_the_question(benchmark_data_dir, tmp_path):
    prepare(select_sources(["math500"]), benchmark_data_dir, tmp_path, "qwen25-math-cot-user")
    messages = pd.read_parquet(tmp_path / "math500_test.parquet").iloc[0].prompt
    assert len(messages) == 1 and messages[0]["content"].endswith("\n" + QWEN25_MATH_COT)


def _write_gsm8k(root, lines):
    (root / "gsm8k").mkdir(parents=True)
    (root / "gsm8k" / "test.jsonl").write_text("\n".join(lines) + "\n")


def test_malformed_file_is_an_error_naming_file_and_line(tmp_path, capsys):
    good = json.dumps({"question": "1+1?", "answer": "2\n#### 2"})
    _write_gsm8k(tmp_path / "src", [good, good, "{not json"])
    with pytest.raises(SystemExit) as exit_info:
        main(["--source", str(tmp_path / "src"), "--output-dir", str(tmp_path / "out"), "--benchmarks", "gsm8k_test"])
    assert f"{tmp_path / 'src' / 'gsm8k' / 'test.jsonl'}:3" in str(exit_info.value)


def test_rows_missing_fields_are_counted_not_fatal(tmp_path, capsys):
    rows = [json.dumps({"question": "1+1?", "answer": "2\n#### 2"}), json.dumps({"question": "no answer"}),
            json.dumps({"question": "x", "answer": "no final answer marker"})]
    _write_gsm8k(tmp_path / "src", rows)
    main(["--source", str(tmp_path / "src"), "--output-dir", str(tmp_path / "out"), "--benchmarks", "gsm8k_test"])
    out = capsys.readouterr().out
    assert "gsm8k_test.parquet: 1 rows" in out and "skipped 2 unusable rows" in out
    assert "1: missing 'answer'" in out and "2: answer has no '####'" in out


def test_unknown_benchmark_names_the_accepted_ones():
    with pytest.raises(SystemExit, match="unknown benchmark 'aime'.*math500"):
        select_sources(["aime"])


def test_the_documented_hub_command_reads_every_benchmark_from_the_hub(benchmark_data_dir, tmp_path, monkeypatch):
    """README's hub command as written; the hub (not reachable here) is served from the local downloads."""
    from tests.readme_commands import argv, documented, substituted
    from verl_mgrpo.data import prepare as prepare_module
    from verl_mgrpo.data.sources import SOURCES, read_jsonl

    served = []

    def hub_from_local_files(source):
        served.append(source.output_name)
        return read_jsonl(benchmark_data_dir / source.local_path)

    monkeypatch.setattr(prepare_module, "read_hub", hub_from_local_files)
    command = substituted(documented("python -m verl_mgrpo.data.prepare --output-dir"), {" data": f" {tmp_path}"})
    prepare_module.main(argv(command)[3:])
    from_the_hub = sorted(name for name, source in SOURCES.items() if source.generate is None)
    assert sorted(served) == from_the_hub
    assert sorted(path.stem for path in tmp_path.glob("*.parquet")) == sorted(SOURCES)
