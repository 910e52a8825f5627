"""veRL's ``RolloutReplica`` for the ``hf`` backend: launches one server per replica."""

import ray
from verl.workers.rollout.replica import RolloutReplica

from verl_mgrpo.cpu.hf.server import SERVER_NAME_PREFIX, HFServer


class HFReplica(RolloutReplica):
    """One ``hf`` server per replica, on the node of the replica's first worker."""

    async def launch_servers(self):
        if self.world_size != 1:
            raise ValueError(
                "the hf rollout backend runs one model copy per worker: set "
                "actor_rollout_ref.rollout.tensor_model_parallel_size=1 (and data/pipeline parallel 1)"
            )
        node_id = await self.workers[0].__ray_call__.remote(lambda worker: ray.get_runtime_context().get_node_id())
        name = f"{SERVER_NAME_PREFIX}{self.replica_rank}{self.name_suffix}"
        server = (
            ray.remote(HFServer)
            .options(
                scheduling_strategy=ray.util.scheduling_strategies.NodeAffinitySchedulingStrategy(node_id, soft=False),
                name=name,
                num_cpus=0,  # it computes while the training workers wait (hybrid engine)
                max_concurrency=self.max_concurrency,
            )
            .remote(config=self.config, model_config=self.model_config, replica_rank=self.replica_rank)
        )
        await server.is_awake.remote()  # surface a failed model load here, not at the first request
        self.servers = [server]
        self._server_handle = server
        self._server_address = name  # the load balancer keys servers by this; it must be unique
