#!/usr/bin/env bash
# The one-round PPO baseline with the paper's settings (veRL's own PPO: GAE with a critic; one layer).
set -euo pipefail
source "$(dirname "$0")/common_qwen2.5_math_7b.sh"
python -m verl_mgrpo.main_mgrpo "${PAPER_OVERRIDES[@]}" \
  algorithm.adv_estimator=gae \
  mgrpo.num_layers=1 \
  critic.model.path="$MODEL" \
  critic.optim.lr=1e-5 \
  critic.ppo_mini_batch_size=32 \
  critic.use_dynamic_bsz=True \
  trainer.experiment_name=ppo_qwen2.5_math_7b \
  "$@"
