"""The fake API speaks the request and paging shapes the answers describe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from generator.simulate.events import EventSpec, index_events
from generator.simulate.fake_api import ApiShape, Credential, FakeApi

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
SECRET = "s3cret"
HEADERS = {"X-API-Key": SECRET}
WINDOW = {"from": "2024-03-10T12:00:00Z", "to": "2024-03-10T12:10:00Z"}


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
        "severity_field": "",
    }
    answers.update(overrides)
    return ApiShape.from_answers(answers)


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start a fake API with five events (minutes 1-5) and stop it afterwards."""
    started: list[FakeApi] = []

    def start(api_shape: ApiShape, **options: Any) -> FakeApi:
        specs = [EventSpec(time=T0 + timedelta(minutes=m)) for m in range(1, 6)]
        events = index_events(specs, api_shape.time_format)
        api = FakeApi(api_shape, events, Credential("analyst", SECRET), **options)
        api.start()
        api.begin_cycle(T0 + timedelta(minutes=30))
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def url(api: FakeApi) -> str:
    return f"{api.base_url}{api.shape.endpoint}"


def ids(body: Any, path: str = "data") -> list[int]:
    return [event["id"] for event in body[path]]


def test_post_body_with_nested_window_and_extra_params(serve: Any) -> None:
    """
    Given a POST API whose window nests in the body and that needs a fixed parameter
    When a body without the fixed parameter, then a complete body, is posted
    Then the first is refused and the second answers the window
    """
    api = serve(
        shape(
            http_method="POST",
            since_param="range.start",
            until_param="range.end",
            extra_params={"kind": "audit"},
        )
    )
    window = {"range": {"start": WINDOW["from"], "end": "2024-03-10T12:02:00Z"}}
    refused = requests.post(url(api), json=window, headers=HEADERS, timeout=5)
    answered = requests.post(
        url(api), json={**window, "kind": "audit"}, headers=HEADERS, timeout=5
    )
    assert refused.status_code == 400
    assert ids(answered.json()) == [1001, 1002]


def test_expression_filter_is_read_back(serve: Any) -> None:
    """
    Given an API that takes its window as one filter expression
    When a filter following the template is sent, then one that does not
    Then the first selects its window, the second is refused
    """
    template = "created ge {since} and created le {until}"
    api = serve(
        shape(
            time_filter="expression", filter_param="$filter", filter_template=template
        )
    )
    good = template.format(since="2024-03-10T12:04:00Z", until="2024-03-10T12:09:00Z")
    answered = requests.get(url(api), params={"$filter": good}, headers=HEADERS)
    refused = requests.get(
        url(api), params={"$filter": "created gt 1"}, headers=HEADERS
    )
    assert ids(answered.json()) == [1004, 1005]
    assert refused.status_code == 400


def test_page_numbers_and_no_content(serve: Any) -> None:
    """
    Given a page-number API from page 0 with an end-of-stream flag
    When pages 0, 1, 2 and 3 of two events are asked for
    Then they hold 2, 2 and 1 events, the flag says the end on page 2, page 3 is a 204
    """
    api = serve(
        shape(pagination="page_number", first_page=0, has_more_path="!meta.end")
    )
    pages = [
        requests.get(
            url(api), params={**WINDOW, "limit": 2, "page": n}, headers=HEADERS
        )
        for n in range(4)
    ]
    assert [ids(page.json()) for page in pages[:3]] == [
        [1001, 1002],
        [1003, 1004],
        [1005],
    ]
    assert [page.json()["meta"]["end"] for page in pages[:3]] == [False, False, True]
    assert pages[3].status_code == 204 and pages[3].content == b""


def test_next_cursor_must_come_with_its_window(serve: Any) -> None:
    """
    Given a time-window API paged by a body cursor
    When the cursor is re-sent with its window, then with another window
    Then the first answers the next page, the second is refused
    """
    api = serve(shape(pagination="next_cursor", next_cursor_path="next"))
    first = requests.get(url(api), params={**WINDOW, "limit": 2}, headers=HEADERS)
    cursor = first.json()["next"]
    second = requests.get(
        url(api), params={**WINDOW, "limit": 2, "cursor": cursor}, headers=HEADERS
    )
    moved = {**WINDOW, "from": "2024-03-10T12:01:00Z"}
    refused = requests.get(
        url(api), params={**moved, "limit": 2, "cursor": cursor}, headers=HEADERS
    )
    assert ids(second.json()) == [1003, 1004]
    assert refused.status_code == 400


@pytest.mark.parametrize("pagination", ["next_url", "link_header"])
def test_next_page_urls_hold_the_window(serve: Any, pagination: str) -> None:
    """
    Given an API that sends the next page's URL (a key with dots, or a Link header)
    When the URLs are followed with plain GETs until none is sent
    Then every event of the window comes once, in order
    """
    api = serve(shape(pagination=pagination, next_url_path="@odata.nextLink"))
    response = requests.get(url(api), params={**WINDOW, "limit": 2}, headers=HEADERS)
    seen = []
    while True:
        seen += ids(response.json())
        if pagination == "next_url":
            assert "@odata" not in response.json()
            link = response.json()["@odata.nextLink"]
        else:
            link = response.links.get("next", {}).get("url")
        if not link:
            break
        response = requests.get(link, headers=HEADERS, timeout=5)
    assert seen == [1001, 1002, 1003, 1004, 1005]


def test_limit_above_the_largest_page_is_refused(serve: Any) -> None:
    """
    Given an API whose largest page is 3
    When 3 and then 4 events are asked for
    Then 3 are sent, and 4 is refused
    """
    api = serve(shape(page_size_max=3))
    fits = requests.get(url(api), params={**WINDOW, "limit": 3}, headers=HEADERS)
    refused = requests.get(url(api), params={**WINDOW, "limit": 4}, headers=HEADERS)
    assert ids(fits.json()) == [1001, 1002, 1003]
    assert refused.status_code == 400


@pytest.mark.parametrize(("exclusive", "expected"), [(False, 2), (True, 1)])
def test_window_end_inclusive_or_exclusive(
    serve: Any, exclusive: bool, expected: int
) -> None:
    """
    Given an API whose window end is inclusive, or exclusive
    When a window ending exactly at the second event is asked for
    Then that event is in it only when the end is inclusive
    """
    api = serve(shape(), until_exclusive=exclusive)
    window = {"from": WINDOW["from"], "to": "2024-03-10T12:02:00Z"}
    answered = requests.get(url(api), params=window, headers=HEADERS)
    assert len(answered.json()["data"]) == expected
