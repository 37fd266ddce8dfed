"""Next-page URLs written another way by the fake API (api.next_links: echoing the query
string, relative, on another host), the scenarios that use them, and the secrets check.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from answer_sets import ANSWER_SETS, render_pack

from generator.kinds import INCIDENT_KIND
from generator.pack import Pack, load_pack
from generator.simulate import resolve_scenarios
from generator.simulate.api_quirks import (
    ECHO_QUERY,
    FOREIGN_HOST,
    RELATIVE,
    ApiQuirks,
)
from generator.simulate.events import EventSpec, index_events
from generator.simulate.fake_api import ApiShape, Credential, FakeApi
from generator.simulate.fake_paging import written_link
from generator.simulate.runner import ScenarioResult, _judge, run_scenario
from generator.simulate.scenarios import PackTraits, load_scenario_file
from generator.simulate.server_loop import RunRecord

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
SECRET = "k+y/=1"  # URL encoding changes it
URL = "http://api.test:1/v1/events?page_token=abc"


@pytest.mark.parametrize(
    ("links", "turn", "expected"),
    [
        (ECHO_QUERY, 0, "http://api.test:1/v1/events?since=x&api_key=k&page_token=abc"),
        (RELATIVE, 0, "/v1/events?page_token=abc"),
        (RELATIVE, 1, "?page_token=abc"),
        (FOREIGN_HOST, 0, "http://other.test:2/v1/events?page_token=abc"),
        ("", 0, URL),
    ],
)
def test_links_are_written_the_asked_way(links: str, turn: int, expected: str) -> None:
    """
    Given the API's own next-page URL and the query string of the request it answers
    When it is written echoing that query, relative (in turn), or on another host
    Then the URL is as an API of that kind sends it (the old page token not repeated)
    """
    query = "since=x&api_key=k&page_token=old"

    assert written_link(URL, links, query, turn, "http://other.test:2") == expected


def test_unknown_next_links_in_a_scenario_file_is_refused(tmp_path: Path) -> None:
    """
    Given a scenario file asking for next links of an unknown kind
    When it is loaded
    Then the error names the key and the accepted values
    """
    path = tmp_path / "links.yml"
    path.write_text("cycles: 2\napi: {next_links: sideways}\nevents: [{at: 1}]\n")

    with pytest.raises(Exception, match="next_links must be one of echo_query"):
        load_scenario_file(path)


@pytest.fixture
def linked_api() -> Iterator[Any]:
    """A started fake API of the cursor style paged by next URLs, next links as asked."""
    started: list[FakeApi] = []

    def start(links: str) -> FakeApi:
        shape = ApiShape.from_answers(
            {
                "events_endpoint": "/v1/events",
                "auth_type": "api_key_query",
                "query_style": "cursor",
                "events_path": "data",
                "time_format": "iso8601",
                "id_field": "id",
                "time_field": "created",
                "name_field": "title",
                "severity_field": "",
                "pagination": "next_url",
                "next_url_path": "next",
            }
        )
        specs = [EventSpec(time=T0 - timedelta(minutes=m)) for m in (3, 2, 1)]
        events = index_events(specs, "iso8601")
        api = FakeApi(
            shape,
            events,
            Credential("", SECRET),
            page_size=2,
            quirks=ApiQuirks(next_links=links),
        )
        api.start()
        api.begin_cycle(T0)
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def first_page(api: FakeApi) -> dict[str, Any]:
    url = f"{api.base_url}/v1/events"
    params = {"api_key": SECRET, "since": "2024-03-10T11:00:00Z"}
    return requests.get(url, params=params, timeout=5).json()


def test_echoed_next_link_carries_the_request_key(linked_api: Any) -> None:
    """
    Given an API whose next links repeat the request's query string
    When a page is asked for with the key in the query
    Then the next link holds the key (as the request sent it) and still pages on
    """
    api = linked_api(ECHO_QUERY)

    body = first_page(api)

    sent = parse_qs(urlsplit(body["next"]).query)
    assert sent["api_key"] == [SECRET] and "page_token" in sent
    following = requests.get(body["next"], timeout=5).json()
    assert len(body["data"]) == 2 and len(following["data"]) == 1
    assert api.stats.links_written == 2


def test_foreign_host_counts_requests_and_credentials(linked_api: Any) -> None:
    """
    Given an API whose next links name another host
    When the link is followed with and without the key
    Then the other host answers an empty page and counts both requests, one with the key
    """
    api = linked_api(FOREIGN_HOST)

    link = first_page(api)["next"]
    assert urlsplit(link).netloc == api.foreign_netloc
    with_key = requests.get(link, params={"api_key": SECRET}, timeout=5).json()
    requests.get(link, timeout=5)

    assert with_key == []
    assert (api.stats.foreign_links, api.stats.foreign_requests) == (1, 2)
    assert api.stats.foreign_credentialed == 1


def traits(pagination: str, style: str = "time_range") -> PackTraits:
    return PackTraits(
        query_style=style,
        time_format="iso8601",
        use_lookback=False,
        query=None,
        max_fetch=10,
        look_back=0,
        first_fetch=T0 - timedelta(days=3),
        pagination=pagination,
    )


@pytest.mark.parametrize(
    "name", ["echoed-query", "relative-links", "foreign-next-link"]
)
def test_next_link_scenarios_apply_to_url_paging_only(name: str) -> None:
    """
    Given the next-page URL scenarios
    When packs paged by offset, next cursor, next URL and Link header are considered
    Then only next URL and Link header packs run them; the others say why not
    """
    from generator.simulate.scenarios import builtin

    scenario = builtin(name, traits("next_url"), scale=0.1)

    assert scenario.quirks.next_links
    assert traits("next_url").skip_reason(scenario) is None
    assert traits("link_header", "cursor").skip_reason(scenario) is None
    for other in (traits("offset"), traits("next_cursor", "cursor")):
        reason = other.skip_reason(scenario)
        assert reason is not None and "follows no next-page URL" in reason
    backlog = [spec for spec in scenario.events if spec.time < scenario.start]
    assert len(backlog) > 3 * 10  # pages are followed


def record(number: int, **fields: Any) -> RunRecord:
    base: dict[str, Any] = {"incidents": [], "error": None, "message": None}
    return RunRecord(number, T0, last_run_bytes=0, **{**base, **fields})


def test_secrets_check_covers_context_fetch_history_and_encoded_forms() -> None:
    """
    Given runs holding the secret URL-encoded in lastRun, in the integration context
        outside the token cache and in a Fetch History message, and a token only in
        the token cache
    When the runs are judged
    Then each of the three places fails the check, named; the token cache does not
    """
    encoded = "k%2By%2F%3D1"
    runs = [
        record(1, saved_last_run={"cursor": f"/v1/events?api_key={encoded}"}),
        record(2, integration_context={"next": SECRET}),
        record(3, health_messages=[f"Stopped reading: ?api_key={encoded}"]),
        record(4, integration_context={"access_token": "sim-token-1"}),
    ]
    result = ScenarioResult(scenario="leaks", description="")

    _judge(result, runs, [], {}, {}, [SECRET, "sim-token-1"], False, INCIDENT_KIND)

    assert result.leaks == 3 and not result.passed
    places = [error.split(" appears in ")[1] for error in result.errors]
    assert places == ["lastRun", "the integration context", "Fetch History"]
    assert result.to_json()["leaks"] == 3


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pack]:
    root = tmp_path_factory.mktemp("next-link-packs")
    names = ("query_key_next_url_cursor", "okta_like_system_log")
    return {
        name: load_pack(render_pack(ANSWER_SETS[name], root / name)) for name in names
    }


@pytest.mark.parametrize("name", ["query_key_next_url_cursor", "okta_like_system_log"])
@pytest.mark.parametrize("scenario_name", ["echoed-query", "relative-links"])
def test_echoed_and_relative_links_lose_and_leak_nothing(
    packs: dict[str, Pack], name: str, scenario_name: str
) -> None:
    """
    Given a query-key cursor pack and a Link-header pack, and an API whose next links
        repeat the request's query string (key included), or are relative
    When the scenario is simulated
    Then every event is fetched once, no run fails, and no secret shows anywhere
    """
    pack = packs[name]
    (scenario,) = resolve_scenarios(pack, [scenario_name], seed=5, scale=0.1)

    result = run_scenario(pack, scenario, seed=5)

    assert result.passed, result.errors[:3]
    assert (result.missed, result.duplicates, result.leaks) == (0, 0, 0)
    assert all(run.ok for run in result.runs)


@pytest.mark.parametrize("name", ["query_key_next_url_cursor", "okta_like_system_log"])
def test_foreign_next_link_fails_clearly_and_sends_nothing(
    packs: dict[str, Pack], name: str
) -> None:
    """
    Given an API whose next links name another host
    When foreign-next-link is simulated
    Then no request reaches that host, every run given such a link fails naming it,
        the events behind the links are held back, and the scenario passes
    """
    pack = packs[name]
    (scenario,) = resolve_scenarios(pack, ["foreign-next-link"], seed=5, scale=0.1)

    result = run_scenario(pack, scenario, seed=5)

    assert result.passed, result.errors[:3]
    assert result.held_back is not None and result.missed > 0
    assert (result.leaks, result.link_problems, result.duplicates) == (0, 0, 0)
    given = [run for run in result.runs if run.foreign_links]
    assert given and all(
        not run.ok and "foreign-host.test" in run.error for run in given
    )


def test_summary_says_held_back_events_are_expected() -> None:
    """
    Given a passing foreign-next-link result whose API held events back
    When the summary table is printed
    Then its verdict reads PASS (held back) and the caption says why
    """
    from rich.console import Console

    from generator.simulate.report import summary_table
    from generator.simulate.runner import FOREIGN_HELD_BACK

    result = ScenarioResult(scenario="foreign-next-link", description="", events=5)
    result.missed, result.held_back = 5, FOREIGN_HELD_BACK
    console = Console(record=True, width=200)

    console.print(summary_table([result]))

    text = console.export_text()
    assert "PASS (held back)" in text and "5 held back" in text
