"""The data contract, checked before any Ray worker starts: every row of every train and val file has what
veRL's RLHFDataset and the selected reward manager need. A bad file stops the run with its path, the row and
the key; nothing is rewritten and nothing trains on bad data.

Per row: a chat prompt (``data.prompt_key``: a non-empty list of ``{"role", "content"}`` messages), a
``data.reward_fn_key`` (``data_source``) the reward grades (one ``reward_fns`` knows when
``reward.reward_manager.name=mgrpo`` and no custom reward function is set), and a non-empty
``reward_model.ground_truth``.
"""

from pathlib import Path

import pyarrow.parquet as pq

from verl_mgrpo.names import REWARD_MANAGER_NAME

MAX_LISTED = 10  # problems listed per file; the count says how many more


class DataContractError(ValueError):
    pass


def _prompt_problem(prompt) -> str | None:
    if not isinstance(prompt, list) or not prompt:
        return f"a non-empty list of chat messages, got {type(prompt).__name__} {str(prompt)[:60]!r}"
    for message in prompt:
        if not isinstance(message, dict) or not isinstance(message.get("content"), str) or not message.get("role"):
            return f"chat messages with a role and a text content, got {str(message)[:60]!r}"
    return None


def row_problems(row: dict, prompt_key: str, source_key: str, accepted_sources: set[str] | None) -> list[str]:
    """What one row lacks, as ``key: what it should be`` strings (empty: the row is fine)."""
    problems = []
    if (problem := _prompt_problem(row.get(prompt_key))) is not None:
        problems.append(f"{prompt_key}: {problem}")
    source = row.get(source_key)
    if not isinstance(source, str) or not source:
        problems.append(f"{source_key}: missing")
    elif accepted_sources is not None and source not in accepted_sources:
        problems.append(f"{source_key}: {source!r} is not graded; accepted: {', '.join(sorted(accepted_sources))}")
    reward_model = row.get("reward_model")
    truth = reward_model.get("ground_truth") if isinstance(reward_model, dict) else None
    if truth is None or not str(truth).strip():
        problems.append("reward_model.ground_truth: missing or empty")
    return problems


def check_file(path: str | Path, prompt_key: str, source_key: str, accepted_sources: set[str] | None) -> int:
    """Check one parquet file; returns its row count. Raises DataContractError naming the file, rows and keys."""
    path = Path(path)
    if not path.is_file():
        raise DataContractError(f"{path}: no such data file (python -m verl_mgrpo.data.prepare writes them)")
    try:
        schema = pq.read_schema(path)
    except Exception as error:  # noqa: BLE001 - pyarrow raises several types for a file that is not parquet
        raise DataContractError(f"{path}: not a readable parquet file ({error})") from error
    columns = [prompt_key, source_key, "reward_model"]
    absent = [column for column in columns if column not in schema.names]
    if absent:
        raise DataContractError(f"{path}: no column {', '.join(absent)} (columns: {', '.join(schema.names)})")
    rows = pq.read_table(path, columns=columns).to_pylist()
    bad = [(index, problems) for index, row in enumerate(rows)
           if (problems := row_problems(row, prompt_key, source_key, accepted_sources))]
    if bad:
        listed = [f"{path}: row {index}: {'; '.join(problems)}" for index, problems in bad[:MAX_LISTED]]
        more = f"\n... and {len(bad) - MAX_LISTED} more rows" if len(bad) > MAX_LISTED else ""
        raise DataContractError(f"{len(bad)} of {len(rows)} rows of {path} cannot be used:\n" + "\n".join(listed) + more)
    return len(rows)


def _files(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def accepted_sources(config) -> set[str] | None:
    """The data sources the configured reward grades, or None when any name goes (a fixed-benchmark manager,
    a custom reward function, another manager's rules)."""
    from reward_fns.benchmarks import accepted_data_sources

    reward = config.get("reward", {})
    custom = (reward.get("custom_reward_function") or {}).get("path")
    if custom or (reward.get("reward_manager") or {}).get("name") != REWARD_MANAGER_NAME:
        return None
    return set(accepted_data_sources())


def check_data(config) -> None:
    """Every train and val file of a veRL config (``data.train_files``, ``data.val_files``)."""
    data = config.data
    sources = accepted_sources(config)
    for key in ("train_files", "val_files"):
        for path in _files(data[key]):
            check_file(path, data.get("prompt_key", "prompt"), data.get("reward_fn_key", "data_source"), sources)
