"""The ``hf`` rollout backend: Hugging Face transformers generation as a veRL rollout server.

veRL 0.9.1's rollout backends (vLLM, SGLang, TensorRT-LLM) all need a GPU, and its old ``HFRollout`` is
abstract. This backend fills the same three slots vLLM fills, so veRL's agent loop, load balancer,
weight sync and sleep/wake cycle run unchanged:

- :class:`.server.HFServer`: a Ray actor that generates from token ids and returns each token's log-probability
  (``log_softmax(logits / T)``, what veRL's actor recomputes), batching concurrent requests and, like vLLM's
  prefix cache (``rollout.enable_prefix_caching``), reusing the key/value states of sequences it generated;
- :class:`.replica.HFReplica`: the ``RolloutReplica`` that launches one server per replica;
- :class:`.adapter.HFServerAdapter`: the ``BaseRollout`` inside each actor worker that pushes the actor's weights
  to its server after every update and forwards sleep/wake;

and two pieces the server is built from: :mod:`.sampling` (request settings, top-k/top-p filtering, the batched
sampling loop) and :mod:`.prefix_cache` (the key/value states kept for reuse).

The server's contract, said here once: it keeps vLLM's where MGRPO depends on it, so what breaks on vLLM breaks
here too. A sleeping server refuses to generate (a generation call placed after ``checkpoint_manager.sleep_replicas()`` fails as on a GPU);
weights arrive after every update and empty the prefix cache; a request with a ``seed`` (and, under
``rollout.full_determinism``, every request: seed ``replica_rank + rollout.seed`` unless it brings one) samples
from its own generator, so identical seeded prompts give identical samples; ``max_model_len`` is
``rollout.max_model_len`` or the model's ``max_position_embeddings``, and a prompt that leaves no room raises.
"""
