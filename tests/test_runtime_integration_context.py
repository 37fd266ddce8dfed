"""The integration context helpers of the stand-in CommonServerPython, and their state
across the simulator's runs (failed runs included)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import CommonServerPython as csp
import demistomock as demisto
import pytest

from generator.instance import load_integration, run_fetch
from generator.simulate.server_loop import ServerLoop


@pytest.fixture(autouse=True)
def fresh_server() -> None:
    """Every test starts on a fresh stand-in server."""
    demisto.reset(command="test-module")


def test_context_is_empty_until_set() -> None:
    """
    Given a fresh instance
    When the integration reads its context
    Then it is empty, plain and versioned
    """
    assert csp.get_integration_context() == {}
    assert csp.get_integration_context(with_version=True) == {
        "context": {},
        "version": -1,
    }


def test_set_then_get_round_trips_as_json() -> None:
    """
    Given a context with an int key and a tuple
    When it is set and read back
    Then it comes back as the server stores it (JSON) and lands in the server state
    """
    csp.set_integration_context({"access_token": "t", "valid_until": 10, 1: (2, 3)})

    expected = {"access_token": "t", "valid_until": 10, "1": [2, 3]}
    assert csp.get_integration_context() == expected
    assert demisto.server_state().integration_context == expected


def test_versioned_calls_are_used_on_servers_from_6_0_0(mocker: Any) -> None:
    """
    Given the stand-in server (6.10.0)
    When the helpers read and write the context
    Then they go through the versioned demisto calls
    """
    get = mocker.spy(demisto, "getIntegrationContextVersioned")
    put = mocker.spy(demisto, "setIntegrationContextVersioned")

    csp.set_integration_context({"a": 1})
    assert csp.get_integration_context() == {"a": 1}

    assert get.call_count == 1 and put.call_count == 1


def test_plain_calls_are_used_on_older_servers(mocker: Any) -> None:
    """
    Given a server older than 6.0.0
    When the helpers read and write the context
    Then they use the plain demisto calls
    """
    mocker.patch.object(demisto, "demistoVersion", return_value={"version": "5.5.0"})
    versioned = mocker.spy(demisto, "getIntegrationContextVersioned")

    csp.set_integration_context({"a": 2})

    assert csp.get_integration_context() == {"a": 2}
    assert demisto.getIntegrationContext() == {"a": 2}
    versioned.assert_not_called()
    assert not csp.is_versioned_context_available()


def test_unstorable_context_is_refused() -> None:
    """
    Given a value JSON cannot hold
    When it is set as the context
    Then TypeError names the call and the previous context stays
    """
    csp.set_integration_context({"a": 1})
    with pytest.raises(TypeError, match="setIntegrationContext"):
        csp.set_integration_context({"a": object()})
    assert csp.get_integration_context() == {"a": 1}


COUNTER = """
import demistomock as demisto
from CommonServerPython import *


def main():
    context = get_integration_context()
    runs = context.get("runs", 0) + 1
    set_integration_context({**context, "runs": runs})
    if demisto.params().get("fail"):
        raise DemistoException("the API is down")
    demisto.incidents([])
    demisto.setLastRun({"runs": runs})
"""


def load(tmp_path: Path) -> Any:
    """The counter integration as a fresh module."""
    path = tmp_path / "Counter.py"
    path.write_text(COUNTER, encoding="utf-8")
    return load_integration(path)


def test_context_survives_runs_including_failed_ones(tmp_path: Path) -> None:
    """
    Given an integration that counts its runs in the integration context
    When the server loop runs it three times, the second run failing
    Then every run sees the count of the ones before: the failed run's context is kept,
        its lastRun is not
    """
    loop = ServerLoop(load(tmp_path), {})
    now = datetime(2024, 3, 10, tzinfo=UTC)
    loop.run(now)
    loop.edit_instance({"fail": True})
    failed = loop.run(now)
    loop.edit_instance({"fail": False})
    loop.run(now)

    assert not failed.ok
    assert loop.integration_context == {"runs": 3}
    assert loop.last_run == {"runs": 3}


def test_run_fetch_reports_the_context_a_failed_run_set(tmp_path: Path) -> None:
    """
    Given a saved context
    When a run that sets the context fails
    Then the outcome carries the new context and no lastRun
    """
    outcome = run_fetch(load(tmp_path), {"fail": True}, None, {"runs": 4})

    assert not outcome.ok and outcome.last_run is None
    assert outcome.integration_context == {"runs": 5}
