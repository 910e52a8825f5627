"""Names shared across modules, importable without veRL.

:mod:`verl_mgrpo.plugin` runs inside ``import verl``; when a process's first veRL import comes from one of
our modules, that module is only half imported at that moment. Constants the plugin (or a module it
imports) reads must therefore live here, in a module that imports nothing from veRL.
"""

HF_ROLLOUT_NAME = "hf"  # the transformers rollout backend (verl_mgrpo.cpu.hf)
ESTIMATOR_NAME = "mgrpo"  # algorithm.adv_estimator
REWARD_MANAGER_NAME = "mgrpo"  # reward.reward_manager.name that grades each row by its data_source
SINGLE_TURN_AGENT = "mgrpo_single_turn"  # layer-1 agent loop (sticky request ids)
CONTINUATION_AGENT = "mgrpo_continuation"  # layer-k agent loop (continues given token ids)

# Per-row fields MGRPO adds to veRL batches.
LAYER_KEY = "mgrpo_layer"  # 1 for layer-1 rows, k for rows of layer k
PROMPT_IDS_KEY = "mgrpo_prompt_ids"  # the token ids the continuation agent loop sends as the prompt
PARENT_KEY = "mgrpo_parent"  # index of the row (in the previous layer) that a correction continues
REQUEST_KEY = "mgrpo_request_key"  # sticky routing: a correction goes to the server that wrote its parent
GUIDE_KEY = "mgrpo_guide"  # the guiding phrase a correction was given
MAX_TOKENS_KEY = "mgrpo_max_tokens"  # the continuation's token budget
SEED_KEY = "mgrpo_seed"  # the sample's own sampling seed (validation, and training under full_determinism)
NO_SEED = -1  # SEED_KEY of a sample the server seeds as it likes
# Per-request field a rollout server may return: prompt tokens served from its prefix cache (the hf backend).
CACHED_PROMPT_TOKENS_KEY = "cached_prompt_tokens"
