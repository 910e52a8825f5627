"""The trainer of tests/cpu/one_update.py (a module of its own: imported only once the CPU platform is chosen,
and pickled by reference into the TaskRunner's Ray actor)."""

import pickle
from functools import partial

import ray
import torch

from verl_mgrpo.task_runner import TaskRunner
from verl_mgrpo.trainer import RayMGRPOTrainer


class OneUpdateTrainer(RayMGRPOTrainer):
    def fit(self):
        from verl import DataProto

        check = self.config.one_update
        from verl_mgrpo.loop_features import StepProfiler

        self.global_steps, self.max_steps_duration = 1, 0  # what fit sets before a step
        self.profiler = StepProfiler(self)
        self.checkpoint_manager.update_weights(0)
        if check.mode == "mgrpo":
            metrics, timing = {}, {}
            batch = DataProto.from_single_dict(next(iter(self.train_dataloader)))
            layers = self._rollout_layers(batch, metrics, timing)
            with open(check.rows, "wb") as file:
                pickle.dump({"layers": layers, "metrics": metrics}, file)
            self._update(layers, metrics, timing, is_last_step=False)
        else:
            with open(check.rows, "rb") as file:
                self._grpo_update(pickle.load(file)["layers"][0])
        server = ray.get_actor("hf_server_0")
        weights = ray.get(server.__ray_call__.remote(lambda s: {k: v.clone() for k, v in s.model.state_dict().items()}))
        torch.save(weights, check.weights)

    def _grpo_update(self, batch):
        """What veRL's fit does to a GRPO batch after generation, with veRL's own loss."""
        from verl.trainer.ppo.ray_trainer import compute_advantage
        from verl.trainer.ppo.reward import extract_reward
        from verl.utils.config import omega_conf_to_dataclass
        from verl.workers.utils.losses import ppo_loss

        self.actor_rollout_wg.set_loss_fn(partial(ppo_loss, config=omega_conf_to_dataclass(self.config.actor_rollout_ref.actor)))
        batch.meta_info["global_token_num"] = torch.sum(batch.batch["attention_mask"], dim=-1).tolist()
        reward_tensor, _ = extract_reward(batch)
        old_log_prob, _ = self._compute_old_log_prob(batch)
        old_log_prob.batch.pop("entropys")
        batch = batch.union(old_log_prob)
        batch = batch.union(self._compute_ref_log_prob(batch))
        batch.batch["token_level_scores"] = batch.batch["token_level_rewards"] = reward_tensor
        batch = compute_advantage(batch, adv_estimator="grpo", num_repeat=self.config.actor_rollout_ref.rollout.n,
                                  config=self.config.algorithm)
        self._update_actor(batch)
        self.checkpoint_manager.update_weights(1)


class OneUpdateRunner(TaskRunner):
    trainer_cls = OneUpdateTrainer
