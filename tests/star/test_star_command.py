"""The STaR command's checks before it spends compute, the SFT command it builds, and what that trains on."""

import json
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf
from transformers import AutoTokenizer

from verl_mgrpo.defaults import MODEL_DIR
from verl_mgrpo.eval.second_turn import new_turn_suffix
from verl_mgrpo.star.run import SETTINGS_FILE, StarSettings, ensure_generations, generation_settings, sft_command
from verl_mgrpo.star.data import star_messages
from verl_mgrpo.star.dataset import MaskedMultiTurnSFTDataset


def test_generation_overrides_may_not_replace_the_model():
    with pytest.raises(ValueError, match="must not set actor_rollout_ref.model.path"):
        StarSettings(output_dir=Path("unused"), generation_overrides=("actor_rollout_ref.model.path=/some/model",))


def test_generations_made_with_other_settings_are_refused_not_reused(tmp_path):
    settings = StarSettings(output_dir=tmp_path, data=(Path("train.parquet"),), n=4)
    (tmp_path / "generations.jsonl").write_text("{}\n")
    (tmp_path / SETTINGS_FILE).write_text(json.dumps({**generation_settings(settings, "m"), "n": 8}))
    with pytest.raises(SystemExit, match=r"other settings \(n;"):
        ensure_generations(settings, "m", tmp_path)
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(generation_settings(settings, "m")))
    ensure_generations(settings, "m", tmp_path)  # the same settings: reused, nothing launched


def test_the_sft_batch_is_split_evenly_over_processes():
    settings = StarSettings(output_dir=Path("out"), batch_size=32, nproc_per_node=4)
    assert "data.train_batch_size=4" in sft_command(settings, "m", Path("d.parquet"), rows=6, on_gpu=True)
    with pytest.raises(SystemExit, match="3 accepted conversations cannot fill a batch for 4 processes"):
        sft_command(settings, "m", Path("d.parquet"), rows=3, on_gpu=True)


def test_the_command_line_becomes_the_same_settings():
    from verl_mgrpo.star.__main__ import build_parser, settings_from_args

    args = build_parser().parse_args(["--output-dir", "out", "--data", "a.parquet", "b.parquet", "--n", "2",
                                      "--generation-overrides", "data.seed=1", "--eval-data", "t.parquet"])
    assert settings_from_args(args) == StarSettings(
        output_dir=Path("out"), data=(Path("a.parquet"), Path("b.parquet")), n=2,
        generation_overrides=("data.seed=1",), eval_data=(Path("t.parquet"),))


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(MODEL_DIR)


def _sft_items(tokenizer, conversations, tmp_path):
    """veRL's multi-turn SFT dataset, as the STaR fine-tune selects it, over these conversations."""
    pd.DataFrame({"messages": conversations}).to_parquet(tmp_path / "sft.parquet")
    config = OmegaConf.load(str(files("verl.trainer.config") / "sft_trainer_engine.yaml")).data
    dataset = MaskedMultiTurnSFTDataset(parquet_files=str(tmp_path / "sft.parquet"), tokenizer=tokenizer,
                                        config=config, processor=None)
    return [dataset[i] for i in range(len(conversations))]


PROMPT = [{"role": "system", "content": "Reason step by step."}, {"role": "user", "content": "3+4?"}]


def test_only_messages_not_marked_context_are_trained(tokenizer, tmp_path):
    revision = PROMPT + [{"role": "assistant", "content": "8", "train": False}, {"role": "user", "content": "Check."},
                         {"role": "assistant", "content": "7"}]
    plain = PROMPT + [{"role": "assistant", "content": "7"}]  # no "train" key: veRL's default, trained
    items = _sft_items(tokenizer, [revision, plain], tmp_path)
    assert [tokenizer.decode(item["input_ids"][item["loss_mask"].bool()]) for item in items] == ["7<|im_end|>\n"] * 2


def test_a_conversation_renders_as_the_tokens_the_model_saw_in_prompt_mode(tokenizer, tmp_path):
    """veRL's SFT dataset rebuilds the generation-time sequence: question, first answer, the new-turn markup
    that prompt mode appended, then the revision."""
    first, revision = "3+4=8. The answer is \\boxed{8}.", "3+4=7. The answer is \\boxed{7}."
    record = {"second_turn": "prompt", "second_turn_generated": True, "correct_t2": True,
              "answer_t1": first, "answer_t2": revision}
    item = _sft_items(tokenizer, [star_messages(record, PROMPT, "external_prompt")], tmp_path)[0]
    seen = tokenizer.apply_chat_template(PROMPT, add_generation_prompt=True, tokenize=True, return_dict=False)
    seen += tokenizer.encode(first, add_special_tokens=False) + new_turn_suffix(tokenizer)
    seen += tokenizer.encode(revision, add_special_tokens=False)
    assert item["input_ids"].tolist()[: len(seen)] == seen
