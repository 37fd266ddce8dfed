"""Everyday commands start fast: --help imports neither Copier nor the simulator."""

from __future__ import annotations

import subprocess
import sys

import pytest

from generator.simulate import SCENARIO_NAMES
from generator.simulate.scenarios import BUILTINS

VERBS = ("new", "update", "check", "simulate", "fetch")
# Imported only when a command really runs.
HEAVY = (
    "copier",
    "generator.simulate.",
    "generator.runtime",
    "requests",
    "dateparser",
    "freezegun",
    "jinja2",
    "rich",
)


def imported_modules(*argv: str) -> tuple[set[str], str]:
    """Module names `python -X importtime -m generator ARGV` imported, and its output."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "generator", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, done.stdout


@pytest.mark.parametrize("argv", [("--help",), *((verb, "--help") for verb in VERBS)])
def test_help_imports_no_heavy_module(argv: tuple[str, ...]) -> None:
    """
    Given the command line
    When the top-level or a verb's --help is shown
    Then neither Copier nor the simulator (nor their dependencies) is imported
    """
    names, out = imported_modules(*argv)
    assert "usage: xsoar-fetch" in out
    heavy = sorted(
        name
        for name in names
        if any(name == h.rstrip(".") or name.startswith(h) for h in HEAVY)
        and name != "generator.simulate"
    )
    assert heavy == []
    assert "generator.cli" in names


def test_help_names_every_builtin_scenario() -> None:
    """The light list of scenario names shown in --help matches the simulator's."""
    assert SCENARIO_NAMES == tuple(BUILTINS)
