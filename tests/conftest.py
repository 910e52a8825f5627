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
    """All benchmarks converted to veRL parquet once per test session, by README's command (in this process)."""
    from tests.readme_commands import argv, documented, substituted
    from verl_mgrpo.data.prepare import main

    out = tmp_path_factory.mktemp("prepared")
    command = substituted(documented("python -m verl_mgrpo.data.prepare --source"),
                          {"../shared/data": str(benchmark_data_dir), "--output-dir data": f"--output-dir {out}"})
    main(argv(command)[3:])  # after "python -m verl_mgrpo.data.prepare"
    return out
