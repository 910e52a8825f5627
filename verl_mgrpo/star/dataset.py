"""veRL's multi-turn SFT dataset, with context-only messages: a message with ``"train": False`` is not trained.

veRL 0.9.1 trains every assistant turn. STaR with external prompts must not learn the first answer it is
revising (it may be wrong), only the revision. Select with
``data.custom_cls.path=pkg://verl_mgrpo.star.dataset data.custom_cls.name=MaskedMultiTurnSFTDataset``.
"""

import torch
from verl.utils.dataset.multiturn_sft_dataset import MultiTurnSFTDataset


class MaskedMultiTurnSFTDataset(MultiTurnSFTDataset):
    # _process_single_message is private to veRL's dataset, and the only place a message's loss mask is made.
    def _process_single_message(self, index, message, full_message, tools=None, enable_thinking=None):
        input_ids, loss_mask, attention_mask, inputs = super()._process_single_message(
            index, message, full_message, tools=tools, enable_thinking=enable_thinking
        )
        if message.get("train") is False:
            loss_mask = torch.zeros_like(loss_mask)
        return input_ids, loss_mask, attention_mask, inputs
