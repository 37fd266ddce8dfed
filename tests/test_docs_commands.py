"""The README's command table and the getting-started guide match the command line."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from generator.cli import build_parser, main
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


def documented_answer_errors() -> list[tuple[str, str]]:
    """Each `$ xsoar-fetch new out --data ...` example in docs/ and the error line shown under it."""
    examples = []
    for page in sorted((REPO_ROOT / "docs").glob("*.md")):
        lines = page.read_text("utf-8").splitlines()
        for command, shown in zip(lines, lines[1:], strict=False):
            if command.startswith("$ xsoar-fetch new out --data ") and shown.startswith(
                "xsoar-fetch new: error: "
            ):
                examples.append((command.removeprefix("$ "), shown))
    return examples


def test_docs_show_answer_errors() -> None:
    """The guide shows at least one refused answer (so the check below checks something)."""
    assert documented_answer_errors()


@pytest.mark.parametrize(("command", "shown"), documented_answer_errors())
def test_documented_answer_errors_are_what_the_command_prints(
    command: str, shown: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """
    Given an answer error shown in the docs
    When the same command runs
    Then it prints exactly the line the docs show, exits 2 and writes nothing
    """
    argv = command.split()[1:]
    argv[1] = str(tmp_path / "out")
    # A working tree with local edits is refused before the answers are read.
    assert main([*argv, "--allow-dirty"]) == 2
    assert capsys.readouterr().err.strip() == shown
    assert not (tmp_path / "out").exists()


def test_question_table_states_every_numeric_range() -> None:
    """
    Given a question whose validator accepts whole numbers from X to Y
    When the README's question table is read
    Then the key's row states the same range, so nobody learns it from a refusal
    """
    questions = yaml.safe_load((REPO_ROOT / "copier.yml").read_text("utf-8"))
    rows = [line for line in README.splitlines() if line.startswith("| `")]
    ranges = {
        key: re.search(r"from (\d+) to (\d+)", question["validator"]).groups()
        for key, question in questions.items()
        if isinstance(question, dict)
        and re.search(r"from \d+ to \d+", question.get("validator", ""))
    }
    assert ranges
    for key, (low, high) in ranges.items():
        (row,) = (row for row in rows if f"`{key}`" in row.split("|")[1])
        assert f"{low} to {high}" in row, key


def test_ci_runs_the_readme_test_command_then_the_slow_tiers() -> None:
    """
    Given the README's test command (the fast tier) and .ci/run
    When both are read
    Then the getting-started guide and the developers' section give the same command,
        it leaves out the slow tiers, and .ci/run runs it and then the slow tiers
    """
    commands = re.findall(
        r"^\.venv/bin/python (-m pytest [^#\n]*?)\s*(?:#.*)?$", README, re.M
    )
    fast = [command for command in commands if '-m "not slow"' in command]
    assert len(set(fast)) == 1, commands
    ci = (REPO_ROOT / ".ci" / "run").read_text("utf-8")
    lines = [line.strip() for line in ci.splitlines()]
    runs = [line for line in lines if line.startswith("python -m pytest")]
    assert runs == [f"python {fast[0]}", "python -m pytest -n auto -m slow"]
