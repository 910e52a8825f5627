"""The hf rollout backend: log-probs equal a direct forward pass, batching changes nothing, sleep refuses."""

import asyncio

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from verl_mgrpo.cpu.hf.sampling import SamplingSettings, sample
from verl_mgrpo.defaults import MODEL_DIR


@pytest.fixture(scope="module")
def model():
    return AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype=torch.float32, attn_implementation="sdpa").eval()


@pytest.fixture(scope="module")
def prompts():
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    questions = ["Tom has 3 apples. Then Tom buys 4 more. How many apples does Tom have now?",
                 "Mia has 25 books. Then Mia triples the books. Then Mia sells 9. How many books does Mia have now?"]
    return [tokenizer.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True,
                                          tokenize=True, return_dict=False) for q in questions], tokenizer


def _direct_log_probs(model, prompt, tokens, temperature):
    ids = torch.tensor([prompt + tokens])
    logits = model(input_ids=ids).logits[0, len(prompt) - 1 : -1].float()
    return logits.div(temperature).log_softmax(-1).gather(-1, torch.tensor(tokens)[:, None]).squeeze(-1)


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_log_probs_equal_a_direct_forward_pass_of_the_same_weights(model, prompts, temperature):
    prompt_ids, tokenizer = prompts
    results = sample(model, prompt_ids, [40, 40], SamplingSettings(temperature, 1.0, -1),
                     {tokenizer.eos_token_id}, tokenizer.pad_token_id, torch.Generator().manual_seed(0))
    for prompt, (tokens, log_probs, _, _) in zip(prompt_ids, results):
        assert 0 < len(tokens) <= 40
        expected = _direct_log_probs(model, prompt, tokens, temperature)
        assert torch.allclose(torch.tensor(log_probs), expected, atol=1e-4), (log_probs, expected)


def test_greedy_batch_equals_one_at_a_time_and_stops_at_eos(model, prompts):
    prompt_ids, tokenizer = prompts
    greedy = SamplingSettings(0.0, 1.0, -1)
    args = ({tokenizer.eos_token_id}, tokenizer.pad_token_id)
    batched = sample(model, prompt_ids, [60, 60], greedy, *args)
    alone = [sample(model, [p], [60], greedy, *args)[0] for p in prompt_ids]
    assert [g.token_ids for g in batched] == [g.token_ids for g in alone]
    assert all(g.token_ids[-1] == tokenizer.eos_token_id for g in batched)


def test_max_new_tokens_is_per_request(model, prompts):
    prompt_ids, tokenizer = prompts
    results = sample(model, prompt_ids, [3, 7], SamplingSettings(1.0, 1.0, -1), set(), tokenizer.pad_token_id)
    assert [len(g.token_ids) for g in results] == [3, 7]


def test_top_k_one_is_greedy(model, prompts):
    prompt_ids, tokenizer = prompts
    args = ({tokenizer.eos_token_id}, tokenizer.pad_token_id)
    top1 = sample(model, prompt_ids, [30, 30], SamplingSettings(1.0, 1.0, 1), *args)
    greedy = sample(model, prompt_ids, [30, 30], SamplingSettings(0.0, 1.0, -1), *args)
    assert [g.token_ids for g in top1] == [g.token_ids for g in greedy]
