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


def test_the_documented_gpu_command_composes_against_the_gpu_config():
    """README's 7B evaluation (a GPU job): its arguments parse and its overrides compose."""
    from hydra import compose, initialize_config_module

    from tests.readme_commands import argv, documented
    from verl_mgrpo.evaluate import build_parser, settings_from_args

    args = build_parser().parse_args(argv(documented("python -m verl_mgrpo.evaluate --model checkpoints/"))[3:])
    settings = settings_from_args(args)
    with initialize_config_module("verl_mgrpo.config", version_base=None):
        config = compose(config_name="mgrpo_trainer", overrides=settings.config_overrides(settings.model))
    assert config.trainer.val_only and config.mgrpo.val_second_turn == args.second_turn == "guide"
    assert len(config.data.val_files) == len(args.data) == 4


def test_settings_written_as_arguments_parse_back_to_the_same_settings(tmp_path):
    """What STaR runs as ``python -m verl_mgrpo.evaluate``: nothing lost on the way through the command line."""
    from verl_mgrpo.evaluate import EvaluationSettings, build_parser, settings_from_args

    settings = EvaluationSettings(
        model="m", data=(Path("a.parquet"), Path("b.parquet")), output_dir=tmp_path, second_turn="prompt", n=4,
        temperature=0.0, top_p=0.9, max_response_length=48, method="star",
        overrides=("data.val_max_samples=16", "trainer.seed=1"),
    )
    assert settings_from_args(build_parser().parse_args(settings.arguments())) == settings
