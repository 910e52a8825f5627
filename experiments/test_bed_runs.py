"""A test-bed run's record. Its *curve* is its two-turn validation (guide mode) at each validation step, against the
generated rollout tokens and the training seconds (``timing_s/step``, validation excluded) spent before it, with
the training steps' metrics. A finished run's curve is saved as a small JSON file with its seed and the machine it
trained on, so a test bed that takes several sessions keeps its runs when the session's machine does not.
"""

import json
import os
import platform
from pathlib import Path

ROWS_PER_STEP = 8 * 8  # mgrpo_trainer_cpu: train_batch_size 8 x rollout.n 8
TWO_TURN = "val-core/arith/two_turn"
METRICS = ("acc_t1", "acc_t2", "delta", "i2c", "c2i")


def step_tokens(data: dict) -> float:
    """Generated tokens of one training step (veRL's GRPO loop logs only the mean response length)."""
    if "mgrpo/rollout_tokens" in data:
        return data["mgrpo/rollout_tokens"]
    return data["response_length/mean"] * ROWS_PER_STEP


def curve(log: Path) -> dict:
    """``points``: each validation with the tokens and training seconds before it; ``steps``: each training
    step's metrics."""
    entries = sorted((json.loads(line) for line in open(log)), key=lambda e: e["step"])
    tokens = seconds = 0.0
    points, steps = [], []
    for entry in entries:
        data = entry["data"]
        if entry["step"] > 0 and "actor/grad_norm" in data:
            tokens += step_tokens(data)
            seconds += data.get("timing_s/step", 0.0)
            steps.append(data)
        if f"{TWO_TURN}/acc_t1" in data:
            points.append({"step": entry["step"], "tokens": tokens, "seconds": seconds,
                           **{k: data[f"{TWO_TURN}/{k}"] for k in METRICS}})
    return {"points": points, "steps": steps}


# What the report reads of a training step (mechanism, orchestration, layer_costs, the runs table): a saved curve
# keeps only these, to six significant digits (veRL's per-request agent-loop timings alone would triple a file).
STEP_KEYS = ("timing_s/", "mgrpo/")
SKIPPED_KEYS = ("timing_s/agent_loop/",)
FIELDS = ("seed", "machine", "boot", "overrides", "points", "steps")


def machine() -> str:
    """The processor a run trains on, for the reader: two sessions' machines may name the same processor and
    differ twofold in speed (2026-12-03 and 2026-12-07), so runs pair in training seconds by ``boot_id``."""
    model = ""
    if os.path.isfile("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as info:
            model = next((line.partition(":")[2].strip() for line in info if line.startswith("model name")), "")
    return f"{model or platform.processor() or platform.machine()}, {len(os.sched_getaffinity(0))} cores"


def boot_id() -> str | None:
    """This boot of this machine (Linux's id): the runs of one session share it; another session's machine, or
    this one rebooted, does not. None where there is none: such runs pair with none in training seconds."""
    path = Path("/proc/sys/kernel/random/boot_id")
    return path.read_text().strip() if path.is_file() else None


def save_curve(run: dict, path: Path) -> None:
    """``run``: a curve with its seed, machine, boot and settings (``FIELDS``); the step metrics the report never
    reads are left out."""
    def kept(key, value):
        return key.startswith(STEP_KEYS) and not key.startswith(SKIPPED_KEYS) and isinstance(value, (int, float))

    steps = [{key: float(f"{value:.6g}") for key, value in data.items() if kept(key, value)} for data in run["steps"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({key: run[key] for key in FIELDS} | {"steps": steps}, separators=(",", ":")) + "\n")


def load_curve(path: Path) -> dict:
    """A curve ``save_curve`` wrote; anything else is an error naming the file."""
    run = json.loads(path.read_text())
    if missing := set(FIELDS) - set(run):
        raise ValueError(f"{path}: not a saved test-bed curve (no {', '.join(sorted(missing))})")
    return run
