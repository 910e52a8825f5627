"""The trainer's generation calls (a mixin of RayMGRPOTrainer, used by training and two-turn validation):
first answers through veRL's agent loop, and generation calls of any size, seeded sample by sample where asked."""

import numpy as np
from verl import DataProto
from verl.protocol import pad_dataproto_to_divisor, unpad_dataproto

from verl_mgrpo.correction import new_group_uids
from verl_mgrpo.names import NO_SEED, REQUEST_KEY, SEED_KEY, SINGLE_TURN_AGENT
from verl_mgrpo.sampling import sample_keys, sample_seeds


class Generation:
    def _first_answers(self, batch: DataProto, n: int, validate: bool, key_prefix: str) -> DataProto:
        """``n`` answers per question through veRL's agent loop, as rows with the question's fields."""
        if "uid" not in batch.non_tensor_batch:
            batch.non_tensor_batch["uid"] = new_group_uids(len(batch))  # one group per question
        batch = batch.repeat(repeat_times=n, interleave=True)
        gen_batch = self._get_gen_batch(batch)
        # MGRPO: each sample gets a routing key, so its corrections reach the server that cached its prefix.
        keys = sample_keys(key_prefix, n, len(batch))
        gen_batch.non_tensor_batch[REQUEST_KEY] = keys
        if "agent_name" not in gen_batch.non_tensor_batch:
            gen_batch.non_tensor_batch["agent_name"] = np.array([SINGLE_TURN_AGENT] * len(gen_batch), dtype=object)
        answers = batch.union(self._generate(gen_batch, "layer1", validate))
        answers.non_tensor_batch[REQUEST_KEY] = keys
        return answers

    def _generate(self, inputs: DataProto, stage: str, validate: bool = False) -> DataProto:
        """One generation call of any size: padded, as veRL's ``_validate`` pads, to a multiple of the agent-loop
        workers it is split over (an empty chunk would crash the call)."""
        rollout = self.config.actor_rollout_ref.rollout
        # Validation always samples from per-sample seeds: its samples then depend on the model alone, not on
        # how requests fell into the servers' batches, so runs and methods validate alike (step 0 equal by
        # construction). Training samples so only under full_determinism, as veRL's own rollouts.
        if validate or rollout.get("full_determinism", False):
            seeds = sample_seeds(inputs.non_tensor_batch[REQUEST_KEY], stage, rollout.seed)
        else:
            seeds = np.full(len(inputs), NO_SEED, dtype=np.int64)
        inputs.non_tensor_batch[SEED_KEY] = seeds
        inputs.meta_info["global_steps"] = self.global_steps
        inputs.meta_info["validate"] = validate  # veRL's agent loop then samples with rollout.val_kwargs
        padded, pad_size = pad_dataproto_to_divisor(inputs, rollout.agent.num_workers)
        output = unpad_dataproto(self.async_rollout_manager.generate_sequences(padded), pad_size)
        output.meta_info.pop("timing", None)
        # veRL's streaming reward drops the input fields from the output; a correction row keeps its own.
        output.non_tensor_batch.update(inputs.non_tensor_batch)
        return output
