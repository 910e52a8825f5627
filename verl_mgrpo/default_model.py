"""The embedded default model: a tiny Qwen2 that half-knows the arithmetic task.

    python -m verl_mgrpo.default_model build [--output DIR]     # ~10 two-core minutes, fixed seed
    python -m verl_mgrpo.default_model evaluate [--model DIR]
    python -m verl_mgrpo.default_model qwen-base-layout [--output DIR]

There are no pretrained weights on a machine without a model hub, so the project makes its own: a real
Hugging Face checkpoint (Qwen2ForCausalLM, 4 layers, hidden 128, ~0.8M parameters; a 512-token byte-level
BPE tokenizer that splits digits; ChatML template) that veRL loads like any other model. It is supervised
on worked arithmetic solutions (:mod:`verl_mgrpo.data.arith`), some of which slip, write a check phrase and
correct the step, and a share that re-check after the answer with one of MGRPO's guiding phrases (the
latent self-correction the paper assumes pre-training gives). The build is seeded (bitwise identical only
on the same torch build and thread count), and its output is committed at
``verl_mgrpo/assets/tiny_model`` so a fresh machine does not wait for it.

``qwen-base-layout`` writes the same model with Qwen2.5-Math base's token layout (committed at
``verl_mgrpo/assets/tiny_model_qwen_base``, a few KB: the weights and vocabulary are links to the default
model's): eos = pad = ``<|endoftext|>``, the generation config stops only there, and the chat turn still ends
with ``<|im_end|>``. The model, trained to end its turn with ``<|im_end|>``, then writes on past it, as a base
model does: what layer 2 must cut.
"""

import argparse
import json
import math
import random
import time
from pathlib import Path

import torch

from verl_mgrpo.data import arith
from verl_mgrpo.data.prepare import DEFAULT_TEMPLATE, PROMPT_TEMPLATES
from verl_mgrpo.defaults import MODEL_DIR, QWEN_BASE_LAYOUT_DIR
from verl_mgrpo.guides import DEFAULT_GUIDE_PHRASES

LINKED_FILES = ("model.safetensors", "tokenizer.json", "chat_template.jinja")
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _prompt(problem: arith.ArithProblem) -> list[dict]:
    return list(PROMPT_TEMPLATES[DEFAULT_TEMPLATE](problem.question))


def build_tokenizer(texts: list[str], vocab_size: int = 512):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHATML_TEMPLATE,
        clean_up_tokenization_spaces=False,
    )


def build_model(tokenizer):
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=128,
        intermediate_size=384,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, do_sample=True
    )
    return model


def supervised_examples(count: int, seed: int, slip_rate: float, recheck_rate: float) -> list[tuple[list[dict], str]]:
    rng = random.Random(seed)
    return [
        (_prompt(problem), arith.worked_solution(problem, rng, slip_rate, recheck_rate, DEFAULT_GUIDE_PHRASES))
        for problem in (arith.make_problem(rng) for _ in range(count))
    ]


def encode(tokenizer, messages: list[dict], completion: str) -> tuple[list[int], int]:
    """Token ids of prompt + completion + end of turn, and where the completion starts."""
    prompt_ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
    completion_ids = tokenizer.encode(completion, add_special_tokens=False) + [tokenizer.eos_token_id]
    return list(prompt_ids) + completion_ids, len(prompt_ids)


def train(
    output: Path, steps: int, batch_size: int, seed: int, slip_rate: float, recheck_rate: float, log_every: int = 100
) -> None:
    torch.manual_seed(seed)
    examples = supervised_examples(steps * batch_size // 4, seed, slip_rate, recheck_rate)
    tokenizer = build_tokenizer([json.dumps(m) + c for m, c in examples[:20000]])
    model = build_model(tokenizer)
    encoded = [encode(tokenizer, messages, completion) for messages, completion in examples]
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters; {len(encoded)} examples", flush=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01, betas=(0.9, 0.98))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, s / 100) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))
    )
    rng, started = random.Random(seed), time.time()
    model.train()
    for step in range(1, steps + 1):
        batch = rng.sample(encoded, batch_size)
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.full((batch_size, width), tokenizer.pad_token_id)
        labels = torch.full((batch_size, width), -100)
        attention = torch.zeros((batch_size, width), dtype=torch.long)
        for row, (ids, start) in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            labels[row, start : len(ids)] = torch.tensor(ids[start:])  # loss on the answer only
            attention[row, : len(ids)] = 1
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % log_every == 0 or step == steps:
            print(f"step {step}/{steps} loss {loss.item():.3f} ({time.time() - started:.0f} s)", flush=True)
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)


def write_qwen_base_layout(source: Path, output: Path) -> None:
    """``source``'s model with Qwen2.5-Math base's eos/pad layout (see the module docstring)."""
    output.mkdir(parents=True, exist_ok=True)
    for name in LINKED_FILES:
        link = output / name
        link.unlink(missing_ok=True)
        link.symlink_to(Path("..") / source.name / name)
    endoftext = SPECIAL_TOKENS.index("<|endoftext|>")  # id 0 (build_tokenizer adds the specials first)
    edits = {
        "config.json": {"eos_token_id": endoftext, "pad_token_id": endoftext},
        "generation_config.json": {"eos_token_id": endoftext, "pad_token_id": endoftext},
        "tokenizer_config.json": {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>"},
    }
    for name, changes in edits.items():
        content = {**json.loads((source / name).read_text()), **changes}
        (output / name).write_text(json.dumps(content, indent=2) + "\n")


@torch.no_grad()
def evaluate(model_dir: Path, problems: int = 100, samples: int = 8, temperature: float = 1.0) -> dict:
    """Sampled and greedy accuracy on arith_test, and the share of sample groups mixing right and wrong."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from reward_fns import compute_score

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    test = list(arith.problems(arith.TEST_SEED, problems))
    texts = [tokenizer.apply_chat_template(_prompt(p), add_generation_prompt=True, tokenize=False) for p in test]
    inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)

    def correct(sequences, repeat: int) -> list[bool]:
        completions = tokenizer.batch_decode(sequences[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
        return [
            compute_score("arith", text, str(test[i // repeat].answer))["acc"] for i, text in enumerate(completions)
        ]

    torch.manual_seed(0)
    greedy = correct(model.generate(**inputs, max_new_tokens=96, do_sample=False), 1)
    sampled = correct(
        model.generate(
            **inputs, max_new_tokens=96, do_sample=True, temperature=temperature, num_return_sequences=samples
        ),
        samples,
    )
    groups = [sampled[i : i + samples] for i in range(0, len(sampled), samples)]
    return {
        "greedy_accuracy": sum(greedy) / len(greedy),
        "sampled_accuracy": sum(sampled) / len(sampled),
        "mixed_groups": sum(0 < sum(g) < samples for g in groups) / len(groups),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="train the default model from scratch")
    build.add_argument("--output", type=Path, default=MODEL_DIR)
    build.add_argument("--steps", type=int, default=1200)
    build.add_argument("--batch-size", type=int, default=64)
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--slip-rate", type=float, default=0.2, help="share of worked examples that self-correct")
    build.add_argument("--recheck-rate", type=float, default=0.15, help="share that re-check after the answer")
    check = commands.add_parser("evaluate", help="accuracy of a model on arith_test")
    check.add_argument("--model", type=Path, default=MODEL_DIR)
    layout = commands.add_parser("qwen-base-layout", help="the default model with Qwen2.5-Math base's eos layout")
    layout.add_argument("--output", type=Path, default=QWEN_BASE_LAYOUT_DIR)
    args = parser.parse_args()
    if args.command == "qwen-base-layout":
        write_qwen_base_layout(MODEL_DIR, args.output)
    elif args.command == "build":
        train(args.output, args.steps, args.batch_size, args.seed, args.slip_rate, args.recheck_rate)
        print(json.dumps(evaluate(args.output)), flush=True)
    else:
        print(json.dumps(evaluate(args.model)), flush=True)


if __name__ == "__main__":
    main()
