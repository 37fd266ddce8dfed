"""Property tests: random event streams, lags within the look-back, random limits.

Whatever the stream, a generated integration misses and duplicates nothing.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path

from answer_sets import ANSWER_SETS, render_pack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.pack import Pack, load_pack
from generator.simulate.events import MISSING_ID, MISSING_TIME, EventSpec
from generator.simulate.runner import run_scenario
from generator.simulate.scenarios import DEFAULT_START, Scenario

SPAN_MINUTES = 12
LOOKBACK_SET = "time_range_lookback_epoch_millis_nested"
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
    draw: st.DrawFn, max_lag_minutes: int = 0, missing_ids: bool = True
) -> Scenario:
    """A random stream: scattered events, maybe a burst, lags up to ``max_lag_minutes``.

    Some events lack their time, and with ``missing_ids`` some lack their ID.
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


@PROPERTY_SETTINGS
@given(scenario=streams(missing_ids=False))
def test_id_greater_than(scenario: Scenario) -> None:
    """An ID-ordered API: every well-formed event once.

    Events lacking their ID are left out: a page made only of them leaves nothing to
    continue from (see docs/simulate.md, "Known limits").
    """
    assert_exact("id_greater_than_iso_basic_top_level_list", scenario)


@PROPERTY_SETTINGS
@given(scenario=streams())
def test_cursor(scenario: Scenario) -> None:
    """A cursor API: every well-formed event once."""
    assert_exact("cursor_iso_no_auth_nested", scenario)
