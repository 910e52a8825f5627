"""Key/value states of generated sequences, kept so a request that extends one prefills only its new tokens
(like vLLM's prefix cache, ``rollout.enable_prefix_caching``)."""

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
from transformers import DynamicCache

# Tokens of key/value states a server keeps for reuse (rollout.engine_kwargs.hf.prefix_cache_max_tokens);
# one MGRPO step on the CPU config writes about 20 000.
DEFAULT_PREFIX_CACHE_TOKENS = 65536


@dataclass
class CachedPrefix:
    """The key/value states of a token sequence, per layer ``(keys, values)`` of shape [kv_heads, tokens, head_dim]."""

    token_ids: np.ndarray
    states: list[tuple[torch.Tensor, torch.Tensor]]

    def __len__(self) -> int:
        return len(self.token_ids)

    def head(self, length: int) -> "CachedPrefix":
        return CachedPrefix(self.token_ids[:length], [(k[:, :length], v[:, :length]) for k, v in self.states])


def supports_prefix_reuse(model) -> bool:
    """Whether a sequence's key/value states can be sliced and reused: every layer attends to the whole past."""
    config = model.config.get_text_config()
    layer_types = getattr(config, "layer_types", None) or ["full_attention"]
    return set(layer_types) == {"full_attention"} and not getattr(config, "use_sliding_window", False)


def batched_cache(prefixes: list[CachedPrefix | None], width: int) -> DynamicCache:
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


def row_states(cache, row: int, prompt: list[int], cached: int, past_width: int, new_width: int,
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
