"""The hf backend's prefix cache: what it finds and keeps, and that reusing states changes no generated token."""

import os

import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from verl_mgrpo.cpu.hf.prefix_cache import CachedPrefix, PrefixCache, supports_prefix_reuse
from verl_mgrpo.cpu.hf.sampling import SamplingSettings, sample
from verl_mgrpo.defaults import MODEL_DIR


def _entry(tokens):
    """A fake cached sequence whose 'states' record each token, to check what slices come back."""
    ids = torch.tensor(tokens, dtype=torch.float32)
    return CachedPrefix(np.asarray(tokens), [(ids[None, :, None], -ids[None, :, None])])


def test_lookup_finds_the_longest_shared_prefix_and_leaves_a_token_to_prefill():
    cache = PrefixCache(max_tokens=100)
    cache.insert(_entry([1, 2, 3, 4]))
    cache.insert(_entry([1, 2, 9, 9, 9]))
    found = cache.lookup([1, 2, 3, 4, 5, 6])
    assert found.token_ids.tolist() == [1, 2, 3, 4]
    keys, values = found.states[0]
    assert keys.flatten().tolist() == [1, 2, 3, 4] and values.flatten().tolist() == [-1, -2, -3, -4]
    assert cache.lookup([1, 2, 3, 4]).token_ids.tolist() == [1, 2, 3]  # the last prompt token's logits are needed
    assert cache.lookup([1, 2, 9, 7]).token_ids.tolist() == [1, 2, 9]
    assert cache.lookup([5, 1, 2]) is None


def test_an_entry_that_extends_another_replaces_it_and_the_least_recently_used_go_first():
    cache = PrefixCache(max_tokens=10)
    cache.insert(_entry([1, 2, 3]))
    cache.insert(_entry([1, 2, 3, 4, 5]))
    assert len(cache) == 1 and cache.held_tokens == 5
    cache.insert(_entry([7, 8, 9]))
    cache.lookup([1, 2, 3, 4, 5, 6])  # touch the first entry: [7, 8, 9] is now the oldest
    cache.insert(_entry([4, 4, 4]))
    assert cache.held_tokens == 8 and cache.lookup([7, 8, 9, 1]) is None
    cache.insert(_entry(list(range(20, 31))))  # longer than the whole cache: not kept
    assert cache.held_tokens == 8
    cache.clear()
    assert len(cache) == 0 and cache.held_tokens == 0 and cache.lookup([1, 2, 3, 4]) is None


@pytest.fixture(scope="module")
def model():
    return AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32, attn_implementation="sdpa").eval()


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(MODEL_DIR)


def _prompt(tokenizer, question):
    messages = [{"role": "user", "content": question}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)


def test_continuing_from_cached_states_generates_what_a_full_prefill_does(model, tokenizer):
    assert supports_prefix_reuse(model)
    stop, pad = {tokenizer.eos_token_id}, tokenizer.pad_token_id
    greedy = SamplingSettings(0.0, 1.0, -1)
    first_turn = [_prompt(tokenizer, "Tom has 3 apples. Then Tom buys 4 more. How many apples does Tom have now?"),
                  _prompt(tokenizer, "Mia has 25 books. Then Mia triples the books. How many books does Mia have now?")]
    answers = sample(model, first_turn, [60, 60], greedy, stop, pad, return_states=True)
    cache = PrefixCache(max_tokens=10_000)
    for answer in answers:
        cache.insert(answer.states)
    guide = tokenizer.encode(" Wait, let me double-check that.")
    # Two layer-2 style queries (question + answer without its stop token + guide) of different lengths, and a
    # fresh question that shares only the chat template's first tokens, in one batch.
    queries = [prompt + answer.token_ids[:-1] + guide for prompt, answer in zip(first_turn, answers)]
    queries.append(_prompt(tokenizer, "Ana has 7 coins. Then Ana finds 5 more. How many coins does Ana have now?"))
    prefixes = [cache.lookup(query) for query in queries]
    template = len(os.path.commonprefix([queries[2], first_turn[0]]))
    assert template > 0
    assert [len(p) for p in prefixes] == [len(q) - len(guide) for q in queries[:2]] + [template]
    prefixes.append(None)
    queries.append(_prompt(tokenizer, "Bo has 2 pens. How many pens does Bo have now?"))

    for settings, seed in ((greedy, None), (SamplingSettings(1.0, 0.9, -1), 3)):
        generator = lambda: torch.Generator().manual_seed(seed) if seed is not None else None  # noqa: E731
        reused = sample(model, queries, [40] * 4, settings, stop, pad, generator(), prefixes=prefixes)
        recomputed = sample(model, queries, [40] * 4, settings, stop, pad, generator())
        assert [g.reused_tokens for g in reused] == [len(p) if p else 0 for p in prefixes]
        assert [g.token_ids for g in reused] == [g.token_ids for g in recomputed]
        for with_cache, without in zip(reused, recomputed):
            assert np.allclose(with_cache.log_probs, without.log_probs, atol=1e-4)

    # The states a cache-fed batch returns (cached prefix + prefill + decode) are what a fresh pass computes.
    chained = sample(model, queries[:1], [10], greedy, stop, pad, prefixes=prefixes[:1], return_states=True)[0]
    _assert_fresh_states(model, queries[0] + chained.token_ids[:-1], chained.states)


def _assert_fresh_states(model, sequence, cached):
    assert cached.token_ids.tolist() == sequence
    with torch.no_grad():
        fresh = model(input_ids=torch.tensor([sequence]), use_cache=True).past_key_values
    for (keys, values), layer in zip(cached.states, fresh.layers, strict=True):
        assert torch.allclose(keys, layer.keys[0], atol=1e-4) and torch.allclose(values, layer.values[0], atol=1e-4)


def test_returned_states_equal_a_fresh_forward_pass_of_the_whole_sequence(model, tokenizer):
    prompts = [_prompt(tokenizer, "Tom has 3 apples. How many apples does Tom have now?"),
               _prompt(tokenizer, "Mia has 25 books. Then Mia triples the books. Then Mia sells 9. How many?")]
    results = sample(model, prompts, [5, 30], SamplingSettings(1.0, 1.0, -1), set(), tokenizer.pad_token_id,
                     torch.Generator().manual_seed(0), return_states=True)
    for prompt, result in zip(prompts, results):
        _assert_fresh_states(model, prompt + result.token_ids[:-1], result.states)


def test_a_row_must_prefill_and_generate_at_least_one_token(model, tokenizer):
    prompt = _prompt(tokenizer, "Tom has 3 apples.")
    greedy = SamplingSettings(0.0, 1.0, -1)
    whole = sample(model, [prompt], [2], greedy, set(), 0, return_states=True)[0].states
    with pytest.raises(ValueError, match="row 1 has 3 prompt tokens, 3 of them cached"):
        sample(model, [prompt, prompt[:3]], [2, 2], greedy, set(), 0, prefixes=[None, whole.head(3)])
    with pytest.raises(ValueError, match="row 0 .* and 0 to generate"):
        sample(model, [prompt], [0], greedy, set(), 0)


def test_states_of_sliding_window_layers_are_not_reused():
    from transformers import AutoModelForCausalLM, Qwen2Config

    config = Qwen2Config(vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, use_sliding_window=True, sliding_window=8,
                         max_window_layers=1)
    assert not supports_prefix_reuse(AutoModelForCausalLM.from_config(config))
