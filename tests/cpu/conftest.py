import os
import subprocess
import sys

import pytest
from hydra import compose, initialize_config_module

MAIN = [sys.executable, "-m", "verl_mgrpo.main_mgrpo"]


@pytest.fixture(scope="session")
def cpu_config():
    """The packaged CPU config, composed as main_mgrpo composes it."""
    import verl  # noqa: F401  (loads the plugin: the ${mgrpo_default:...} resolver)

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        return compose(config_name="mgrpo_trainer_cpu")


def run_main(overrides: list[str], log_path, cwd, timeout: int = 900) -> subprocess.CompletedProcess:
    """python -m verl_mgrpo.main_mgrpo on this machine's CPU, metrics to ``log_path`` (veRL's file logger)."""
    env = {**os.environ, "VERL_FILE_LOGGER_PATH": str(log_path)}
    command = MAIN + ["trainer.logger=[console,file]", *overrides]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        pytest.fail(f"main_mgrpo failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def read_metrics(log_path) -> dict[int, dict]:
    import json

    return {entry["step"]: entry["data"] for entry in map(json.loads, open(log_path))}
