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
from dataclasses import replace
from pathlib import Path

from verl_mgrpo.defaults import MODEL_DIR
from verl_mgrpo.evaluate import data_files
from verl_mgrpo.star.data import MODES
from verl_mgrpo.star.run import StarSettings, run_star


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


def settings_from_args(args: argparse.Namespace) -> StarSettings:
    """The parsed command as settings, its file arguments as given."""
    return StarSettings(**{**vars(args), **{name: tuple(getattr(args, name)) for name in (
        "generation_overrides", "sft_overrides")}, "data": tuple(map(Path, args.data)),
        "eval_data": tuple(map(Path, args.eval_data))})


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)  # its own checks, before any file is read
    except ValueError as error:
        parser.error(str(error))
    eval_data = data_files(parser, args.eval_data) if args.eval_data else []
    run_star(replace(settings, data=tuple(data_files(parser, args.data)), eval_data=tuple(eval_data)))


if __name__ == "__main__":
    main()
