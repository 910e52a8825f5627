"""The ``hf`` rollout backend: Hugging Face transformers generation as a veRL rollout server.

veRL 0.9.1's rollout backends (vLLM, SGLang, TensorRT-LLM) all need a GPU, and its old ``HFRollout`` is
abstract. This backend fills the same three slots vLLM fills, so veRL's agent loop, load balancer,
weight sync and sleep/wake cycle run unchanged:

- :class:`HFServer`: a Ray actor that generates from token ids and returns each token's log-probability
  (``log_softmax(logits / T)``, what veRL's actor recomputes), batching concurrent requests;
- :class:`HFReplica`: the ``RolloutReplica`` that launches one server per replica;
- :class:`HFServerAdapter`: the ``BaseRollout`` inside each actor worker that pushes the actor's weights
  to its server after every update and forwards sleep/wake.

Like vLLM's, a sleeping server refuses to generate, so a CPU test catches a generation call placed after
``checkpoint_manager.sleep_replicas()`` exactly as a GPU run would fail.
"""

import asyncio
import logging
import os
from dataclasses import dataclass

import ray
import torch
from verl.workers.rollout.base import BaseRollout
from verl.workers.rollout.replica import RolloutReplica, TokenOutput

logger = logging.getLogger(__name__)

SERVER_NAME_PREFIX = "hf_server_"
BATCH_WINDOW_SECONDS = 0.005  # wait this long for concurrent requests to join a batch
ALL_TAGS = frozenset({"weights", "kv_cache"})


@dataclass(frozen=True)
class SamplingSettings:
    temperature: float
    top_p: float
    top_k: int

    @classmethod
    def from_request(cls, params: dict) -> "SamplingSettings":
        top_k = int(params.get("top_k", -1) or -1)
        return cls(float(params.get("temperature", 1.0)), float(params.get("top_p", 1.0)), top_k)


def _filter_logits(logits: torch.Tensor, settings: SamplingSettings) -> torch.Tensor:
    """Top-k then top-p (nucleus) filtering of temperature-scaled logits."""
    if settings.top_k > 0:
        kth = torch.topk(logits, min(settings.top_k, logits.shape[-1])).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if settings.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)
        remove = cumulative - sorted_logits.softmax(-1) > settings.top_p  # keep the token that crosses top_p
        logits = logits.masked_fill(torch.zeros_like(remove).scatter(-1, order, remove), float("-inf"))
    return logits


@torch.no_grad()
def sample(
    model,
    prompts: list[list[int]],
    max_new_tokens: list[int],
    settings: SamplingSettings,
    stop_token_ids: set[int],
    pad_token_id: int,
    generator: torch.Generator | None = None,
) -> list[tuple[list[int], list[float]]]:
    """Sample a continuation of each prompt (left-padded into one batch, with a KV cache).

    Returns, per prompt, the generated token ids (a stop token included, as vLLM returns it) and their
    log-probabilities under ``logits / temperature`` (plain logits when greedy).
    """
    batch, width = len(prompts), max(len(p) for p in prompts)
    input_ids = torch.full((batch, width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((batch, width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        input_ids[row, width - len(prompt) :] = torch.tensor(prompt)
        attention_mask[row, width - len(prompt) :] = 1
    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    output = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=True)
    next_position = position_ids[:, -1:] + 1
    tokens: list[list[int]] = [[] for _ in prompts]
    log_probs: list[list[float]] = [[] for _ in prompts]
    active = torch.ones(batch, dtype=torch.bool)
    for _ in range(max(max_new_tokens)):
        logits = output.logits[:, -1, :].float()
        if settings.temperature > 0:
            logits = logits / settings.temperature
            probabilities = _filter_logits(logits, settings).softmax(-1)
            chosen = torch.multinomial(probabilities, 1, generator=generator).squeeze(-1)
        else:
            chosen = logits.argmax(-1)
        chosen_log_probs = logits.log_softmax(-1).gather(-1, chosen[:, None]).squeeze(-1)
        for row in active.nonzero().flatten().tolist():
            token = int(chosen[row])
            tokens[row].append(token)
            log_probs[row].append(float(chosen_log_probs[row]))
            if token in stop_token_ids or len(tokens[row]) >= max_new_tokens[row]:
                active[row] = False
        if not active.any():
            break
        # Finished rows keep decoding padding; their outputs are ignored and cannot affect other rows.
        attention_mask = torch.cat([attention_mask, torch.ones((batch, 1), dtype=torch.long)], dim=-1)
        output = model(
            input_ids=chosen[:, None],
            attention_mask=attention_mask,
            position_ids=next_position,
            past_key_values=output.past_key_values,
            use_cache=True,
        )
        next_position = next_position + 1
    return list(zip(tokens, log_probs, strict=True))


@dataclass
class _Request:
    prompt_ids: list[int]
    max_tokens: int
    settings: SamplingSettings
    future: asyncio.Future


class HFServer:
    """One replica's generation server (a Ray actor)."""

    def __init__(self, config, model_config, replica_rank: int):
        from transformers import AutoModelForCausalLM
        from verl.utils.config import omega_conf_to_dataclass
        from verl.workers.config import HFModelConfig

        self.config = config
        model = omega_conf_to_dataclass(model_config, dataclass_type=HFModelConfig)
        self.model = AutoModelForCausalLM.from_pretrained(
            model.local_path, dtype=torch.float32, attn_implementation="sdpa"
        ).eval()
        tokenizer = model.tokenizer
        eos = model.generation_config.eos_token_id if model.generation_config is not None else None
        eos = eos if eos is not None else tokenizer.eos_token_id
        self.stop_token_ids = set(eos if isinstance(eos, list) else [eos])
        self.pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(self.stop_token_ids)
        self.max_model_len = config.max_model_len or config.prompt_length + config.response_length
        self.generator = torch.Generator().manual_seed(int(config.get("seed", 0) or 0) + replica_rank)
        self.replica_rank = replica_rank
        self.global_steps = None
        self.awake_tags = set(ALL_TAGS)
        self._pending: list[_Request] = []
        # asyncio primitives bind to the running loop on first use (Python >= 3.10), so they can be made here.
        self._work = asyncio.Event()
        self._model_lock = asyncio.Lock()  # generation, weight updates and sleep take turns
        self._batcher = None  # the batching task, started on the actor's loop by the first request

    # --- generation -------------------------------------------------------------------------------------

    def _max_tokens(self, prompt_ids: list[int], sampling_params: dict) -> int:
        room = self.max_model_len - len(prompt_ids)
        if room < 1:
            raise ValueError(f"prompt of {len(prompt_ids)} tokens leaves no room within max_model_len {self.max_model_len}")
        requested = sampling_params.get("max_tokens", sampling_params.get("max_new_tokens"))
        if requested is None:
            requested = min(
                self.config.response_length, self.config.prompt_length + self.config.response_length - len(prompt_ids)
            )
        return max(1, min(int(requested), room))

    async def generate(
        self, prompt_ids: list[int], sampling_params: dict, request_id: str, image_data=None, video_data=None, **kwargs
    ) -> TokenOutput:
        if self.awake_tags != ALL_TAGS:
            raise RuntimeError(
                f"hf rollout server {self.replica_rank} is asleep (awake: {sorted(self.awake_tags)}); generation "
                "must run before checkpoint_manager.sleep_replicas() or after the replicas are woken"
            )
        if image_data is not None or video_data is not None:
            raise NotImplementedError("the hf rollout backend serves text-only models")
        if self._batcher is None:
            self._batcher = asyncio.get_running_loop().create_task(self._run_batches())
        future = asyncio.get_running_loop().create_future()
        self._pending.append(
            _Request(
                list(prompt_ids),
                self._max_tokens(prompt_ids, sampling_params),
                SamplingSettings.from_request(sampling_params),
                future,
            )
        )
        self._work.set()
        token_ids, log_probs = await future
        return TokenOutput(
            token_ids=token_ids,
            log_probs=log_probs,
            stop_reason="completed",
            extra_fields={"global_steps": self.global_steps},
        )

    async def _run_batches(self) -> None:
        while True:
            await self._work.wait()
            await asyncio.sleep(BATCH_WINDOW_SECONDS)
            self._work.clear()
            batch, self._pending = self._pending, []
            for settings in {r.settings for r in batch}:
                group = [r for r in batch if r.settings == settings]
                try:
                    async with self._model_lock:
                        results = await asyncio.to_thread(
                            sample,
                            self.model,
                            [r.prompt_ids for r in group],
                            [r.max_tokens for r in group],
                            settings,
                            self.stop_token_ids,
                            self.pad_token_id,
                            self.generator,
                        )
                except Exception as error:  # noqa: BLE001 - hand the failure to every waiting request
                    for request in group:
                        request.future.set_exception(error)
                    continue
                for request, result in zip(group, results, strict=True):
                    request.future.set_result(result)

    # --- weights and lifecycle (the methods veRL's replica and checkpoint manager call) -----------------

    async def update_weights(self, state_dict: dict[str, torch.Tensor]) -> None:
        async with self._model_lock:
            missing, unexpected = self.model.load_state_dict(state_dict, strict=False)
        tied = {"lm_head.weight"} if self.model.config.tie_word_embeddings else set()
        if unexpected or set(missing) - tied:
            raise ValueError(f"hf rollout: weights do not fit the model (missing {missing}, unexpected {unexpected})")

    async def wake_up(self, tags: list[str] | None = None) -> None:
        self.awake_tags |= set(tags or ALL_TAGS)

    async def sleep(self) -> None:
        if self.config.free_cache_engine:
            async with self._model_lock:  # let in-flight generation finish
                self.awake_tags = set()

    async def release_kv_cache(self) -> None:
        if self.config.free_cache_engine:
            self.awake_tags.discard("kv_cache")

    async def resume_kv_cache(self) -> None:
        self.awake_tags.add("kv_cache")

    async def set_global_steps(self, global_steps: int) -> None:
        self.global_steps = global_steps

    async def is_awake(self) -> bool:
        return self.awake_tags == ALL_TAGS

    # Nothing to do for these on this backend: no persistent cache between requests, no abort, no profiler.
    async def clear_kv_cache(self) -> None:
        pass

    async def abort_all_requests(self, reset_prefix_cache: bool = True, reject_request: bool = False) -> dict:
        return {}

    async def resume_generation(self) -> None:
        pass

    async def start_profile(self, **kwargs) -> None:
        pass

    async def stop_profile(self) -> None:
        pass


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
