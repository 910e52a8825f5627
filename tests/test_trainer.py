"""RayMGRPOTrainer's layer stage, tested alone on an object built with ``object.__new__`` and a stub rollout
manager (the end-to-end runs through veRL are in tests/cpu/test_mgrpo_e2e.py)."""

import hashlib
import inspect
import random

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from verl import DataProto
from verl.trainer.ppo.ray_trainer import RayPPOTrainer

from verl_mgrpo.agent_loops import _seeded
from verl_mgrpo.config import MGRPOConfig
from verl_mgrpo.correction import GuideTokens
from verl_mgrpo.names import (
    CACHED_PROMPT_TOKENS_KEY, LAYER_KEY, NO_SEED, PARENT_KEY, PROMPT_IDS_KEY, REQUEST_KEY, SEED_KEY,
)
from verl_mgrpo.metrics import token_counts
from verl_mgrpo.trainer import RayMGRPOTrainer

# RayMGRPOTrainer.fit mirrors this version of veRL's fit around the MGRPO stages. When veRL changes it, this
# fails: review the difference against RayMGRPOTrainer.fit, then update the hash.
VERL_FIT_SHA256 = "2cd5b737f76215aad3a1be94404c7a7d1d6a4cf9d6c16f44bc4841b871498ed7"


def test_verl_fit_is_the_version_mgrpo_fit_was_written_against():
    assert hashlib.sha256(inspect.getsource(RayPPOTrainer.fit).encode()).hexdigest() == VERL_FIT_SHA256


PAD, EOS = 0, 99
WIDTH = 8


def _rows(prompts, responses, scores) -> DataProto:
    n = len(prompts)
    tensors = {k: torch.full((n, WIDTH), PAD) for k in ("prompts", "responses")}
    mask = torch.zeros((n, 2 * WIDTH), dtype=torch.long)
    rm = torch.zeros((n, WIDTH))
    for i, (p, r, s) in enumerate(zip(prompts, responses, scores)):
        tensors["prompts"][i, WIDTH - len(p):] = torch.tensor(p)
        tensors["responses"][i, : len(r)] = torch.tensor(r)
        mask[i, WIDTH - len(p): WIDTH + len(r)] = 1
        rm[i, len(r) - 1] = s
    tensors.update(input_ids=torch.cat([tensors["prompts"], tensors["responses"]], 1), attention_mask=mask,
                   position_ids=torch.clip(mask.cumsum(-1) - 1, min=0), response_mask=mask[:, WIDTH:], rm_scores=rm)
    return DataProto.from_dict(tensors=tensors)


WORKERS = 4  # agent-loop workers: more than some generation calls have rows


class StubRollout:
    """Answers a continuation with one token; right (score 1) when ``is_right(prompt_ids)``. Splits each call
    over its agent-loop workers as veRL's manager does, which fails on an empty chunk."""

    def __init__(self, is_right):
        self.is_right, self.calls, self.seeds = is_right, [], []

    def generate_sequences(self, inputs: DataProto) -> DataProto:
        chunks = inputs.chunk(WORKERS)
        assert all(len(chunk) for chunk in chunks), f"an empty chunk for an agent-loop worker ({len(inputs)} rows)"
        prompts = [list(p) for p in inputs.non_tensor_batch[PROMPT_IDS_KEY]]
        self.calls.append(len(prompts))
        self.seeds.append(list(inputs.non_tensor_batch[SEED_KEY]))
        return _rows(prompts, [[5, EOS]] * len(prompts), [float(self.is_right(p)) for p in prompts])


def _trainer(is_right, **mgrpo) -> RayMGRPOTrainer:
    trainer = object.__new__(RayMGRPOTrainer)
    rollout = {"prompt_length": WIDTH, "response_length": 4, "seed": 0, "agent": {"num_workers": WORKERS}}
    trainer.config = OmegaConf.create({"actor_rollout_ref": {"rollout": rollout}})
    trainer.mgrpo = MGRPOConfig(**mgrpo)
    trainer.correction_budget = 4
    trainer.guides = GuideTokens(("check",), ((7,),), (), frozenset({EOS, PAD}))
    trainer.guide_rng = random.Random(0)
    trainer.global_steps = 1
    trainer.async_rollout_manager = StubRollout(is_right)
    return trainer


def _layer1():
    layer = _rows([[1, 2], [1, 2], [3, 4]], [[2, EOS], [3, EOS], [8] * 6 + [EOS]], [1.0, 0.0, 0.0])
    layer.non_tensor_batch.update(uid=np.array(["a", "a", "b"], dtype=object),
                                  data_source=np.array(["arith"] * 3, dtype=object),
                                  **{REQUEST_KEY: np.array(["k0", "k1", "k2"], dtype=object)})
    return layer


def test_kept_corrections_are_augmented_into_one_group_each():
    trainer = _trainer(lambda prompt: prompt[-2] == 3, augment_n=3)  # the correction of row 1 is right
    metrics, timing = {}, {}
    layer2 = trainer._correction_layer(_layer1(), 2, metrics, timing, [])
    assert set(timing) == {"gen_layer2/correction", "gen_layer2/augmentation"}  # its two generation calls
    # 2 corrections (row 2's query is too long), then 3 samples: each call padded to the 4 agent-loop workers
    assert trainer.async_rollout_manager.calls == [4, 4]
    assert metrics["mgrpo/layer2/dropped_too_long"] == 1
    assert metrics["mgrpo/layer2/kept"] == 1 and metrics["mgrpo/layer2/kept_ratio"] == pytest.approx(1 / 3)
    assert metrics["mgrpo/layer2/i2c"] == 0.5 and metrics["mgrpo/layer2/c2i"] == 0.5  # row 0 right->wrong
    assert metrics["mgrpo/layer2/correction_tokens"] == 2 * 2 and metrics["mgrpo/layer2/augmentation_tokens"] == 3 * 2
    assert len(layer2) == 3 and len(set(layer2.non_tensor_batch["uid"])) == 1
    assert set(layer2.non_tensor_batch["uid"]).isdisjoint({"a", "b"})
    assert list(layer2.non_tensor_batch[PARENT_KEY]) == [1, 1, 1] and list(layer2.non_tensor_batch[LAYER_KEY]) == [2] * 3


def test_token_counts_include_prefix_cache_hits_only_when_the_backend_reports_them():
    output = _rows([[1, 2, 3], [4]], [[5, EOS], [6, 7, EOS]], [1.0, 0.0])
    assert token_counts(output, "correction") == {"correction_tokens": 5.0, "correction_prompt_tokens": 4.0}
    output.non_tensor_batch[CACHED_PROMPT_TOKENS_KEY] = np.array([2, None], dtype=object)  # None: not reported
    assert token_counts(output, "augmentation")["augmentation_cached_prompt_tokens"] == 2.0


def test_every_generated_batch_is_collected_for_the_rollout_dump_with_its_stage():
    trainer = _trainer(lambda prompt: prompt[-2] == 3, augment_n=3)
    generated = []
    trainer._correction_layer(_layer1(), 2, {}, {}, generated)
    corrections, augmented = generated
    assert list(corrections.non_tensor_batch["mgrpo_stage"]) == ["correction"] * 2
    assert list(corrections.non_tensor_batch["mgrpo_kept"]) == [False, True]  # row 1's correction is right
    assert list(augmented.non_tensor_batch["mgrpo_stage"]) == ["augmentation"] * 3


def test_no_correction_kept_means_no_layer_two():
    trainer = _trainer(lambda prompt: False)
    assert trainer._correction_layer(_layer1(), 2, {}, {}, []) is None
    assert trainer.async_rollout_manager.calls == [4]  # no augmentation round


def test_augment_n_zero_keeps_only_the_selecting_samples():
    trainer = _trainer(lambda prompt: True, augment_n=0, keep_selecting_sample=True)
    layer2 = trainer._correction_layer(_layer1(), 2, {}, {}, [])
    assert trainer.async_rollout_manager.calls == [4]
    assert len(layer2) == 2 and len(set(layer2.non_tensor_batch["uid"])) == 2


def test_selecting_sample_joins_its_group_when_asked():
    trainer = _trainer(lambda prompt: True, augment_n=2, keep_selecting_sample=True)
    layer2 = trainer._correction_layer(_layer1(), 2, {}, {}, [])
    assert len(layer2) == 2 + 2 * 2
    uids = list(layer2.non_tensor_batch["uid"])
    assert sorted(uids.count(u) for u in set(uids)) == [3, 3]


def test_every_augmentation_sample_has_its_own_seed_and_a_rerun_repeats_them():
    runs = []
    for _ in range(2):
        trainer = _trainer(lambda prompt: prompt[-2] == 3, augment_n=3)
        trainer.config.actor_rollout_ref.rollout.full_determinism = True
        trainer._correction_layer(_layer1(), 2, {}, {}, [])
        runs.append(trainer.async_rollout_manager.seeds)
    assert runs[0] == runs[1]
    augmentation_seeds = runs[0][1][:3]  # the 3 samples of the one kept query (then padding rows)
    assert len(set(augmentation_seeds)) == 3
    assert set(augmentation_seeds).isdisjoint(runs[0][0][:2])  # and none is a correction's seed


@pytest.mark.parametrize("validate, full_determinism, seeded", [
    (True, False, True), (False, False, False), (False, True, True), (True, True, True)])
def test_validation_is_always_seeded_training_only_under_full_determinism(validate, full_determinism, seeded):
    trainer = _trainer(lambda prompt: True)
    trainer.config.actor_rollout_ref.rollout.full_determinism = full_determinism
    queries = _rows([[1, 2], [3, 4]], [[5, EOS]] * 2, [1.0, 0.0])
    queries.non_tensor_batch.update({PROMPT_IDS_KEY: np.array([[1, 2], [3, 4]], dtype=object),
                                     REQUEST_KEY: np.array(["a", "b"], dtype=object)})
    trainer._generate(queries, "second_turn", validate=validate)
    sent = [int(seed) for seed in trainer.async_rollout_manager.seeds[0][:2]]
    assert (NO_SEED not in sent and len(set(sent)) == 2) if seeded else sent == [NO_SEED, NO_SEED]


@pytest.mark.parametrize("seed, sent", [(NO_SEED, None), (0, 0), (12345, 12345)])
def test_the_agent_loops_send_a_samples_seed_when_it_has_one(seed, sent):
    params = _seeded({"temperature": 0.7}, {SEED_KEY: np.int64(seed)})
    assert params.get("seed") == sent and params["temperature"] == 0.7


class ProfiledTrainer:
    """Records what StepProfiler asks of veRL's profiling helpers."""

    def __init__(self, steps, continuous):
        self.config = OmegaConf.create({"global_profiler": {"steps": steps, "profile_continuous_steps": continuous}})
        self.global_steps, self.calls = 1, []

    def _start_profiling(self, do_profile):
        self.calls.append(("start", self.global_steps, do_profile))

    def _stop_profiling(self, do_profile, run_command=False):
        self.calls.append(("stop", self.global_steps, do_profile, run_command))


@pytest.mark.parametrize("continuous", [False, True])
def test_step_profiler_profiles_the_listed_steps_as_verls_fit_does(continuous):
    from verl_mgrpo.loop_features import StepProfiler

    trainer = ProfiledTrainer([2, 3], continuous)
    profiler = StepProfiler(trainer)
    for step in (1, 2, 3, 4):
        trainer.global_steps = step
        profiler.start({})
        profiler.stop({}, is_last_step=step == 4)
    started = [step for kind, step, do, *_ in trainer.calls if kind == "start" and do]
    stopped = [step for kind, step, do, *_ in trainer.calls if kind == "stop" and do]
    assert (started, stopped) == (([2], [3]) if continuous else ([2, 3], [2, 3]))  # one window, or one per step
    assert [step for kind, step, _, *finish in trainer.calls if kind == "stop" and finish[0]] == [3]
