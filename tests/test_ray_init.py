"""Joining a running Ray cluster: ``ray.init`` gets the configured CPU/GPU counts only when main_mgrpo starts
Ray itself (Ray refuses them when it connects: "When connecting to an existing cluster, num_cpus and num_gpus
must not be provided")."""

import pytest
from hydra import compose, initialize_config_module

from verl_mgrpo.main_mgrpo import ray_init_kwargs


def _ray_init(config_name: str, *overrides: str) -> dict:
    with initialize_config_module("verl_mgrpo.config", version_base=None):
        return dict(compose(config_name=config_name, overrides=list(overrides)).ray_kwargs.ray_init)


@pytest.mark.parametrize("config_name", ["mgrpo_trainer", "mgrpo_trainer_cpu"])
def test_the_documented_override_joins_without_resource_counts(config_name):
    resolved = ray_init_kwargs(_ray_init(config_name, "ray_kwargs.ray_init.address=auto"), {})
    assert resolved["address"] == "auto"
    assert resolved.get("num_cpus") is None and resolved.get("num_gpus") is None


def test_ray_address_in_the_environment_joins_too():
    resolved = ray_init_kwargs(_ray_init("mgrpo_trainer_cpu"), {"RAY_ADDRESS": "10.0.0.1:6379"})
    assert resolved["address"] == "10.0.0.1:6379" and resolved["num_cpus"] is None and resolved["num_gpus"] is None


def test_the_cpu_config_starts_its_own_ray_with_its_logical_resources():
    ray_init = _ray_init("mgrpo_trainer_cpu")
    resolved = ray_init_kwargs(ray_init, {})
    # "local": with address None Ray would connect to a cluster running on this node and refuse the counts.
    assert resolved["address"] == "local"
    assert resolved["num_cpus"] == ray_init["num_cpus"] == 16 and resolved["num_gpus"] == ray_init["num_gpus"] == 1


def test_the_gpu_config_leaves_the_choice_to_ray_as_veRL_does():
    ray_init = _ray_init("mgrpo_trainer")
    assert ray_init_kwargs(ray_init, {}) == ray_init and ray_init["address"] is None and ray_init["num_cpus"] is None


def test_an_explicit_local_address_keeps_the_counts():
    resolved = ray_init_kwargs(_ray_init("mgrpo_trainer_cpu", "ray_kwargs.ray_init.address=local"),
                               {"RAY_ADDRESS": "10.0.0.1:6379"})
    assert resolved["address"] == "local" and resolved["num_cpus"] == 16
