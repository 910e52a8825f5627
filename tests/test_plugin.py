"""veRL loads ``verl.plugins`` entry points in every process and hides a failed load at DEBUG level, so check
in a fresh interpreter, exactly as a Ray worker starts, that importing verl alone registered everything."""

import json
import subprocess
import sys

PROBE = """
import json, verl
from verl.experimental.reward_loop.reward_manager.registry import REWARD_MANAGER
print(json.dumps({"reward_managers": sorted(REWARD_MANAGER)}))
"""


def _registrations() -> dict:
    output = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_importing_verl_registers_the_reward_managers():
    managers = set(_registrations()["reward_managers"])
    assert {"mgrpo", "mgrpo_math", "mgrpo_gsm8k", "mgrpo_minerva_math", "mgrpo_olympiadbench"} <= managers


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
