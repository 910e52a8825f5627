"""veRL reward managers that grade with :mod:`reward_fns`.

``reward.reward_manager.name=mgrpo`` grades every row by its ``data_source``; ``mgrpo_<benchmark>`` for each
benchmark of :data:`reward_fns.BENCHMARKS` (``mgrpo_math``, ``mgrpo_gsm8k``, ``mgrpo_minerva_math``,
``mgrpo_olympiadbench``, ...) grades every row by that benchmark's rules whatever its ``data_source`` says (for
datasets named differently). A ``reward.custom_reward_function``
still wins over either, as with veRL's own managers.
"""

from functools import partial

from verl.experimental.reward_loop.reward_manager import register
from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager
from verl.utils.reward_score import default_compute_score

import reward_fns
from verl_mgrpo.names import REWARD_MANAGER_NAME

BENCHMARK_MANAGERS = {f"mgrpo_{name}": name for name in reward_fns.BENCHMARKS}


def _score_as(benchmark: str, data_source=None, **kwargs) -> dict:
    return reward_fns.compute_score(data_source=benchmark, **kwargs)


class AnswerRewardManager(NaiveRewardManager):
    """veRL's naive manager (decode, score in an executor thread, extras into ``reward_extra_info``) with
    ``reward_fns`` as its default score instead of ``verl.utils.reward_score.default_compute_score``."""

    benchmark: str | None = None  # None: dispatch on each row's data_source

    def __init__(self, config, tokenizer, compute_score=None, **kwargs):
        # load_reward_manager passes veRL's default scorer when no custom function is configured.
        if compute_score is None or compute_score is default_compute_score:
            compute_score = partial(_score_as, self.benchmark) if self.benchmark else reward_fns.compute_score
        super().__init__(config, tokenizer, compute_score, **kwargs)


register(REWARD_MANAGER_NAME)(AnswerRewardManager)
for _name, _benchmark in BENCHMARK_MANAGERS.items():
    register(_name)(type(f"AnswerRewardManager_{_benchmark}", (AnswerRewardManager,), {"benchmark": _benchmark}))
