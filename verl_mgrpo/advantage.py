"""The ``mgrpo`` advantage estimator: GRPO's group-relative advantage within every uid group, layer-1
and layer-2 groups alike.

It differs from veRL's ``grpo`` in one place, marked "MGRPO:" below: a group of one sample carries no
relative signal and gets advantage 0 (GRPO gives it its raw score: a layer-2 group with ``mgrpo.augment_n=1``
would otherwise push every kept correction up regardless). ``mgrpo.layer_weight`` weighs layer 2's term of the
objective in the loss (:mod:`verl_mgrpo.objective`), not the advantages.
"""

from collections import defaultdict

import numpy as np
import torch
from verl.trainer.ppo.core_algos import register_adv_est

from verl_mgrpo.names import ESTIMATOR_NAME


def group_relative_scores(
    scores: torch.Tensor, index: np.ndarray, epsilon: float = 1e-6, norm_by_std: bool = True
) -> torch.Tensor:
    """(score - group mean) / (group std + epsilon) per row, with torch's unbiased std as veRL's GRPO."""
    groups: dict = defaultdict(list)
    for row, group in enumerate(index):
        groups[group].append(row)
    advantages = torch.zeros_like(scores)
    for rows in groups.values():
        if len(rows) < 2:  # MGRPO: one sample is no group; GRPO would use its raw score
            continue
        group_scores = scores[rows]
        centred = group_scores - group_scores.mean()
        advantages[rows] = centred / (group_scores.std() + epsilon) if norm_by_std else centred
    return advantages


@register_adv_est(ESTIMATOR_NAME)
def compute_mgrpo_outcome_advantage(
    token_level_rewards: torch.Tensor,
    response_mask: torch.Tensor,
    index: np.ndarray,
    epsilon: float = 1e-6,
    norm_adv_by_std_in_grpo: bool | None = None,
    config=None,
    **kwargs,
) -> tuple[torch.Tensor, torch.Tensor]:
    """veRL's estimator signature (``config`` is ``algorithm``). Returns (advantages, returns), both per
    response token."""
    if norm_adv_by_std_in_grpo is None:
        norm_adv_by_std_in_grpo = config.get("norm_adv_by_std_in_grpo", True) if config is not None else True
    with torch.no_grad():
        advantages = group_relative_scores(token_level_rewards.sum(dim=-1), index, epsilon, norm_adv_by_std_in_grpo)
        advantages = advantages.unsqueeze(-1) * response_mask
    return advantages, advantages
