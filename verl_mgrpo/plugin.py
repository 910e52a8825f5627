"""The one place verl-mgrpo registers itself with veRL.

veRL 0.9.1 imports every ``verl.plugins`` entry point (setup.py names this module) in each process that
imports ``verl``: the driver, the TaskRunner and every Ray worker. It logs a failed import only at DEBUG
level, so ``tests/test_plugin.py`` checks in a fresh interpreter that each registration below happened.

Everything registered here is inert until a config selects it: a GPU cluster with the plugin installed
runs exactly as before.
"""

from omegaconf import OmegaConf
from verl.workers.rollout.base import _ROLLOUT_REGISTRY
from verl.workers.rollout.replica import RolloutReplicaRegistry

# A process whose first veRL import comes from inside one of our modules runs this file while that module
# is half imported: read no attribute of a module that imports veRL, only of verl_mgrpo.names and
# verl_mgrpo.defaults (tests/test_plugin.py checks several import orders).
from verl_mgrpo import advantage, agent_loops, defaults, reward_managers  # noqa: F401  (register on import)
from verl_mgrpo.cpu import platform  # noqa: F401  (the "cpu" platform, chosen only by VERL_PLATFORM=cpu)
from verl_mgrpo.names import HF_ROLLOUT_NAME


def _hf_replica():
    from verl_mgrpo.cpu.hf.replica import HFReplica

    return HFReplica


# veRL 0.9.1 has no public hook to add a rollout backend's worker-side class: get_rollout_class reads this
# private dict at call time, so an entry here is the least invasive way in.
_ROLLOUT_REGISTRY[(HF_ROLLOUT_NAME, "async")] = "verl_mgrpo.cpu.hf.adapter.HFServerAdapter"
RolloutReplicaRegistry.register(HF_ROLLOUT_NAME, _hf_replica)

# ${mgrpo_default:model} and friends in the packaged configs resolve in whichever process resolves them.
OmegaConf.register_new_resolver("mgrpo_default", defaults.default_path, replace=True)
