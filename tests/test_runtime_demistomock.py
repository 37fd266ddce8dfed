"""The stand-in demistomock keeps server state like the XSOAR server."""

from __future__ import annotations

import math
from datetime import datetime

import demistomock as demisto
import pytest

from generator.runtime import is_standin


def test_the_standin_is_the_runtime_here() -> None:
    assert is_standin(demisto)


def test_reset_sets_inputs_and_clears_records() -> None:
    demisto.incidents([{"name": "a"}])
    demisto.results("x")
    demisto.debug("d")
    demisto.updateModuleHealth("m")
    demisto.setLastRun({"a": 1})

    state = demisto.reset(
        command="fetch-incidents",
        params={"max_fetch": "5"},
        args={"limit": "3"},
        last_run={"last_id": "7"},
        integration_context={"token": "t"},
    )

    assert state is demisto.server_state()
    assert demisto.command() == "fetch-incidents"
    assert demisto.params() == {"max_fetch": "5"}
    assert demisto.args() == {"limit": "3"}
    assert demisto.getParam("max_fetch") == "5"
    assert demisto.getArg("limit") == "3"
    assert demisto.getLastRun() == {"last_id": "7"}
    assert demisto.getIntegrationContext() == {"token": "t"}
    assert (state.incidents, state.results, state.logs, state.module_health) == (
        [],
        [],
        [],
        [],
    )


def test_reset_copies_its_inputs() -> None:
    params = {"url": "https://a"}
    demisto.reset(params=params)
    params["url"] = "changed"
    assert demisto.params() == {"url": "https://a"}


def test_plugin_resets_state_between_tests_part_one() -> None:
    demisto.setLastRun({"leak": True})
    demisto.incidents([{"name": "leak"}])


def test_plugin_resets_state_between_tests_part_two() -> None:
    assert demisto.server_state().last_run is None
    assert demisto.server_state().incidents == []


def test_get_last_run_is_empty_dict_until_saved() -> None:
    assert demisto.server_state().last_run is None
    assert demisto.getLastRun() == {}
    demisto.setLastRun({"time": "2024-01-01T00:00:00Z"})
    assert demisto.getLastRun() == {"time": "2024-01-01T00:00:00Z"}


def test_set_last_run_is_a_json_round_trip() -> None:
    demisto.setLastRun({"found_incident_ids": {5: 1700000000}, "pair": (1, 2)})
    assert demisto.getLastRun() == {
        "found_incident_ids": {"5": 1700000000},
        "pair": [1, 2],
    }
    assert demisto.server_state().last_run == demisto.getLastRun()


def test_get_last_run_returns_an_independent_copy() -> None:
    demisto.setLastRun({"last_ids": ["1"]})
    demisto.getLastRun()["last_ids"].append("2")
    assert demisto.getLastRun() == {"last_ids": ["1"]}


@pytest.mark.parametrize(
    "value",
    [
        {"time": datetime(2024, 1, 1)},
        {"ids": {1, 2}},
        {(1, 2): "tuple key"},
        {"x": math.nan},
        {"x": object()},
    ],
    ids=["datetime", "set", "tuple-key", "nan", "object"],
)
def test_set_last_run_refuses_what_json_cannot_hold(value: object) -> None:
    demisto.setLastRun({"kept": True})
    with pytest.raises(
        TypeError, match=r"setLastRun: the value cannot be stored as JSON"
    ):
        demisto.setLastRun(value)
    assert demisto.getLastRun() == {"kept": True}


def test_integration_context_round_trip() -> None:
    assert demisto.getIntegrationContext() == {}
    demisto.setIntegrationContext({"token": "abc", 1: "one"})
    assert demisto.getIntegrationContext() == {"token": "abc", "1": "one"}
    assert demisto.server_state().integration_context == {"token": "abc", "1": "one"}
    assert demisto.getIntegrationContextVersioned()["context"] == {
        "token": "abc",
        "1": "one",
    }
    with pytest.raises(TypeError, match="setIntegrationContext"):
        demisto.setIntegrationContext({"when": datetime(2024, 1, 1)})


def test_incidents_are_recorded_per_call() -> None:
    demisto.incidents([{"name": "a", "dbotMirrorId": "1"}])
    demisto.incidents([])
    assert demisto.server_state().incidents == [
        [{"name": "a", "dbotMirrorId": "1"}],
        [],
    ]


def test_incidents_refuse_non_lists_and_non_json() -> None:
    with pytest.raises(TypeError, match="expected a list"):
        demisto.incidents({"name": "a"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="incidents"):
        demisto.incidents([{"occurred": datetime(2024, 1, 1)}])
    assert demisto.server_state().incidents == []


def test_results_logs_and_module_health_are_recorded() -> None:
    demisto.results({"Type": 1, "Contents": "x"})
    demisto.debug("one")
    demisto.info("two")
    demisto.error("three")
    demisto.updateModuleHealth("Fetched 3 incidents")
    demisto.updateModuleHealth("API down")
    state = demisto.server_state()
    assert state.results == [{"Type": 1, "Contents": "x"}]
    assert state.logs == [("debug", "one"), ("info", "two"), ("error", "three")]
    assert state.module_health == ["Fetched 3 incidents", "API down"]


def test_update_module_health_takes_one_argument_as_the_reference_does() -> None:
    """
    Given the reference demistomock's updateModuleHealth(error)
    When it is called with is_error= (the XSOAR docs' form), or with two arguments
    Then it raises TypeError, as the reference does, and records nothing
    """
    with pytest.raises(TypeError):
        demisto.updateModuleHealth("API down", is_error=True)
    with pytest.raises(TypeError):
        demisto.updateModuleHealth("API down", True)
    assert demisto.server_state().module_health == []


def test_calling_context_and_versions() -> None:
    demisto.reset(command="test-module", args={"a": "1"})
    assert demisto.callingContext["command"] == "test-module"
    assert demisto.callingContext["args"] == {"a": "1"}
    assert demisto.demistoVersion()["version"] == "6.10.0"
    assert isinstance(demisto.investigation()["id"], str)


def test_debug_mode_follows_the_argument() -> None:
    demisto.reset(command="fetch-incidents", args={"debug-mode": "true"})
    assert demisto.is_debug_mode() is True
    demisto.reset(command="fetch-incidents")
    assert demisto.is_debug_mode() is False


def test_functions_can_be_patched_like_the_real_module(mocker) -> None:
    mocker.patch.object(demisto, "params", return_value={"url": "https://x"})
    assert demisto.params() == {"url": "https://x"}
