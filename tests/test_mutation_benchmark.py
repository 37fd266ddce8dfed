"""The mutation benchmark's mutator (benchmarks/mutation.py): which functions it mutates,
that every mutant is one small compiling change, and its one-line input errors."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import mutation  # noqa: E402

MODULE = '''
MAX_FETCH_LIMIT = 200


def parse_limit(value, name):
    """Return a limit."""
    if not 1 <= int(value) <= MAX_FETCH_LIMIT:
        raise ValueError(name)
    return int(value)


class Client:
    def list_events(self, since):
        return [event for event in self.events if event["t"] > since]


def seen_keys(events, seen):
    for event in events:
        if event["id"] in seen:
            continue
        seen.add(event["id"])


def fetch_incidents(client, last_run, max_fetch):
    events = client.list_events(last_run.get("t", 0))
    seen_keys(events, set())
    return events[:max_fetch] or []


def unrelated(x):
    return x > 1 and x < 5


def main(params):
    fetch_incidents(None, {}, max_fetch=parse_limit(params.get("max_fetch"), "Limit"))
'''


def test_fetch_core_is_the_fetch_and_what_it_reaches() -> None:
    """
    Given a module with a fetch, its helpers, a limit parser and an unrelated function
    When its fetch core is found
    Then it is the fetch, the helpers and methods it calls and its arguments' parsers
    """
    core = [node.name for node in mutation.fetch_core(ast.parse(MODULE))]

    assert core == ["parse_limit", "list_events", "seen_keys", "fetch_incidents"]


def test_mutants_are_single_compiling_changes_of_the_core() -> None:
    """
    Given the module
    When its mutants are listed
    Then each compiles, changes the syntax tree, and lies outside unrelated and main
    """
    found = mutation.mutants(MODULE)
    descriptions = {(m.function, m.description) for m in found}

    assert ("parse_limit", "LtE -> Lt") in descriptions
    assert ("parse_limit", "1 -> 0") in descriptions
    assert ("seen_keys", "continue dropped") in descriptions
    assert ("seen_keys", ".add() call removed") in descriptions
    assert ("fetch_incidents", "Or -> And") in descriptions
    assert {m.function for m in found} <= {
        "parse_limit",
        "list_events",
        "seen_keys",
        "fetch_incidents",
    }
    original = ast.dump(ast.parse(MODULE))
    for mutant in found:
        changed = mutant.apply(MODULE)
        assert ast.dump(ast.parse(changed)) != original
        assert changed.count("\n") == MODULE.count("\n")


def test_module_without_a_fetch_is_refused() -> None:
    """
    Given a module with no fetch_incidents or fetch_events
    When its fetch core is asked for
    Then the benchmark refuses it, saying so
    """
    with pytest.raises(mutation.BenchmarkError, match="no fetch_incidents"):
        mutation.fetch_core(ast.parse("def main():\n    pass\n"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--answers", "/nonexistent/answers.yml"], "cannot read --answers"),
        (["--sample", "0"], "--sample: 0 is not 1 or more"),
        (["--timeout", "soon"], "--timeout: 'soon' is not a number"),
    ],
)
def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """
    Given a missing answers file or a bad number
    When the benchmark starts
    Then it exits non-zero with a one-line error naming it, rendering nothing
    """
    try:
        status = mutation.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    error = capsys.readouterr().err.strip().splitlines()[-1]

    assert status == 2
    assert message in error
