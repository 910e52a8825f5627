"""Sampling settings from a request, logit filtering, and the batched sampling loop with a KV cache."""

from dataclasses import dataclass
from typing import NamedTuple

import torch

from verl_mgrpo.cpu.hf.prefix_cache import CachedPrefix, batched_cache, row_states


@dataclass(frozen=True)
class SamplingSettings:
    temperature: float
    top_p: float
    top_k: int

    @classmethod
    def from_request(cls, params: dict) -> "SamplingSettings":
        top_k = int(params.get("top_k", -1) or -1)
        return cls(float(params.get("temperature", 1.0)), float(params.get("top_p", 1.0)), top_k)


def filter_logits(logits: torch.Tensor, settings: SamplingSettings) -> torch.Tensor:
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


class Generation(NamedTuple):
    token_ids: list[int]
    log_probs: list[float]
    reused_tokens: int  # prompt tokens whose key/value states came from a cached prefix, not a prefill
    states: CachedPrefix | None  # prompt + generated tokens (all but the last, never fed back), when asked for


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
    past = batched_cache(prefixes, past_width) if past_width else None
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
            probabilities = filter_logits(logits, settings).softmax(-1)
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
        states = [row_states(output.past_key_values, row, prompt, c, past_width, new_width, generated)
                  for row, (prompt, c, generated) in enumerate(zip(prompts, cached, tokens, strict=True))]
    return [Generation(*row) for row in zip(tokens, log_probs, cached, states, strict=True)]
