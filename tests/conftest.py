import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end runs through veRL (minutes); CI runs them too")


@pytest.fixture(scope="session")
def benchmark_data_dir() -> Path:
    """The publishers' files (../shared/data beside the repository, or $MGRPO_DATA_DIR)."""
    path = Path(os.environ.get("MGRPO_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
    if not (path / "math500" / "test.jsonl").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"benchmark files not found at {path}; CI must have them")
        pytest.skip(f"benchmark files not found at {path} (set MGRPO_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def prepared_dir(benchmark_data_dir, tmp_path_factory) -> Path:
    """All benchmarks converted to veRL parquet once per test session."""
    from verl_mgrpo.data.prepare import prepare, select_sources

    out = tmp_path_factory.mktemp("prepared")
    prepare(select_sources(None), benchmark_data_dir, out, "qwen25-math-cot")
    return out
