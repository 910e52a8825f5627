"""What a run's training steps say (the step metrics a saved curve keeps: :mod:`test_bed_runs`): what layer 2
learns from, the share of a step spent outside the model, and what layer 2 costs; read by :mod:`test_bed_report`."""

import statistics

PHASES = ("gen", "gen_layer2", "reward", "old_log_prob", "ref", "update_actor", "step")


def median_of(steps: list[dict], key: str) -> float:
    """The median of ``key`` over the steps that report it."""
    values = [d[key] for d in steps if key in d and d[key] == d[key]]  # (NaN: a step without layer 2)
    return statistics.median(values) if values else float("nan")


def mechanism(runs: list[dict], parts: int = 3) -> list[dict]:
    """What layer 2 learns from, per part of training (medians over its steps and seeds): the layer-2 groups
    that are all right, all wrong or mixed; the share of each layer's tokens with a non-zero advantage; what
    the kept queries are (wrong then right: a correction; right then right: a confirmation); lengths."""
    rows = []
    for part in range(parts):
        steps = [_with_layer2_shapes(d) for run in runs
                 for d in run["steps"][part * len(run["steps"]) // parts:(part + 1) * len(run["steps"]) // parts]]
        rows.append({"part": f"{part + 1}/{parts}", **{key: median_of(steps, key) for key in MECHANISM}})
    return rows


MECHANISM = ("mgrpo/layer2/all_right_groups", "mgrpo/layer2/all_wrong_groups", "mgrpo/layer2/mixed_groups",
             "mgrpo/layer1/signal_token_share", "mgrpo/layer2/signal_token_share", "mgrpo/layer2/kept_ratio",
             "kept_wrong_then_right", "mgrpo/layer1/response_length_mean", "correction_length",
             "mgrpo/layer2/response_length_mean")


def _with_layer2_shapes(d: dict) -> dict:
    """A step's metrics plus the share of kept queries that corrected a wrong answer (kept ones are right, so
    i2c / correction_acc) and the mean correction length."""
    corrections = d["mgrpo/layer1/samples"] - d.get("mgrpo/layer2/dropped_too_long", 0)
    kept_share = d["mgrpo/layer2/i2c"] / d["mgrpo/layer2/correction_acc"] if d.get("mgrpo/layer2/correction_acc") \
        else float("nan")
    return d | {"kept_wrong_then_right": kept_share,
                "correction_length": d.get("mgrpo/layer2/correction_tokens", 0.0) / max(corrections, 1)}


def _layer2_generation_seconds(d: dict) -> float:
    """A step's time in layer 2's two generation calls (corrections, then augmentation samples)."""
    return d.get("timing_s/gen_layer2/correction", 0.0) + d.get("timing_s/gen_layer2/augmentation", 0.0)


def orchestration(steps: list[dict]) -> dict:
    """The share of a step that is neither generation, log-probs, reference, update nor checkpoint; split into
    building layer-2 queries and selecting (inside gen_layer2, outside its generation calls) and the rest
    (merging, padding, rewards, advantages, metrics). Medians over steps."""
    shares = {"orchestration": [], "queries and selection": [], "merging, padding, advantages, metrics": []}
    for d in steps:
        generation = d["timing_s/gen"] + _layer2_generation_seconds(d)
        model = sum(d.get(f"timing_s/{k}", 0.0) for k in (
            "old_log_prob", "ref", "update_actor", "update_weights", "save_checkpoint"))
        rest = d["timing_s/step"] - generation - model
        queries = d.get("timing_s/gen_layer2", 0.0) - _layer2_generation_seconds(d)
        for name, value in zip(shares, (rest, queries, rest - queries)):
            shares[name].append(value / d["timing_s/step"])
    return {name: statistics.median(values) for name, values in shares.items()}


def layer_costs(runs: list[dict], first_steps: int | None = None) -> dict:
    """Per-step medians over MGRPO's steps (each run's first ``first_steps``: to compare with a shorter run, whose
    answers are as long as these): wall time per phase, tokens per layer, prefix-cache reuse, and seconds per
    generated token of each layer (layer 2's tokens attend to longer prompts; the cache saves their prefill)."""
    steps = [_with_seconds_per_token(data) for run in runs for data in run["steps"][:first_steps]]
    costs = {f"time/{phase}": median_of(steps, f"timing_s/{phase}") for phase in PHASES}
    for name, key in (("layer1_generated", "layer1/response_tokens"), ("layer2_corrections", "layer2/correction_tokens"),
                      ("layer2_augmentation", "layer2/augmentation_tokens"), ("layer1_prompt", "layer1/prompt_tokens"),
                      ("layer2_prompt", "layer2/prompt_tokens"), ("layer2_cached_share", "layer2/cached_prompt_share")):
        costs[f"tokens/{name}"] = median_of(steps, f"mgrpo/{key}")
    return costs | {key: median_of(steps, key) for key in ("s_per_token/layer1", "s_per_token/layer2",
                                                          "s_per_token/layer2_over_layer1")}


def _with_seconds_per_token(d: dict) -> dict:
    layer1 = d["timing_s/gen"] / max(d.get("mgrpo/layer1/response_tokens", 0.0), 1.0)
    layer2 = _layer2_generation_seconds(d) / max(
        d.get("mgrpo/layer2/correction_tokens", 0.0) + d.get("mgrpo/layer2/augmentation_tokens", 0.0), 1.0)
    return d | {"s_per_token/layer1": layer1, "s_per_token/layer2": layer2,
                "s_per_token/layer2_over_layer1": layer2 / layer1}
