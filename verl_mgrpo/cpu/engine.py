"""veRL's FSDP2 engines, registered for device ``cpu``.

veRL registers its FSDP engines only for ``cuda``/``npu``. On CPU they work unchanged but for one line: a
forward-only model (the reference policy) gets ``CPUOffloadPolicy(pin_memory=True)``, and pinning memory
needs an accelerator. On CPU the parameters already live in host memory, so the offload is moot: build the
module as a trainable one would be built, while the engine stays forward-only (no optimizer).
"""

from verl.workers.engine.base import EngineRegistry
from verl.workers.engine.fsdp.transformer_impl import FSDPEngineWithLMHead, FSDPEngineWithValueHead


class _NoPinnedOffload:
    def _build_fsdp_module(self, module):
        # _build_fsdp_module is private to veRL's FSDPEngine; it is the only place the pinned offload
        # policy is chosen, from engine_config.forward_only, so flip that flag for the duration of the call.
        forward_only = self.engine_config.forward_only
        self.engine_config.forward_only = False
        try:
            return super()._build_fsdp_module(module)
        finally:
            self.engine_config.forward_only = forward_only


@EngineRegistry.register(model_type="language_model", backend=["fsdp2"], device="cpu")
class CPUFSDPEngineWithLMHead(_NoPinnedOffload, FSDPEngineWithLMHead):
    pass


@EngineRegistry.register(model_type="value_model", backend=["fsdp2"], device="cpu")
class CPUFSDPEngineWithValueHead(_NoPinnedOffload, FSDPEngineWithValueHead):
    pass
