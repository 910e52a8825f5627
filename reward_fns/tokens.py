"""The token cursor under reward_fns' two small LaTeX parsers (:mod:`reward_fns.arithmetic`,
:mod:`reward_fns.latex_reader`): each subclass names its token pattern and the exception that means "not
mine to read"."""

import re


class TokenCursor:
    pattern: re.Pattern  # one token in group 1, leading spaces allowed
    refused: type[Exception]

    def __init__(self, text: str):
        self.tokens, self.position = [], 0
        text = text.rstrip()
        while self.position < len(text):
            match = self.pattern.match(text, self.position)
            if not match:
                raise self.refused
            self.tokens.append(match.group(1))
            self.position = match.end()
        self.position = 0

    def peek(self, ahead: int = 0) -> str | None:
        index = self.position + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise self.refused
        self.position += 1
        return token
