"""The README's command table and the getting-started guide match the command line."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from generator.cli import build_parser
from generator.template_source import TEMPLATE_ENV_VAR

REPO_ROOT = Path(__file__).resolve().parents[1]
README = (REPO_ROOT / "README.md").read_text("utf-8")


def verb_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (subparsers,) = (
        action
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    return dict(subparsers.choices)


def table_row(verb: str) -> str:
    rows = [
        line
        for line in README.splitlines()
        if line.startswith(f"| `xsoar-fetch {verb} ")
    ]
    assert len(rows) == 1, f"README command table: no single row for {verb}"
    return rows[0]


@pytest.mark.parametrize("verb", sorted(verb_parsers()))
def test_readme_table_lists_every_option(verb: str) -> None:
    """
    Given a verb of the command line
    When its README table row is read
    Then every long option the verb accepts is named there
    """
    row = table_row(verb)
    options = {
        option
        for action in verb_parsers()[verb]._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    missing = sorted(option for option in options if not re.search(rf"{option}\b", row))
    assert missing == []


def test_getting_started_does_not_promise_iter_events_to_cursor_packs() -> None:
    """Cursor packs have no iter_events: the guide says which packs do."""
    text = (REPO_ROOT / "docs" / "getting-started.md").read_text("utf-8")
    paragraph = next(p for p in text.split("\n\n") if "iter_events" in p)
    assert "cursor" in paragraph


def test_docs_name_the_template_variable_and_default_version() -> None:
    """The README says how the template is found and which version is rendered."""
    assert TEMPLATE_ENV_VAR in README
    assert "newest release tag" in README and "HEAD" in README
