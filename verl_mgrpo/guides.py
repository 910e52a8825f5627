"""The guiding phrases that open a second look (layer 2 of MGRPO, and the second turn of evaluation).

Importable without veRL. The default pool is written once, in the packaged config
(``verl_mgrpo/config/mgrpo_additions.yaml``, ``mgrpo.guide_phrases``), and read from there; any pool can be
set with ``mgrpo.guide_phrases``.
"""

from pathlib import Path

from omegaconf import OmegaConf

PACKAGED_ADDITIONS = Path(__file__).resolve().parent / "config" / "mgrpo_additions.yaml"
DEFAULT_GUIDE_PHRASES: tuple[str, ...] = tuple(OmegaConf.load(PACKAGED_ADDITIONS).mgrpo.guide_phrases)
