"""The fake API's departures from the contract: rate limit, expiring cursors, repeated
rows, an ignored limit, a start time refused beside a cursor or ID, IDs numbered at
creation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from generator.simulate.api_quirks import ApiQuirks
from generator.simulate.events import IDS_AT_CREATION, EventSpec, index_events
from generator.simulate.fake_api import ApiShape, Credential, FakeApi

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
SINCE = {"from": "2024-03-10T11:00:00Z"}


def shape(style: str) -> ApiShape:
    return ApiShape.from_answers(
        {
            "events_endpoint": "/events",
            "auth_type": "none",
            "query_style": style,
            "events_path": "data",
            "time_format": "iso8601",
            "id_field": "id",
            "time_field": "created",
            "name_field": "title",
            "severity_field": "",
        }
    )


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start fake APIs with quirks for a test, stop them afterwards."""
    started: list[FakeApi] = []

    def start(
        style: str, specs: list[EventSpec], ids_at: str = "visibility", **options: Any
    ) -> FakeApi:
        events = index_events(specs, "iso8601", ids_at=ids_at)
        api = FakeApi(shape(style), events, Credential("", ""), **options).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def at(*minutes: float, lag: float = 0) -> list[EventSpec]:
    return [
        EventSpec(time=T0 + timedelta(minutes=m), lag=timedelta(minutes=lag))
        for m in minutes
    ]


def get(api: FakeApi, **params: Any) -> requests.Response:
    return requests.get(f"{api.base_url}/events", params=params, timeout=5)


def ids(response: requests.Response) -> list[int]:
    return [event["id"] for event in response.json()["data"]]


def test_rate_limit_refuses_requests_past_the_budget_for_a_minute(serve: Any) -> None:
    """
    Given an API allowing 3 requests a minute
    When 4 requests come at one time, then one a minute later
    Then the 4th gets HTTP 429 with Retry-After, the one a minute later passes
    """
    api = serve("time_range", at(1), quirks=ApiQuirks(rate_limit=3))
    api.begin_cycle(T0 + timedelta(minutes=5))
    statuses = [get(api, **SINCE).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = get(api, **SINCE)
    assert refused.headers["Retry-After"] == "60"
    api.begin_cycle(T0 + timedelta(minutes=6))
    assert get(api, **SINCE).status_code == 200
    assert api.stats.rate_limited == 2


def test_cursor_expires_after_it_was_last_sent(serve: Any) -> None:
    """
    Given a cursor API whose cursors expire after 30 minutes
    When a cursor is used 29 minutes after it was sent, then 31 minutes after
    Then the first use works (sending it again renews it) and a use 31 minutes
        after the last sending gets HTTP 400 saying it expired
    """
    quirks = ApiQuirks(cursor_expiry=timedelta(minutes=30))
    api = serve("cursor", at(1, 2), quirks=quirks)
    api.begin_cycle(T0 + timedelta(minutes=5))
    cursor = get(api, **SINCE, limit=2).json()["next_cursor"]
    api.begin_cycle(T0 + timedelta(minutes=34))
    assert get(api, cursor=cursor).status_code == 200
    api.begin_cycle(T0 + timedelta(minutes=36))
    expired = get(api, cursor=cursor)
    assert expired.status_code == 400 and "expired" in expired.json()["error"]


def test_duplicate_rows_repeat_events_and_count_in_offsets(serve: Any) -> None:
    """
    Given a time_range API that lists every event twice in a row
    When pages of 3 are asked for by offset
    Then each event comes twice and the offset counts rows: nothing is skipped
    """
    api = serve("time_range", at(1, 2, 3), quirks=ApiQuirks(duplicate_rows=1.0))
    api.begin_cycle(T0 + timedelta(minutes=5))
    pages = [ids(get(api, **SINCE, limit=3, offset=offset)) for offset in (0, 3)]
    assert pages == [[1001, 1001, 1002], [1002, 1003, 1003]]


def test_duplicate_rows_inside_a_cursor_page(serve: Any) -> None:
    """A cursor page holds both copies of a repeated event when they fit."""
    api = serve("cursor", at(1, 2), quirks=ApiQuirks(duplicate_rows=1.0))
    api.begin_cycle(T0 + timedelta(minutes=5))
    assert ids(get(api, **SINCE, limit=4)) == [1001, 1001, 1002, 1002]


def test_duplicate_rows_cut_by_the_page_size_lead_the_next_cursor_page(
    serve: Any,
) -> None:
    """
    Given a cursor API that lists every event twice in a row
    When pages of 3 are asked for, each with the cursor of the page before
    Then the second copy cut off by the page size leads the next page: every row once
    """
    api = serve("cursor", at(1, 2, 3), quirks=ApiQuirks(duplicate_rows=1.0))
    api.begin_cycle(T0 + timedelta(minutes=5))
    first = get(api, **SINCE, limit=3).json()
    second = get(api, cursor=first["next_cursor"], limit=3).json()
    pages = [[event["id"] for event in page["data"]] for page in (first, second)]
    assert pages == [[1001, 1001, 1002], [1002, 1003, 1003]]


def test_some_rows_repeat_at_a_share(serve: Any) -> None:
    """With a share of 0.3, some but not all of 200 events come twice."""
    api = serve("cursor", at(*range(200)), quirks=ApiQuirks(duplicate_rows=0.3))
    api.begin_cycle(T0 + timedelta(minutes=300))
    rows = ids(get(api, **SINCE, limit=1000))
    repeated = len(rows) - len(set(rows))
    assert set(rows) == set(range(1001, 1201))
    assert 30 <= repeated <= 90


@pytest.mark.parametrize("style", ["time_range", "id_greater_than", "cursor"])
def test_ignored_limit_returns_a_full_page(serve: Any, style: str) -> None:
    """
    Given an API that ignores the limit parameter, its page cap 5
    When a page of 2 is asked for
    Then it sends 5 events
    """
    quirks = ApiQuirks(ignore_limit=True)
    api = serve(style, at(*range(1, 9)), page_size=5, quirks=quirks)
    api.begin_cycle(T0 + timedelta(minutes=10))
    assert len(get(api, **SINCE, limit=2).json()["data"]) == 5


@pytest.mark.parametrize(
    ("style", "position"), [("cursor", "cursor"), ("id_greater_than", "since_id")]
)
def test_stale_start_is_refused_beside_a_position(
    serve: Any, style: str, position: str
) -> None:
    """
    Given an API that refuses a start time sent with a cursor or an ID
    When the first request sends the start time, a later one its position, and one
        both
    Then the first two are answered and the third gets HTTP 400 naming both
    """
    api = serve(style, at(1, 2), quirks=ApiQuirks(refuse_stale_start=True))
    api.begin_cycle(T0 + timedelta(minutes=5))
    first = get(api, **SINCE, limit=1)
    token = first.json().get("next_cursor") or str(ids(first)[-1])

    assert get(api, **{position: token}).status_code == 200
    refused = get(api, **SINCE, **{position: token})
    assert refused.status_code == 400
    assert refused.json() == {"error": f"{position} and from cannot be sent together"}


def test_a_page_deep_into_a_window_times_out_as_requests_raises_it(serve: Any) -> None:
    """
    Given a time-window API whose pages starting 4 events or more into a window time out
    When pages of 2 are asked for at offsets 0, 2 and 4
    Then the first two are served; the third raises requests' ReadTimeout, unwrapped,
        and counts as an injected timeout
    """
    quirks = ApiQuirks(deep_page_timeout=4)
    api = serve("time_range", at(*range(1, 9)), quirks=quirks)
    api.begin_cycle(T0 + timedelta(minutes=10))
    assert ids(get(api, **SINCE, limit=2, offset=0)) == [1001, 1002]
    assert ids(get(api, **SINCE, limit=2, offset=2)) == [1003, 1004]
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(api, **SINCE, limit=2, offset=4)
    assert api.stats.injected == ["timeout"]


def test_ids_numbered_at_creation_put_a_late_event_behind(serve: Any) -> None:
    """
    Given IDs numbered at creation: an event at minute 1 visible 5 minutes late, and
        an event at minute 2 visible at once
    When the ID-ordered API is read after each becomes visible
    Then the late event has the lower ID, and is not above the ID already read
    """
    specs = at(1, lag=5) + at(2)
    api = serve("id_greater_than", specs, ids_at=IDS_AT_CREATION)
    api.begin_cycle(T0 + timedelta(minutes=3))
    assert ids(get(api, **SINCE)) == [1002]
    api.begin_cycle(T0 + timedelta(minutes=7))
    assert ids(get(api, **SINCE)) == [1001, 1002]
    assert ids(get(api, since_id="1002")) == []


def test_ids_numbered_at_visibility_by_default() -> None:
    """By default an event visible late gets a higher ID than events before it."""
    events = index_events(at(1, lag=5) + at(2), "iso8601")
    assert [(event.id, event.time.minute) for event in events] == [(1001, 2), (1002, 1)]


@pytest.mark.parametrize(
    ("api", "fragment"),
    [
        ({"rate_limit": 0}, "api.rate_limit must be a whole number"),
        ({"rate_limit": 2.5}, "api.rate_limit must be a whole number"),
        ({"cursor_expiry": -1}, "api.cursor_expiry must be a number of minutes > 0"),
        ({"duplicate_rows": 1.5}, "api.duplicate_rows is a share from 0 to 1"),
        ({"duplicate_rows": "some"}, "api.duplicate_rows is a share from 0 to 1"),
        ({"ignore_limit": "yes"}, "api.ignore_limit must be true or false"),
        ({"refuse_stale_start": 1}, "api.refuse_stale_start must be true or false"),
        ({"deep_page_timeout": 0}, "api.deep_page_timeout must be a whole number"),
    ],
)
def test_bad_quirk_values_name_the_key(api: dict[str, Any], fragment: str) -> None:
    """A quirk value out of range is a ValueError naming the key and what it takes."""
    with pytest.raises(ValueError, match=fragment):
        ApiQuirks.from_file(api)


def test_quirks_from_a_file() -> None:
    """Every quirk key of a scenario file's api mapping is read."""
    quirks = ApiQuirks.from_file(
        {
            "rate_limit": 30,
            "cursor_expiry": 30,
            "duplicate_rows": 0.1,
            "ignore_limit": True,
            "refuse_stale_start": True,
            "deep_page_timeout": 50,
        }
    )
    assert quirks == ApiQuirks(
        30,
        timedelta(minutes=30),
        0.1,
        True,
        refuse_stale_start=True,
        deep_page_timeout=50,
    )
