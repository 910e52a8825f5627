#!/usr/bin/env bash
# Plain GRPO on CPU (veRL's own RayPPOTrainer loop) on the embedded tiny model and arithmetic task.
set -euo pipefail
python -m verl_mgrpo.main_mgrpo --config-name=mgrpo_trainer_cpu \
  algorithm.adv_estimator=grpo \
  mgrpo.num_layers=1 \
  trainer.total_training_steps=30 \
  "$@"
