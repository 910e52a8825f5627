"""veRL on a machine without a GPU: opt-in (``trainer.device=cpu``), never touched on GPU clusters.

veRL 0.9.1 needs four things it does not have to run its real loop on CPU; each lives here:

- :mod:`.platform`: a ``cpu`` platform (torch device ``cpu``, backend ``gloo``), chosen by ``VERL_PLATFORM=cpu``;
- :mod:`.workers`: workers that start a plain gloo process group (veRL's own backend string,
  ``cpu:gloo,cpu:gloo``, is rejected by torch);
- :mod:`.engine`: the FSDP2 engine registered for device ``cpu``, without pinned-memory offload;
- :mod:`.hf`: the ``hf`` rollout backend (transformers ``generate`` in a Ray actor), since
  vLLM, SGLang and TensorRT-LLM need a GPU.
"""
