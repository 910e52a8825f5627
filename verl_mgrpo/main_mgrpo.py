"""``python -m verl_mgrpo.main_mgrpo [veRL-style Hydra overrides]``

Like ``python -m verl.trainer.main_ppo``, with the config ``verl_mgrpo/config/mgrpo_trainer.yaml`` (veRL's
``ppo_trainer`` plus MGRPO's settings). On a machine where torch sees no GPU and no ``--config-name`` is
given, it uses ``mgrpo_trainer_cpu``: the embedded tiny model on the arithmetic task, on CPU.

It joins a running Ray cluster with ``ray_kwargs.ray_init.address=auto`` (or an already initialised Ray),
and writes veRL's own checkpoints (``python -m verl.model_merger merge``).
"""

import logging
import os
import sys
from collections.abc import Mapping

import hydra
import ray
from omegaconf import DictConfig, open_dict

CPU_CONFIG = "mgrpo_trainer_cpu"


def use_cpu_runtime(config: DictConfig) -> None:
    """Select the CPU pieces (verl_mgrpo.cpu) in this process and in every Ray worker.

    Must run before anything asks veRL for its platform: veRL caches the first answer per process.
    """
    from verl_mgrpo.defaults import ensure_arith_data

    os.environ["VERL_PLATFORM"] = "cpu"
    with open_dict(config):
        runtime_env = config.ray_kwargs.ray_init.runtime_env
        runtime_env.env_vars = {**runtime_env.get("env_vars", {}), "VERL_PLATFORM": "cpu"}
    ensure_arith_data()


def ray_init_kwargs(ray_init: Mapping, environ: Mapping[str, str]) -> dict:
    """``ray.init``'s arguments from ``ray_kwargs.ray_init``: join the cluster named by ``address`` (or
    ``$RAY_ADDRESS``) with its own resources, or start Ray here with the configured ones."""
    ray_init = dict(ray_init)
    address = ray_init.get("address") or environ.get("RAY_ADDRESS")
    counts = [key for key in ("num_cpus", "num_gpus") if ray_init.get(key) is not None]
    if address and address != "local":
        # Ray refuses num_cpus/num_gpus when connecting: the cluster's `ray start` flags count there.
        return {**ray_init, "address": address, **{key: None for key in counts}}
    if counts:
        # With address None Ray would connect to a cluster running on this node, and then refuse the counts.
        return {**ray_init, "address": "local"}
    return ray_init


def _resolve_ray_init(config: DictConfig) -> None:
    with open_dict(config):
        config.ray_kwargs.ray_init = ray_init_kwargs(config.ray_kwargs.ray_init, os.environ)
    address = config.ray_kwargs.ray_init.get("address")
    if address not in (None, "local"):
        logging.getLogger(__name__).warning(
            "joining the Ray cluster at %s: its own CPUs and GPUs count (ray start --num-cpus/--num-gpus)", address)


def run(config: DictConfig, task_runner_class=None) -> None:
    """veRL's ``run_ppo`` with MGRPO's TaskRunner (or a subclass of it: ``task_runner_class``)."""
    from verl_mgrpo.data.contract import check_data

    if config.trainer.device == "cpu":
        use_cpu_runtime(config)
    check_data(config)  # every train/val row usable, before any Ray worker starts
    _resolve_ray_init(config)
    # veRL's trainer modules ask for the platform when imported: import them only now.
    from verl.trainer.main_ppo import run_ppo
    from verl.utils.device import auto_set_device

    from verl_mgrpo.task_runner import TaskRunner

    auto_set_device(config)
    run_ppo(config, task_runner_class=ray.remote(task_runner_class or TaskRunner))


def default_config_name() -> str:
    """``mgrpo_trainer``, or ``mgrpo_trainer_cpu`` where torch sees no GPU."""
    import torch

    return "mgrpo_trainer" if torch.cuda.is_available() else CPU_CONFIG


def compose_config(overrides: list[str], config_name: str | None = None) -> DictConfig:
    """The config ``python -m verl_mgrpo.main_mgrpo [overrides]`` runs with, for library callers."""
    from hydra import compose, initialize_config_module

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        return compose(config_name=config_name or default_config_name(), overrides=list(overrides))


@hydra.main(config_path="config", config_name="mgrpo_trainer", version_base=None)
def _hydra_main(config: DictConfig) -> None:
    run(config)


def main() -> None:
    if not any(arg.startswith(("--config-name", "-cn")) for arg in sys.argv[1:]):
        sys.argv.insert(1, f"--config-name={default_config_name()}")
    _hydra_main()


if __name__ == "__main__":
    main()
