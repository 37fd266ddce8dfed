"""The stand-in ``send_events_to_xsiam``: records what a collector sends, like XSIAM."""

from __future__ import annotations

import inspect

import demistomock as demisto
import pytest
from CommonServerPython import (
    XSIAM_EVENT_CHUNK_SIZE,
    DemistoException,
    send_events_to_xsiam,
)


def test_signature_is_the_servers() -> None:
    """
    Given the stand-in send_events_to_xsiam
    When its parameters are listed
    Then they are the server's, with the same defaults
    """
    parameters = inspect.signature(send_events_to_xsiam).parameters

    assert list(parameters) == [
        "events",
        "vendor",
        "product",
        "data_format",
        "url_key",
        "num_of_attempts",
        "chunk_size",
        "should_update_health_module",
        "add_proxy_to_request",
    ]
    assert parameters["data_format"].default is None
    assert parameters["url_key"].default == "url"
    assert parameters["num_of_attempts"].default == 3
    assert parameters["chunk_size"].default == XSIAM_EVENT_CHUNK_SIZE == 2**20
    assert parameters["should_update_health_module"].default is True
    assert parameters["add_proxy_to_request"].default is False


def test_each_call_is_recorded_with_its_dataset() -> None:
    """
    Given a fetch-events run
    When the integration sends two batches
    Then both are recorded in order, as JSON, with the dataset vendor_product_raw
        (lowercase), and the module health counts the events of each
    """
    demisto.reset(command="fetch-events")
    event = {"id": 1, "_time": "2024-03-10T12:00:00Z", "nested": {"a": (1, 2)}}

    send_events_to_xsiam([event], vendor="Acme", product="Alerts")
    send_events_to_xsiam(["a raw line", {"id": 2}], vendor="acme", product="alerts")

    state = demisto.server_state()
    first, second = state.sent_events
    assert first.events == [
        {"id": 1, "_time": "2024-03-10T12:00:00Z", "nested": {"a": [1, 2]}}
    ]
    assert first.dataset == second.dataset == "acme_alerts_raw"
    assert (first.vendor, first.product) == ("Acme", "Alerts")
    assert second.events == ["a raw line", {"id": 2}]
    assert state.health_counters == [{"eventsPulled": 1}, {"eventsPulled": 2}]
    assert state.module_health == []


def test_an_empty_list_only_updates_the_module_health() -> None:
    """
    Given a run with no new events
    When the integration sends an empty list
    Then a call with no events is recorded and the health reports 0 events pulled
    """
    demisto.reset(command="fetch-events")

    send_events_to_xsiam([], vendor="acme", product="alerts")

    state = demisto.server_state()
    assert [batch.events for batch in state.sent_events] == [[]]
    assert state.health_counters == [{"eventsPulled": 0}]


def test_a_string_is_sent_as_lines() -> None:
    """
    Given events already written as lines of text
    When they are sent as one string
    Then each non-empty line is one event
    """
    send_events_to_xsiam("first\nsecond\n\n", vendor="acme", product="alerts")

    assert demisto.server_state().sent_events[0].events == ["first", "second"]


def test_health_update_can_be_turned_off() -> None:
    """
    Given should_update_health_module false
    When events are sent
    Then they are recorded and the module health is left alone
    """
    send_events_to_xsiam(
        [{"id": 1}], vendor="acme", product="alerts", should_update_health_module=False
    )

    assert len(demisto.server_state().sent_events) == 1
    assert demisto.server_state().health_counters == []


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([{"id": 1}, 42], "event 1 is a int; send dicts or strings"),
        ([["a", "list"]], "event 0 is a list"),
        ({"id": 1}, "events must be a list of dicts or strings, got dict"),
        (None, "events must be a list of dicts or strings, got NoneType"),
        ([{"id": float("nan")}], "cannot be sent as JSON"),
        ([{"when": object()}], "cannot be sent as JSON"),
    ],
)
def test_what_xsiam_cannot_take_is_refused(events: object, message: str) -> None:
    """
    Given events that are not dicts or strings, or not JSON
    When they are sent
    Then DemistoException says what is wrong and nothing is recorded
    """
    with pytest.raises(DemistoException, match=message):
        send_events_to_xsiam(events, vendor="acme", product="alerts")  # type: ignore[arg-type]

    assert demisto.server_state().sent_events == []
    assert demisto.server_state().health_counters == []


@pytest.mark.parametrize(
    ("vendor", "product"), [("", "alerts"), ("acme", " "), (None, "x")]
)
def test_vendor_and_product_are_required(vendor: object, product: object) -> None:
    """
    Given an empty or missing vendor or product
    When events are sent
    Then DemistoException names the missing one
    """
    with pytest.raises(DemistoException, match="must be a non-empty string"):
        send_events_to_xsiam([{"id": 1}], vendor=vendor, product=product)  # type: ignore[arg-type]


def test_module_health_messages_and_counters_stay_apart() -> None:
    """
    Given a run that reports a stall message and sends events
    When the module health is read
    Then the message is the run's Fetch History message and the counter is apart
    """
    demisto.updateModuleHealth("The API sent nothing new; the next fetch asks again.")
    send_events_to_xsiam([{"id": 1}], vendor="acme", product="alerts")

    state = demisto.server_state()
    assert state.module_health == [
        "The API sent nothing new; the next fetch asks again."
    ]
    assert state.health_counters == [{"eventsPulled": 1}]


def test_calling_context_exists() -> None:
    """
    Given a fetch-events run
    When the integration (or send_events_to_xsiam) reads demisto.callingContext
    Then it holds the command and the instance context
    """
    demisto.reset(command="fetch-events")

    assert demisto.callingContext["command"] == "fetch-events"
    assert "IntegrationBrand" in demisto.callingContext["context"]


def test_reset_clears_what_was_sent() -> None:
    """
    Given events sent in one run
    When the next run starts
    Then nothing is recorded as sent in it
    """
    send_events_to_xsiam([{"id": 1}], vendor="acme", product="alerts")

    state = demisto.reset(command="fetch-events")

    assert state.sent_events == [] and state.health_counters == []
