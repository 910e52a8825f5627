#!/usr/bin/env bash
# The one-round GRPO baseline with identical settings (one layer: veRL's own RayPPOTrainer loop).
set -euo pipefail
source "$(dirname "$0")/common_qwen2.5_math_7b.sh"
python -m verl_mgrpo.main_mgrpo "${PAPER_OVERRIDES[@]}" \
  algorithm.adv_estimator=grpo \
  mgrpo.num_layers=1 \
  trainer.experiment_name=grpo_qwen2.5_math_7b \
  "$@"
