"""Every recipe's overrides compose against the packaged config, so a typo in a key fails here, not on a
GPU cluster. The recipe runs with a stand-in ``python`` on PATH that records its arguments."""

import os
import stat
import subprocess
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from verl.utils.config import omega_conf_to_dataclass

from verl_mgrpo.config import MGRPOConfig

ALL_RECIPES = sorted((Path(__file__).resolve().parents[1] / "recipes").glob("run_*.sh"))
STAR_RECIPES = [r for r in ALL_RECIPES if r.name.startswith("run_star_")]
RECIPES = [r for r in ALL_RECIPES if r not in STAR_RECIPES]  # python -m verl_mgrpo.main_mgrpo
RECORDER = '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$RECORDED_ARGS"\n'


def _recorded_arguments(recipe: Path, tmp_path: Path) -> list[str]:
    fake_python = tmp_path / "bin" / "python"
    fake_python.parent.mkdir()
    fake_python.write_text(RECORDER)
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{fake_python.parent}:{os.environ['PATH']}", "RECORDED_ARGS": str(tmp_path / "a")}
    subprocess.run(["bash", str(recipe)], check=True, env=env, timeout=60)
    return (tmp_path / "a").read_text().splitlines()


def test_there_are_gpu_and_cpu_recipes_for_mgrpo_grpo_and_star():
    assert {r.name for r in ALL_RECIPES} >= {"run_mgrpo_qwen2.5_math_7b.sh", "run_grpo_qwen2.5_math_7b.sh",
                                             "run_mgrpo_cpu.sh", "run_grpo_cpu.sh", "run_star_qwen2.5_math_7b.sh",
                                             "run_star_cpu.sh"}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_recipe_overrides_compose_against_the_config(recipe, tmp_path):
    import verl  # noqa: F401  (plugin: resolvers)

    arguments = _recorded_arguments(recipe, tmp_path)
    assert arguments[:2] == ["-m", "verl_mgrpo.main_mgrpo"]
    config_name, overrides = "mgrpo_trainer", []
    for argument in arguments[2:]:
        if argument.startswith("--config-name="):
            config_name = argument.split("=", 1)[1]
        else:
            overrides.append(argument)
    with initialize_config_module("verl_mgrpo.config", version_base=None):
        config = compose(config_name=config_name, overrides=overrides)
    omega_conf_to_dataclass(config.mgrpo, dataclass_type=MGRPOConfig)  # the mgrpo section type-checks
    if "qwen2.5_math_7b" in recipe.name:  # the paper's settings, as the README promises
        actor = config.actor_rollout_ref.actor
        assert (actor.optim.lr, actor.optim.lr_scheduler_type, actor.optim.lr_warmup_steps_ratio) == (5e-7, "cosine", 0.03)
        assert (actor.kl_loss_coef, config.actor_rollout_ref.rollout.n, config.data.train_batch_size) == (0.001, 8, 32)
        assert config.actor_rollout_ref.rollout.temperature == 0.7 and config.actor_rollout_ref.rollout.name == "vllm"
        assert len(config.data.val_files) == 4  # the four benchmarks


@pytest.mark.parametrize("recipe", STAR_RECIPES, ids=lambda r: r.name)
def test_star_recipe_generation_and_sft_overrides_compose(recipe, tmp_path):
    """Its generation overrides against main_mgrpo's config, its SFT command against veRL's SFT config."""
    import verl  # noqa: F401  (plugin: resolvers)

    from verl_mgrpo.star.__main__ import build_parser, settings_from_args
    from verl_mgrpo.star.run import sft_command

    arguments = _recorded_arguments(recipe, tmp_path)
    assert arguments[:2] == ["-m", "verl_mgrpo.star"]
    args = settings_from_args(build_parser().parse_args(arguments[2:]))
    gpu = "qwen2.5_math_7b" in recipe.name
    model = str(tmp_path / "tuned")
    evaluation = args.evaluation(model, args.data, tmp_path, n=1, method="star")
    with initialize_config_module("verl_mgrpo.config", version_base=None):
        generation = compose(config_name="mgrpo_trainer" if gpu else "mgrpo_trainer_cpu",
                             overrides=evaluation.config_overrides(model))
    command = sft_command(args, model, tmp_path / "sft.parquet", rows=1000, on_gpu=gpu)
    trainer = command[command.index("-m", 3) + 1]
    config_module, config_name = (("verl.trainer.config", "sft_trainer_engine") if gpu
                                  else ("verl_mgrpo.config", "sft_trainer_cpu"))
    with initialize_config_module(config_module, version_base=None):
        sft = compose(config_name=config_name, overrides=command[command.index(trainer) + 1:])
    assert sft.data.custom_cls.name == "MaskedMultiTurnSFTDataset" and sft.optim.lr == args.lr
    assert generation.actor_rollout_ref.model.path == model  # evaluation of the tuned model keeps its path
    if gpu:
        assert trainer == "verl.trainer.sft_trainer" and args.nproc_per_node == sft.trainer.n_gpus_per_node == 8
        assert generation.actor_rollout_ref.rollout.name == "vllm" and len(args.eval_data) == 4
    else:
        assert trainer == "verl_mgrpo.cpu.sft_trainer" and sft.trainer.device == "cpu"
        assert generation.actor_rollout_ref.rollout.name == "hf" and args.eval_data == (Path("arith_test"),)
