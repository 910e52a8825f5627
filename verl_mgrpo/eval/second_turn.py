"""The second turn of MGRPO's two-turn evaluation, on token ids.

- ``guide`` (MGRPO's): continue the same assistant turn after a guide phrase, the first answer cut before
  ``</think>`` (the layer-2 query of training, :func:`verl_mgrpo.correction.correction_query`).
- ``prompt`` (intrinsic self-correction): close the assistant turn, then a new user turn with the paper's
  instruction, then a new assistant turn. The turn markup comes from the model's own chat template, and the
  first answer's own end-of-turn tokens give way to it.
"""

from collections.abc import Sequence

from verl_mgrpo.correction import TEMPLATE_PLACEHOLDER, GuideTokens, end_of_turn_ids

PROMPT_INSTRUCTION = (
    "The solution above may contain errors due to a misunderstanding of the question. Please identify and "
    "correct any mistakes, then rewrite the solution clearly and accurately."
)
MODES = ("guide", "prompt", "none")


def new_turn_suffix(tokenizer, instruction: str = PROMPT_INSTRUCTION) -> list[int]:
    """Token ids that close an assistant answer and open a user turn (``instruction``) and a new assistant
    turn, cut out of the chat template's own rendering of such a conversation."""
    before = [{"role": "user", "content": "q"}, {"role": "assistant", "content": TEMPLATE_PLACEHOLDER}]
    rendered = tokenizer.apply_chat_template(
        before + [{"role": "user", "content": instruction}], add_generation_prompt=True, tokenize=False
    )
    suffix = rendered[rendered.index(TEMPLATE_PLACEHOLDER) + len(TEMPLATE_PLACEHOLDER) :]
    if instruction not in suffix:
        raise ValueError("new_turn_suffix: the chat template does not render a user turn after an assistant turn")
    return tokenizer.encode(suffix, add_special_tokens=False)


def second_turn_tokens(tokenizer, mode: str, guide_phrases: Sequence[str], separator: str, think_end: str,
                       generation_eos_ids: Sequence[int] = (), instruction: str = PROMPT_INSTRUCTION) -> GuideTokens:
    """What follows the first answer in each mode, as the ``GuideTokens`` that
    :func:`~verl_mgrpo.correction.correction_queries` appends: in ``prompt`` mode the one "guide" is the
    new-turn markup, and the first answer is kept whole (no ``</think>`` cut). Either way the first answer ends at
    its first end-of-turn token."""
    if mode == "guide":
        return GuideTokens.build(tokenizer, guide_phrases, separator, think_end, generation_eos_ids)
    if mode == "prompt":
        suffix = tuple(new_turn_suffix(tokenizer, instruction))
        return GuideTokens((instruction,), (suffix,), (), end_of_turn_ids(tokenizer, generation_eos_ids))
    raise ValueError(f"second turn mode {mode!r}: use one of {', '.join(m for m in MODES if m != 'none')}")
