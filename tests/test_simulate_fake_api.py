"""The fake third-party API: shaped by the answers, answered in-process below requests."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.simulate.event_render import EventRenderer
from generator.simulate.events import (
    INT_IDS,
    MISSING_ID,
    MISSING_TIME,
    STRING_IDS,
    EventSpec,
    index_events,
)
from generator.simulate.fake_api import ApiShape, Credential, FakeApi, parse_query
from generator.simulate.timefmt import parse_time, render_time, representable

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
SECRET = "s3cret"


def shape(**overrides: Any) -> ApiShape:
    answers = {
        "events_endpoint": "/v1/events",
        "auth_type": "api_key_header",
        "query_style": "time_range",
        "events_path": "data",
        "time_format": "iso8601",
        "id_field": "id",
        "time_field": "created",
        "name_field": "title",
        "severity_field": "severity",
    }
    answers.update(overrides)
    return ApiShape.from_answers(answers)


def at(*minutes: float, **kwargs: Any) -> list[EventSpec]:
    return [EventSpec(time=T0 + timedelta(minutes=m), **kwargs) for m in minutes]


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start fake APIs for a test and stop them afterwards."""
    started: list[FakeApi] = []

    def start(api_shape: ApiShape, specs: list[EventSpec], **options: Any) -> FakeApi:
        events = index_events(specs, api_shape.time_format)
        api = FakeApi(api_shape, events, Credential("analyst", SECRET), **options)
        api.start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def get(api: FakeApi, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = requests.get(
        f"{api.base_url}{api.shape.endpoint}",
        params=params,
        headers={"X-API-Key": SECRET} if headers is None else headers,
        timeout=5,
    )
    return response


def test_time_range_window_offset_and_page_cap(serve: Any) -> None:
    """
    Given six events and an API capping pages at 2
    When a window is asked for with limit 5 and then with an offset
    Then the window is inclusive at both ends, sorted, capped at 2 and offset-able
    """
    api = serve(shape(), at(0, 1, 2, 3, 4, 5), page_size=2)
    api.begin_cycle(T0 + timedelta(minutes=10))
    window = {"from": "2024-03-10T12:01:00Z", "to": "2024-03-10T12:04:00Z", "limit": 5}
    first = get(api, **window).json()["data"]
    second = get(api, offset=2, **window).json()["data"]
    third = get(api, offset=4, **window).json()["data"]
    assert [event["id"] for event in first] == [1002, 1003]
    assert [event["id"] for event in second] == [1004, 1005]
    assert third == []
    assert first[0]["created"] == "2024-03-10T12:01:00Z"
    assert first[0]["title"] and first[0]["severity"] in (
        "low",
        "medium",
        "high",
        "critical",
    )


def test_events_appear_at_their_index_time(serve: Any) -> None:
    """
    Given an event created at 12:00 but indexed 3 minutes late
    When the API clock moves from 12:02 to 12:03
    Then it is served only from 12:03, under its creation time
    """
    api = serve(shape(), at(0, lag=timedelta(minutes=3)))
    api.begin_cycle(T0 + timedelta(minutes=2))
    assert get(api).json()["data"] == []
    api.begin_cycle(T0 + timedelta(minutes=3))
    (event,) = get(api).json()["data"]
    assert event["created"] == "2024-03-10T12:00:00Z"


@pytest.mark.parametrize(
    ("auth_type", "good", "bad"),
    [
        ("api_key_header", {"X-API-Key": SECRET}, {"X-API-Key": "nope"}),
        (
            "bearer_token",
            {"Authorization": f"Bearer {SECRET}"},
            {"Authorization": SECRET},
        ),
        (
            "basic",
            {"Authorization": "Basic " + base64.b64encode(b"analyst:s3cret").decode()},
            {"Authorization": "Basic " + base64.b64encode(b"other:s3cret").decode()},
        ),
        ("none", {}, None),
    ],
)
def test_authentication(
    serve: Any, auth_type: str, good: dict[str, str], bad: dict[str, str] | None
) -> None:
    """
    Given each auth type
    When a request carries the right credential, a wrong one or none
    Then only the right one (or, with none, anything) gets 200; the rest get 401
    """
    api = serve(shape(auth_type=auth_type), at(0))
    api.begin_cycle(T0)
    assert get(api, headers=good).status_code == 200
    if bad is not None:
        assert get(api, headers=bad).status_code == 401
        assert get(api, headers={}).status_code == 401
        assert api.stats.unauthorized == 2


def test_id_greater_than_and_first_request(serve: Any) -> None:
    """
    Given an id_greater_than API with custom parameter names
    When the first request sends the start time and the next one an ID
    Then events come in ID order after that time, then after that ID
    """
    api_shape = shape(
        query_style="id_greater_than", id_param="after", since_param="start"
    )
    api = serve(api_shape, at(-10, 1, 2, 3))
    api.begin_cycle(T0 + timedelta(minutes=5))
    first = get(api, start="2024-03-10T12:00:00Z", limit=2).json()["data"]
    assert [event["id"] for event in first] == [1002, 1003]
    after = get(api, after="1003").json()["data"]
    assert [event["id"] for event in after] == [1004]
    assert get(api, after="abc").status_code == 400


def test_cursor_pages_and_keeps_cursor_when_empty(serve: Any) -> None:
    """
    Given a cursor API with nested events and cursor paths
    When pages are followed to the end
    Then each page carries the next cursor and an empty page an empty one
    """
    api_shape = shape(
        query_style="cursor",
        events_path="result.items",
        next_cursor_path="meta.next",
        cursor_param="page_token",
    )
    api = serve(api_shape, at(1, 2, 3))
    api.begin_cycle(T0 + timedelta(minutes=5))
    page = get(api, **{"from": "2024-03-10T12:00:00Z", "limit": 2}).json()
    assert [event["id"] for event in page["result"]["items"]] == [1001, 1002]
    token = page["meta"]["next"]
    page = get(api, page_token=token, limit=2).json()
    assert [event["id"] for event in page["result"]["items"]] == [1003]
    page = get(api, page_token=page["meta"]["next"]).json()
    assert page["result"]["items"] == [] and page["meta"]["next"] == ""
    assert get(api, page_token="garbage!").status_code == 400


@pytest.mark.parametrize(
    ("mode", "sent"),
    [
        ("always", [True, True, True]),
        ("when_more", [True, False, True]),
        ("sometimes", [True, False, False]),
    ],
)
def test_cursor_api_may_leave_out_the_next_cursor(
    serve: Any, mode: str, sent: list[bool]
) -> None:
    """
    Given a cursor API in one of its next_cursor modes, and three events
    When the first two, all three, then the first one are asked for
    Then the next cursor comes always; only when more events follow the page; or
        only then and never with every third answer
    """
    api_shape = shape(query_style="cursor", next_cursor_path="next")
    api = serve(api_shape, at(1, 2, 3), next_cursor=mode)
    api.begin_cycle(T0 + timedelta(minutes=5))
    since = {"from": "2024-03-10T12:00:00Z"}
    pages = [get(api, **since, limit=limit).json() for limit in (2, 3, 1)]
    assert [len(page["data"]) for page in pages] == [2, 3, 1]
    assert [bool(page["next"]) for page in pages] == sent


def test_unknown_next_cursor_mode_is_refused() -> None:
    """A next_cursor mode the API does not know is a ValueError naming the modes."""
    with pytest.raises(ValueError, match="when_more"):
        FakeApi(shape(), [], Credential("a", "b"), next_cursor="rarely")


def test_nested_fields_top_level_list_and_time_formats(serve: Any) -> None:
    """
    Given nested field paths, a top-level list and epoch-millisecond times
    When events are asked for with millisecond bounds
    Then values sit at their dotted paths and times are integers in milliseconds
    """
    api_shape = shape(
        events_path="",
        id_field="attributes.id",
        time_field="attributes.createdAt",
        name_field="attributes.summary.title",
        time_format="epoch_millis",
    )
    api = serve(api_shape, at(1))
    api.begin_cycle(T0 + timedelta(minutes=5))
    millis = int(T0.timestamp() * 1000)
    (event,) = get(api, **{"from": millis, "to": millis + 120_000}).json()
    assert event["attributes"]["id"] == 1001
    assert event["attributes"]["createdAt"] == millis + 60_000
    assert event["attributes"]["summary"]["title"]
    assert get(api, **{"from": "yesterday"}).status_code == 400


@pytest.mark.parametrize("time_field", ["created", "meta.created"])
def test_event_json_keeps_its_keys_in_one_order(serve: Any, time_field: str) -> None:
    """
    Given an API whose fields are all top-level keys, and one with a nested time
    When an event is asked for
    Then its JSON has the same keys, in the same order, with the same values
    """
    api = serve(shape(time_field=time_field), at(1))
    api.begin_cycle(T0 + timedelta(minutes=5))
    (event,) = get(api, **{"from": "2024-03-10T12:00:00Z"}).json()["data"]
    stamp = "2024-03-10T12:01:00Z"
    expected_time = (
        {"created": stamp} if time_field == "created" else {"meta": {"created": stamp}}
    )
    assert list(event.items()) == [
        ("description", "Synthetic event 1001"),
        ("title", "Simulated event 1001"),
        ("severity", "low"),
        ("id", 1001),
        *expected_time.items(),
    ]


def test_utc_offset_rendering(serve: Any) -> None:
    """
    Given an API that writes times at UTC+05:30
    When an event at 12:01 UTC is served
    Then its time reads 17:31+05:30, the same instant
    """
    api = serve(shape(), at(1), utc_offset=timedelta(hours=5, minutes=30))
    api.begin_cycle(T0 + timedelta(minutes=5))
    (event,) = get(api).json()["data"]
    assert event["created"] == "2024-03-10T17:31:00+05:30"
    assert parse_time(event["created"], "iso8601") == T0 + timedelta(minutes=1)


def test_query_filter_and_late_match(serve: Any) -> None:
    """
    Given events matching status=New from creation, 2 minutes late, or never
    When the query is sent at 12:01 and at 12:03
    Then only events matching at that moment are served
    """
    specs = at(0) + at(0, match_delay=timedelta(minutes=2)) + at(0, match_delay=None)
    api = serve(shape(), specs, query=("status", "New"))
    api.begin_cycle(T0 + timedelta(minutes=1))
    early = get(api, query="status=New").json()["data"]
    api.begin_cycle(T0 + timedelta(minutes=3))
    late = get(api, query="status=New").json()["data"]
    everything = get(api).json()["data"]
    assert len(early) == 1 and len(late) == 2 and len(everything) == 3
    assert {event["status"] for event in everything} == {"New", "New-pending"}


def test_malformed_events_lack_id_or_time(serve: Any) -> None:
    """
    Given events missing their ID (absent) and their time (null)
    When they are served
    Then the ID key is absent in one and the time is null in the other
    """
    specs = at(1, missing="id") + at(2, missing="time", null=True)
    api = serve(shape(), specs)
    api.begin_cycle(T0 + timedelta(minutes=5))
    no_id, no_time = get(api).json()["data"]
    assert "id" not in no_id and no_id["created"]
    assert no_time["created"] is None and no_time["id"] == 1002


@pytest.mark.parametrize("kind", ["500", "503", "disconnect", "timeout"])
def test_injected_failures_hit_the_armed_request_only(serve: Any, kind: str) -> None:
    """
    Given a cycle whose second request is armed to fail
    When three requests are sent
    Then only the second fails, the way it was asked to
    """
    api = serve(shape(), at(1))
    api.begin_cycle(T0 + timedelta(minutes=5), {1: kind})
    assert get(api).status_code == 200
    if kind in ("disconnect", "timeout"):
        error = (
            requests.exceptions.ReadTimeout
            if kind == "timeout"
            else requests.exceptions.ConnectionError
        )
        with pytest.raises(error) as raised:
            get(api)
        assert isinstance(raised.value, requests.exceptions.Timeout) == (
            kind == "timeout"
        )
    else:
        assert get(api).status_code == int(kind)
    assert get(api).status_code == 200
    assert api.stats.injected == [kind]


def test_unknown_path_is_404_and_prefix_is_kept(serve: Any) -> None:
    """
    Given a base URL with a path prefix
    When the endpoint is asked for with and without it
    Then only the prefixed path answers
    """
    api = serve(shape(), at(1), path_prefix="/base/path")
    api.begin_cycle(T0 + timedelta(minutes=5))
    assert api.base_url.endswith("/base/path")
    assert get(api).status_code == 200
    root = api.base_url.removesuffix("/base/path")
    assert requests.get(f"{root}/v1/events", timeout=5).status_code == 404


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status=New", ("status", "New")),
        (" a.b = 'x' ", ("a.b", "x")),
        ("New", None),
        ("", None),
    ],
)
def test_parse_query(text: str, expected: tuple[str, str] | None) -> None:
    """The fake API understands field=value and nothing else."""
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    "time_format",
    [
        "iso8601",
        "epoch_seconds",
        "epoch_millis",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S%z",
    ],
)
def test_time_round_trip(time_format: str) -> None:
    """Rendering then parsing a time gives back the same instant in every format."""
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    offset = timedelta(hours=-7) if "%z" in time_format else None
    assert (
        parse_time(str(render_time(moment, time_format, offset)), time_format) == moment
    )


@pytest.mark.parametrize(
    "time_format",
    [
        "iso8601",
        "epoch_seconds",
        "epoch_millis",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%z",
        "%a, %d %b %Y %H:%M:%S GMT",
        "%I:%M:%S %p %d %b %Y",
        "%d.%m.%Y %H:%M",
        "%y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S.%fZ",
    ],
)
def test_representable_is_the_round_trip(time_format: str) -> None:
    """An event's time as the API can hold it is exactly what a round trip through
    the format gives, also where it is worked out without one (whole seconds)."""
    base = datetime(2024, 3, 10, 12, 0, 0, 654321, tzinfo=UTC)
    for step in range(0, 10**8, 7_654_321):
        moment = (
            base + timedelta(seconds=step, microseconds=step % 10**6)
        ).astimezone(timezone(timedelta(hours=step % 13 - 6)))
        round_trip = parse_time(str(render_time(moment, time_format)), time_format)
        assert representable(moment, time_format) == round_trip
        assert representable(moment, time_format).utcoffset() == timedelta(0)


FIELD_PATHS = st.sampled_from(
    ["id", "created", "title", "a.b", "meta.created", "x.y.z"]
)


@settings(max_examples=60, deadline=None)
@given(
    id_field=FIELD_PATHS,
    time_field=FIELD_PATHS,
    name_field=st.one_of(st.just(""), FIELD_PATHS),
    severity_field=st.one_of(st.just(""), FIELD_PATHS),
    time_format=st.sampled_from(["iso8601", "epoch_millis", "%d/%m/%Y %H:%M:%S"]),
    id_type=st.sampled_from([INT_IDS, STRING_IDS]),
    missing=st.sampled_from([None, MISSING_ID, MISSING_TIME]),
    with_fields=st.booleans(),
    query=st.booleans(),
)
def test_event_json_text_is_the_json_of_the_event(
    id_field: str,
    time_field: str,
    name_field: str,
    severity_field: str,
    time_format: str,
    id_type: str,
    missing: str | None,
    with_fields: bool,
    query: bool,
) -> None:
    """
    Given any field paths, time format, ID type and kind of event
    When the API writes events as JSON text
    Then the text is exactly the JSON of the events it renders
    """
    renderer = EventRenderer(
        id_field=id_field,
        time_field=time_field,
        name_field=name_field,
        severity_field=severity_field,
        time_format=time_format,
        query=("status", "New") if query else None,
    )
    fields = {"extra.note": '50% "off"'} if with_fields else {}
    specs = [
        EventSpec(time=T0 + timedelta(seconds=n), missing=missing, fields=fields)
        for n in range(5)
    ] + [EventSpec(time=T0)]
    for event in index_events(specs, time_format, id_type):
        assert renderer.render_json(event, T0) == json.dumps(renderer.render(event, T0))
