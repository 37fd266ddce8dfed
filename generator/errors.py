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


# Copier's messages for an answer given with --data that fails its question, and
# how each reads once the question is named.
_ANSWER_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^Validation error for question '(?P<key>[^']+)': (?P<why>.+)$", re.S
        ),
        "{why}",
    ),
    (re.compile(r"^Invalid choice for '(?P<key>[^']+)': (?P<why>.+)$", re.S), "{why}"),
    (
        re.compile(r'^Question "(?P<key>[^"]+)" is required$'),
        "a value is required (give it with --data or --data-file)",
    ),
    (
        re.compile(
            r'^Invalid answer .* to question "(?P<key>[^"]+)" of type "(?P<why>[^"]+)"$',
            re.S,
        ),
        "expected a value of type {why}",
    ),
)


def answer_error(error: Exception) -> UserError | None:
    """Turn Copier's message about a bad answer into an ``InvalidAnswerError``.

    Copier raises a plain ``ValueError`` (or one of its own errors) naming the
    question when a value given non-interactively fails its validator, its choices
    or its type. Returns ``None`` for any other message.
    """
    text = str(error).strip()
    for pattern, reason in _ANSWER_MESSAGES:
        match = pattern.match(text)
        if match:
            why = " ".join((match.groupdict().get("why") or "").split())
            return InvalidAnswerError(match.group("key"), reason.format(why=why))
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
            stderr = error.stderr
            if isinstance(stderr, bytes):
                stderr = stderr.decode(errors="replace")
            detail = " ".join((stderr or "").split()) or one_line(error)
            raise UserError(f"git failed: {detail}") from error
    notes.extend(one_line(warning.message) for warning in caught)
