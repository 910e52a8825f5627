"""veRL loads ``verl.plugins`` entry points in every process and hides a failed load at DEBUG level, so check
in fresh interpreters, as Ray workers start, that every registration happened, whichever module a process
imports first (a worker unpickling one of our classes imports our module before veRL)."""

import json
import subprocess
import sys

import pytest

PROBE = """
import json, {first}
from omegaconf import OmegaConf
from verl.experimental.reward_loop.reward_manager.registry import REWARD_MANAGER
from verl.plugin.platform.platform_manager import PlatformRegistry
from verl.workers.rollout.base import _ROLLOUT_REGISTRY
from verl.workers.rollout.replica import RolloutReplicaRegistry
from verl.trainer.ppo.core_algos import ADV_ESTIMATOR_REGISTRY
from verl.experimental.agent_loop.agent_loop import _agent_loop_registry
print(json.dumps({{
    "estimators": sorted(ADV_ESTIMATOR_REGISTRY),
    "agent_loops": sorted(_agent_loop_registry),
    "reward_managers": sorted(REWARD_MANAGER),
    "platforms": list(PlatformRegistry.registered_names()),
    "rollouts": [list(key) for key in _ROLLOUT_REGISTRY],
    "replica": RolloutReplicaRegistry.get("hf").__name__,
    "resolver": OmegaConf.has_resolver("mgrpo_default"),
}}))
"""


@pytest.mark.parametrize(
    "first",
    ["verl", "verl_mgrpo.cpu.hf.adapter", "verl_mgrpo.cpu.hf.server", "verl_mgrpo.cpu.workers", "verl_mgrpo.reward_managers",
     "verl_mgrpo.correction", "verl_mgrpo.agent_loops", "verl_mgrpo.advantage", "verl_mgrpo.cpu.platform"],
)
def test_every_registration_happens_whatever_is_imported_first(first):
    output = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], check=True, capture_output=True,
                            text=True).stdout
    found = json.loads(output.strip().splitlines()[-1])
    assert {"mgrpo", "mgrpo_math", "mgrpo_gsm8k", "mgrpo_minerva_math", "mgrpo_olympiadbench"} <= set(
        found["reward_managers"])
    assert "cpu" in found["platforms"]
    assert ["hf", "async"] in found["rollouts"]
    assert found["replica"] == "HFReplica"
    assert found["resolver"] is True
    assert "mgrpo" in found["estimators"]
    assert {"mgrpo_single_turn", "mgrpo_continuation"} <= set(found["agent_loops"])


def test_reward_manager_uses_reward_fns_unless_a_custom_function_is_set():
    from verl.experimental.reward_loop.reward_manager import get_reward_manager_cls
    from verl.utils.reward_score import default_compute_score

    import reward_fns

    manager_cls = get_reward_manager_cls("mgrpo")
    assert manager_cls(config=None, tokenizer=None, compute_score=default_compute_score).compute_score is (
        reward_fns.compute_score
    )

    def custom(**kwargs):
        return 0.5

    assert manager_cls(config=None, tokenizer=None, compute_score=custom).compute_score is custom
    minerva = get_reward_manager_cls("mgrpo_minerva_math")(config=None, tokenizer=None, compute_score=None)
    # fixed-benchmark managers ignore the row's data_source: Minerva's tolerance applies to any source
    assert minerva.compute_score(data_source="my_physics_set", solution_str="\\boxed{1.62}", ground_truth="1.6")[
        "score"
    ] == 1.0
