#!/usr/bin/env bash
# The STaR baseline with external prompts on Qwen2.5-Math-7B (8 GPUs): 4 two-turn samples per MATH training
# problem with vLLM (second turn: the paper's correction prompt), the revisions the verifier accepts
# fine-tuned with veRL's SFT trainer (torchrun, FSDP2), then the two-turn evaluation on the four benchmarks
# in RUN/eval. `--mode one_round` gives one-round STaR. Extra arguments pass through:
#   bash recipes/run_star_qwen2.5_math_7b.sh --mode one_round --output-dir runs/star1_qwen2.5_math_7b
set -euo pipefail
source "$(dirname "$0")/common_qwen2.5_math_7b.sh"
python -m verl_mgrpo.star \
  --model "$MODEL" \
  --data "$DATA/math_train.parquet" \
  --eval-data "${BENCHMARKS[@]}" \
  --output-dir runs/star_qwen2.5_math_7b \
  --n 4 \
  --temperature 0.7 \
  --max-response-length 3072 \
  --nproc-per-node 8 \
  --batch-size 32 \
  --lr 1e-6 \
  --epochs 1 \
  --generation-overrides "${ROLLOUT_OVERRIDES[@]}" \
  --sft-overrides \
    engine.strategy=fsdp2 \
    model.use_remove_padding=True \
    model.enable_gradient_checkpointing=True \
    data.max_length=8192 \
    data.truncation=right \
    optim.lr_scheduler_type=cosine \
    optim.lr_warmup_steps_ratio=0.03 \
    "trainer.logger=[console,wandb]" \
  "$@"
# ROLLOUT_OVERRIDES' rollout.prompt_length holds the second-turn query (question + a whole first answer + the
# correction prompt), as in every method's evaluation.
