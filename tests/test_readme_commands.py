"""Every shell command README.md and docs/ show in a fenced block is checked somewhere: run as written by a
test (CPU stand-ins for paths, data and lengths), composed against the config (GPU-only), or run by .ci/run.
A command added to the docs without a check, or a check whose command left the docs, fails here."""

import re

import pytest

from tests.readme_commands import CHECKED_BY, REPO_ROOT, all_commands, claim_of

CI_BLOCK = re.compile(r"<!-- ci:(\w+) -->\n(.*?)<!-- /ci:\1 -->", re.S)


def test_every_documented_command_is_claimed_by_a_check():
    unclaimed = [f"{path.name}: {command}" for path, command in all_commands() if not claim_of(command)]
    assert not unclaimed, "documented commands nothing checks (add a test and a CHECKED_BY entry):\n" + "\n".join(
        unclaimed)


def test_every_claim_is_one_documented_command():
    claims = [claim_of(command) for _, command in all_commands()]
    assert sorted(claims) == sorted(CHECKED_BY), "a CHECKED_BY prefix matching no command, or several"


@pytest.mark.parametrize("prefix", sorted(CHECKED_BY))
def test_each_claim_names_a_check_that_reads_the_command_from_the_docs(prefix):
    checker = CHECKED_BY[prefix].split()[0]
    if checker == ".ci/run":
        blocks = [name for name, block in CI_BLOCK.findall((REPO_ROOT / "README.md").read_text())
                  if any(line.strip().startswith(prefix) for line in block.splitlines())]
        assert blocks, f"{prefix!r} is in no ci: block of README.md"
        assert f'eval "$(readme_block {blocks[0]})"' in (REPO_ROOT / ".ci" / "run").read_text()
    else:
        # The test takes the command from the docs (documented(...)), so a changed command is what runs.
        assert f'documented("{prefix}")' in (REPO_ROOT / checker).read_text(), f"{checker} never runs {prefix!r}"


def test_commands_are_read_with_continuations_joined_and_comments_dropped(tmp_path):
    from tests.readme_commands import fenced_commands

    document = tmp_path / "doc.md"
    document.write_text("text\n```bash\npython -m a --x 1 \\\n    --y 2   # why\n# a comment\n\nls\n```\n"
                        "```python\nnot_a_command()\n```\n")
    assert fenced_commands(document) == ["python -m a --x 1 --y 2", "ls"]
