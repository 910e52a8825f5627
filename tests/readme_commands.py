"""The shell commands README.md and docs/ show in fenced ``bash`` blocks, for tests that run them as written.

Each command is claimed in ``CHECKED_BY`` by the place that checks it; ``tests/test_readme_commands.py`` fails
on a command nobody claims, so a command added to the docs is run (or composed) before it is trusted.
"""

import os
import re
import shlex
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)

# Command prefix -> what checks it: a test (its file must call documented() with this prefix), or .ci/run.
CHECKED_BY = {
    "python -m venv .venv": ".ci/run (README's ci:install block)",
    "pip install torch==2.13.0": ".ci/run (README's ci:install block)",
    "python -m verl_mgrpo.main_mgrpo": ".ci/run (README's ci:install block)",
    "python -m pytest -q tests": ".ci/run (README's ci:test block)",
    "ray start --head": "tests/cpu/test_ray_cluster_e2e.py",
    "python -m verl_mgrpo.main_mgrpo ray_kwargs.ray_init.address=auto": "tests/cpu/test_ray_cluster_e2e.py",
    "python -m verl.model_merger merge": "tests/cpu/test_mgrpo_e2e.py",
    "python -m verl_mgrpo.evaluate --model checkpoints/": "tests/eval/test_evaluate_cli.py (GPU: composed)",
    "python -m verl_mgrpo.evaluate --model verl_mgrpo/assets/tiny_model": "tests/cpu/test_evaluate_e2e.py",
    "python -m verl_mgrpo.report": "tests/cpu/test_evaluate_e2e.py",
    "python -m verl_mgrpo.data.prepare --source": "tests/conftest.py",
    "python -m verl_mgrpo.data.prepare --output-dir": "tests/data/test_prepare.py (the hub served locally)",
    "python experiments/compare_mgrpo_grpo.py": "tests/experiments/test_compare.py",
    "bash recipes/run_star_cpu.sh": "tests/star/test_star_e2e.py",
}


def fenced_commands(document: Path) -> list[str]:
    """Commands of every ``bash`` block: continuation lines joined, comments and blank lines dropped."""
    commands = []
    for block in _FENCE.findall(document.read_text()):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(re.sub(r"\s+", " ", command))
    return commands


def all_commands() -> list[tuple[Path, str]]:
    return [(document, command) for document in DOCUMENTS for command in fenced_commands(document)]


def claim_of(command: str) -> str:
    """The longest ``CHECKED_BY`` prefix the command starts with (a whole word), or ''."""
    matches = [prefix for prefix in CHECKED_BY
               if command == prefix or command.startswith(prefix + ("" if prefix.endswith("/") else " "))]
    return max(matches, key=len, default="")


def documented(prefix: str) -> str:
    """The one documented command whose claim is ``prefix``."""
    found = [command for _, command in all_commands() if claim_of(command) == prefix]
    assert len(found) == 1, f"{len(found)} documented commands claimed by {prefix!r}: {found}"
    return found[0]


def substituted(command: str, replacements: dict[str, str]) -> str:
    """The command with CPU stand-ins for values it names (paths, data); each value must be in it."""
    for old, new in replacements.items():
        assert old in command, f"{old!r} is no longer in the documented command {command!r}"
        command = command.replace(old, new)
    return command


def argv(command: str) -> list[str]:
    """The command's arguments, run with this interpreter and its environment's scripts (``python``, ``ray``)."""
    words = shlex.split(command)
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    script = Path(sys.executable).parent / words[0]
    return [str(script) if script.exists() else words[0], *words[1:]]


def environment() -> dict[str, str]:
    """This environment, with the repository importable (commands run from a test's temporary directory)."""
    return {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
