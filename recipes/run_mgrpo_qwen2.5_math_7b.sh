#!/usr/bin/env bash
# MGRPO (two layers) with the paper's settings; see common_qwen2.5_math_7b.sh. Extra overrides pass through:
#   bash recipes/run_mgrpo_qwen2.5_math_7b.sh trainer.nnodes=2
set -euo pipefail
source "$(dirname "$0")/common_qwen2.5_math_7b.sh"
python -m verl_mgrpo.main_mgrpo "${PAPER_OVERRIDES[@]}" \
  algorithm.adv_estimator=mgrpo \
  mgrpo.num_layers=2 \
  mgrpo.augment_n=8 \
  trainer.experiment_name=mgrpo_qwen2.5_math_7b \
  "$@"
# rollout.prompt_length (common_qwen2.5_math_7b.sh) holds a layer-2 query (question + a whole answer + guide
# phrase) and leaves 256 tokens of the 4096 context for the correction; longer queries are dropped and counted.
