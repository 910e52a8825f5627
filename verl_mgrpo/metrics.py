"""Self-correction metrics, shared by training (per step) and two-turn evaluation.

The paper's five numbers from (first answer right?, second answer right?) pairs: Acc@t1, Acc@t2,
Δ(t1,t2) = Acc@t2 - Acc@t1, Δi→c (wrong then right, as a fraction of all pairs) and Δc→i (right then wrong).
"""

import numpy as np


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


def mixed_group_share(correct, groups) -> float:
    """The share of groups holding both right and wrong samples: the groups with a non-zero GRPO advantage."""
    verdicts: dict = {}
    for is_correct, group in zip(np.asarray(correct, dtype=bool), groups, strict=True):
        verdicts.setdefault(group, set()).add(bool(is_correct))
    return sum(len(v) == 2 for v in verdicts.values()) / len(verdicts) if verdicts else 0.0
