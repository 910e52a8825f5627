"""MGRPO's configs: the YAML files beside this module (veRL's ppo_trainer plus MGRPO's additions) and the
typed ``mgrpo:`` section, each setting documented where it is declared."""

from dataclasses import dataclass, field

from verl.base_config import BaseConfig

from verl_mgrpo.guides import DEFAULT_GUIDE_PHRASES


@dataclass
class MGRPOConfig(BaseConfig):
    # Layers of GRPO per step. 1 is plain GRPO (veRL's own loop, unchanged); 2 is the paper's MGRPO; with
    # k > 2, layer k+1 corrects the augmented samples of layer k.
    num_layers: int = 2
    # H: samples drawn for each kept correction query q'_j; each q'_j's samples form one GRPO group.
    augment_n: int = 4
    # Whether the correction that passed selection joins its own group (it is right by construction, which
    # biases the group mean; the paper's groups are the H fresh samples).
    keep_selecting_sample: bool = False
    # p_guide is drawn uniformly from this pool for every correction query.
    guide_phrases: list[str] = field(default_factory=lambda: list(DEFAULT_GUIDE_PHRASES))
    # Text between the layer-below response and the guide phrase.
    guide_separator: str = "\n"
    # A response holding this marker is cut before it, so the model keeps thinking in the same turn.
    think_end: str = "</think>"
    # Token budget of each continuation; null: actor_rollout_ref.rollout.response_length.
    max_correction_length: int | None = None
    # Weight of the layer-2 term of the objective: loss = J_layer1 + layer_weight * J_layer>=2, each term veRL's
    # PPO loss (policy and KL) over its own rows (verl_mgrpo/objective.py). 0 trains layer 1 exactly as GRPO.
    layer_weight: float = 1.0
    # Seed of the guide-phrase draws.
    seed: int = 0
    # Validation is two-turn: the answer (t1), then a second turn (t2) in this mode: "guide" (continue the
    # same assistant turn after a guide phrase, as layer 2 does), "prompt" (a new user turn asking for a
    # revision: intrinsic self-correction) or "none" (veRL's one-turn validation only).
    val_second_turn: str = "guide"
    # Where validation writes generations.jsonl, metrics.json and table.md (null: write nothing).
    val_output_dir: str | None = None
    # The method's name in those files and in reports.
    val_method_name: str = "mgrpo"

    def __post_init__(self):
        problems = []
        if self.num_layers < 1:
            problems.append(f"num_layers={self.num_layers}: use 1 (GRPO) or more")
        if self.augment_n < 0:
            problems.append(f"augment_n={self.augment_n}: use 0 or more samples per kept correction")
        if self.augment_n == 0 and not self.keep_selecting_sample and self.num_layers > 1:
            problems.append("augment_n=0 with keep_selecting_sample=false leaves layer 2 empty: raise augment_n")
        if not self.guide_phrases or not all(isinstance(p, str) and p.strip() for p in self.guide_phrases):
            problems.append("guide_phrases must be a non-empty list of non-empty strings")
        if self.max_correction_length is not None and self.max_correction_length < 1:
            problems.append(f"max_correction_length={self.max_correction_length}: use a positive token count or null")
        if self.val_second_turn not in ("guide", "prompt", "none"):
            problems.append(f"val_second_turn={self.val_second_turn!r}: use guide, prompt or none")
        if self.layer_weight < 0:
            problems.append(f"layer_weight={self.layer_weight}: use a non-negative weight")
        if problems:
            raise ValueError("mgrpo config: " + "; ".join(problems))
