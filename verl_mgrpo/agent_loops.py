"""veRL agent loops for MGRPO's rollouts.

- ``mgrpo_single_turn``: veRL's single-turn loop, but every request carries the sample's routing key as its
  request id, so veRL's load balancer (sticky on request ids) sends the sample's corrections to the same
  server, where the prefix q ⊕ o_i is already cached (vLLM's prefix cache).
- ``mgrpo_continuation``: continues given token ids (q ⊕ o_i ⊕ p_guide) in the same assistant turn: no
  chat template, no new turn. The server returns the continuation and its log-probs.

Both send the sample's own seed when it has one (validation; training under ``rollout.full_determinism``;
:mod:`verl_mgrpo.sampling`), which vLLM (and the hf backend) then prefer to their per-replica seed.
"""

from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopBase, AgentLoopOutput, register
from verl.experimental.agent_loop.single_turn_agent_loop import SingleTurnAgentLoop
from verl.utils.profiler import simple_timer

from verl_mgrpo.names import (
    CONTINUATION_AGENT,
    MAX_TOKENS_KEY,
    NO_SEED,
    PROMPT_IDS_KEY,
    REQUEST_KEY,
    SEED_KEY,
    SINGLE_TURN_AGENT,
)


def _seeded(sampling_params: dict[str, Any], kwargs: dict) -> dict[str, Any]:
    seed = kwargs.get(SEED_KEY)
    if seed is not None and int(seed) != NO_SEED:
        return {**sampling_params, "seed": int(seed)}
    return sampling_params


class _StickyRequests:
    """The agent loop's server manager, with one fixed request id for every request it forwards."""

    def __init__(self, server_manager, request_id: str):
        self._server_manager, self._request_id = server_manager, request_id

    async def generate(self, request_id: str, **kwargs):
        return await self._server_manager.generate(request_id=self._request_id, **kwargs)

    def __getattr__(self, name):
        return getattr(self._server_manager, name)


@register(SINGLE_TURN_AGENT)
class StickySingleTurnAgentLoop(SingleTurnAgentLoop):
    async def run(self, sampling_params: dict[str, Any], **kwargs) -> AgentLoopOutput:
        self.server_manager = _StickyRequests(self.server_manager, str(kwargs[REQUEST_KEY]))
        return await super().run(_seeded(sampling_params, kwargs), **kwargs)


@register(CONTINUATION_AGENT)
class ContinuationAgentLoop(AgentLoopBase):
    async def run(self, sampling_params: dict[str, Any], **kwargs) -> AgentLoopOutput:
        prompt_ids = [int(token) for token in kwargs[PROMPT_IDS_KEY]]
        response_length = self.rollout_config.response_length
        max_tokens = int(kwargs.get(MAX_TOKENS_KEY) or response_length)
        metrics: dict[str, Any] = {}
        sampling_params = _seeded(sampling_params, kwargs)
        with simple_timer("generate_sequences", metrics):
            output = await self.server_manager.generate(
                request_id=str(kwargs[REQUEST_KEY]),
                prompt_ids=prompt_ids,
                sampling_params={**sampling_params, "max_tokens": min(max_tokens, response_length)},
            )
        metrics["num_preempted"] = output.num_preempted if output.num_preempted is not None else -1
        response_ids = output.token_ids[:response_length]
        extra_fields = dict(output.extra_fields)
        extra_fields.update({"turn_scores": [], "tool_rewards": []})  # the single-turn loop's schema
        return AgentLoopOutput(
            prompt_ids=prompt_ids,
            response_ids=response_ids,
            response_mask=[1] * len(response_ids),
            response_logprobs=output.log_probs[:response_length] if output.log_probs else None,
            num_turns=2,
            metrics=metrics,
            extra_fields=extra_fields,
        )
