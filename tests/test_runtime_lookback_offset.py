"""Conformance cases of our own for the look-back helpers' ``offset`` and ID lifetime,
written from the server's behaviour (docs/runtime.md; primer section 5)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from CommonServerPython import (
    filter_incidents_by_duplicates_and_limit,
    get_fetch_run_time_range,
    update_last_run_object,
)
from freezegun import freeze_time

FORMAT = "%Y-%m-%dT%H:%M:%SZ"
NOW = datetime(2024, 3, 10, 12, 0)
START = "2024-03-10T11:00:00Z"
END = "2024-03-10T12:00:00Z"
BATCH = [{"id": "1", "created": "2024-03-10T11:58:00Z"}]


def update(last_run: dict, incidents: list[dict], **kwargs: object) -> dict:
    """update_last_run_object with this module's window and a fetch limit of 5."""
    arguments = {
        "fetch_limit": 5,
        "start_fetch_time": START,
        "end_fetch_time": END,
        "look_back": 0,
        "created_time_field": "created",
        "id_field": "id",
        "date_format": FORMAT,
        **kwargs,
    }
    return update_last_run_object(last_run=last_run, incidents=incidents, **arguments)


@freeze_time(NOW)
@pytest.mark.parametrize("new_offset", [0, 7])
@pytest.mark.parametrize("look_back", [0, 10])
@pytest.mark.parametrize("incidents", [[], BATCH], ids=["empty", "batch"])
def test_offset_is_written_whenever_one_is_given(
    new_offset: int, look_back: int, incidents: list[dict]
) -> None:
    """
    Given a new_offset that is not None (zero or not), with or without look-back and
        incidents
    When the last run is updated
    Then offset is that value and limit is the fetch limit (never the look-back's
        grown limit)
    """
    last_run = {"time": START, "found_incident_ids": {"9": 1710071000}}
    result = update(last_run, incidents, look_back=look_back, new_offset=new_offset)
    assert result["offset"] == new_offset
    assert result["limit"] == 5


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("saved", "expected_time"), [({"time": START}, START), ({}, None)]
)
def test_a_non_zero_offset_keeps_the_saved_time(
    saved: dict, expected_time: str | None
) -> None:
    """
    Given a saved time (or none: a first run)
    When the last run is updated with a batch and new_offset 3
    Then time stays the saved one (None on a first run), not the batch's newest
    """
    result = update(dict(saved), BATCH, look_back=10, new_offset=3)
    assert result["time"] == expected_time
    assert (result["offset"], result["limit"]) == (3, 5)


@freeze_time(NOW)
def test_zero_offset_moves_the_time_as_without_offset() -> None:
    """
    Given new_offset 0 (paging ended)
    When the last run is updated with a batch and with none
    Then time moves to the newest incident, or to the window's end
    """
    assert update({"time": START}, BATCH, new_offset=0)["time"] == BATCH[0]["created"]
    assert update({"time": START}, [], new_offset=0)["time"] == END


@freeze_time(NOW)
def test_the_last_run_is_updated_in_place_so_an_earlier_offset_survives() -> None:
    """
    Given a last run that holds an offset and a key of the integration's own
    When it is updated with no new_offset
    Then the same dict is returned, still holding both; time and limit moved on
    """
    last_run = {"time": START, "offset": 4, "limit": 5, "mine": "kept"}
    result = update(last_run, BATCH, look_back=10)
    assert result is last_run
    assert result["offset"] == 4 and result["mine"] == "kept"
    assert result["time"] == BATCH[0]["created"] and result["limit"] == 6


def test_ids_live_two_look_backs_after_they_are_stamped() -> None:
    """
    Given an ID stamped at 12:00 with look_back 5
    When later updates run at 12:10:00 and at 12:10:01 (look_back 5)
    Then it is kept at exactly 2 x 5 minutes and dropped a second later
    """
    with freeze_time(NOW):
        last_run = update({}, BATCH, look_back=5)
    for moment, kept in (
        (NOW + timedelta(minutes=10), True),
        (NOW + timedelta(seconds=601), False),
    ):
        with freeze_time(moment):
            copy = {
                **last_run,
                "found_incident_ids": dict(last_run["found_incident_ids"]),
            }
            found = update(copy, [], look_back=5)["found_incident_ids"]
        assert ("1" in found) is kept, moment


def fetched_again_after_raising(old: int, new: int) -> bool:
    """Fetch every minute for 15 minutes with look_back ``old``, then once with
    ``new``; whether the event of the first run comes back."""
    event = {"id": "e1", "created": "2024-03-10T11:59:00Z"}
    last_run: dict = {}
    for minute in range(16):
        look_back = old if minute < 15 else new
        with freeze_time(NOW + timedelta(minutes=minute)):
            start, end = get_fetch_run_time_range(
                last_run=last_run,
                first_fetch="2 minutes",
                look_back=look_back,
                date_format=FORMAT,
            )
            visible = [event] if start <= event["created"] <= end else []
            batch = filter_incidents_by_duplicates_and_limit(
                incidents_res=visible, last_run=last_run, fetch_limit=5, id_field="id"
            )
            if minute == 15:
                return bool(batch)
            last_run = update(
                last_run,
                batch,
                look_back=look_back,
                start_fetch_time=start,
                end_fetch_time=end,
            )
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("old", "new", "again"),
    [(5, 10, False), (5, 20, True), (0, 20, True), (10, 20, False)],
)
def test_raising_look_back_refetches_only_past_twice_the_old_value(
    old: int, new: int, again: bool
) -> None:
    """
    Given an event fetched in the first run, with look_back old for 15 minutes
    When look_back is raised to new
    Then the event comes back only when new is more than twice old, or old was 0
    """
    assert fetched_again_after_raising(old, new) is again
