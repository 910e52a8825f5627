"""The Ray TaskRunner: veRL's ``BaseTaskRunner`` (the pattern verl-recipe's recipes use) with
:class:`~verl_mgrpo.trainer.RayMGRPOTrainer`, and gloo workers when ``trainer.device=cpu``.

Imported only after ``main_mgrpo`` has chosen the platform: veRL's trainer modules ask for it on import.
"""

import ray
from omegaconf import OmegaConf
from verl.trainer.main_ppo_v0 import BaseTaskRunner
from verl.trainer.ppo.ray_trainer import Role
from verl.trainer.ppo.utils import create_rl_dataset, create_rl_sampler, need_critic, need_reference_policy
from verl.utils.config import omega_conf_to_dataclass, validate_config
from verl.utils.dataset.rl_dataset import collate_fn
from verl.workers.config import HFModelConfig

from verl_mgrpo.trainer import RayMGRPOTrainer


class TaskRunner(BaseTaskRunner):
    trainer_cls = RayMGRPOTrainer

    def add_actor_rollout_worker(self, config):
        worker_cls, worker_group_cls = super().add_actor_rollout_worker(config)
        if config.trainer.device == "cpu":
            from verl_mgrpo.cpu.workers import CPUActorRolloutRefWorker

            worker_cls = CPUActorRolloutRefWorker
            for role in (Role.ActorRolloutRef, Role.ActorRollout):
                if role in self.role_worker_mapping:
                    self.role_worker_mapping[role] = ray.remote(worker_cls)
        return worker_cls, worker_group_cls

    def add_critic_worker(self, config):
        super().add_critic_worker(config)
        if config.trainer.device == "cpu":
            from verl_mgrpo.cpu.workers import CPUTrainingWorker

            self.role_worker_mapping[Role.Critic] = ray.remote(CPUTrainingWorker)

    def run(self, config):
        OmegaConf.resolve(config)
        _, worker_group_cls = self.add_actor_rollout_worker(config)
        if need_critic(config):
            self.add_critic_worker(config)
        self.add_reward_model_resource_pool(config)
        self.add_teacher_model_resource_pool(config)
        validate_config(config, use_reference_policy=need_reference_policy(config), use_critic=need_critic(config))
        model_config = omega_conf_to_dataclass(config.actor_rollout_ref.model, dataclass_type=HFModelConfig)
        datasets = {
            split: create_rl_dataset(
                config.data[f"{split}_files"],
                config.data,
                model_config.tokenizer,
                model_config.processor,
                is_train=split == "train",
                max_samples=config.data.get(f"{split}_max_samples", -1),
            )
            for split in ("train", "val")
        }
        trainer = self.trainer_cls(
            config=config,
            tokenizer=model_config.tokenizer,
            processor=model_config.processor,
            role_worker_mapping=self.role_worker_mapping,
            resource_pool_manager=self.init_resource_pool_mgr(config),
            ray_worker_group_cls=worker_group_cls,
            train_dataset=datasets["train"],
            val_dataset=datasets["val"],
            collate_fn=collate_fn,
            train_sampler=create_rl_sampler(config.data, datasets["train"]),
        )
        trainer.init_workers()
        trainer.fit()
