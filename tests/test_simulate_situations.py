"""Situation scenarios: outages with late events, late floods, repeated rows, constant
delays, rate limits, expiring cursors, lastRun growth, IDs numbered at creation; and how
long the simulator drains and how it reports a documented limitation."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, render_pack

from generator.pack import Pack, load_pack
from generator.simulate import resolve_scenarios, simulate
from generator.simulate.events import IDS_AT_CREATION, EventSpec
from generator.simulate.report import summary_table
from generator.simulate.runner import (
    DRAIN_EMPTY_RUNS,
    MALFORMED,
    ScenarioResult,
    quiet_runs_to_drain,
    run_scenario,
)
from generator.simulate.scenarios import (
    DEFAULT_START,
    PackTraits,
    Scenario,
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
CURSOR_TRAITS = PackTraits(
    query_style="cursor",
    time_format="iso8601",
    use_lookback=False,
    query=None,
    max_fetch=50,
    look_back=0,
    first_fetch=DEFAULT_START - timedelta(days=3),
)


def visible(event: object) -> datetime:
    return event.time + event.lag  # type: ignore[attr-defined]


def test_outage_lag_fails_runs_longer_than_the_window_while_events_lag() -> None:
    """outage-lag: 15 failing runs in a row (more than look-back 10 + 1), lags <= 8."""
    scenario = builtin("outage-lag", TRAITS)
    runs = sorted(scenario.failures)
    assert len(runs) == 15 and runs == list(range(runs[0], runs[0] + 15))
    assert all(kinds == {0: "503"} for kinds in scenario.failures.values())
    assert scenario.params["look_back"] == "10"
    lags = [event.lag for event in scenario.events]
    assert max(lags) <= timedelta(minutes=8) and max(lags) > timedelta(minutes=6)
    assert scenario.requires == ("lookback",)


def test_late_flood_is_larger_than_the_fetch_limit_and_visible_at_once() -> None:
    """late-flood: 3,000 events stamped 10 minutes back, all visible at minute 30."""
    scenario = builtin("late-flood", TRAITS)
    flood_at = DEFAULT_START + timedelta(minutes=30)
    flood = [event for event in scenario.events if event.lag]
    assert len(flood) == 3000 and scenario.params["max_fetch"] == "50"
    assert {visible(event) for event in flood} == {flood_at}
    assert min(event.time for event in flood) >= flood_at - timedelta(minutes=10)
    assert max(event.lag for event in flood) < timedelta(
        minutes=int(scenario.params["look_back"])
    )


def test_duplicate_rows_repeat_a_share_of_events() -> None:
    """duplicate-rows: the API repeats about a tenth of the rows, every style."""
    scenario = builtin("duplicate-rows", TRAITS)
    assert scenario.quirks.duplicate_rows == pytest.approx(0.1)
    assert scenario.requires == ()


def test_constant_delay_is_longer_than_the_look_back() -> None:
    """constant-delay: every event 15 minutes late, look-back 10, every style."""
    scenario = builtin("constant-delay", TRAITS)
    assert {event.lag for event in scenario.events} == {timedelta(minutes=15)}
    assert scenario.params["look_back"] == "10" and scenario.requires == ()


def test_rate_limit_burst_behind_a_small_page_cap() -> None:
    """rate-limit: 1,000 events in one second, pages of 10, 30 requests a minute."""
    scenario = builtin("rate-limit", TRAITS)
    counts: dict[datetime, int] = {}
    for event in scenario.events:
        counts[event.time] = counts.get(event.time, 0) + 1
    assert max(counts.values()) == 1000
    assert scenario.page_size == 10 and scenario.quirks.rate_limit == 30


def test_cursor_expiry_leaves_a_quiet_stretch_longer_than_the_expiry() -> None:
    """cursor-expiry: no event becomes visible for 40 minutes; cursors last 30."""
    scenario = builtin("cursor-expiry", CURSOR_TRAITS)
    times = sorted(visible(event) for event in scenario.events)
    gap = max(later - earlier for earlier, later in itertools.pairwise(times))
    assert scenario.quirks.cursor_expiry == timedelta(minutes=30)
    assert gap > timedelta(minutes=31)
    assert builtin("cursor-expiry", TRAITS).requires == ("cursor",)


def test_last_run_growth_api_ignores_the_limit() -> None:
    """last-run-growth: the API ignores limit, Fetch Limit 50, look-back 60."""
    scenario = builtin("last-run-growth", TRAITS)
    assert scenario.quirks.ignore_limit and scenario.page_size is None
    assert scenario.params == {"max_fetch": "50", "look_back": "60"}
    waiting = [event for event in scenario.events if event.time < DEFAULT_START]
    assert len(waiting) == 2000


def test_late_ids_number_events_at_creation() -> None:
    """late-ids: IDs at creation, lags up to 5 minutes, for ID-ordered APIs."""
    scenario = builtin("late-ids", TRAITS)
    assert scenario.ids_at == IDS_AT_CREATION
    assert max(event.lag for event in scenario.events) <= timedelta(minutes=5)
    assert scenario.requires == ("id_greater_than",)
    assert "id_greater_than" in scenario.limitations


@pytest.mark.parametrize(
    ("look_back", "use_lookback", "interval", "quiet"),
    [
        (0, False, 1, DRAIN_EMPTY_RUNS),
        (10, False, 1, DRAIN_EMPTY_RUNS),
        (5, True, 1, 13),
    ],
)
def test_draining_lasts_as_long_as_the_window_can_revisit(
    look_back: int, use_lookback: bool, interval: int, quiet: int
) -> None:
    """
    Given a pack with or without look-back
    When the simulator decides how many quiet runs end draining
    Then it is 3 without look-back, and two windows (look-back + interval) plus one
        run with it: the lookback helpers forget an ID two windows after taking it
    """
    traits = PackTraits(
        query_style="time_range",
        time_format="iso8601",
        use_lookback=use_lookback,
        query=None,
        max_fetch=10,
        look_back=look_back,
        first_fetch=DEFAULT_START,
    )
    assert quiet_runs_to_drain([traits], interval) == quiet


def test_draining_takes_the_largest_look_back_in_force() -> None:
    """A look-back raised during the scenario sets the drain length."""
    small = PackTraits("time_range", "iso8601", True, None, 10, 2, DEFAULT_START)
    large = PackTraits("time_range", "iso8601", True, None, 10, 60, DEFAULT_START)
    assert quiet_runs_to_drain([small, large], 1) == 2 * 61 + 1


def test_a_limitation_shows_beside_the_failure() -> None:
    """
    Given a failed result that a documented limitation explains
    When the summary and the JSON are made
    Then it still fails, and both carry the reason
    """
    result = ScenarioResult(
        scenario="late-match", description="", missed=3, limitation="IDs only rise"
    )
    assert not result.passed
    assert result.to_json()["limitation"] == "IDs only rise"
    table = summary_table([result])
    assert "limitation" in str(table.columns[1]._cells[0])
    assert "IDs only rise" in str(table.caption)


def test_scenario_file_with_quirks_and_ids_at_creation(tmp_path: Path) -> None:
    """A scenario file's api mapping takes every quirk and ids_at."""
    path = tmp_path / "quirky.json"
    path.write_text(
        json.dumps(
            {
                "cycles": 10,
                "api": {
                    "rate_limit": 5,
                    "cursor_expiry": 30,
                    "duplicate_rows": 0.5,
                    "ignore_limit": True,
                    "ids_at": "creation",
                },
                "events": [{"at": 1}],
            }
        ),
        "utf-8",
    )
    scenario = load_scenario_file(path)
    assert scenario.quirks.rate_limit == 5
    assert scenario.quirks.cursor_expiry == timedelta(minutes=30)
    assert scenario.quirks.duplicate_rows == 0.5 and scenario.quirks.ignore_limit
    assert scenario.ids_at == IDS_AT_CREATION


def test_scenario_file_with_unknown_ids_at(tmp_path: Path) -> None:
    """An unknown ids_at is an error naming the accepted values."""
    path = tmp_path / "bad.yml"
    path.write_text("cycles: 3\napi: {ids_at: later}\nevents: [{at: 1}]\n", "utf-8")
    with pytest.raises(ScenarioFileError, match="api.ids_at must be visibility or"):
        load_scenario_file(path)


def test_scenario_file_restarts(tmp_path: Path) -> None:
    """restarts: run numbers within the cycles; anything else names the key."""
    good = tmp_path / "restarts.yml"
    good.write_text("cycles: 5\nrestarts: [2, 4]\nevents: [{at: 1}]\n", "utf-8")
    assert load_scenario_file(good).restarts == frozenset({2, 4})
    bad = tmp_path / "bad-restarts.yml"
    bad.write_text("cycles: 5\nrestarts: [9]\nevents: [{at: 1}]\n", "utf-8")
    with pytest.raises(ScenarioFileError, match="restarts: run number must be from 1"):
        load_scenario_file(bad)


def test_restarts_load_the_integration_afresh(tmp_path: Path) -> None:
    """
    Given a pack whose module counts its fetches in a module-level variable
    When a scenario restarts the integration before run 3
    Then the count starts over at run 3, and the fetch still misses nothing
    """
    pack = render_defaults(tmp_path)
    code = next(
        path
        for path in (pack.root / "Integrations").glob("*/*.py")
        if not path.stem.endswith("_test")
    )
    text = code.read_text("utf-8")
    marker = "def main() -> None:"
    text = text.replace(
        marker,
        "RUNS_IN_THIS_PROCESS = [0]\n\n\n" + marker,
    ).replace(
        "    params = demisto.params()\n",
        "    params = demisto.params()\n    RUNS_IN_THIS_PROCESS[0] += 1\n"
        "    demisto.updateModuleHealth(f'run {RUNS_IN_THIS_PROCESS[0]}')\n",
        1,
    )
    code.write_text(text, "utf-8")
    scenario = Scenario(
        name="restart",
        description="restart before run 3",
        cycles=4,
        events=[EventSpec(time=DEFAULT_START + timedelta(minutes=m)) for m in range(4)],
        restarts=frozenset({3}),
    )
    result = run_scenario(load_pack(pack.root), scenario)
    messages = [run.message for run in result.runs[:4]]
    assert messages == ["run 1", "run 2", "run 1", "run 2"]
    assert (result.missed, result.duplicates) == (0, 0)


def render_defaults(tmp_path: Path) -> Pack:
    return load_pack(render_pack(ANSWER_SETS["defaults"], tmp_path / "defaults"))


REPLAY_AFTER_TWO_WINDOWS = '''

_fetch_without_replay = fetch_incidents


def fetch_incidents(client, last_run, **kwargs):
    """Create the first incident again two windows after taking it (a forgotten ID)."""
    incidents, next_run = _fetch_without_replay(client, last_run=last_run, **kwargs)
    now = datetime.now(timezone.utc)
    first = last_run.get("first_taken")
    if first is None and incidents:
        first = {"incident": incidents[0], "at": now.strftime(DATE_FORMAT)}
    replayed = bool(last_run.get("replayed"))
    if first and not replayed:
        taken = datetime.strptime(first["at"], DATE_FORMAT).replace(tzinfo=timezone.utc)
        if now - taken >= timedelta(minutes=2 * (kwargs["look_back"] + 1)):
            incidents = incidents + [first["incident"]]
            replayed = True
    next_run["first_taken"] = first
    next_run["replayed"] = replayed
    return incidents, next_run
'''


def test_draining_waits_for_a_duplicate_two_windows_late(tmp_path: Path) -> None:
    """
    Given a look-back pack (look-back 5) changed to create its first incident again two
        windows (12 minutes) after taking it, and three events in the first 3 minutes
    When a 5-run scenario is simulated
    Then draining goes on past the old three quiet runs and reports the duplicate
    """
    pack = load_pack(
        render_pack(
            ANSWER_SETS["time_range_lookback_epoch_millis_nested"], tmp_path / "lb"
        )
    )
    code = pack.py_path
    code.write_text(code.read_text("utf-8") + REPLAY_AFTER_TWO_WINDOWS, "utf-8")
    scenario = Scenario(
        name="late-duplicate",
        description="a duplicate 12 minutes after the last new event",
        cycles=5,
        events=[EventSpec(time=DEFAULT_START + timedelta(minutes=m)) for m in range(3)],
        params={"look_back": "5"},
    )
    result = run_scenario(pack, scenario)
    numbers = [run.number for run in result.runs if run.incidents]
    assert result.duplicates == 1
    assert numbers[-1] - numbers[-2] > DRAIN_EMPTY_RUNS + 1  # after > 3 quiet runs


def test_events_not_due_are_counted_and_shown(tmp_path: Path) -> None:
    """
    Given the malformed scenario, where some events have no usable ID or time
    When it is simulated and summarised
    Then the events no incident may come from are counted by reason, the counts add
        up with what was created and missed, and the summary shows them and says why
    """
    pack = load_pack(render_pack({}, tmp_path / "AcmeAlerts"))
    (result,) = simulate(pack, resolve_scenarios(pack, ["malformed"], scale=0.2))

    assert result.passed
    not_due = result.not_due
    assert not_due[MALFORMED] > 0
    assert result.events == sum(not_due.values()) + result.incidents + result.missed
    assert result.to_json()["not_due"] == not_due
    table = summary_table([result])
    names = [str(column.header) for column in table.columns]
    column = table.columns[names.index("not due")]
    assert list(column._cells) == [str(sum(not_due.values()))]
    assert f"{not_due[MALFORMED]} {MALFORMED}" in str(table.caption)
