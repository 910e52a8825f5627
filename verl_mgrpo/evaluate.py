"""Two-turn evaluation of a model on prepared parquet files, through veRL's rollout machinery.

    python -m verl_mgrpo.evaluate --model MODEL --data data/math500_test.parquet data/gsm8k_test.parquet \\
        --output-dir runs/mgrpo [--second-turn guide|prompt] [--n 1] [--temperature 0.7] [--top-p 1.0] \\
        [--max-response-length 3072] [--method mgrpo] [veRL overrides ...]

MODEL is a Hugging Face model directory (or hub name) or a veRL checkpoint step
(``.../global_step_N``), which is first converted with veRL's own ``python -m verl.model_merger``.
``--data`` takes parquet paths, or ``arith_train`` / ``arith_test`` for the packaged arithmetic task.
Writes ``generations.jsonl`` (both turns of every problem and sample, answers and verdicts),
``metrics.json`` and ``table.md`` into the output directory.

It is ``python -m verl_mgrpo.main_mgrpo trainer.val_only=True`` with these settings, so its numbers are the
ones training's validation logs (vLLM on GPU, the ``hf`` backend on CPU).
"""

import argparse
import subprocess
import sys
from pathlib import Path


def resolve_model(model: str, output_dir: Path) -> str:
    """A veRL checkpoint step becomes a Hugging Face directory (veRL's merger); anything else is as given."""
    actor = Path(model) / "actor"
    if not (actor / "huggingface").is_dir():
        return model
    target = output_dir / "hf_model"
    print(f"converting veRL checkpoint {actor} to {target}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "verl.model_merger", "merge", "--backend", "fsdp",
         "--local_dir", str(actor), "--target_dir", str(target)],
        check=True,
    )
    return str(target)


def data_files(parser: argparse.ArgumentParser, values: list[str]) -> list[Path]:
    """Parquet paths as given; the packaged arithmetic task's files by name (written on first use)."""
    from verl_mgrpo.defaults import ARITH_FILES, default_path, ensure_arith_data

    named = [value in ARITH_FILES and not Path(value).exists() for value in values]
    if any(named):
        ensure_arith_data()
    files = [Path(default_path(value)) if is_name else Path(value) for value, is_name in zip(values, named)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        parser.error(f"data files not found: {', '.join(missing)} (python -m verl_mgrpo.data.prepare writes them)")
    return files


def overrides(args: argparse.Namespace, model: str) -> list[str]:
    files = ",".join(str(Path(f).resolve()) for f in args.data)
    settings = [
        f"actor_rollout_ref.model.path={model}",
        f"data.val_files=[{files}]",
        f"data.train_files=[{files}]",  # veRL builds a train set even for validation only
        "data.val_max_samples=-1",
        f"actor_rollout_ref.rollout.val_kwargs.n={args.n}",
        f"actor_rollout_ref.rollout.val_kwargs.temperature={args.temperature}",
        f"actor_rollout_ref.rollout.val_kwargs.top_p={args.top_p}",
        f"actor_rollout_ref.rollout.val_kwargs.do_sample={args.temperature > 0}",
        f"mgrpo.val_second_turn={args.second_turn}",
        f"mgrpo.val_output_dir={args.output_dir.resolve()}",
        f"mgrpo.val_method_name={args.method}",
        "trainer.val_only=True",
        "trainer.val_before_train=True",
        "trainer.resume_mode=disable",
    ]
    if args.max_response_length:
        settings.append(f"data.max_response_length={args.max_response_length}")
    return settings + args.overrides


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", nargs="+", required=True, help="prepared parquet files")
    parser.add_argument("--output-dir", required=True, type=Path)
    parser.add_argument("--second-turn", choices=["guide", "prompt"], default="guide")
    parser.add_argument("--n", type=int, default=1, help="samples per problem")
    parser.add_argument("--temperature", type=float, default=0.7, help="0 for greedy (paper: 0.7)")
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--max-response-length", type=int, help="tokens per turn")
    parser.add_argument("--method", default="model", help="the method's name in tables and plots")
    parser.add_argument("overrides", nargs="*", help="further veRL / mgrpo Hydra overrides")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.data = data_files(parser, args.data)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    model = resolve_model(args.model, args.output_dir)

    from verl_mgrpo import main_mgrpo

    sys.argv = [sys.argv[0], *overrides(args, model)]
    main_mgrpo.main()


if __name__ == "__main__":
    main()
