"""``trainer.rollout_data_dir`` under MGRPO: every generated row of a step, layer-2 rows included, for veRL's
own dump (``RayPPOTrainer._log_rollout_data``: one JSONL line per row with input, output, ground truth and
score). Each line also says the row's layer, its stage (``answer``, ``correction``, ``augmentation``), the
layer-1 sample it descends from (``sample_key``), its parent row in the layer below, the guide phrase, and
for a correction whether selection kept it, so q' ⊕ continuation reads as text."""

import numpy as np
from verl import DataProto

from verl_mgrpo.merging import merge_layers
from verl_mgrpo.names import GUIDE_KEY, LAYER_KEY, PARENT_KEY, REQUEST_KEY

STAGE_KEY = "mgrpo_stage"
KEPT_KEY = "mgrpo_kept"
# dump column: (batch field, value for rows without one)
COLUMNS = {
    "layer": (LAYER_KEY, 1),
    "stage": (STAGE_KEY, "answer"),
    "sample_key": (REQUEST_KEY, None),
    "parent": (PARENT_KEY, -1),
    "guide": (GUIDE_KEY, None),
    "kept": (KEPT_KEY, None),
}


def dump_batch(generated: list[DataProto], pad_token_id: int) -> tuple[DataProto, dict[str, list]]:
    """One batch of every generated row (for decoding) and the per-row MGRPO columns."""
    tagged = []
    for batch in generated:
        batch = DataProto.from_dict(
            tensors={"prompts": batch.batch["prompts"], "responses": batch.batch["responses"],
                     "attention_mask": batch.batch["attention_mask"], "response_mask": batch.batch["response_mask"],
                     "token_level_scores": batch.batch["rm_scores"]},
            non_tensors={"reward_model": batch.non_tensor_batch["reward_model"],
                         **{field: batch.non_tensor_batch.get(field, np.full(len(batch), default, dtype=object))
                            for field, default in COLUMNS.values()}},
        )
        tagged.append(batch)
    merged = merge_layers(tagged, pad_token_id)
    columns = {name: merged.non_tensor_batch[field].tolist() for name, (field, _) in COLUMNS.items()}
    return merged, columns
