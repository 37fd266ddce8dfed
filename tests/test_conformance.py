"""Replay the recorded answers of the server's fetch helpers against the stand-in.

Every case of ``tests/data/conformance/lookback_reference.json`` is one test: call the
function with the recorded keyword arguments under the recorded frozen clock and
compare the JSON round trip of the answer (and of ``last_run`` when it is changed in
place) with the recording. The whole set is also replayed under a non-UTC local zone.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import CommonServerPython as csp
import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

REFERENCE = (
    Path(__file__).resolve().parent / "data" / "conformance" / "lookback_reference.json"
)
MESSAGE_CHECKED = {"arg_to_number", "arg_to_datetime"}


def _load_cases() -> list[dict[str, Any]]:
    if not REFERENCE.is_file():
        raise FileNotFoundError(
            f"conformance reference not found at {REFERENCE}: it is part of the "
            "repository (tests/data/conformance/); restore it from git"
        )
    return json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]


def _case_ids(cases: list[dict[str, Any]]) -> list[str]:
    return [f"{index:03d}-{case['fn']}" for index, case in enumerate(cases)]


try:
    CASES = _load_cases()
    LOAD_ERROR = ""
except (OSError, ValueError, KeyError) as exc:  # reported by the test, never skipped
    CASES = []
    LOAD_ERROR = str(exc)


def _as_json(value: Any) -> Any:
    """The recorded form of an answer: datetimes as isoformat, then a JSON round trip."""

    def default(item: Any) -> Any:
        if isinstance(item, datetime | date):
            return item.isoformat()
        raise TypeError(f"not JSON serialisable: {item!r}")

    return json.loads(json.dumps(value, default=default))


def _replay(case: dict[str, Any], clock: FrozenDateTimeFactory) -> list[str]:
    """Run one case; return the differences from the recording (empty when equal)."""
    function = getattr(csp, case["fn"])
    args = copy.deepcopy(case["args"])
    problems: list[str] = []
    clock.move_to(case["now"])
    try:
        answer = function(**args)
    except Exception as exc:  # compared with the recorded exception
        if "raises" not in case:
            return [f"raised {type(exc).__name__}: {exc}; expected {case['result']!r}"]
        if type(exc).__name__ != case["raises"]:
            problems.append(f"raised {type(exc).__name__}, expected {case['raises']}")
        if case["fn"] in MESSAGE_CHECKED and str(exc) != case["message"]:
            problems.append(f"message {str(exc)!r}, expected {case['message']!r}")
        return problems
    if "raises" in case:
        return [f"returned {answer!r}, expected {case['raises']}"]
    if _as_json(answer) != case["result"]:
        problems.append(f"result {_as_json(answer)!r}, expected {case['result']!r}")
    if (
        "last_run_after" in case
        and _as_json(args["last_run"]) != case["last_run_after"]
    ):
        problems.append(
            f"last_run after {_as_json(args['last_run'])!r}, "
            f"expected {case['last_run_after']!r}"
        )
    return problems


@pytest.fixture(scope="module")
def clock() -> Iterator[FrozenDateTimeFactory]:
    """One frozen clock for the module, moved to each case's time (cheap per case)."""
    with freeze_time("2024-01-01T00:00:00Z") as frozen:
        yield frozen


def test_reference_is_present_and_complete() -> None:
    assert not LOAD_ERROR, LOAD_ERROR
    assert len(CASES) == 600


@pytest.mark.parametrize(
    "case",
    CASES or [None],
    ids=_case_ids(CASES) if CASES else ["reference-missing"],
)
def test_reference_case(
    case: dict[str, Any] | None, clock: FrozenDateTimeFactory
) -> None:
    if case is None:
        pytest.fail(LOAD_ERROR, pytrace=False)
    assert _replay(case, clock) == []


@pytest.fixture
def kolkata_local_time() -> Iterator[None]:
    """Switch the process's local zone to UTC+05:30 for one test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.usefixtures("kolkata_local_time")
def test_reference_under_non_utc_local_zone(clock: FrozenDateTimeFactory) -> None:
    assert time.strftime("%z", time.localtime(0)) == "+0530"
    assert CASES, LOAD_ERROR
    failures = {
        case_id: problems
        for case_id, case in zip(_case_ids(CASES), CASES, strict=True)
        if (problems := _replay(case, clock))
    }
    assert failures == {}
