"""Self-correction metrics, shared by training (per step) and two-turn evaluation.

Per step, the layer metrics MGRPO logs (``layer_metrics``, ``token_counts``, ``cached_prompt_share``). And
the paper's five numbers from (first answer right?, second answer right?) pairs: Acc@t1, Acc@t2,
Δ(t1,t2) = Acc@t2 - Acc@t1, Δi→c (wrong then right, as a fraction of all pairs) and Δc→i (right then wrong).
"""

import numpy as np
import torch

from verl_mgrpo.correction import is_right
from verl_mgrpo.names import CACHED_PROMPT_TOKENS_KEY


def transition_rates(first_correct, second_correct) -> dict[str, float]:
    first = np.asarray(first_correct, dtype=bool)
    second = np.asarray(second_correct, dtype=bool)
    if first.shape != second.shape:
        raise ValueError(f"transition_rates: {first.shape} first answers but {second.shape} second answers")
    if first.size == 0:
        return {"acc_t1": 0.0, "acc_t2": 0.0, "delta": 0.0, "i2c": 0.0, "c2i": 0.0}
    return {
        "acc_t1": float(first.mean()),
        "acc_t2": float(second.mean()),
        "delta": float(second.mean() - first.mean()),
        "i2c": float((~first & second).mean()),
        "c2i": float((first & ~second).mean()),
    }


def group_outcome_shares(correct, groups) -> dict[str, float]:
    """The shares of groups whose samples are all right, all wrong, or mixed: only mixed groups have a non-zero
    GRPO advantage (a group of one sample counts as all right or all wrong)."""
    verdicts: dict = {}
    for is_correct, group in zip(np.asarray(correct, dtype=bool), groups, strict=True):
        verdicts.setdefault(group, set()).add(bool(is_correct))
    total = max(len(verdicts), 1)
    return {
        "mixed_groups": sum(len(v) == 2 for v in verdicts.values()) / total,
        "all_right_groups": sum(v == {True} for v in verdicts.values()) / total,
        "all_wrong_groups": sum(v == {False} for v in verdicts.values()) / total,
    }


def signal_token_shares(advantages, response_mask, layers) -> dict[str, float]:
    """``mgrpo/layer{k}/signal_token_share``: the share of layer k's response tokens with a non-zero advantage,
    the tokens its term of the objective learns from (padding rows, layer 0, are left out)."""
    layers = np.asarray(layers)
    shares = {}
    for k in sorted(set(layers.tolist()) - {0}):
        rows = torch.from_numpy(layers == k)
        tokens = response_mask[rows].bool()
        signal = (advantages[rows] != 0) & tokens
        shares[f"mgrpo/layer{k}/signal_token_share"] = float(signal.sum() / tokens.sum().clamp(min=1))
    return shares


# --- per-step metrics of generation calls and layers (on veRL batches) ------------------------------------------

def scores(batch):
    """Each row's outcome reward (veRL's per-token ``rm_scores`` summed)."""
    return batch.batch["rm_scores"].sum(dim=-1)


def token_counts(output, name: str) -> dict[str, float]:
    """Metrics ``{name}_tokens`` and ``{name}_prompt_tokens``: tokens a generation call produced and was prompted
    with; and ``{name}_cached_prompt_tokens``, the prompt tokens its server took from a prefix cache (when the
    rollout backend reports them: the hf backend does)."""
    prompt_width = output.batch["prompts"].shape[1]
    counts = {
        f"{name}_tokens": float(output.batch["response_mask"].sum()),
        f"{name}_prompt_tokens": float(output.batch["attention_mask"][:, :prompt_width].sum()),
    }
    cached = output.non_tensor_batch.get(CACHED_PROMPT_TOKENS_KEY)
    if cached is not None:
        counts[f"{name}_cached_prompt_tokens"] = float(sum(c or 0 for c in cached))
    return counts


def cached_prompt_share(metrics: dict, prefix: str) -> dict[str, float]:
    """``{prefix}/cached_prompt_share``: the share of a layer's prompt tokens (corrections and augmentation)
    that its servers took from their prefix cache, when the backend reports it (sticky routing keeps it high)."""
    stages = [stage for stage in ("correction", "augmentation") if f"{prefix}/{stage}_cached_prompt_tokens" in metrics]
    prompt_tokens = sum(metrics[f"{prefix}/{stage}_prompt_tokens"] for stage in stages)
    if not prompt_tokens:
        return {}
    cached = sum(metrics[f"{prefix}/{stage}_cached_prompt_tokens"] for stage in stages)
    return {f"{prefix}/cached_prompt_share": cached / prompt_tokens}


def layer_metrics(layer, k: int) -> dict[str, float]:
    """Layer k's step metrics: accuracy, sizes, the shares of mixed, all-right and all-wrong groups, token counts."""
    right = is_right(scores(layer))
    response_tokens = layer.batch["response_mask"].sum(dim=-1).float()
    prompt_tokens = layer.batch["attention_mask"][:, : layer.batch["prompts"].shape[1]].sum(dim=-1).float()
    uids = layer.non_tensor_batch["uid"]
    return {
        f"mgrpo/layer{k}/acc": float(right.mean()),
        f"mgrpo/layer{k}/samples": len(layer),
        f"mgrpo/layer{k}/groups": len(set(uids)),
        **{f"mgrpo/layer{k}/{name}": share for name, share in group_outcome_shares(right, uids).items()},
        f"mgrpo/layer{k}/response_tokens": float(response_tokens.sum()),
        f"mgrpo/layer{k}/response_length_mean": float(response_tokens.mean()),
        f"mgrpo/layer{k}/prompt_tokens": float(prompt_tokens.sum()),
    }
