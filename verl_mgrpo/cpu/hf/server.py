"""The ``hf`` generation server: one Ray actor per replica (see :mod:`verl_mgrpo.cpu.hf` for its contract)."""

import asyncio
import logging
from dataclasses import dataclass

import torch
from verl.workers.rollout.replica import TokenOutput
from verl.workers.rollout.utils import get_max_position_embeddings

from verl_mgrpo.cpu.hf.prefix_cache import DEFAULT_PREFIX_CACHE_TOKENS, PrefixCache, supports_prefix_reuse
from verl_mgrpo.cpu.hf.sampling import Generation, SamplingSettings, sample
from verl_mgrpo.names import CACHED_PROMPT_TOKENS_KEY

logger = logging.getLogger(__name__)

SERVER_NAME_PREFIX = "hf_server_"
BATCH_WINDOW_SECONDS = 0.005  # wait this long for concurrent requests to join a batch
ALL_TAGS = frozenset({"weights", "kv_cache"})


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
