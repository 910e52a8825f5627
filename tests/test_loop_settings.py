"""Every setting veRL's loop reads is honoured by MGRPO's loop or refused at start-up.

The keys are read out of the source of veRL's ``RayPPOTrainer.fit`` and ``_validate`` (which MGRPO replaces),
so a veRL release that reads a new setting fails here until the key is placed in ``SETTINGS`` below (and in
README's table) with what MGRPO does with it."""

import ast
import inspect
import textwrap

import pytest
from verl.trainer.ppo.ray_trainer import RayPPOTrainer

# key -> how MGRPO's loop treats it ("honoured: where" or "refused: why"); README mirrors this table.
SETTINGS = {
    "trainer.project_name": "honoured: fit (veRL's Tracking)",
    "trainer.experiment_name": "honoured: fit (veRL's Tracking)",
    "trainer.logger": "honoured: fit (veRL's Tracking)",
    "trainer.val_before_train": "honoured: fit",
    "trainer.val_only": "honoured: fit",
    "trainer.total_epochs": "honoured: fit",
    "trainer.test_freq": "honoured: fit",
    "trainer.save_freq": "honoured: LoopFeatures._must_save",
    "trainer.esi_redundant_time": "honoured: LoopFeatures._must_save (veRL's should_save_ckpt_esi)",
    "trainer.balance_batch": "honoured: _update (veRL's _balance_batch)",
    "trainer.rollout_data_dir": "honoured: _rollout_layers (veRL's _log_rollout_data, every layer's rows)",
    "trainer.critic_warmup": "refused unless 0: check_supported (no critic)",
    "trainer.validation_data_dir": "honoured: TwoTurnValidation (veRL's _dump_generations, plus the second turn)",
    "global_profiler.steps": "honoured: StepProfiler (veRL's _start_profiling / _stop_profiling)",
    "global_profiler.profile_continuous_steps": "honoured: StepProfiler",
    "actor_rollout_ref.rollout.temperature": "honoured: _rollout_layers",
    "actor_rollout_ref.rollout.n": "honoured: _rollout_layers, _update_actor_once",
    "actor_rollout_ref.rollout.val_kwargs.n": "honoured: TwoTurnValidation",
    "actor_rollout_ref.rollout.val_kwargs.do_sample": "honoured: veRL's agent loop (validate=True)",
    "actor_rollout_ref.rollout.agent.num_workers": "honoured: _generate pads every call to it",
    "actor_rollout_ref.actor.policy_loss": "honoured: LoopFeatures._old_log_probs (bypass mode)",
    "actor_rollout_ref.actor.loss_agg_mode": "honoured: the objective and actor/entropy",
    "actor_rollout_ref.actor.loss_scale_factor": "honoured: actor/entropy (and veRL's ppo_loss)",
    "algorithm.adv_estimator": "refused unless mgrpo: check_supported",
    "algorithm.rollout_correction.bypass_mode": "honoured: LoopFeatures (bypass and decoupled modes)",
    "algorithm.norm_adv_by_std_in_grpo": "honoured: the mgrpo estimator",
    "algorithm.use_kl_in_reward": "refused: check_supported (MGRPO uses the KL loss)",
    "algorithm.kl_penalty": "refused with use_kl_in_reward: check_supported",
    "algorithm.gamma": "not used by outcome advantages (as by veRL's grpo)",
    "algorithm.lam": "not used by outcome advantages (as by veRL's grpo)",
    "algorithm.gdpo_reward_keys": "refused with any estimator but mgrpo: check_supported",
    "algorithm": "honoured: passed whole to the mgrpo estimator",
}
# Read by veRL's fit through SkipManager.init(self.config), which the source scan cannot see.
INDIRECT = {"skip.rollout.enable": "refused: check_supported (RolloutSkip replays one generation per step)"}


def config_keys(function) -> set[str]:
    """Dotted config keys a function reads: ``self.config.a.b``, ``.get("c")`` on such a chain, and the same on
    local names bound to one (``x = self.config.a`` then ``x.b``). Method calls (``.get``, ``.items``) are not keys."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    aliases: dict[str, tuple] = {}

    def chain(node) -> tuple | None:
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr == "config":
                return ()
            parent = parents.get(node)
            if isinstance(parent, ast.Call) and parent.func is node:  # a method, not a key
                return None
            base = chain(node.value)
            return None if base is None else (*base, node.attr)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and node.args and isinstance(node.args[0], ast.Constant)):
            base = chain(node.func.value)
            return None if base is None else (*base, node.args[0].value)
        return None

    for node in ast.walk(tree):  # bind aliases first: ``x = self.config.algorithm.get("y")``
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if (bound := chain(node.value)) is not None:
                aliases[node.targets[0].id] = bound
    keys = {".".join(found) for node in ast.walk(tree) if (found := chain(node))}
    return {key for key in keys if not any(other.startswith(key + ".") for other in keys)} | (
        {"algorithm"} if "algorithm" in keys else set()
    )


@pytest.mark.parametrize("method", ["fit", "_validate"])
def test_every_key_veRLs_loop_reads_is_honoured_or_refused(method):
    unplaced = config_keys(getattr(RayPPOTrainer, method)) - set(SETTINGS)
    assert not unplaced, f"veRL's {method} reads {sorted(unplaced)}: honour each under MGRPO or refuse it"


def test_the_table_has_no_key_veRL_no_longer_reads():
    read = config_keys(RayPPOTrainer.fit) | config_keys(RayPPOTrainer._validate)
    assert set(SETTINGS) - read == set()


def test_the_scan_finds_keys_through_gets_and_aliases():
    class Example:
        def fit(self):
            correction = self.config.algorithm.get("rollout_correction", None)
            if correction and correction.get("bypass_mode", False):
                return self.config.trainer.save_freq + len(self.config.trainer.get("logger"))

    assert config_keys(Example.fit) == {"algorithm.rollout_correction.bypass_mode", "trainer.save_freq",
                                        "trainer.logger", "algorithm"}


def test_the_readme_lists_every_setting():
    from tests.conftest import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text()
    missing = [key for key in {**SETTINGS, **INDIRECT} if f"`{key}`" not in readme]
    assert not missing, f"README's table of veRL settings under MGRPO lacks {missing}"
