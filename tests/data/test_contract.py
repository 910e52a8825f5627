"""The data contract: bad files stop the run before it starts, naming the file, the row and the key."""

import subprocess
import sys
import time

import pandas as pd
import pytest

from verl_mgrpo.data.contract import DataContractError, check_file

ACCEPTED = {"math", "gsm8k", "arith"}


def _row(**changes):
    row = {"data_source": "math", "prompt": [{"role": "user", "content": "1+1?"}], "ability": "math",
           "reward_model": {"style": "rule", "ground_truth": "2"}, "extra_info": {"index": 0}}
    return {**row, **changes}


def _file(tmp_path, rows, name="data.parquet"):
    path = tmp_path / name
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_a_good_file_passes_and_counts_its_rows(tmp_path):
    assert check_file(_file(tmp_path, [_row(), _row()]), "prompt", "data_source", ACCEPTED) == 2


@pytest.mark.parametrize("changes, message", [
    ({"data_source": "mth"}, r"row 1: data_source: 'mth' is not graded; accepted: arith, gsm8k, math"),
    ({"data_source": None}, "row 1: data_source: missing"),
    ({"prompt": []}, "row 1: prompt: a non-empty list of chat messages"),
    ({"prompt": [{"role": "user"}]}, "row 1: prompt: chat messages with a role and a text content"),
    ({"reward_model": {"style": "rule", "ground_truth": ""}}, "row 1: reward_model.ground_truth: missing or empty"),
])
def test_a_bad_row_is_named_with_its_file_and_key(tmp_path, changes, message):
    path = _file(tmp_path, [_row(), _row(**changes)])
    with pytest.raises(DataContractError, match=message) as error:
        check_file(path, "prompt", "data_source", ACCEPTED)
    assert str(path) in str(error.value) and "1 of 2 rows" in str(error.value)


def test_a_prompt_that_is_plain_text_is_not_a_chat(tmp_path):
    path = _file(tmp_path, [_row(prompt="1+1?")])  # parquet cannot mix text and lists in one column
    with pytest.raises(DataContractError, match="row 0: prompt: a non-empty list of chat messages, got str"):
        check_file(path, "prompt", "data_source", ACCEPTED)


def test_any_data_source_goes_when_the_reward_does_not_grade_by_it(tmp_path):
    assert check_file(_file(tmp_path, [_row(data_source="my_set")]), "prompt", "data_source", None) == 1


def test_missing_column_missing_file_and_unreadable_file(tmp_path):
    no_source = _file(tmp_path, [{k: v for k, v in _row().items() if k != "data_source"}])
    with pytest.raises(DataContractError, match="no column data_source"):
        check_file(no_source, "prompt", "data_source", ACCEPTED)
    with pytest.raises(DataContractError, match="no such data file"):
        check_file(tmp_path / "absent.parquet", "prompt", "data_source", ACCEPTED)
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(DataContractError, match="not a readable parquet file"):
        check_file(tmp_path / "broken.parquet", "prompt", "data_source", ACCEPTED)


def test_many_bad_rows_are_counted_not_all_listed(tmp_path):
    path = _file(tmp_path, [_row(data_source="x")] * 25)
    with pytest.raises(DataContractError, match=r"25 of 25 rows[\s\S]*row 9:[\s\S]*and 15 more rows"):
        check_file(path, "prompt", "data_source", ACCEPTED)


def test_math_train_is_checked_in_well_under_five_seconds(prepared_dir):
    from reward_fns.benchmarks import accepted_data_sources

    started = time.process_time()
    assert check_file(prepared_dir / "math_train.parquet", "prompt", "data_source", set(accepted_data_sources())) == 11998
    assert time.process_time() - started < 5


def test_main_mgrpo_stops_on_a_bad_file_before_starting_ray(tmp_path):
    path = _file(tmp_path, [_row(data_source="arith"), _row(data_source="arith", reward_model={"ground_truth": None})])
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "verl_mgrpo.main_mgrpo", f"data.train_files={path}"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert f"{path}: row 1: reward_model.ground_truth: missing or empty" in result.stderr + result.stdout
    assert "ray.init" not in result.stdout and "Started a local Ray instance" not in result.stderr + result.stdout
    assert time.monotonic() - started < 120
