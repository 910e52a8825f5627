"""veRL's own SFT trainer on CPU: ``torchrun --nproc_per_node=1 -m verl_mgrpo.cpu.sft_trainer [overrides]``.

What ``torchrun -m verl.trainer.sft_trainer`` runs (``SFTTrainer(config).fit()``), with the config
``sft_trainer_cpu`` (veRL's ``sft_trainer_engine`` plus CPU settings) and a plain gloo process group: veRL's
``run_sft`` always builds ``cpu:gloo,{device}:{backend}``, which on CPU torch rejects (see :mod:`.workers`).
"""

import os

import hydra
from omegaconf import DictConfig


@hydra.main(config_path="../config", config_name="sft_trainer_cpu", version_base=None)
def main(config: DictConfig) -> None:
    os.environ["VERL_PLATFORM"] = "cpu"  # before veRL's trainer modules ask for (and cache) the platform
    from verl.trainer.sft_trainer import SFTTrainer
    from verl.utils.distributed import destroy_global_process_group

    from verl_mgrpo.cpu.workers import init_gloo_process_group  # also registers the cpu FSDP2 engine

    init_gloo_process_group()
    SFTTrainer(config=config).fit()
    destroy_global_process_group()


if __name__ == "__main__":
    main()
