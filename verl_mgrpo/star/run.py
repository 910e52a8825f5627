"""One round of STaR as library functions of :class:`StarSettings` (the command is ``python -m verl_mgrpo.star``,
described in :mod:`verl_mgrpo.star.__main__`)."""

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from verl_mgrpo.defaults import MODEL_DIR
from verl_mgrpo.eval.records import GENERATIONS_FILE, read_records
from verl_mgrpo.evaluate import EvaluationSettings, resolve_model
from verl_mgrpo.star.data import problem_prompts, star_rows

SFT_DATASET = ["data.custom_cls.path=pkg://verl_mgrpo.star.dataset", "data.custom_cls.name=MaskedMultiTurnSFTDataset"]
SETTINGS_FILE = "star_settings.json"  # beside the generations: what made them
MODEL_PATH_KEY = "actor_rollout_ref.model.path"


@dataclass(frozen=True)
class StarSettings:
    output_dir: Path
    model: str = str(MODEL_DIR)
    data: tuple[Path, ...] = ()
    mode: str = "external_prompt"
    n: int = 4  # samples per problem
    max_problems: int = -1  # generate for this many problems (-1: all)
    temperature: float = 0.7
    top_p: float = 1.0
    max_response_length: int | None = None  # tokens per turn
    epochs: int = 1
    lr: float = 1e-5
    batch_size: int = 32  # conversations per SFT step
    nproc_per_node: int = 1  # SFT processes (GPUs) per node
    generation_overrides: tuple[str, ...] = ()  # veRL overrides for generation (and evaluation)
    sft_overrides: tuple[str, ...] = ()  # overrides for veRL's SFT trainer
    eval_data: tuple[Path, ...] = field(default=())  # evaluate the fine-tuned model on these files

    def __post_init__(self):
        if any(override.lstrip("+").startswith(f"{MODEL_PATH_KEY}=") for override in self.generation_overrides):
            raise ValueError(f"generation overrides must not set {MODEL_PATH_KEY}: use the model setting "
                             "(evaluation uses its own)")

    def evaluation(self, model: str, data, directory: Path, n: int, method: str,
                   overrides=()) -> EvaluationSettings:
        """The two-turn run that generates (or evaluates) in prompt mode: the external correction prompt."""
        return EvaluationSettings(
            model=model, data=tuple(data), output_dir=directory, second_turn="prompt", n=n,
            temperature=self.temperature, top_p=self.top_p, max_response_length=self.max_response_length,
            method=method, overrides=(*overrides, *self.generation_overrides),
        )


def generation_settings(settings: StarSettings, model: str) -> dict:
    return {"model": model, "data": [str(f.resolve()) for f in settings.data], "n": settings.n,
            "max_problems": settings.max_problems, "temperature": settings.temperature, "top_p": settings.top_p,
            "max_response_length": settings.max_response_length,
            "generation_overrides": list(settings.generation_overrides)}


def ensure_generations(settings: StarSettings, model: str, directory: Path) -> None:
    """Generate unless ``directory`` holds generations made with the same settings; refuse different ones."""
    made_with = generation_settings(settings, model)
    if (directory / GENERATIONS_FILE).is_file():
        saved_file = directory / SETTINGS_FILE
        saved = json.loads(saved_file.read_text()) if saved_file.is_file() else {}
        differing = sorted(key for key in made_with if saved.get(key) != made_with[key])
        if differing:
            raise SystemExit(f"STaR: {directory} holds generations made with other settings ({', '.join(differing)}; "
                             f"see {saved_file}): delete it or choose another --output-dir")
        print(f"STaR: reusing the generations in {directory} (delete it to generate again)", flush=True)
        return
    problems = [f"data.val_max_samples={settings.max_problems}"]
    two_turn(settings.evaluation(model, settings.data, directory, settings.n, "star_generations", problems))
    (directory / SETTINGS_FILE).write_text(json.dumps(made_with, indent=2))


def two_turn(evaluation: EvaluationSettings) -> None:
    """``python -m verl_mgrpo.evaluate`` in a process of its own (each run starts and stops its own Ray)."""
    subprocess.run([sys.executable, "-m", "verl_mgrpo.evaluate", *evaluation.arguments()], check=True)


def sft_command(settings: StarSettings, model: str, data: Path, rows: int, on_gpu: bool) -> list[str]:
    trainer = "verl.trainer.sft_trainer" if on_gpu else "verl_mgrpo.cpu.sft_trainer"
    # veRL's SFT trainer needs one full batch, split evenly over its processes.
    batch_size = min(settings.batch_size, rows) // settings.nproc_per_node * settings.nproc_per_node
    if batch_size == 0:
        raise SystemExit(f"STaR: {rows} accepted conversations cannot fill a batch for {settings.nproc_per_node} processes")
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1",
        f"--nproc_per_node={settings.nproc_per_node}", "-m", trainer,
        f"model.path={model}",
        f"data.train_files={data}",
        *SFT_DATASET,
        f"data.train_batch_size={batch_size}",
        f"optim.lr={settings.lr}",
        f"trainer.total_epochs={settings.epochs}",
        f"trainer.n_gpus_per_node={settings.nproc_per_node}",
        f"trainer.default_local_dir={settings.output_dir.resolve() / 'sft'}",
        "trainer.resume_mode=disable",
        "trainer.project_name=star",
        f"trainer.experiment_name={settings.mode}",
        "checkpoint.save_contents=[model,optimizer,extra,hf_model]",  # hf_model: a directory evaluate can load
        *settings.sft_overrides,
    ]


def final_model(sft_dir: Path) -> Path:
    tracker = sft_dir / "latest_checkpointed_iteration.txt"
    if not tracker.is_file():
        raise FileNotFoundError(f"{tracker}: the SFT trainer saved no checkpoint")
    return sft_dir / f"global_step_{tracker.read_text().strip()}" / "huggingface"


def run_star(settings: StarSettings) -> dict:
    """Generate, keep what the verifier accepts, fine-tune, and evaluate with ``eval_data``; the summary."""
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    model = resolve_model(settings.model, settings.output_dir)
    generations = settings.output_dir / "generations"
    ensure_generations(settings, model, generations)
    records = read_records(generations)
    rows = star_rows(records, problem_prompts(list(settings.data)), settings.mode)
    summary = {"mode": settings.mode, "generated": len(records), "kept": len(rows), "base_model": model}
    print(f"STaR ({settings.mode}): {len(rows)} distinct accepted conversations from {len(records)} samples",
          flush=True)
    if not rows:
        raise SystemExit("STaR: the verifier accepted no sample; nothing to fine-tune on (try more samples: --n)")
    data = settings.output_dir / "sft_data.parquet"
    pd.DataFrame(rows).to_parquet(data)

    import torch

    subprocess.run(sft_command(settings, model, data.resolve(), len(rows), torch.cuda.is_available()), check=True)
    summary["model"] = str(final_model(settings.output_dir.resolve() / "sft"))
    (settings.output_dir / "star.json").write_text(json.dumps(summary, indent=2))
    print(f"STaR: fine-tuned model in {summary['model']}", flush=True)
    if settings.eval_data:
        two_turn(settings.evaluation(summary["model"], settings.eval_data, settings.output_dir / "eval", 1,
                                     f"star_{settings.mode}"))
    return summary
