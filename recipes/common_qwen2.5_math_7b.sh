# Shared by the *_qwen2.5_math_7b.sh recipes: the paper's setup (Ding et al., 2025): Qwen2.5-Math-7B, MATH
# 12k train split, MATH500/GSM8K/Minerva/OlympiadBench for validation, lr 5e-7 cosine with 3% warmup, KL
# loss (k3) beta=0.001, 8 samples per question, batch 32, temperature 0.7, a 4096-token context. 8 GPUs,
# vLLM rollout. Sourced, not run.
DATA=${DATA:-$HOME/data/mgrpo}     # python -m verl_mgrpo.data.prepare --output-dir $DATA
MODEL=${MODEL:-Qwen/Qwen2.5-Math-7B}
BENCHMARKS=("$DATA/math500_test.parquet" "$DATA/gsm8k_test.parquet" "$DATA/minerva_math_test.parquet"
            "$DATA/olympiadbench_test.parquet")
# Generation of any model (training and evaluation, every method): vLLM, the 4096-token context, 8 GPUs; the
# same lengths for all, so every method's two-turn validation keeps the same second turns.
ROLLOUT_OVERRIDES=(
  data.max_prompt_length=1024
  data.max_response_length=3072
  actor_rollout_ref.rollout.prompt_length=3840  # a second turn / layer-2 query: question + answer + guide
  data.filter_overlong_prompts=True
  actor_rollout_ref.model.use_remove_padding=True
  actor_rollout_ref.rollout.name=vllm
  actor_rollout_ref.rollout.temperature=0.7
  actor_rollout_ref.rollout.tensor_model_parallel_size=2
  actor_rollout_ref.rollout.gpu_memory_utilization=0.6
  actor_rollout_ref.rollout.max_model_len=4096
  actor_rollout_ref.rollout.log_prob_use_dynamic_bsz=True
  actor_rollout_ref.rollout.val_kwargs.temperature=0.7
  actor_rollout_ref.rollout.val_kwargs.do_sample=True
  trainer.n_gpus_per_node=8
  trainer.nnodes=1
)
PAPER_OVERRIDES=(
  "${ROLLOUT_OVERRIDES[@]}"
  actor_rollout_ref.model.path="$MODEL"
  data.train_files="$DATA/math_train.parquet"
  "data.val_files=[$(IFS=,; echo "${BENCHMARKS[*]}")]"
  data.train_batch_size=32
  actor_rollout_ref.actor.strategy=fsdp2
  actor_rollout_ref.actor.optim.lr=5e-7
  actor_rollout_ref.actor.optim.lr_scheduler_type=cosine
  actor_rollout_ref.actor.optim.lr_warmup_steps_ratio=0.03
  actor_rollout_ref.actor.ppo_mini_batch_size=32
  actor_rollout_ref.actor.use_dynamic_bsz=True
  actor_rollout_ref.actor.ppo_max_token_len_per_gpu=16384
  actor_rollout_ref.actor.use_kl_loss=True
  actor_rollout_ref.actor.kl_loss_coef=0.001
  actor_rollout_ref.actor.kl_loss_type=low_var_kl
  actor_rollout_ref.actor.entropy_coeff=0
  actor_rollout_ref.actor.loss_agg_mode=seq-mean-token-mean  # the paper's 1/|o| per sequence, every method
  actor_rollout_ref.ref.log_prob_use_dynamic_bsz=True
  actor_rollout_ref.rollout.n=8
  algorithm.use_kl_in_reward=False
  trainer.total_epochs=1
  trainer.save_freq=50
  trainer.test_freq=25
  "trainer.logger=[console,wandb]"
  trainer.project_name=mgrpo
)
