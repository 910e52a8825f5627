"""Per-sample routing keys and seeds for MGRPO's generation calls.

Every layer-1 sample gets a routing key; its corrections and their augmentation samples reuse it as their
request id, so veRL's sticky load balancer sends them to the server that holds the sample's prefix in its
cache. Keys are built from the step and the row, not drawn at random, so a rerun makes the same keys.

Under ``rollout.full_determinism`` veRL passes vLLM one seed per replica: the H augmentation samples of one
query, identical prompts, would come out identical and every layer-2 group would get advantage 0. So each
sample carries its own seed, derived from its key, its stage and its place among the rows sharing that key.
"""

import hashlib
from collections import Counter

import numpy as np


def sample_keys(prefix: str, uids_per_row: int, rows: int) -> np.ndarray:
    """``{prefix}-{question}/{sample}`` for ``rows`` rows laid out as veRL's interleaved repeat lays them out."""
    return np.array([f"{prefix}-{row // uids_per_row}/{row % uids_per_row}" for row in range(rows)], dtype=object)


def sample_seeds(keys, stage: str, base_seed: int) -> np.ndarray:
    """A 31-bit seed per row, a pure function of (base seed, stage, key, how many earlier rows share the key)."""
    seen: Counter = Counter()
    seeds = np.empty(len(keys), dtype=np.int64)
    for row, key in enumerate(keys):
        digest = hashlib.sha256(f"{base_seed}|{stage}|{key}|{seen[key]}".encode()).digest()
        seeds[row] = int.from_bytes(digest[:4], "little") & 0x7FFFFFFF
        seen[key] += 1
    return seeds
