"""The hf rollout server as a Ray actor: it honours sleep like vLLM and serves the weights it was sent."""

import asyncio

import pytest
import ray
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from verl.utils.config import omega_conf_to_dataclass

from verl_mgrpo.cpu.hf.server import HFServer
from verl_mgrpo.defaults import MODEL_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(cpu_config):
    ray.init(num_cpus=2, include_dashboard=False)
    handle = ray.remote(HFServer).remote(
        config=omega_conf_to_dataclass(cpu_config.actor_rollout_ref.rollout),
        model_config=cpu_config.actor_rollout_ref.model,
        replica_rank=0,
    )
    yield handle
    ray.shutdown()


@pytest.fixture(scope="module")
def prompt_ids():
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    messages = [{"role": "user", "content": "Ana has 7 coins. Then Ana finds 5 more. How many coins does Ana have now?"}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)


def _generate(server, prompt_ids, **params):
    return ray.get(server.generate.remote(prompt_ids=prompt_ids, request_id="r", sampling_params=params))


def test_a_sleeping_server_refuses_to_generate_until_woken(server, prompt_ids):
    ray.get(server.sleep.remote())
    with pytest.raises(ray.exceptions.RayTaskError, match="asleep"):
        _generate(server, prompt_ids, temperature=1.0)
    ray.get(server.wake_up.remote(tags=["weights"]))
    with pytest.raises(ray.exceptions.RayTaskError, match="asleep"):  # the KV cache is still released
        _generate(server, prompt_ids, temperature=1.0)
    ray.get(server.wake_up.remote(tags=["kv_cache"]))
    assert _generate(server, prompt_ids, temperature=1.0).token_ids


def test_served_log_probs_follow_the_weights_it_was_sent(server, prompt_ids):
    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32).eval()
    generator = torch.Generator().manual_seed(0)
    perturbed = {k: v + 0.02 * torch.randn(v.shape, generator=generator) for k, v in model.state_dict().items()}
    model.load_state_dict(perturbed)
    ray.get(server.update_weights.remote(perturbed))
    output = _generate(server, prompt_ids, temperature=1.0, max_tokens=30)
    ids = torch.tensor([prompt_ids + output.token_ids])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, len(prompt_ids) - 1 : -1]
    expected = logits.log_softmax(-1).gather(-1, torch.tensor(output.token_ids)[:, None]).squeeze(-1)
    assert torch.allclose(torch.tensor(output.log_probs), expected, atol=1e-4)


def test_weights_that_do_not_fit_are_refused(server):
    with pytest.raises(ray.exceptions.RayTaskError, match="do not fit"):
        ray.get(server.update_weights.remote({"not.a.parameter": torch.zeros(1)}))


def _stats(server):
    return ray.get(server.prefix_cache_stats.remote())


def test_a_request_extending_a_served_sequence_reuses_its_states_until_the_weights_change(server, prompt_ids):
    answer = _generate(server, prompt_ids, temperature=1.0, max_tokens=20)
    extended = prompt_ids + answer.token_ids[:-1] + AutoTokenizer.from_pretrained(MODEL_DIR).encode(" Wait,")
    before = _stats(server)
    output = _generate(server, extended, temperature=1.0, max_tokens=10)
    after = _stats(server)
    assert after["reused"] - before["reused"] == len(prompt_ids) + len(answer.token_ids) - 1
    assert after["prefilled"] - before["prefilled"] == len(extended) - len(prompt_ids) - len(answer.token_ids) + 1
    assert after["held"] > 0

    model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32).eval()
    ray.get(server.update_weights.remote(model.state_dict()))  # new weights: every cached state is stale
    assert _stats(server)["held"] == 0
    before = _stats(server)
    output = _generate(server, extended, temperature=1.0, max_tokens=10)
    assert _stats(server)["reused"] == before["reused"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([extended + output.token_ids])).logits[0, len(extended) - 1 : -1]
    expected = logits.log_softmax(-1).gather(-1, torch.tensor(output.token_ids)[:, None]).squeeze(-1)
    assert torch.allclose(torch.tensor(output.log_probs), expected, atol=1e-4)


def test_prefix_caching_can_be_turned_off(cpu_config, prompt_ids):
    rollout = cpu_config.actor_rollout_ref.rollout.copy()
    rollout.enable_prefix_caching = False
    server = HFServer(config=omega_conf_to_dataclass(rollout), model_config=cpu_config.actor_rollout_ref.model,
                      replica_rank=0)

    async def twice():
        for _ in range(2):
            await server.generate(prompt_ids=prompt_ids, sampling_params={"max_tokens": 5}, request_id="r")
        server._batcher.cancel()  # the server's batching task; an actor's would live as long as the actor
        return await server.prefix_cache_stats()

    stats = asyncio.run(twice())
    assert stats["reused"] == 0 and stats["prefilled"] == 2 * len(prompt_ids) and stats["held"] == 0


def test_the_prefix_cache_size_is_a_rollout_engine_setting(cpu_config):
    rollout = cpu_config.actor_rollout_ref.rollout.copy()
    rollout.engine_kwargs.hf.prefix_cache_max_tokens = 50
    server = HFServer(config=omega_conf_to_dataclass(rollout), model_config=cpu_config.actor_rollout_ref.model,
                      replica_rank=0)
    assert server.prefix_cache.max_tokens == 50


def _server(cpu_config, **rollout_settings):
    rollout = cpu_config.actor_rollout_ref.rollout.copy()
    for key, value in rollout_settings.items():
        rollout[key] = value
    return HFServer(config=omega_conf_to_dataclass(rollout), model_config=cpu_config.actor_rollout_ref.model,
                    replica_rank=0)


def _concurrently(server, prompt_ids, *rounds: list[dict]) -> list[list[list[int]]]:
    """Each round's requests sent together; all rounds on one event loop (the server's batcher lives on it)."""
    async def run():
        results = []
        for requests in rounds:
            outputs = await asyncio.gather(*[
                server.generate(prompt_ids=prompt_ids, sampling_params=params, request_id=f"r{i}")
                for i, params in enumerate(requests)
            ])
            results.append([output.token_ids for output in outputs])
        server._batcher.cancel()
        return results

    return asyncio.run(run())


def test_a_seeded_request_samples_from_its_own_seed_whatever_its_batch(cpu_config, prompt_ids):
    server = _server(cpu_config)
    seeded = [{"temperature": 1.0, "max_tokens": 30, "seed": seed} for seed in (1, 2, 3)]
    first, reversed_order, alone = _concurrently(server, prompt_ids, seeded, seeded[::-1], seeded[1:2])
    assert len({tuple(tokens) for tokens in first}) == 3  # H samples of one query, each its own seed, differ
    assert reversed_order[::-1] == first  # rerun, in another batch order
    assert alone == first[1:2]  # and alone


def test_full_determinism_seeds_per_replica_so_identical_prompts_sample_alike(cpu_config, prompt_ids):
    # vLLM's behaviour under rollout.full_determinism, the trap MGRPO's per-sample seeds avoid
    server = _server(cpu_config, full_determinism=True)
    (samples,) = _concurrently(server, prompt_ids, [{"temperature": 1.0, "max_tokens": 30}] * 3)
    assert len({tuple(tokens) for tokens in samples}) == 1
