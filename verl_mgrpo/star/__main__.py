"""One round of STaR: generate, keep what the verifier accepts, fine-tune with veRL's SFT trainer.

    python -m verl_mgrpo.star --output-dir runs/star [--model MODEL] [--data train.parquet ...] \\
        [--mode external_prompt|one_round] [--n 4] [--max-problems N] [--temperature 0.7] [--top-p 1.0] \\
        [--max-response-length N] [--epochs 1] [--lr 1e-5] [--batch-size 32] [--nproc-per-node 8] \\
        [--eval-data test.parquet ...] [--generation-overrides KEY=VALUE ...] [--sft-overrides KEY=VALUE ...]

1. ``OUTPUT/generations/``: ``n`` two-turn samples per training problem, the second turn after the paper's
   external correction prompt (``python -m verl_mgrpo.evaluate --second-turn prompt``: vLLM on GPU, the
   ``hf`` backend on CPU). Kept if present, so a failed fine-tune can be re-run without regenerating.
2. ``OUTPUT/sft_data.parquet``: the accepted conversations (:mod:`verl_mgrpo.star.data`).
3. ``OUTPUT/sft/``: ``torchrun -m verl.trainer.sft_trainer`` (``verl_mgrpo.cpu.sft_trainer`` without a GPU)
   on them; the fine-tuned model is ``OUTPUT/sft/global_step_N/huggingface``, named in ``OUTPUT/star.json``.
4. With ``--eval-data``, ``OUTPUT/eval/``: the fine-tuned model's two-turn evaluation (second turn: the same
   external prompt), ready for ``python -m verl_mgrpo.report``.

MODEL is a Hugging Face directory or a veRL checkpoint step, as for ``verl_mgrpo.evaluate`` (default: the
embedded tiny model); ``--data`` and ``--eval-data`` take parquet paths or ``arith_train`` / ``arith_test``
(default ``--data``: ``arith_train``). Generation overrides apply to the evaluation too.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from verl_mgrpo.defaults import MODEL_DIR
from verl_mgrpo.eval.records import GENERATIONS_FILE, read_records
from verl_mgrpo.evaluate import data_files, resolve_model
from verl_mgrpo.star.data import MODES, problem_prompts, star_rows

SFT_DATASET = ["data.custom_cls.path=pkg://verl_mgrpo.star.dataset", "data.custom_cls.name=MaskedMultiTurnSFTDataset"]
SETTINGS_FILE = "star_settings.json"  # beside the generations: what made them
MODEL_PATH_KEY = "actor_rollout_ref.model.path"


def generation_settings(args: argparse.Namespace, model: str) -> dict:
    return {"model": model, "data": [str(f.resolve()) for f in args.data], "n": args.n,
            "max_problems": args.max_problems, "temperature": args.temperature, "top_p": args.top_p,
            "max_response_length": args.max_response_length, "generation_overrides": args.generation_overrides}


def ensure_generations(args: argparse.Namespace, model: str, directory: Path) -> None:
    """Generate unless ``directory`` holds generations made with the same settings; refuse different ones."""
    settings = generation_settings(args, model)
    if (directory / GENERATIONS_FILE).is_file():
        saved_file = directory / SETTINGS_FILE
        saved = json.loads(saved_file.read_text()) if saved_file.is_file() else {}
        differing = sorted(key for key in settings if saved.get(key) != settings[key])
        if differing:
            raise SystemExit(f"STaR: {directory} holds generations made with other settings ({', '.join(differing)}; "
                             f"see {saved_file}): delete it or choose another --output-dir")
        print(f"STaR: reusing the generations in {directory} (delete it to generate again)", flush=True)
        return
    problems = [f"data.val_max_samples={args.max_problems}"]
    two_turn(args, model, args.data, directory, args.n, "star_generations", problems)
    (directory / SETTINGS_FILE).write_text(json.dumps(settings, indent=2))


def two_turn(args: argparse.Namespace, model: str, data: list[Path], directory: Path, n: int, method: str,
             overrides: list[str]) -> None:
    """``python -m verl_mgrpo.evaluate`` in prompt mode (the external correction prompt as the second turn)."""
    command = [sys.executable, "-m", "verl_mgrpo.evaluate", "--model", model, "--data", *map(str, data),
               "--output-dir", str(directory), "--second-turn", "prompt", "--n", str(n),
               "--temperature", str(args.temperature), "--top-p", str(args.top_p), "--method", method]
    if args.max_response_length:
        command += ["--max-response-length", str(args.max_response_length)]
    subprocess.run(command + overrides + args.generation_overrides, check=True)


def sft_command(args: argparse.Namespace, model: str, data: Path, rows: int, on_gpu: bool) -> list[str]:
    trainer = "verl.trainer.sft_trainer" if on_gpu else "verl_mgrpo.cpu.sft_trainer"
    # veRL's SFT trainer needs one full batch, split evenly over its processes.
    batch_size = min(args.batch_size, rows) // args.nproc_per_node * args.nproc_per_node
    if batch_size == 0:
        raise SystemExit(f"STaR: {rows} accepted conversations cannot fill a batch for {args.nproc_per_node} processes")
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1",
        f"--nproc_per_node={args.nproc_per_node}", "-m", trainer,
        f"model.path={model}",
        f"data.train_files={data}",
        *SFT_DATASET,
        f"data.train_batch_size={batch_size}",
        f"optim.lr={args.lr}",
        f"trainer.total_epochs={args.epochs}",
        f"trainer.n_gpus_per_node={args.nproc_per_node}",
        f"trainer.default_local_dir={args.output_dir.resolve() / 'sft'}",
        "trainer.resume_mode=disable",
        "trainer.project_name=star",
        f"trainer.experiment_name={args.mode}",
        "checkpoint.save_contents=[model,optimizer,extra,hf_model]",  # hf_model: a directory evaluate can load
        *args.sft_overrides,
    ]


def final_model(sft_dir: Path) -> Path:
    tracker = sft_dir / "latest_checkpointed_iteration.txt"
    if not tracker.is_file():
        raise FileNotFoundError(f"{tracker}: the SFT trainer saved no checkpoint")
    return sft_dir / f"global_step_{tracker.read_text().strip()}" / "huggingface"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(MODEL_DIR))
    parser.add_argument("--data", nargs="+", default=["arith_train"], help="prepared training parquet files")
    parser.add_argument("--output-dir", required=True, type=Path)
    parser.add_argument("--mode", choices=MODES, default="external_prompt")
    parser.add_argument("--n", type=int, default=4, help="samples per problem")
    parser.add_argument("--max-problems", type=int, default=-1, help="generate for this many problems (-1: all)")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--max-response-length", type=int, help="tokens per turn")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--batch-size", type=int, default=32, help="conversations per SFT step")
    parser.add_argument("--nproc-per-node", type=int, default=1, help="SFT processes (GPUs) per node")
    parser.add_argument("--generation-overrides", nargs="*", default=[], help="veRL overrides for generation")
    parser.add_argument("--sft-overrides", nargs="*", default=[], help="overrides for veRL's SFT trainer")
    parser.add_argument("--eval-data", nargs="*", default=[], help="evaluate the fine-tuned model on these files")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if any(override.lstrip("+").startswith(f"{MODEL_PATH_KEY}=") for override in args.generation_overrides):
        parser.error(f"--generation-overrides must not set {MODEL_PATH_KEY}: use --model (evaluation uses its own)")
    args.data = data_files(parser, args.data)
    eval_data = data_files(parser, args.eval_data) if args.eval_data else []
    args.output_dir.mkdir(parents=True, exist_ok=True)

    model = resolve_model(args.model, args.output_dir)
    generations = args.output_dir / "generations"
    ensure_generations(args, model, generations)
    records = read_records(generations)
    rows = star_rows(records, problem_prompts(args.data), args.mode)
    summary = {"mode": args.mode, "generated": len(records), "kept": len(rows), "base_model": model}
    print(f"STaR ({args.mode}): {len(rows)} distinct accepted conversations from {len(records)} samples", flush=True)
    if not rows:
        raise SystemExit("STaR: the verifier accepted no sample; nothing to fine-tune on (try more samples: --n)")
    data = args.output_dir / "sft_data.parquet"
    pd.DataFrame(rows).to_parquet(data)

    import torch

    subprocess.run(sft_command(args, model, data.resolve(), len(rows), torch.cuda.is_available()), check=True)
    summary["model"] = str(final_model(args.output_dir.resolve() / "sft"))
    (args.output_dir / "star.json").write_text(json.dumps(summary, indent=2))
    print(f"STaR: fine-tuned model in {summary['model']}", flush=True)
    if eval_data:
        two_turn(args, summary["model"], eval_data, args.output_dir / "eval", 1, f"star_{args.mode}", [])


if __name__ == "__main__":
    main()
