"""What veRL's ``RayPPOTrainer.fit`` does around generation and update, for MGRPO's ``fit``, through veRL's own
helpers: step profiling (``global_profiler.steps``), old log-probs with the ``actor/entropy`` metric and
rollout correction (``algorithm.rollout_correction``, bypass and decoupled modes), ESI-expiry saving
(``trainer.esi_redundant_time``) and the step metrics veRL logs. README's "veRL settings under MGRPO" lists
every key veRL's ``fit`` reads and where it is honoured; ``tests/test_loop_settings.py`` keeps that list
complete."""

from verl import DataProto
from verl.trainer.ppo.core_algos import agg_loss
from verl.trainer.ppo.metric_utils import (
    compute_data_metrics,
    compute_throughout_metrics,
    compute_timing_metrics,
    compute_variance_proxy_metrics,
)
from verl.trainer.ppo.ray_trainer import compute_spec_decode_metrics
from verl.utils.checkpoint.checkpoint_manager import should_save_ckpt_esi
from verl.utils.debug.metrics import calculate_debug_metrics
from verl.utils.profiler import marked_timer


class StepProfiler:
    """``global_profiler.steps`` and ``profile_continuous_steps``, applied as veRL's fit applies them."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.steps = trainer.config.global_profiler.steps
        self.continuous = trainer.config.global_profiler.profile_continuous_steps
        self.previous, self.current = False, self._profiled(trainer.global_steps)

    def _profiled(self, step: int) -> bool:
        return self.steps is not None and step in self.steps

    def start(self, timing_raw: dict) -> None:
        with marked_timer("start_profile", timing_raw):
            self.trainer._start_profiling(not self.previous and self.current if self.continuous else self.current)

    def stop(self, timing_raw: dict, is_last_step: bool) -> None:
        step = self.trainer.global_steps
        with marked_timer("stop_profile", timing_raw):
            upcoming = self._profiled(step + 1)
            finished = bool(self.current and self.steps and (step == max(self.steps) or is_last_step))
            self.trainer._stop_profiling(
                self.current and not upcoming if self.continuous else self.current, run_command=finished
            )
            self.previous, self.current = self.current, upcoming


class LoopFeatures:
    """Mixed into RayMGRPOTrainer (a RayPPOTrainer): veRL's fit's steps that MGRPO's fit keeps."""

    def _old_log_probs(self, batch: DataProto, metrics: dict, timing_raw: dict) -> DataProto:
        """``old_log_probs``: the rollout's own in bypass mode, else recomputed (with ``actor/entropy``)."""
        correction = self.config.algorithm.get("rollout_correction", None)
        if correction and correction.get("bypass_mode", False):
            from verl.trainer.ppo.rollout_corr_helper import apply_bypass_mode

            apply_bypass_mode(batch, correction, self.config.actor_rollout_ref.actor.policy_loss)
            return batch
        actor = self.config.actor_rollout_ref.actor
        with marked_timer("old_log_prob", timing_raw):
            old_log_prob, mfu = self._compute_old_log_prob(batch)
            entropy = agg_loss(
                loss_mat=old_log_prob.batch.pop("entropys"),
                loss_mask=batch.batch["response_mask"],
                loss_agg_mode=actor.loss_agg_mode,
                loss_scale_factor=actor.loss_scale_factor,
            )
            metrics.update({"actor/entropy": entropy.detach().item(), "perf/mfu/actor_infer": mfu})
            batch = batch.union(old_log_prob)
            if "rollout_log_probs" in batch.batch.keys():
                metrics.update(calculate_debug_metrics(batch))
        return batch

    def _rollout_correction(self, batch: DataProto, metrics: dict) -> DataProto:
        """Decoupled mode: importance weights / rejection of the rollout-vs-training mismatch."""
        correction = self.config.algorithm.get("rollout_correction", None)
        if correction is None or "rollout_log_probs" not in batch.batch or correction.get("bypass_mode", False):
            return batch
        from verl.trainer.ppo.rollout_corr_helper import compute_rollout_correction_and_add_to_batch

        batch, correction_metrics = compute_rollout_correction_and_add_to_batch(batch, correction)
        metrics.update(correction_metrics)
        return batch

    def _must_save(self, is_last_step: bool) -> bool:
        """``trainer.save_freq``, and a forced save when the ESI instance is about to expire."""
        trainer = self.config.trainer
        expiring = should_save_ckpt_esi(self.max_steps_duration, redundant_time=trainer.esi_redundant_time)
        if expiring:
            print("Force saving checkpoint: ESI instance expiration approaching.")
        return trainer.save_freq > 0 and (is_last_step or self.global_steps % trainer.save_freq == 0 or expiring)

    def _step_metrics(self, batch: DataProto, timing_raw: dict, metrics: dict) -> None:
        """The metrics veRL's fit logs per step, on the merged batch."""
        metrics.update(compute_data_metrics(batch=batch, use_critic=False))
        metrics.update(compute_timing_metrics(batch=batch, timing_raw=timing_raw))
        n_gpus = self.resource_pool_manager.get_n_gpus()
        metrics.update(compute_throughout_metrics(batch=batch, timing_raw=timing_raw, n_gpus=n_gpus))
        metrics.update(compute_variance_proxy_metrics(batch=batch, gradient_norm=metrics.get("actor/grad_norm")))
        metrics.update(
            compute_spec_decode_metrics(
                batch.non_tensor_batch.get("spec_num_draft_tokens", None),
                batch.non_tensor_batch.get("spec_num_accepted_tokens", None),
                batch.non_tensor_batch.get("spec_num_verify_steps", None),
            )
        )
