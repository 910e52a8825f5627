#!/usr/bin/env bash
# MGRPO on CPU in the shape of a GPU cluster, so that what breaks there breaks here: 2 training ranks (FSDP2
# over gloo), 2 hf rollout replicas (one per rank, as vLLM with tensor parallel 1), 4 agent-loop workers,
# dynamic batch size, balanced batches, the tiny model with Qwen2.5-Math base's token layout (eos = pad =
# <|endoftext|>, turn end <|im_end|>), a checkpoint every 2 steps and resume from the latest. Extra
# overrides pass through:
#   bash recipes/run_mgrpo_cpu_cluster.sh trainer.total_training_steps=2
set -euo pipefail
python -m verl_mgrpo.main_mgrpo --config-name=mgrpo_trainer_cpu \
  trainer.n_gpus_per_node=2 \
  actor_rollout_ref.rollout.agent.num_workers=4 \
  actor_rollout_ref.actor.use_dynamic_bsz=True \
  actor_rollout_ref.actor.ppo_max_token_len_per_gpu=1024 \
  actor_rollout_ref.rollout.log_prob_use_dynamic_bsz=True \
  actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu=1024 \
  actor_rollout_ref.ref.log_prob_use_dynamic_bsz=True \
  actor_rollout_ref.ref.log_prob_max_token_len_per_gpu=1024 \
  trainer.balance_batch=True \
  'actor_rollout_ref.model.path=${mgrpo_default:model_qwen_base_layout}' \
  trainer.save_freq=2 \
  trainer.resume_mode=auto \
  trainer.experiment_name=cpu_cluster_shape \
  "$@"
