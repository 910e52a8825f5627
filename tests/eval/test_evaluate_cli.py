"""The evaluation command's data arguments: paths as given, the packaged arithmetic task by name."""

import argparse
from pathlib import Path

import pytest

from verl_mgrpo.defaults import default_path
from verl_mgrpo.evaluate import data_files


def test_arith_names_resolve_to_the_packaged_task_and_paths_stay_as_given(tmp_path):
    given = tmp_path / "mine.parquet"
    given.write_bytes(b"")
    files = data_files(argparse.ArgumentParser(), ["arith_test", str(given)])
    assert files == [Path(default_path("arith_test")), given] and files[0].is_file()


def test_missing_files_are_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        data_files(argparse.ArgumentParser(), ["arith_test", str(tmp_path / "absent.parquet")])
    error = capsys.readouterr().err
    assert "absent.parquet" in error and "arith_test" not in error.split("not found:")[1]
