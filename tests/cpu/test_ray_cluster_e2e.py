"""README's commands for an existing Ray cluster, run as written: ``ray start --head`` with the CPU path's
logical resources, then ``main_mgrpo ... ray_kwargs.ray_init.address=auto`` joins it and trains (stand-ins:
two steps, no validation). The cluster this test started is stopped whatever the outcome."""

import re
import subprocess

import pytest

from tests.readme_commands import argv, documented, environment

pytestmark = pytest.mark.slow

STAND_INS = ["trainer.total_training_steps=2", "trainer.val_before_train=False", "trainer.test_freq=-1"]


@pytest.fixture
def ray_head():
    started = subprocess.run(argv(documented("ray start --head")), capture_output=True, text=True, timeout=180,
                             env=environment())
    try:
        assert started.returncode == 0, f"ray start --head failed:\n{started.stdout[-3000:]}\n{started.stderr[-3000:]}"
        yield
    finally:
        subprocess.run([*argv("ray stop"), "--force"], capture_output=True, timeout=180)


def test_main_mgrpo_joins_a_running_cluster_and_trains(ray_head, tmp_path):
    command = argv(documented("python -m verl_mgrpo.main_mgrpo ray_kwargs.ray_init.address=auto")) + STAND_INS
    result = subprocess.run(command, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"main_mgrpo failed:\n{output[-6000:]}"
    assert "Connecting to existing Ray cluster" in output and "Started a local Ray instance" not in output
    # veRL's console logger, from the TaskRunner: the workers of a joined cluster do not see this process's
    # environment (a file logger's VERL_FILE_LOGGER_PATH would need ray_init.runtime_env.env_vars).
    steps = sorted({int(step) for step in re.findall(r"step:(\d+) - [^\n]*mgrpo/layer2/kept:", output)})
    assert steps == [1, 2]
