"""veRL's workers with a plain gloo process group.

veRL builds the backend string ``cpu:gloo,{device}:{backend}``, which on CPU is ``cpu:gloo,cpu:gloo`` and
torch rejects ("Duplicate device type cpu"). veRL initialises only when no process group exists yet, so
these workers start a gloo group first, from the rank and rendezvous address Ray's worker group already set.
"""

import os

import torch.distributed
from verl.workers.engine_workers import ActorRolloutRefWorker, TrainingWorker

from verl_mgrpo.cpu import engine  # noqa: F401  (registers the FSDP2 engines for device "cpu")


def init_gloo_process_group() -> None:
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(
            backend="gloo", rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"])
        )


class CPUTrainingWorker(TrainingWorker):
    def __init__(self, config):
        init_gloo_process_group()
        super().__init__(config)


class CPUActorRolloutRefWorker(ActorRolloutRefWorker):
    actor_worker_cls = CPUTrainingWorker
    ref_worker_cls = CPUTrainingWorker
