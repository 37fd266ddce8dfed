"""User-facing errors: each carries a one-line message and an exit status."""

from __future__ import annotations

import re
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


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


class ConflictError(CheckFailedError):
    """An update left merge conflicts; the message names every conflicted file."""


_ANSWER_MESSAGES = (
    re.compile(
        r"^Validation error for question '(?P<key>[^']+)': (?P<reason>.+)$", re.S
    ),
    re.compile(r"^Invalid choice for '(?P<key>[^']+)': (?P<reason>.+)$", re.S),
    re.compile(r'^Question "(?P<key>[^"]+)" is (?P<reason>required)$'),
    re.compile(
        r'^Invalid answer "(?P<value>.*)" of type .* to question "(?P<key>[^"]+)" '
        r'of type "(?P<reason>[^"]+)"$',
        re.S,
    ),
)


def answer_error(error: Exception) -> UserError | None:
    """Turn Copier's answer-validation message into an ``InvalidAnswerError``.

    Copier raises a plain ``ValueError`` (or ``TypeError``) naming the question when a
    value given non-interactively fails its validator, its choices or its type.
    Returns ``None`` when the message is not one of those.
    """
    text = str(error).strip()
    for pattern in _ANSWER_MESSAGES:
        match = pattern.match(text)
        if match:
            reason = " ".join(match.group("reason").split())
            if pattern is _ANSWER_MESSAGES[2]:
                reason = "a value is required (give it with --data or --data-file)"
            elif pattern is _ANSWER_MESSAGES[3]:
                reason = f"expected a value of type {reason}"
            return InvalidAnswerError(match.group("key"), reason)
    return None


def one_line(error: BaseException) -> str:
    """An exception's message on one line (its type name when it has none)."""
    return " ".join(str(error).split()) or type(error).__name__


@contextmanager
def copier_errors() -> Iterator[list[str]]:
    """Run Copier with its errors as ``UserError`` and its warnings as notes.

    Answer errors become ``InvalidAnswerError``; the yielded list receives each
    warning Copier emitted, as one line, once the block has finished.
    """
    from copier.errors import CopierError, CopierWarning

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", CopierWarning)
        try:
            yield notes
        except (CopierError, ValueError) as error:
            raise answer_error(error) or UserError(one_line(error)) from error
        except subprocess.CalledProcessError as error:
            detail = one_line(error.stderr or "") if error.stderr else one_line(error)
            raise UserError(f"git failed: {detail}") from error
    notes.extend(one_line(warning.message) for warning in caught)
