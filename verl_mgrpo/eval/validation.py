"""MGRPO's validation: two turns, through the trainer's own generation calls (a mixin of RayMGRPOTrainer)."""

import random
from pathlib import Path

import numpy as np
from verl import DataProto

from verl_mgrpo.correction import correction_queries
from verl_mgrpo.eval.records import metrics_by_benchmark, two_turn_records, write_outputs
from verl_mgrpo.eval.second_turn import second_turn_tokens

# The two-turn columns added to veRL's validation dump (trainer.validation_data_dir).
DUMPED_RECORD_FIELDS = ("second_turn", "guide", "second_turn_context", "answer_t2", "pred_t2", "correct_t1",
                        "correct_t2", "second_turn_generated")


class TwoTurnValidation:
    def _validate(self, merged: bool = False):
        """Answer (t1), then a second turn (t2: ``mgrpo.val_second_turn``). Logs veRL's own validation
        metrics for the first answers (``val-core/{source}/acc/mean@n``, as any veRL run) and the paper's
        five numbers per source under ``val-core/{source}/two_turn/``. veRL's ``trainer.validation_data_dir``
        and ``trainer.log_val_generations`` get the first answers as veRL gives them, plus the second turns."""
        if merged or self.mgrpo.val_second_turn == "none":
            return super()._validate(merged=merged)
        second_turn = second_turn_tokens(
            self.tokenizer, self.mgrpo.val_second_turn, self.mgrpo.guide_phrases, self.mgrpo.guide_separator,
            self.mgrpo.think_end, self.generation_eos_ids,
        )
        guide_rng = random.Random(self.mgrpo.seed)  # the same guides at every validation
        n = self.config.actor_rollout_ref.rollout.val_kwargs.n
        records, sources, uids, first_scores, inputs = [], [], [], [], []
        for index, test_data in enumerate(self.val_dataloader):
            key_prefix = f"val{self.global_steps}.{index}"
            first = self._first_answers(DataProto.from_single_dict(test_data), n, validate=True, key_prefix=key_prefix)
            queries = correction_queries(
                first, second_turn, self.config.actor_rollout_ref.rollout.prompt_length, guide_rng, next_layer=2
            )
            second = self._generate(queries.batch, "second_turn", validate=True) if len(queries.batch) else queries.batch
            records += two_turn_records(first, second, self.tokenizer, self.mgrpo.val_second_turn)
            sources.append(first.non_tensor_batch["data_source"])
            uids += list(first.non_tensor_batch["uid"])
            first_scores += first.batch["rm_scores"].sum(dim=-1).tolist()
            inputs += self.tokenizer.batch_decode(first.batch["prompts"], skip_special_tokens=True)
        first_correct = [float(r["correct_t1"]) for r in records]
        metrics = self._val_metrics_update(
            np.concatenate(sources), uids, {"reward": first_scores, "acc": first_correct}, []
        )
        for source, rates in metrics_by_benchmark(records).items():
            metrics.update({f"val-core/{source}/two_turn/{key}": value for key, value in rates.items()})
        self._write_validation(records, inputs, first_scores)
        return metrics

    def _write_validation(self, records: list[dict], inputs: list[str], first_scores: list[float]) -> None:
        if self.mgrpo.val_output_dir:
            output_dir = Path(self.mgrpo.val_output_dir)
            if not self.config.trainer.get("val_only", False):
                output_dir = output_dir / f"global_step_{self.global_steps}"
            write_outputs(records, output_dir, self.mgrpo.val_method_name)
        outputs = [r["answer_t1"] for r in records]
        self._maybe_log_val_generations(inputs=inputs, outputs=outputs, scores=first_scores)
        validation_data_dir = self.config.trainer.get("validation_data_dir", None)
        if validation_data_dir:
            self._dump_generations(
                inputs=inputs, outputs=outputs, gts=[r["ground_truth"] for r in records], scores=first_scores,
                reward_extra_infos_dict={key: [r[key] for r in records] for key in DUMPED_RECORD_FIELDS},
                dump_path=validation_data_dir,
            )
