"""The command line's own behaviour: dispatch, unexpected errors, closed pipes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from generator import cli


def test_unexpected_error_is_one_line_without_traceback(monkeypatch, capsys):
    """
    Given a verb that fails with an unexpected exception
    When the command line runs it
    Then the user sees one line naming the error, and a non-zero exit status
    """

    def broken(args):
        raise RuntimeError("disk on fire\nsecond line")

    parser = cli.build_parser()
    args = parser.parse_args(["check", "."])
    args.handler = broken
    monkeypatch.setattr(cli, "build_parser", lambda: _FixedParser(args))
    monkeypatch.delenv(cli.DEBUG_ENV_VAR, raising=False)

    assert cli.main(["check", "."]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "RuntimeError: disk on fire second line" in err
    assert "Traceback" not in err


def test_debug_variable_shows_the_traceback(monkeypatch):
    """
    Given the debug variable is set
    When a verb fails unexpectedly
    Then the exception propagates for a full traceback
    """

    def broken(args):
        raise RuntimeError("boom")

    args = cli.build_parser().parse_args(["check", "."])
    args.handler = broken
    monkeypatch.setattr(cli, "build_parser", lambda: _FixedParser(args))
    monkeypatch.setenv(cli.DEBUG_ENV_VAR, "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["check", "."])


def test_help_lists_every_verb():
    """
    Given the installed command
    When asked for help through python -m generator
    Then every verb is listed
    """
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for verb in ("new", "update", "check", "simulate", "fetch"):
        assert verb in done.stdout


class _FixedParser:
    """A parser stand-in that returns prepared arguments."""

    def __init__(self, args):
        self._args = args

    def parse_args(self, argv):
        return self._args
