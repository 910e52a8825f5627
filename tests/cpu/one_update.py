"""One update through veRL's real workers, then the updated weights on disk (for test_objective_e2e.py).

    python -m tests.cpu.one_update mgrpo ROWS WEIGHTS [overrides]   # generate both layers, save them, MGRPO update
    python -m tests.cpu.one_update grpo ROWS WEIGHTS [overrides]    # veRL's GRPO update on the saved layer-1 rows

The weights are read back from rollout server 0 after veRL's weight sync, so they are what the actor holds.
"""

import pickle
import sys
from functools import partial

import ray
import torch
from hydra import compose, initialize_config_module
from omegaconf import open_dict

from verl_mgrpo.task_runner import TaskRunner
from verl_mgrpo.trainer import RayMGRPOTrainer


class OneUpdateTrainer(RayMGRPOTrainer):
    def fit(self):
        from verl import DataProto

        check = self.config.one_update
        self.global_steps = 1
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


def main(mode: str, rows: str, weights: str, overrides: list[str]) -> None:
    import verl  # noqa: F401  (the plugin's resolvers)

    from verl_mgrpo.main_mgrpo import run

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        config = compose(config_name="mgrpo_trainer_cpu", overrides=overrides)
    with open_dict(config):
        config.one_update = {"mode": mode, "rows": rows, "weights": weights}
    run(config, task_runner_class=OneUpdateRunner)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
