"""Where the embedded default model and the arithmetic task live.

The packaged CPU config points at ``${mgrpo_default:model}``, ``${mgrpo_default:arith_train}`` and
``${mgrpo_default:arith_test}``. The model ships inside the package; the task's parquet files are written
on first use into ``$VERL_MGRPO_CACHE`` (default ``~/.cache/verl_mgrpo``), by the same code as
``python -m verl_mgrpo.data.prepare --benchmarks arith``.
"""

import os
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parent / "assets" / "tiny_model"
# The same model with Qwen2.5-Math base's token layout (eos = pad = <|endoftext|>, turn end <|im_end|>).
QWEN_BASE_LAYOUT_DIR = MODEL_DIR.with_name("tiny_model_qwen_base")
ARITH_FILES = ("arith_train", "arith_test")


def cache_dir() -> Path:
    return Path(os.environ.get("VERL_MGRPO_CACHE", Path.home() / ".cache" / "verl_mgrpo")).expanduser()


def default_path(name: str) -> str:
    if name == "model":
        return str(MODEL_DIR)
    if name == "model_qwen_base_layout":
        return str(QWEN_BASE_LAYOUT_DIR)
    if name in ARITH_FILES:
        return str(cache_dir() / "data" / f"{name}.parquet")
    raise ValueError(
        f"mgrpo_default: unknown default {name!r}; known: model, model_qwen_base_layout, {', '.join(ARITH_FILES)}"
    )


def ensure_arith_data() -> None:
    """Write the arithmetic task's parquet files into the cache unless they are there."""
    from verl_mgrpo.data.prepare import DEFAULT_TEMPLATE, prepare, select_sources

    if not all(Path(default_path(name)).is_file() for name in ARITH_FILES):
        prepare(select_sources(["arith"]), None, cache_dir() / "data", DEFAULT_TEMPLATE)
