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
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EvaluationSettings:
    """What one evaluation run needs (the command's arguments, for library code and tests alike)."""

    model: str
    data: tuple[Path, ...]
    output_dir: Path
    second_turn: str = "guide"
    n: int = 1
    temperature: float = 0.7
    top_p: float = 1.0
    max_response_length: int | None = None
    method: str = "model"
    overrides: tuple[str, ...] = ()

    def config_overrides(self, model: str) -> list[str]:
        """main_mgrpo's overrides for a validation-only run of ``model`` (a Hugging Face directory)."""
        files = ",".join(str(Path(f).resolve()) for f in self.data)
        overrides = [
            f"actor_rollout_ref.model.path={model}",
            f"data.val_files=[{files}]",
            f"data.train_files=[{files}]",  # veRL builds a train set even for validation only
            "data.val_max_samples=-1",
            f"actor_rollout_ref.rollout.val_kwargs.n={self.n}",
            f"actor_rollout_ref.rollout.val_kwargs.temperature={self.temperature}",
            f"actor_rollout_ref.rollout.val_kwargs.top_p={self.top_p}",
            f"actor_rollout_ref.rollout.val_kwargs.do_sample={self.temperature > 0}",
            f"mgrpo.val_second_turn={self.second_turn}",
            f"mgrpo.val_output_dir={self.output_dir.resolve()}",
            f"mgrpo.val_method_name={self.method}",
            "trainer.val_only=True",
            "trainer.val_before_train=True",
            "trainer.resume_mode=disable",
        ]
        if self.max_response_length:
            overrides.append(f"data.max_response_length={self.max_response_length}")
        return overrides + list(self.overrides)

    def arguments(self) -> list[str]:
        """The ``python -m verl_mgrpo.evaluate`` arguments that parse back into these settings."""
        arguments = ["--model", self.model, "--data", *map(str, self.data), "--output-dir", str(self.output_dir),
                     "--second-turn", self.second_turn, "--n", str(self.n), "--temperature", str(self.temperature),
                     "--top-p", str(self.top_p), "--method", self.method]
        if self.max_response_length:
            arguments += ["--max-response-length", str(self.max_response_length)]
        return arguments + list(self.overrides)


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


def evaluate(settings: EvaluationSettings) -> None:
    """Convert the model if it is a veRL checkpoint step, then run main_mgrpo's validation only."""
    from verl_mgrpo import main_mgrpo

    settings.output_dir.mkdir(parents=True, exist_ok=True)
    model = resolve_model(settings.model, settings.output_dir)
    main_mgrpo.run(main_mgrpo.compose_config(settings.config_overrides(model)))


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


def settings_from_args(args: argparse.Namespace, data: list[Path] | None = None) -> EvaluationSettings:
    """The parsed command as settings (``data``: the resolved files, default the paths as given)."""
    return EvaluationSettings(
        model=args.model, data=tuple(data or map(Path, args.data)), output_dir=args.output_dir,
        second_turn=args.second_turn, n=args.n, temperature=args.temperature, top_p=args.top_p,
        max_response_length=args.max_response_length, method=args.method, overrides=tuple(args.overrides),
    )


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    evaluate(settings_from_args(args, data_files(parser, args.data)))


if __name__ == "__main__":
    main()
