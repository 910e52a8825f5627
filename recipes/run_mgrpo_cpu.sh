#!/usr/bin/env bash
# MGRPO on a machine without a GPU: the embedded tiny model on the arithmetic task (the packaged
# mgrpo_trainer_cpu config, spelled out where it matters). Extra overrides pass through.
set -euo pipefail
python -m verl_mgrpo.main_mgrpo --config-name=mgrpo_trainer_cpu \
  trainer.device=cpu \
  actor_rollout_ref.rollout.name=hf \
  mgrpo.num_layers=2 \
  trainer.total_training_steps=15 \
  "$@"
