"""Property tests: random event streams, lags within the look-back, random limits.

Whatever the stream, a generated integration misses and duplicates nothing.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path

from answer_sets import ANSWER_SETS, render_pack
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.pack import Pack, load_pack
from generator.simulate.events import MISSING_ID, MISSING_TIME, EventSpec, index_events
from generator.simulate.fake_api import (
    CURSOR_ALWAYS,
    DEFAULT_PAGE_CAP,
    NEXT_CURSOR_MODES,
)
from generator.simulate.runner import run_scenario
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
    draw: st.DrawFn, max_lag_minutes: int = 0, cursor_modes: bool = False
) -> Scenario:
    """A random stream: scattered events, maybe a burst, lags up to ``max_lag_minutes``.

    Some events lack their time, some their ID. With ``cursor_modes`` the API may leave
    the next cursor out of non-empty pages.
    """
    seconds = st.integers(0, (SPAN_MINUTES - 1) * 60)
    times = draw(st.lists(seconds, min_size=1, max_size=30))
    burst_at = draw(seconds)
    burst = draw(st.integers(0, 25))
    lags = st.integers(0, max_lag_minutes * 60)
    kinds = [None] * 4 + [MISSING_TIME, MISSING_ID]
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


def assert_exact(answer_set: str, scenario: Scenario) -> None:
    result = run_scenario(pack(answer_set), scenario)
    assert result.skipped_reason is None
    assert (result.missed, result.duplicates, result.invalid) == (0, 0, 0), (
        result.missed_ids,
        result.duplicate_ids,
        result.errors[:5],
    )
    well_formed = sum(1 for event in scenario.events if event.missing is None)
    assert result.incidents == well_formed


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
