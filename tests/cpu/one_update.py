"""One update through veRL's real workers, then the updated weights on disk (for test_objective_e2e.py).

    python -m tests.cpu.one_update mgrpo ROWS WEIGHTS [overrides]   # generate both layers, save them, MGRPO update
    python -m tests.cpu.one_update grpo ROWS WEIGHTS [overrides]    # veRL's GRPO update on the saved layer-1 rows

The weights are read back from rollout server 0 after veRL's weight sync, so they are what the actor holds.
"""

import sys

from hydra import compose, initialize_config_module
from omegaconf import open_dict


def main(mode: str, rows: str, weights: str, overrides: list[str]) -> None:
    import verl  # noqa: F401  (the plugin's resolvers)

    from verl_mgrpo.main_mgrpo import run, use_cpu_runtime

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        config = compose(config_name="mgrpo_trainer_cpu", overrides=overrides)
    with open_dict(config):
        config.one_update = {"mode": mode, "rows": rows, "weights": weights}
    use_cpu_runtime(config)  # before veRL's trainer modules are imported, as main_mgrpo orders it
    from tests.cpu.one_update_trainer import OneUpdateRunner

    run(config, task_runner_class=OneUpdateRunner)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
