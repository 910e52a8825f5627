"""Pull the final answer out of a model response.

Everything here is a linear scan (no backtracking regex over the whole response), so a 1 MB response or
10 000 nested braces cost milliseconds, never a hang.
"""

import re

_BOX_COMMANDS = ("\\boxed", "\\fbox")

# "The final answer is $x$." is the Minerva / Qwen2.5-Math harness fallback; "#### x" is GSM8K's own format.
_FINAL_ANSWER_RE = re.compile(r"[Tt]he final answer is[:\s]*(.{1,300}?)(?:\.\s|\.?$|\n| I hope)", re.S)
_HASH_ANSWER_RE = re.compile(r"####\s*([^\n]{1,100})")
_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _braced_content(text: str, open_index: int) -> str | None:
    """Content of the brace group opening at ``text[open_index] == '{'``; None when it never closes."""
    depth = 0
    for index in range(open_index, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[open_index + 1 : index]
    return None


def last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` / ``\\fbox{...}`` (balanced braces), or of ``\\boxed 5``."""
    start = max(text.rfind(command) for command in _BOX_COMMANDS)
    if start < 0:
        return None
    command = next(c for c in _BOX_COMMANDS if text.startswith(c, start))
    rest = start + len(command)
    if rest < len(text) and text[rest] == "{":
        return _braced_content(text, rest)
    if rest < len(text) and text[rest] == " ":  # "\boxed 5": the answer runs to the next space or "$"
        return text[rest + 1 :].split("$")[0].split()[0] if text[rest + 1 :].strip() else None
    return None


def all_boxed(text: str) -> list[str]:
    """Every ``\\boxed{...}`` content in order (used when one answer is split over several boxes)."""
    found, position = [], 0
    while True:
        start = min((i for i in (text.find(c, position) for c in _BOX_COMMANDS) if i >= 0), default=-1)
        if start < 0:
            return found
        brace = text.find("{", start)
        if brace < 0:
            return found
        content = _braced_content(text, brace)
        if content is None:
            return found
        found.append(content)
        position = brace + len(content) + 2


def strip_math_delimiters(answer: str) -> str:
    answer = answer.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if answer.startswith(left) and answer.endswith(right) and len(answer) >= len(left) + len(right):
            return answer[len(left) : len(answer) - len(right)].strip()
    return answer


def extract_answer(response: str, last_number_fallback: bool = False) -> str | None:
    """The final answer of ``response``: the last box, else "The final answer is ...", else "#### ...",
    else (GSM8K harnesses only) the last number in the text. None when nothing is found."""
    boxed = last_boxed(response)
    if boxed is not None:
        return boxed.strip() or None
    tail = response[-2000:]  # the fallbacks only ever look at the end of a response
    for pattern in (_FINAL_ANSWER_RE, _HASH_ANSWER_RE):
        matches = list(pattern.finditer(tail))
        if matches:
            return strip_math_delimiters(matches[-1].group(1)) or None
    if last_number_fallback:
        numbers = _NUMBER_RE.findall(tail)
        if numbers:
            return numbers[-1].rstrip(",")
    return None
