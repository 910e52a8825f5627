"""Multi-layer GRPO (Ding et al., 2025) as a plugin for veRL 0.9.1.

Importing this package registers nothing; :mod:`verl_mgrpo.plugin` does, and veRL imports it in every
process through the ``verl.plugins`` entry point.
"""
