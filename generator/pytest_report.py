"""Failed tests from pytest's JUnit XML report, each with its first failing assertion."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

# pytest's hints about its own options mean nothing to a reader of the check table.
PYTEST_HINTS = re.compile(r"use -v+ to|-vv to show|full diff", re.IGNORECASE)
LOCATION = re.compile(r"^(?P<file>[^\s:][^:\n]*\.py):(?P<line>\d+): ", re.MULTILINE)
MAX_EXPLANATION_LINES = 6
MAX_LINE_CHARS = 200


@dataclass(frozen=True)
class FailedTest:
    """One failed or erroring test: where it stopped and why."""

    test: str
    location: str
    statement: str
    explanation: list[str]

    def describe(self) -> str:
        """Lines for a report: the test and its line, the statement, then why."""
        where = f" ({self.location})" if self.location else ""
        lines = [f"{self.test}{where}"]
        if self.statement:
            lines.append(f"  > {self.statement}")
        lines += [f"  {line}" for line in self.explanation]
        return "\n".join(lines)


def failed_tests(junit_xml: Path) -> list[FailedTest]:
    """Every failure and error in the report, in the order pytest ran them."""
    try:
        tree = ElementTree.parse(junit_xml)
    except (OSError, ElementTree.ParseError):
        return []
    found = []
    for case in tree.iter("testcase"):
        for outcome in case:
            if outcome.tag not in ("failure", "error"):
                continue
            found.append(_failed_test(case, outcome))
    return found


def _failed_test(case: ElementTree.Element, outcome: ElementTree.Element) -> FailedTest:
    name = case.get("name", "?")
    if outcome.tag == "error":
        name += " (error)"
    text = outcome.text or ""
    return FailedTest(
        test=name,
        location=_test_location(text),
        statement=_failing_statement(text),
        explanation=_explanation(outcome.get("message") or ""),
    )


def _failing_statement(text: str) -> str:
    """The source line pytest marks with ``>`` in the test function itself."""
    for line in text.splitlines():
        if line.startswith(">"):
            return _short(line[1:].strip())
    return ""


def _test_location(text: str) -> str:
    """``file.py:line`` of the test's failing line, and where it raised when deeper."""
    places = [f"{Path(m['file']).name}:{m['line']}" for m in LOCATION.finditer(text)]
    if not places:
        return ""
    if places[-1] != places[0]:
        return f"{places[0]}, raised at {places[-1]}"
    return places[0]


def _explanation(message: str) -> list[str]:
    """pytest's message: the assertion with its values, without option hints."""
    lines = [
        _short(line.strip())
        for line in message.splitlines()
        if line.strip() and not PYTEST_HINTS.search(line)
    ]
    if lines:
        lines[0] = lines[0].removeprefix("AssertionError: ")
    if len(lines) > MAX_EXPLANATION_LINES:
        hidden = len(lines) - MAX_EXPLANATION_LINES
        lines = lines[:MAX_EXPLANATION_LINES] + [f"... {hidden} more lines"]
    return lines


def _short(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 3] + "..."
