"""Built-in scenarios keep their promises; scenario files load as documented."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.simulate.events import MISSING_ID, MISSING_TIME, index_events
from generator.simulate.scenarios import (
    BUILTINS,
    DEFAULT_START,
    PackTraits,
    ScenarioFileError,
    builtin,
    load_scenario_file,
)

TRAITS = PackTraits(
    query_style="time_range",
    time_format="iso8601",
    use_lookback=True,
    query=("status", "New"),
    max_fetch=50,
    look_back=10,
    first_fetch=DEFAULT_START - timedelta(days=3),
)


def test_steady_caps_pages_below_the_limit() -> None:
    """steady: events within the run, the API's page cap below the Fetch Limit."""
    scenario = builtin("steady", TRAITS)
    end = DEFAULT_START + timedelta(minutes=scenario.cycles - 1)
    assert scenario.page_size is not None and scenario.page_size < TRAITS.max_fetch
    assert all(DEFAULT_START <= event.time <= end for event in scenario.events)


def test_index_lag_stays_within_the_look_back() -> None:
    """index-lag: lags up to the look-back, some of them late, needs look-back."""
    scenario = builtin("index-lag", TRAITS)
    lags = [event.lag for event in scenario.events]
    assert max(lags) <= timedelta(minutes=TRAITS.look_back)
    assert max(lags) > timedelta(minutes=TRAITS.look_back / 2)
    assert "lookback" in scenario.requires


def test_burst_is_more_than_three_fetch_limits_at_one_timestamp() -> None:
    """burst: more than 3x the Fetch Limit share one timestamp."""
    scenario = builtin("burst", TRAITS)
    counts: dict[datetime, int] = {}
    for event in scenario.events:
        counts[event.time] = counts.get(event.time, 0) + 1
    assert max(counts.values()) > 3 * TRAITS.max_fetch


def test_late_match_delays_within_the_look_back() -> None:
    """late-match: some events match late (within the look-back), some never; it needs
    a query filter only, and names the cores that cannot catch late matches."""
    scenario = builtin("late-match", TRAITS)
    delays = [event.match_delay for event in scenario.events]
    late = [delay for delay in delays if delay]
    assert late and max(late) <= timedelta(minutes=TRAITS.look_back)
    assert None in delays
    assert scenario.requires == ("query_filter",)
    assert set(scenario.limitations) == {"time_range", "id_greater_than", "cursor"}


def test_api_errors_arm_failures_on_some_runs() -> None:
    """api-errors: 5xx, timeouts and dropped connections on a share of the runs."""
    scenario = builtin("api-errors", TRAITS, seed=3)
    kinds = {kind for armed in scenario.failures.values() for kind in armed.values()}
    assert 0 < len(scenario.failures) < scenario.cycles
    assert "timeout" in kinds and any(kind.startswith("5") for kind in kinds)


def test_deep_page_timeouts_time_out_pages_past_the_third_of_a_window() -> None:
    """
    Given the deep-page-timeouts scenario
    When it is built
    Then pages hold half the Fetch Limit, more than four Fetch Limits wait before the
        first run, a page starting three pages into a window times out, and it applies
        to APIs queried by time window only
    """
    scenario = builtin("deep-page-timeouts", TRAITS)
    assert scenario.page_size == TRAITS.max_fetch // 2
    waiting = [event for event in scenario.events if event.time < DEFAULT_START]
    assert len(waiting) > 4 * TRAITS.max_fetch
    assert scenario.quirks.deep_page_timeout == 3 * scenario.page_size
    assert TRAITS.skip_reason(scenario) is None
    cursor = replace(TRAITS, query_style="cursor")
    assert "does not query time windows" in (cursor.skip_reason(scenario) or "")


def test_backlog_holds_ten_thousand_events_before_the_first_fetch() -> None:
    """backlog: at least 10,000 events before the first run, after the first fetch time."""
    scenario = builtin("backlog", TRAITS)
    before = [event for event in scenario.events if event.time < DEFAULT_START]
    assert len(before) >= 10_000
    assert min(event.time for event in before) > TRAITS.first_fetch


def test_malformed_mixes_missing_ids_and_times() -> None:
    """malformed: events lacking an ID and events lacking a time, absent or null."""
    scenario = builtin("malformed", TRAITS)
    missing = {
        (event.missing, event.null) for event in scenario.events if event.missing
    }
    assert {kind for kind, _ in missing} == {MISSING_ID, MISSING_TIME}
    assert {null for _, null in missing} == {True, False}


def test_timezone_uses_a_non_utc_offset() -> None:
    """timezone: a non-zero UTC offset; skipped where times carry no offset."""
    scenario = builtin("timezone", TRAITS)
    assert scenario.utc_offset
    epoch = PackTraits(**{**TRAITS.__dict__, "time_format": "epoch_seconds"})
    assert "no UTC offset" in (epoch.skip_reason(scenario) or "")
    assert TRAITS.skip_reason(scenario) is None


def test_no_next_cursor_applies_to_cursor_apis_only() -> None:
    """no-next-cursor: pages without a next cursor; skipped unless the pack pages by
    cursor."""
    scenario = builtin("no-next-cursor", TRAITS)
    assert scenario.next_cursor == "sometimes" and scenario.events
    assert scenario.page_size is not None and scenario.page_size < TRAITS.max_fetch
    assert "does not page by cursor" in (TRAITS.skip_reason(scenario) or "")
    cursor = PackTraits(**{**TRAITS.__dict__, "query_style": "cursor"})
    assert cursor.skip_reason(scenario) is None


def test_look_back_raised_raises_a_small_look_back_once() -> None:
    """look-back-raised: 2 minutes then 60; lags beyond 2 minutes only after the raise."""
    scenario = builtin("look-back-raised", TRAITS, seed=2)
    assert scenario.params == {"look_back": "2"}
    ((run, change),) = scenario.param_changes.items()
    assert change == {"look_back": "60"} and 1 < run < scenario.cycles
    raised_at = DEFAULT_START + timedelta(minutes=run - 1)
    before = [event for event in scenario.events if event.time < raised_at]
    after = [event for event in scenario.events if event.time >= raised_at]
    assert before and max(event.lag for event in before) <= timedelta(minutes=2)
    late = [event for event in after if event.lag > timedelta(minutes=2)]
    assert late and max(event.lag for event in late) <= timedelta(minutes=30)
    assert max(event.lag for event in late) > timedelta(minutes=20)
    assert min(event.time for event in late) >= raised_at + timedelta(minutes=5)
    assert scenario.requires == ("lookback",)


@pytest.mark.parametrize("name", list(BUILTINS))
def test_builtins_are_reproducible_and_scale(name: str) -> None:
    """The same seed builds the same scenario; a smaller scale builds fewer events."""
    one = builtin(name, TRAITS, seed=4, scale=0.1)
    two = builtin(name, TRAITS, seed=4, scale=0.1)
    full = builtin(name, TRAITS, seed=4)
    assert one.events == two.events and one.failures == two.failures
    assert one.param_changes == two.param_changes
    assert len(one.events) <= len(full.events)
    assert one.cycles <= full.cycles


def test_yaml_file_with_every_feature(tmp_path: Path) -> None:
    """A file using every key loads into the scenario it describes."""
    path = tmp_path / "every.yaml"
    path.write_text(
        """
name: every-feature
description: all keys
cycles: 30
start: 2024-05-01T08:00:00Z
params: {max_fetch: 5, look_back: 10, query: status=New}
requires: [lookback, query_filter]
api:
  page_size: 3
  utc_offset: "-07:00"
  id_type: string
  next_cursor: when_more
  failures: {2: 500, 4: [ok, timeout], 6: disconnect}
events:
  - {at: -5, count: 3, lag: 2, matches_after: 1, fields: {team: red}}
  - {at: 10, missing: id, null_value: true}
  - {at: 11, matches_after: never}
  - random: {count: 20, from: 0, to: 20, max_lag: 3, max_match_delay: 2, malformed: 0.5}
""",
        "utf-8",
    )
    scenario = load_scenario_file(path, seed=1)
    start = datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert scenario.name == "every-feature" and scenario.cycles == 30
    assert scenario.start == start
    assert scenario.params == {
        "max_fetch": "5",
        "look_back": "10",
        "query": "status=New",
    }
    assert scenario.page_size == 3 and scenario.utc_offset == timedelta(hours=-7)
    assert scenario.next_cursor == "when_more"
    assert scenario.failures == {2: {0: "500"}, 4: {1: "timeout"}, 6: {0: "disconnect"}}
    assert len(scenario.events) == 3 + 1 + 1 + 20
    first = scenario.events[0]
    assert first.time == start - timedelta(minutes=5)
    assert first.lag == timedelta(minutes=2) and first.fields == {"team": "red"}
    assert scenario.events[3].missing == MISSING_ID and scenario.events[3].null
    assert scenario.events[4].match_delay is None
    randoms = scenario.events[5:]
    assert all(event.lag <= timedelta(minutes=3) for event in randoms)
    assert any(event.missing for event in randoms)
    ids = [
        event.id for event in index_events(scenario.events, "iso8601", scenario.id_type)
    ]
    assert all(isinstance(value, str) for value in ids) and ids == sorted(ids)


def test_param_changes_load_by_run_number(tmp_path: Path) -> None:
    """param_changes: run numbers (ints or digit strings) to overrides, values as text."""
    path = tmp_path / "raise.yml"
    path.write_text(
        """
cycles: 90
params: {look_back: 2}
param_changes:
  "61": {look_back: 60, max_fetch: 10}
  30: {max_fetch: 5, insecure: true}
events: [{at: 1}]
""",
        "utf-8",
    )
    scenario = load_scenario_file(path)
    assert scenario.params == {"look_back": "2"}
    assert scenario.param_changes == {
        30: {"max_fetch": "5", "insecure": True},
        61: {"look_back": "60", "max_fetch": "10"},
    }
    assert list(scenario.param_changes) == [30, 61]


def test_param_changes_default_to_none(tmp_path: Path) -> None:
    """A file without param_changes keeps its parameters for the whole simulation."""
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"cycles": 3, "events": [{"at": 1}]}), "utf-8")
    assert load_scenario_file(path).param_changes == {}


def test_json_file_and_default_name(tmp_path: Path) -> None:
    """A JSON file loads the same way; the name defaults to the file stem."""
    path = tmp_path / "quiet.json"
    path.write_text(json.dumps({"cycles": 3, "events": [{"at": 1}]}), "utf-8")
    scenario = load_scenario_file(path)
    assert scenario.name == "quiet" and len(scenario.events) == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("- 1\n- 2\n", "top level must be a mapping"),
        ("cycles: 2\nevents: [{at: soon}]\n", "events[1].at must be a number"),
        (
            "cycles: 2\nevents: [{at: 1, lag: -1}]\n",
            "lag must be a number of minutes >= 0",
        ),
        (
            "cycles: 2\nevents: [{random: {count: 2, from: 5, to: 1}}]\n",
            "'to' must be after",
        ),
        (
            "cycles: 2\nevents: [{random: {count: 2}, at: 1}]\n",
            "'random' must be the only key",
        ),
        ("cycles: 2\napi: {id_type: uuid}\nevents: [{at: 1}]\n", "id_type"),
        ("cycles: 2\napi: {next_cursor: no}\nevents: [{at: 1}]\n", "next_cursor"),
        ("cycles: 2\napi: {failures: {0: 500}}\nevents: [{at: 1}]\n", "run number"),
        (
            "cycles: 2\nstart: tomorrow\nevents: [{at: 1}]\n",
            "start must be an ISO 8601",
        ),
        ("cycles: 2\nextra: 1\nevents: [{at: 1}]\n", "unknown top-level key 'extra'"),
        (
            "cycles: 2\nparam_changes: [1, 2]\nevents: [{at: 1}]\n",
            "param_changes must map run numbers",
        ),
        (
            "cycles: 2\nparam_changes: {0: {look_back: 5}}\nevents: [{at: 1}]\n",
            "param_changes: run number must be from 1 to cycles (2), got 0",
        ),
        (
            "cycles: 2\nparam_changes: {3: {look_back: 5}}\nevents: [{at: 1}]\n",
            "run number must be from 1 to cycles (2), got 3",
        ),
        (
            "cycles: 2\nparam_changes: {soon: {look_back: 5}}\nevents: [{at: 1}]\n",
            "got 'soon'",
        ),
        (
            "cycles: 2\nparam_changes: {2: 60}\nevents: [{at: 1}]\n",
            "param_changes[2] must be a non-empty mapping",
        ),
        (
            "cycles: 2\nparam_changes: {2: {}}\nevents: [{at: 1}]\n",
            "param_changes[2] must be a non-empty mapping",
        ),
        (
            "cycles: 2\nparam_changes: {2: {url: 'http://x'}}\nevents: [{at: 1}]\n",
            "param_changes[2]: 'url' cannot change during a simulation",
        ),
    ],
)
def test_file_errors_name_the_problem(
    tmp_path: Path, content: str, fragment: str
) -> None:
    """Each format mistake gives one line naming the file and the mistake."""
    path = tmp_path / "wrong.yml"
    path.write_text(content, "utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario_file(path)
    message = caught.value.message
    assert message.startswith(f"scenario file {path}: ")
    assert fragment in message and "\n" not in message
