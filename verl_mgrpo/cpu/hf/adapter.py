"""veRL's ``BaseRollout`` for the ``hf`` backend, inside each actor worker: pushes the actor's weights to this
replica's server after every update and forwards sleep/wake."""

import os

import ray
import torch
from verl.workers.rollout.base import BaseRollout

from verl_mgrpo.cpu.hf.server import SERVER_NAME_PREFIX


class HFServerAdapter(BaseRollout):
    """Runs inside each actor worker: sends the actor's weights to this replica's server."""

    def __init__(self, config, model_config, device_mesh, replica_rank: int = -1):
        super().__init__(config, model_config, device_mesh)
        rank = int(os.environ["RANK"])
        rollout_world_size = (
            self.config.tensor_model_parallel_size
            * self.config.data_parallel_size
            * self.config.pipeline_model_parallel_size
        )
        self.replica_rank = rank // rollout_world_size if replica_rank == -1 else replica_rank
        self._has_server = rank % rollout_world_size == 0
        self._server = None

    def _server_handle(self):
        if self._server is None:
            self._server = ray.get_actor(f"{SERVER_NAME_PREFIX}{self.replica_rank}")
        return self._server

    async def resume(self, tags: list[str]):
        if self.config.free_cache_engine and self._has_server:
            await self._server_handle().wake_up.remote(tags=tags)

    async def release(self):
        if self.config.free_cache_engine and self._has_server:
            await self._server_handle().sleep.remote()

    @torch.no_grad()
    async def update_weights(self, weights, global_steps: int | None = None, **kwargs):
        # Every rank must drain the generator: each tensor is gathered across ranks as it is produced.
        state_dict = {name: tensor.detach().to("cpu", copy=True) for name, tensor in weights}
        if self._has_server:
            server = self._server_handle()
            await server.update_weights.remote(state_dict)
            if global_steps is not None:
                await server.set_global_steps.remote(global_steps)
