"""Property tests: random event streams, lags within the look-back, random limits,
outages, late floods, repeated rows and restarts from the JSON round-tripped lastRun.

Whatever the stream, a generated integration misses and duplicates nothing. Where the
generated code is known to fail today, the property is a strict xfail pinned by an
explicit example of the failure (its counts in the reason): a fix makes it pass.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, render_pack
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.pack import Pack, load_pack
from generator.simulate.api_quirks import ApiQuirks
from generator.simulate.events import MISSING_ID, MISSING_TIME, EventSpec, index_events
from generator.simulate.fake_api import (
    CURSOR_ALWAYS,
    DEFAULT_PAGE_CAP,
    NEXT_CURSOR_MODES,
)
from generator.simulate.runner import ScenarioResult, run_scenario
from generator.simulate.scenarios import DEFAULT_START, Scenario

SPAN_MINUTES = 12
LOOKBACK_SET = "time_range_lookback_epoch_millis_nested"
ID_SET = "id_greater_than_iso_basic_top_level_list"
ID_SET_ID_FIELD = "event.id"
# The largest page a generated integration asks for.
MAX_REQUEST = 200
PROPERTY_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@cache
def pack(name: str) -> Pack:
    root = Path(tempfile.mkdtemp(prefix="simulate-properties-"))
    return load_pack(render_pack(ANSWER_SETS[name], root / name))


@st.composite
def streams(
    draw: st.DrawFn,
    max_lag_minutes: int = 0,
    cursor_modes: bool = False,
    missing_ids: bool = True,
) -> Scenario:
    """A random stream: scattered events, maybe a burst, lags up to ``max_lag_minutes``.

    Some events lack their time, some their ID (unless ``missing_ids`` is off). With
    ``cursor_modes`` the API may leave the next cursor out of non-empty pages.
    """
    seconds = st.integers(0, (SPAN_MINUTES - 1) * 60)
    times = draw(st.lists(seconds, min_size=1, max_size=30))
    burst_at = draw(seconds)
    burst = draw(st.integers(0, 25))
    lags = st.integers(0, max_lag_minutes * 60)
    kinds = [None] * 4 + [MISSING_TIME] + ([MISSING_ID] if missing_ids else [])
    malformed = st.sampled_from(kinds)
    events = [
        EventSpec(
            time=DEFAULT_START + timedelta(seconds=moment),
            lag=timedelta(seconds=draw(lags)),
            missing=draw(malformed),
            null=draw(st.booleans()),
        )
        for moment in times + [burst_at] * burst
    ]
    params = {"max_fetch": str(draw(st.integers(1, 25)))}
    if max_lag_minutes:
        params["look_back"] = str(max_lag_minutes)
    return Scenario(
        name="property",
        description="random stream",
        cycles=SPAN_MINUTES + max_lag_minutes,
        events=events,
        params=params,
        page_size=draw(st.one_of(st.none(), st.integers(1, 12))),
        next_cursor=(
            draw(st.sampled_from(NEXT_CURSOR_MODES)) if cursor_modes else CURSOR_ALWAYS
        ),
    )


def assert_exact(answer_set: str, scenario: Scenario) -> ScenarioResult:
    result = run_scenario(pack(answer_set), scenario)
    assert result.skipped_reason is None
    assert (result.missed, result.duplicates, result.invalid) == (0, 0, 0), (
        result.missed_ids,
        result.duplicate_ids,
        result.errors[:5],
    )
    well_formed = sum(1 for event in scenario.events if event.missing is None)
    assert result.incidents == well_formed
    return result


@PROPERTY_SETTINGS
@given(scenario=streams())
def test_time_range_without_lookback(scenario: Scenario) -> None:
    """Any stream indexed on time: every well-formed event once, whatever the limit."""
    assert_exact("defaults", scenario)


@PROPERTY_SETTINGS
@given(scenario=streams(max_lag_minutes=4))
def test_time_range_with_lookback_and_lags(scenario: Scenario) -> None:
    """Events indexed late, within the look-back: still every one exactly once."""
    assert_exact(LOOKBACK_SET, scenario)


def first_blocking_event(scenario: Scenario) -> int | None:
    """Where (in ID order) the first run of events lacking their ID starts that fills
    a whole page of the API: nothing after it can be reached by ID."""
    page = min(scenario.page_size or DEFAULT_PAGE_CAP, MAX_REQUEST)
    run = 0
    for seq, event in enumerate(index_events(scenario.events, "iso8601")):
        run = run + 1 if event.missing == MISSING_ID else 0
        if run >= page:
            return seq - run + 1
    return None


def id_stream(
    pattern: str, max_fetch: int, page_size: int | None, cycles: int = 4
) -> Scenario:
    """Events a second apart in ID order: ``-`` lacks its ID, ``+`` is well formed."""
    return Scenario(
        name="ids",
        description=pattern,
        cycles=cycles,
        events=[
            EventSpec(
                time=DEFAULT_START + timedelta(seconds=index),
                missing=MISSING_ID if mark == "-" else None,
            )
            for index, mark in enumerate(pattern)
        ],
        params={"max_fetch": str(max_fetch)},
        page_size=page_size,
    )


@PROPERTY_SETTINGS
@given(scenario=streams())
@example(scenario=id_stream("-+", max_fetch=1, page_size=None))
@example(scenario=id_stream("+----+--+", max_fetch=2, page_size=None))
@example(scenario=id_stream("+--+", max_fetch=1, page_size=2))
@example(scenario=id_stream("++---+", max_fetch=5, page_size=3))
def test_id_greater_than(scenario: Scenario) -> None:
    """An ID-ordered API, events lacking their ID included: every well-formed event once.

    A page made only of events lacking their ID is asked for again at 200 events. Only
    an API capping its pages at fewer events than such a run holds blocks the fetch:
    then everything before the run is fetched once and Fetch History says why.
    """
    blocked_at = first_blocking_event(scenario)
    if blocked_at is None:
        assert_exact(ID_SET, scenario)
        return
    result = run_scenario(pack(ID_SET), scenario)
    assert (result.duplicates, result.invalid) == (0, 0), result.duplicate_ids
    events = index_events(scenario.events, "iso8601")
    reachable = {event.source_id for event in events[:blocked_at]}
    assert not reachable & set(result.missed_ids)
    assert any(ID_SET_ID_FIELD in (run.message or "") for run in result.runs)


@PROPERTY_SETTINGS
@given(scenario=streams(cursor_modes=True))
def test_cursor(scenario: Scenario) -> None:
    """A cursor API, with or without a next cursor on each page: every well-formed
    event once."""
    assert_exact("cursor_iso_no_auth_nested", scenario)


# -- outages, late floods, repeated rows, restarts ------------------------------------

CURSOR_SET = "cursor_iso_no_auth_nested"
M = timedelta(minutes=1)


@st.composite
def hard_streams(
    draw: st.DrawFn,
    max_lag_minutes: int = 0,
    duplicate_rows: bool = False,
    min_page: int = 1,
    missing_ids: bool = True,
) -> Scenario:
    """``streams`` plus an outage (HTTP 503 on a run of runs), restarts of the
    integration (a fresh module, only lastRun kept through its JSON round trip) and,
    with ``duplicate_rows``, an API that lists some events twice in a row."""
    scenario = draw(streams(max_lag_minutes=max_lag_minutes, missing_ids=missing_ids))
    first = draw(st.integers(1, scenario.cycles))
    length = draw(st.integers(0, 6))
    runs = range(first, min(first + length, scenario.cycles + 1))
    restarts = draw(st.frozensets(st.integers(2, scenario.cycles), max_size=4))
    share = draw(st.sampled_from([0.0, 0.3, 1.0])) if duplicate_rows else 0.0
    page = scenario.page_size
    return replace(
        scenario,
        failures={run: {0: "503"} for run in runs},
        restarts=restarts,
        quirks=ApiQuirks(duplicate_rows=share),
        page_size=None if page is None else max(page, min_page),
    )


@PROPERTY_SETTINGS
@given(scenario=hard_streams(duplicate_rows=True, min_page=2))
def test_time_range_survives_outages_restarts_and_repeated_rows(
    scenario: Scenario,
) -> None:
    """time_range without look-back: outages, restarts and rows listed twice (pages of
    two or more) still give every well-formed event once."""
    assert_exact("defaults", scenario)


@PROPERTY_SETTINGS
@given(scenario=hard_streams(duplicate_rows=True, missing_ids=False))
def test_id_greater_than_survives_outages_restarts_and_repeated_rows(
    scenario: Scenario,
) -> None:
    """id_greater_than: outages, restarts and repeated rows; every event once."""
    assert_exact(ID_SET, scenario)


@PROPERTY_SETTINGS
@given(scenario=hard_streams())
def test_cursor_survives_outages_and_restarts(scenario: Scenario) -> None:
    """cursor: outages and restarts from the saved cursor; every event once."""
    assert_exact(CURSOR_SET, scenario)


@PROPERTY_SETTINGS
@given(
    scenario=hard_streams(duplicate_rows=True),
    expiry=st.integers(1, 6),
    ignore_limit=st.booleans(),
    mode=st.sampled_from(NEXT_CURSOR_MODES),
)
def test_cursor_survives_expiry_oversized_pages_and_repeated_rows(
    scenario: Scenario, expiry: int, ignore_limit: bool, mode: str
) -> None:
    """cursor: cursors that expire after a few quiet minutes (HTTP 400), an API that
    ignores the limit, rows listed twice, outages and restarts: every event once, and
    no run over the Fetch Limit."""
    quirks = replace(
        scenario.quirks,
        cursor_expiry=timedelta(minutes=expiry),
        ignore_limit=ignore_limit,
    )
    scenario = replace(scenario, quirks=quirks, next_cursor=mode)
    assert assert_exact(CURSOR_SET, scenario).over_limit_runs == 0


@PROPERTY_SETTINGS
@given(scenario=hard_streams(max_lag_minutes=4, duplicate_rows=True, min_page=2))
def test_lookback_survives_outages_restarts_and_repeated_rows(
    scenario: Scenario,
) -> None:
    """time_range with look-back: lags within it, outages, restarts and repeated
    rows; every event once."""
    assert_exact(LOOKBACK_SET, scenario)


def spread(count: int, minutes: int, lag_minutes: int, seed: int) -> list[EventSpec]:
    """``count`` events over ``minutes``, each up to ``lag_minutes`` late."""
    rng = random.Random(seed)
    return [
        EventSpec(
            time=DEFAULT_START + timedelta(seconds=rng.randrange(minutes * 60)),
            lag=timedelta(seconds=rng.randint(0, lag_minutes * 60)),
        )
        for _ in range(count)
    ]


OUTAGE_WHILE_LAGGING = Scenario(
    name="outage-lag",
    description="look-back 2, lags up to 1 minute, HTTP 503 on runs 5-9",
    cycles=20,
    events=spread(12, 12, 1, seed=2),
    params={"max_fetch": "10", "look_back": "2"},
    failures={run: {0: "503"} for run in range(5, 10)},
)


@PROPERTY_SETTINGS
@given(scenario=hard_streams(max_lag_minutes=2))
@example(scenario=OUTAGE_WHILE_LAGGING)
def test_lookback_survives_an_outage_while_events_lag(scenario: Scenario) -> None:
    """An outage longer than the window while events lag within the look-back: the
    events that became visible during the outage are still fetched, once."""
    assert_exact(LOOKBACK_SET, scenario)


def late_flood(look_back: int, limit: int, size: int) -> Scenario:
    """One event at minute 4, fetched at once; then ``size`` events stamped minute 3
    become visible at minute 5 (within the look-back), drained ``limit`` a run."""
    flood_at = DEFAULT_START + 5 * M
    events = [EventSpec(time=DEFAULT_START + 4 * M)]
    events += [
        EventSpec(
            time=flood_at - timedelta(seconds=61 + 2 * index),
            lag=timedelta(seconds=61 + 2 * index),
        )
        for index in range(size)
    ]
    return Scenario(
        name="late-flood",
        description=f"{size} late events, Fetch Limit {limit}, look-back {look_back}",
        cycles=8,
        events=events,
        params={"max_fetch": str(limit), "look_back": str(look_back)},
    )


@st.composite
def late_floods(draw: st.DrawFn) -> Scenario:
    look_back = draw(st.integers(2, 4))
    return late_flood(look_back, draw(st.integers(1, 3)), draw(st.integers(1, 29)))


@PROPERTY_SETTINGS
@given(scenario=late_floods())
@example(scenario=late_flood(look_back=2, limit=1, size=10))
def test_lookback_survives_a_late_flood(scenario: Scenario) -> None:
    """A flood of late events larger than the Fetch Limit, drained over more runs than
    the look-back remembers IDs: nothing taken before the flood is created again."""
    assert_exact(LOOKBACK_SET, scenario)


@PROPERTY_SETTINGS
@given(scenario=hard_streams(duplicate_rows=True))
@example(
    scenario=replace(
        id_stream("+++", max_fetch=5, page_size=None),
        quirks=ApiQuirks(duplicate_rows=1.0),
    )
)
def test_cursor_repeated_rows_are_one_incident_each(scenario: Scenario) -> None:
    """A cursor API listing events twice in a row: one incident per event."""
    assert_exact(CURSOR_SET, scenario)


@PROPERTY_SETTINGS
@given(scenario=hard_streams(duplicate_rows=True))
@example(
    scenario=replace(
        id_stream("+++", max_fetch=1, page_size=1, cycles=2),
        quirks=ApiQuirks(duplicate_rows=1.0),
    )
)
def test_time_range_repeated_rows_in_pages_of_one(scenario: Scenario) -> None:
    """Pages of one row, rows listed twice: every event once all the same."""
    assert_exact("defaults", scenario)


@st.composite
def bursts(draw: st.DrawFn) -> Scenario:
    """Events piled on a few seconds, bursts larger than the Fetch Limit and pages
    shorter than it, an outage and restarts (lastRun kept through its JSON round
    trip)."""
    seconds = draw(
        st.lists(st.integers(0, SPAN_MINUTES * 60 - 1), min_size=1, max_size=4)
    )
    events = [
        EventSpec(time=DEFAULT_START + timedelta(seconds=second))
        for second in seconds
        for _ in range(draw(st.integers(1, 30)))
    ]
    cycles = SPAN_MINUTES + 5
    first = draw(st.integers(1, cycles))
    return Scenario(
        name="bursts",
        description="same-second bursts, short pages, an outage and restarts",
        cycles=cycles,
        events=events,
        params={"max_fetch": str(draw(st.integers(1, 12))), "look_back": "0"},
        page_size=draw(st.integers(1, 12)),
        failures={run: {0: "503"} for run in range(first, first + 3)},
        restarts=draw(st.frozensets(st.integers(2, cycles), max_size=3)),
    )


@PROPERTY_SETTINGS
@given(scenario=bursts())
@pytest.mark.parametrize("answer_set", ["defaults", LOOKBACK_SET])
def test_same_second_bursts_resumed_at_an_offset(
    answer_set: str, scenario: Scenario
) -> None:
    """Bursts at one second drained over runs that resume at an offset, through
    outages and restarts: every event once, with or without the look-back variant."""
    assert_exact(answer_set, scenario)
