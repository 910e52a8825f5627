"""The one place verl-mgrpo registers itself with veRL.

veRL 0.9.1 imports every ``verl.plugins`` entry point (setup.py names this module) in each process that
imports ``verl``: the driver, the TaskRunner and every Ray worker. It logs a failed import only at DEBUG
level, so ``tests/test_plugin.py`` checks in a fresh interpreter that each registration below happened.
"""

from verl_mgrpo import reward_managers  # noqa: F401  (registers the reward managers)
