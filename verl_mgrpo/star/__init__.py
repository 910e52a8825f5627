"""STaR baselines (the paper's comparison points): fine-tune on the model's own verified answers with veRL's
SFT trainer. ``python -m verl_mgrpo.star`` runs one round: generate, keep what the verifier accepts, fine-tune."""
