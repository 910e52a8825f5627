#!/usr/bin/env bash
# The STaR baseline with external prompts on a machine without a GPU: the embedded tiny model, 4 two-turn
# samples for 512 arith_train problems (hf backend), the accepted revisions fine-tuned with veRL's SFT
# trainer on CPU, then the two-turn evaluation on arith_test in runs/star_cpu/eval. Extra arguments pass
# through (e.g. --mode one_round).
set -euo pipefail
python -m verl_mgrpo.star \
  --data arith_train \
  --max-problems 512 \
  --n 4 \
  --eval-data arith_test \
  --output-dir runs/star_cpu \
  --batch-size 16 \
  --lr 1e-4 \
  --epochs 2 \
  "$@"
