"""User-facing errors: each carries a one-line message and an exit status."""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the user asked for; shown as one line, never a traceback."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidAnswerError(UserError):
    """A template answer failed validation."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"invalid answer for '{key}': {reason}")
        self.key = key


class CheckFailedError(UserError):
    """A check, simulation or update found problems (already reported)."""

    exit_code = 1
