"""The ``hf`` rollout backend: Hugging Face transformers generation as a veRL rollout server.

veRL 0.9.1's rollout backends (vLLM, SGLang, TensorRT-LLM) all need a GPU, and its old ``HFRollout`` is
abstract. This backend fills the same three slots vLLM fills, so veRL's agent loop, load balancer,
weight sync and sleep/wake cycle run unchanged:

- :class:`HFServer`: a Ray actor that generates from token ids and returns each token's log-probability
  (``log_softmax(logits / T)``, what veRL's actor recomputes), batching concurrent requests and, like vLLM's
  prefix cache (``rollout.enable_prefix_caching``), reusing the key/value states of sequences it generated;
- :class:`HFReplica`: the ``RolloutReplica`` that launches one server per replica;
- :class:`HFServerAdapter`: the ``BaseRollout`` inside each actor worker that pushes the actor's weights
  to its server after every update and forwards sleep/wake.

It keeps vLLM's contract where MGRPO depends on it, so what breaks on vLLM breaks here too: a sleeping server
refuses to generate (a generation call placed after ``checkpoint_manager.sleep_replicas()`` fails as on a GPU);
weights arrive after every update and empty the prefix cache; a request with a ``seed`` (and, under
``rollout.full_determinism``, every request: seed ``replica_rank + rollout.seed`` unless it brings one) samples
from its own generator, so identical seeded prompts give identical samples; ``max_model_len`` is
``rollout.max_model_len`` or the model's ``max_position_embeddings``, and a prompt that leaves no room raises.
"""

import asyncio
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import ray
import torch
from transformers import DynamicCache
from verl.workers.rollout.base import BaseRollout
from verl.workers.rollout.replica import RolloutReplica, TokenOutput
from verl.workers.rollout.utils import get_max_position_embeddings

from verl_mgrpo.names import CACHED_PROMPT_TOKENS_KEY

logger = logging.getLogger(__name__)

SERVER_NAME_PREFIX = "hf_server_"
BATCH_WINDOW_SECONDS = 0.005  # wait this long for concurrent requests to join a batch
ALL_TAGS = frozenset({"weights", "kv_cache"})
# Tokens of key/value states a server keeps for reuse (rollout.engine_kwargs.hf.prefix_cache_max_tokens);
# one MGRPO step on the CPU config writes about 20 000.
DEFAULT_PREFIX_CACHE_TOKENS = 65536


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


@dataclass
class CachedPrefix:
    """The key/value states of a token sequence, per layer ``(keys, values)`` of shape [kv_heads, tokens, head_dim]."""

    token_ids: np.ndarray
    states: list[tuple[torch.Tensor, torch.Tensor]]

    def __len__(self) -> int:
        return len(self.token_ids)

    def head(self, length: int) -> "CachedPrefix":
        return CachedPrefix(self.token_ids[:length], [(k[:, :length], v[:, :length]) for k, v in self.states])


class Generation(NamedTuple):
    token_ids: list[int]
    log_probs: list[float]
    reused_tokens: int  # prompt tokens whose key/value states came from a cached prefix, not a prefill
    states: CachedPrefix | None  # prompt + generated tokens (all but the last, never fed back), when asked for


def supports_prefix_reuse(model) -> bool:
    """Whether a sequence's key/value states can be sliced and reused: every layer attends to the whole past."""
    config = model.config.get_text_config()
    layer_types = getattr(config, "layer_types", None) or ["full_attention"]
    return set(layer_types) == {"full_attention"} and not getattr(config, "use_sliding_window", False)


def _batch_cache(prefixes: list[CachedPrefix | None], width: int) -> DynamicCache:
    """Left-pad each row's cached states to ``width`` and stack them into one batched cache."""
    template = next(p for p in prefixes if p is not None).states
    cache = DynamicCache()
    for layer, (keys, values) in enumerate(template):
        batch_keys = keys.new_zeros((len(prefixes), keys.shape[0], width, keys.shape[2]))
        batch_values = values.new_zeros((len(prefixes), values.shape[0], width, values.shape[2]))
        for row, prefix in enumerate(prefixes):
            if prefix is not None and len(prefix):
                batch_keys[row, :, width - len(prefix) :] = prefix.states[layer][0]
                batch_values[row, :, width - len(prefix) :] = prefix.states[layer][1]
        cache.update(batch_keys, batch_values, layer)
    return cache


@torch.no_grad()
def sample(
    model,
    prompts: list[list[int]],
    max_new_tokens: list[int],
    settings: SamplingSettings,
    stop_token_ids: set[int],
    pad_token_id: int,
    generator: torch.Generator | None = None,
    prefixes: list[CachedPrefix | None] | None = None,
    return_states: bool = False,
    row_generators: list[torch.Generator | None] | None = None,
) -> list[Generation]:
    """Sample a continuation of each prompt (one batch, with a KV cache).

    ``prefixes[i]``, when given, holds the key/value states of the first tokens of ``prompts[i]``: only the rest
    of that prompt is prefilled. Each row is laid out as ``[pad][cached prefix][pad][rest of the prompt]``; the
    attention mask hides the padding and position ids count only real tokens, so a row computes what it would
    alone. Returns, per prompt, the generated token ids (a stop token included, as vLLM returns it), their
    log-probabilities under ``logits / temperature`` (plain logits when greedy), and with ``return_states``
    the whole sequence's key/value states for later reuse. A row with its own generator in ``row_generators``
    (a request with a seed, as vLLM seeds one) draws from it alone, so its sample does not depend on its batch.
    """
    prefixes = prefixes or [None] * len(prompts)
    cached = [len(p) if p is not None else 0 for p in prefixes]
    for row, (prompt, c, budget) in enumerate(zip(prompts, cached, max_new_tokens, strict=True)):
        if c >= len(prompt) or budget < 1:
            raise ValueError(
                f"sample: row {row} has {len(prompt)} prompt tokens, {c} of them cached, and {budget} to generate; "
                "at least one prompt token must be prefilled and one token generated"
            )
    batch, past_width = len(prompts), max(cached)
    new_width = max(len(prompt) - c for prompt, c in zip(prompts, cached, strict=True))
    input_ids = torch.full((batch, new_width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((batch, past_width + new_width), dtype=torch.long)
    for row, (prompt, c) in enumerate(zip(prompts, cached, strict=True)):
        rest = prompt[c:]
        input_ids[row, new_width - len(rest) :] = torch.tensor(rest)
        attention_mask[row, past_width - c : past_width] = 1
        attention_mask[row, past_width + new_width - len(rest) :] = 1
    position_ids = ((attention_mask.cumsum(-1) - 1).clamp(min=0))[:, past_width:]
    past = _batch_cache(prefixes, past_width) if past_width else None
    output = model(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=position_ids,
        past_key_values=past,
        use_cache=True,
    )
    next_position = position_ids[:, -1:] + 1
    tokens: list[list[int]] = [[] for _ in prompts]
    log_probs: list[list[float]] = [[] for _ in prompts]
    active = torch.ones(batch, dtype=torch.bool)
    for _ in range(max(max_new_tokens)):
        logits = output.logits[:, -1, :].float()
        if settings.temperature > 0:
            logits = logits / settings.temperature
            probabilities = _filter_logits(logits, settings).softmax(-1)
            if row_generators is None:
                chosen = torch.multinomial(probabilities, 1, generator=generator).squeeze(-1)
            else:
                chosen = torch.cat([
                    torch.multinomial(probabilities[row : row + 1], 1, generator=row_generator or generator)[0]
                    for row, row_generator in enumerate(row_generators)
                ])
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
        # Finished rows keep decoding (their own sampled tokens); the outputs are ignored and cannot affect
        # other rows.
        attention_mask = torch.cat([attention_mask, torch.ones((batch, 1), dtype=torch.long)], dim=-1)
        output = model(
            input_ids=chosen[:, None],
            attention_mask=attention_mask,
            position_ids=next_position,
            past_key_values=output.past_key_values,
            use_cache=True,
        )
        next_position = next_position + 1
    states = [None] * batch
    if return_states:
        states = [_row_states(output.past_key_values, row, prompt, c, past_width, new_width, generated)
                  for row, (prompt, c, generated) in enumerate(zip(prompts, cached, tokens, strict=True))]
    return [Generation(*row) for row in zip(tokens, log_probs, cached, states, strict=True)]


def _row_states(cache, row: int, prompt: list[int], cached: int, past_width: int, new_width: int,
                generated: list[int]) -> CachedPrefix:
    """One row's states out of the batched cache: its cached prefix, its prefilled tokens, then the tokens it
    generated (its last token was never fed back; what follows belongs to steps decoded for other rows)."""
    prefilled_from = past_width + new_width - (len(prompt) - cached)
    keep = torch.cat([torch.arange(past_width - cached, past_width),
                      torch.arange(prefilled_from, past_width + new_width + len(generated) - 1)])
    # Indexing with a tensor copies, so the entry holds no view of the whole batch's cache.
    states = [(layer.keys[row][:, keep], layer.values[row][:, keep]) for layer in cache.layers]
    return CachedPrefix(np.asarray(prompt + generated[:-1]), states)


class PrefixCache:
    """Recently generated sequences' key/value states, so a request that extends one prefills only its new tokens.

    MGRPO's layer-2 query is the question, the layer-1 answer and a guide phrase, and veRL's sticky load
    balancer sends it to the server that wrote the answer: here it finds the whole question + answer. The
    cache holds at most ``max_tokens`` tokens (least recently used first out) and is cleared whenever the
    weights change, like vLLM's prefix cache.
    """

    def __init__(self, max_tokens: int):
        self.max_tokens = max_tokens
        self._entries: OrderedDict[int, CachedPrefix] = OrderedDict()
        self._next_key = 0
        self.held_tokens = 0

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, prompt_ids: list[int]) -> CachedPrefix | None:
        """The longest cached prefix of ``prompt_ids`` that leaves at least its last token to prefill."""
        prompt = np.asarray(prompt_ids)
        best_key, best_length = None, 0
        for key, entry in self._entries.items():
            limit = min(len(entry), len(prompt) - 1)
            if limit <= best_length:
                continue
            mismatches = np.flatnonzero(entry.token_ids[:limit] != prompt[:limit])
            length = int(mismatches[0]) if mismatches.size else limit
            if length > best_length:
                best_key, best_length = key, length
        if best_key is None:
            return None
        self._entries.move_to_end(best_key)
        return self._entries[best_key].head(best_length)

    def insert(self, entry: CachedPrefix) -> None:
        if not 0 < len(entry) <= self.max_tokens:
            return
        for key, held in list(self._entries.items()):  # an entry this one extends is now redundant
            if len(held) <= len(entry) and np.array_equal(held.token_ids, entry.token_ids[: len(held)]):
                self._drop(key)
        self._entries[self._next_key] = entry
        self._next_key += 1
        self.held_tokens += len(entry)
        while self.held_tokens > self.max_tokens:
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        self._entries.clear()
        self.held_tokens = 0

    def _drop(self, key: int) -> None:
        self.held_tokens -= len(self._entries.pop(key))


@dataclass
class _Request:
    prompt_ids: list[int]
    max_tokens: int
    settings: SamplingSettings
    seed: int | None  # vLLM's per-request seed: the request's sample depends on it alone
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
        # vLLM's rule: rollout.max_model_len, or the model's max_position_embeddings when null.
        max_position_embeddings = get_max_position_embeddings(self.model.config)
        self.max_model_len = config.max_model_len or max_position_embeddings
        if self.max_model_len > max_position_embeddings:
            raise ValueError(
                f"max_model_len ({self.max_model_len}) should be less than or equal to max_position_embeddings "
                f"({max_position_embeddings})"
            )
        self.generator = torch.Generator().manual_seed(int(config.get("seed", 0) or 0) + replica_rank)
        self.replica_rank = replica_rank
        self.global_steps = None
        self.awake_tags = set(ALL_TAGS)
        hf_kwargs = (config.get("engine_kwargs") or {}).get("hf") or {}
        self.prefix_cache = None
        if config.get("enable_prefix_caching", True):
            if supports_prefix_reuse(self.model):
                max_tokens = int(hf_kwargs.get("prefix_cache_max_tokens", DEFAULT_PREFIX_CACHE_TOKENS))
                self.prefix_cache = PrefixCache(max_tokens)
            else:
                logger.info("hf rollout: prefix caching off: the model has layers that do not attend to the whole past")
        self.token_counts = {"prefilled": 0, "reused": 0, "generated": 0}
        self._pending: list[_Request] = []
        # asyncio primitives bind to the running loop on first use (Python >= 3.10), so they can be made here.
        self._work = asyncio.Event()
        self._model_lock = asyncio.Lock()  # generation, weight updates and sleep take turns
        self._batcher = None  # the batching task, started on the actor's loop by the first request

    # --- generation -------------------------------------------------------------------------------------

    def _max_tokens(self, prompt_ids: list[int], sampling_params: dict) -> int:
        room = self.max_model_len - len(prompt_ids)
        if room < 1:  # vLLM's check and message
            raise ValueError(
                f"Prompt length ({len(prompt_ids)}) leaves no room to generate within the model's maximum context "
                f"length ({self.max_model_len}); need at least 1 token of headroom."
            )
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
        seed = sampling_params.get("seed")
        if seed is None and self.config.get("full_determinism", False):
            seed = self.replica_rank + int(self.config.get("seed", 0) or 0)  # vLLM's default under full determinism
        self._pending.append(
            _Request(
                list(prompt_ids),
                self._max_tokens(prompt_ids, sampling_params),
                SamplingSettings.from_request(sampling_params),
                None if seed is None else int(seed),
                future,
            )
        )
        self._work.set()
        result: Generation = await future
        return TokenOutput(
            token_ids=result.token_ids,
            log_probs=result.log_probs,
            stop_reason="completed",
            extra_fields={"global_steps": self.global_steps, CACHED_PROMPT_TOKENS_KEY: result.reused_tokens},
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
                        results = await asyncio.to_thread(self._sample, group, settings)
                except Exception as error:  # noqa: BLE001 - hand the failure to every waiting request
                    for request in group:
                        request.future.set_exception(error)
                    continue
                for request, result in zip(group, results, strict=True):
                    request.future.set_result(result)

    def _sample(self, group: list[_Request], settings: SamplingSettings) -> list[Generation]:
        prompts = [r.prompt_ids for r in group]
        cache = self.prefix_cache
        results = sample(
            self.model,
            prompts,
            [r.max_tokens for r in group],
            settings,
            self.stop_token_ids,
            self.pad_token_id,
            self.generator,
            prefixes=[cache.lookup(p) for p in prompts] if cache is not None else None,
            return_states=cache is not None,
            row_generators=(
                [None if r.seed is None else torch.Generator().manual_seed(r.seed) for r in group]
                if any(r.seed is not None for r in group) else None
            ),
        )
        for prompt, result in zip(prompts, results, strict=True):
            self.token_counts["reused"] += result.reused_tokens
            self.token_counts["prefilled"] += len(prompt) - result.reused_tokens
            self.token_counts["generated"] += len(result.token_ids)
            if cache is not None:
                cache.insert(result.states)
        return results

    # --- weights and lifecycle (the methods veRL's replica and checkpoint manager call) -----------------

    async def update_weights(self, state_dict: dict[str, torch.Tensor]) -> None:
        async with self._model_lock:
            self._forget_prefixes()  # first: a load that fails half-way has still changed weights
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
                self._forget_prefixes()

    async def release_kv_cache(self) -> None:
        if self.config.free_cache_engine:
            self.awake_tags.discard("kv_cache")
            async with self._model_lock:
                self._forget_prefixes()

    async def resume_kv_cache(self) -> None:
        self.awake_tags.add("kv_cache")

    async def set_global_steps(self, global_steps: int) -> None:
        self.global_steps = global_steps

    async def is_awake(self) -> bool:
        return self.awake_tags == ALL_TAGS

    async def clear_kv_cache(self) -> None:
        async with self._model_lock:
            self._forget_prefixes()

    async def prefix_cache_stats(self) -> dict:
        """Prompt tokens prefilled and reused from the prefix cache, and tokens generated, since start-up."""
        held = self.prefix_cache.held_tokens if self.prefix_cache is not None else 0
        return {**self.token_counts, "held": held}

    def _forget_prefixes(self) -> None:
        """Drop every cached prefix; callers hold the model lock (generation reads the cache in a thread)."""
        if self.prefix_cache is not None:
            self.prefix_cache.clear()

    async def abort_all_requests(self, reset_prefix_cache: bool = True, reject_request: bool = False) -> dict:
        if reset_prefix_cache:
            async with self._model_lock:
                self._forget_prefixes()
        return {}

    # Nothing to do for these on this backend: requests finish in one batch, and there is no profiler.
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
