"""The guiding phrases that open a second look (layer 2 of MGRPO, and the second turn of evaluation).

Importable without veRL. The first three are quoted from the MGRPO paper (Ding et al., 2025); the other
four are written in the same style to complete a pool of seven. Any pool can be set with
``mgrpo.guide_phrases``.
"""

DEFAULT_GUIDE_PHRASES = (
    "Wait, let me double-check that.",
    "Where might I have gone wrong this time? Let me double-check carefully.",
    "Hmm, let me think if there's another way to approach this problem.",
    "Let me verify each step of my solution again.",
    "Wait, let me re-examine my calculation.",
    "Let me check whether my answer is consistent with the question.",
    "Hold on, let me go through the reasoning once more.",
)
