"""Simulation scenarios: the built-in ones and scenario files (YAML or JSON).

A scenario says how long the server fetches, which events the API holds and when each
becomes visible or starts matching the query, which API requests fail, and which
instance parameters differ from the integration's defaults, from the first run or from
a later one. See docs/simulate.md.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UserError
from generator.simulate.api_quirks import (
    ECHO_QUERY,
    FOREIGN_HOST,
    QUIRK_KEYS,
    RELATIVE,
    ApiQuirks,
)
from generator.simulate.events import (
    ID_NUMBERINGS,
    IDS_AT_CREATION,
    IDS_AT_VISIBILITY,
    INT_IDS,
    MISSING_ID,
    MISSING_TIME,
    STRING_IDS,
    EventSpec,
)
from generator.simulate.fake_api import (
    CURSOR,
    CURSOR_ALWAYS,
    CURSOR_SOMETIMES,
    DISCONNECT,
    ERROR_OBJECT,
    ID_GREATER_THAN,
    NEXT_CURSOR_MODES,
    TIME_RANGE,
    TIMEOUT,
    failure_kind,
    parse_query,
)
from generator.simulate.fake_auth import OAUTH2
from generator.simulate.timefmt import carries_offset

DEFAULT_START = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
REQUIRES_LOOKBACK = "lookback"
REQUIRES_QUERY = "query_filter"
REQUIRES_OFFSET_TIMES = "offset_times"
REQUIRES_CURSOR = "cursor"
REQUIRES_ID_ORDER = "id_greater_than"
REQUIRES_OAUTH2 = "oauth2"
REQUIRES_NEXT_URL = "next_url"
# A position sent instead of the start time after the first request: a cursor or an ID.
REQUIRES_POSITION = "position"
REQUIRES_TIME_WINDOWS = "time_range"
KNOWN_REQUIREMENTS = (
    REQUIRES_LOOKBACK,
    REQUIRES_QUERY,
    REQUIRES_OFFSET_TIMES,
    REQUIRES_CURSOR,
    REQUIRES_ID_ORDER,
    REQUIRES_OAUTH2,
    REQUIRES_NEXT_URL,
    REQUIRES_POSITION,
    REQUIRES_TIME_WINDOWS,
)
# The paginations that follow a next-page URL (in the body or the Link header).
URL_PAGINATIONS = ("next_url", "link_header")
# Parameters the simulator sets itself (the fake API's address and credential, the query it
# filters by, the fetch schedule): a scenario cannot change them during a simulation.
FIXED_PARAMS = (
    "url",
    "credentials",
    "query",
    "incidentFetchInterval",
    "isFetch",
    "eventFetchInterval",
    "isFetchEvents",
)
# deep-page-timeouts: pages of a time window past this many are never served.
DEEP_PAGES = 3
# The fetch core a pack runs: its query style, or time_range with look-back.
TIME_RANGE_LOOKBACK = "time_range_lookback"


@dataclass
class Scenario:
    """One simulation: a fetch schedule, the API's events and failures, parameter overrides."""

    name: str
    description: str
    cycles: int
    events: list[EventSpec]
    params: dict[str, Any] = field(default_factory=dict)
    page_size: int | None = None
    utc_offset: timedelta | None = None
    failures: dict[int, dict[int, str]] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    id_type: str = INT_IDS
    start: datetime = DEFAULT_START
    next_cursor: str = CURSOR_ALWAYS
    param_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    quirks: ApiQuirks = field(default_factory=ApiQuirks)
    ids_at: str = IDS_AT_VISIBILITY
    # run numbers before which the server restarts the integration: a fresh module, only
    # the saved lastRun and integration context carried over
    restarts: frozenset[int] = frozenset()
    # fetch core -> why it cannot help missing events here (a documented limitation
    # of that core: the scenario still fails on it, with this reason beside the counts)
    limitations: dict[str, str] = field(default_factory=dict)
    # Runs before which the API revokes every OAuth2 token issued so far.
    revoke_tokens: tuple[int, ...] = ()


@dataclass(frozen=True)
class PackTraits:
    """What decides which scenarios apply to a pack and how big they are."""

    query_style: str
    time_format: str
    use_lookback: bool
    query: tuple[str, str] | None
    max_fetch: int
    look_back: int
    first_fetch: datetime
    auth_type: str = ""
    pagination: str = ""
    page_size_max: int = 0

    @property
    def follows_urls(self) -> bool:
        """Whether the pack pages by next-page URLs (next_url or link_header)."""
        return (
            self.query_style != ID_GREATER_THAN and self.pagination in URL_PAGINATIONS
        )

    @property
    def fetch_core(self) -> str:
        """The fetch core the pack runs: its query style, or ``time_range_lookback``."""
        return TIME_RANGE_LOOKBACK if self.use_lookback else self.query_style

    def skip_reason(self, scenario: Scenario) -> str | None:
        """Why ``scenario`` does not apply to this pack, or None when it does."""
        for need in scenario.requires:
            if need == REQUIRES_LOOKBACK and not self.use_lookback:
                return "the integration has no look-back (use_lookback is off)"
            if need == REQUIRES_QUERY and self.query is None:
                return "the integration has no query filter of the form field=value"
            if need == REQUIRES_OFFSET_TIMES and not carries_offset(self.time_format):
                return f"time_format {self.time_format} carries no UTC offset"
            if need == REQUIRES_CURSOR and self.query_style != CURSOR:
                return f"query_style {self.query_style} does not page by cursor"
            if need == REQUIRES_ID_ORDER and self.query_style != ID_GREATER_THAN:
                return f"query_style {self.query_style} does not continue by ID"
            if need == REQUIRES_POSITION and self.query_style == TIME_RANGE:
                return "query_style time_range sends its window with every request"
            if need == REQUIRES_TIME_WINDOWS and self.query_style != TIME_RANGE:
                return f"query_style {self.query_style} does not query time windows"
            if need == REQUIRES_OAUTH2 and self.auth_type != OAUTH2:
                return f"auth_type {self.auth_type} uses no OAuth2 tokens"
            if need == REQUIRES_NEXT_URL and not self.follows_urls:
                return f"pagination {self.pagination or 'of ' + self.query_style} follows no next-page URL"
        if scenario.quirks.next_links and not self.follows_urls:
            return f"pagination {self.pagination} follows no next-page URL"
        if scenario.revoke_tokens and self.auth_type != OAUTH2:
            return f"auth_type {self.auth_type} uses no OAuth2 tokens"
        if (
            scenario.next_cursor != CURSOR_ALWAYS or scenario.quirks.cursor_expiry
        ) and self.query_style != CURSOR:
            return f"query_style {self.query_style} does not page by cursor"
        if scenario.utc_offset and not carries_offset(self.time_format):
            return f"time_format {self.time_format} carries no UTC offset"
        return None


# -- built-in scenarios -------------------------------------------------------------------


@dataclass(frozen=True)
class _Builder:
    traits: PackTraits
    rng: random.Random
    scale: float
    start: datetime

    def count(self, full: int, least: int) -> int:
        return max(least, int(round(full * self.scale)))

    def rate_cycles(self) -> int:
        return self.count(120, 15)

    def waiting_events(self, size: int) -> list[EventSpec]:
        """``size`` events at random seconds of the 12 hours (at most) before the start,
        all after the first fetch time: a backlog waiting for the first run."""
        span = min(
            self.start - self.traits.first_fetch - timedelta(minutes=5),
            timedelta(hours=12),
        )
        seconds = max(60, int(span.total_seconds()))
        return [
            EventSpec(
                time=self.start - timedelta(seconds=1 + self.rng.randrange(seconds))
            )
            for _ in range(size)
        ]

    def steady_events(self, count: int, runs: int) -> list[EventSpec]:
        """``count`` events at random seconds up to the last of ``runs`` fetch runs."""
        span = max(1, (runs - 1) * 60 + 1)
        return [
            EventSpec(time=self.start + timedelta(seconds=self.rng.randrange(span)))
            for _ in range(count)
        ]

    def steady_count(self, cycles: int) -> int:
        """Events a steady stream brings: about half the Fetch Limit a run, at most 5."""
        per_run = min(5.0, max(0.5, self.traits.max_fetch / 2))
        return max(10, int(cycles * per_run))


def _steady(b: _Builder) -> Scenario:
    cycles = b.rate_cycles()
    return Scenario(
        name="steady",
        description="a steady stream, the API capping pages below the Fetch Limit",
        cycles=cycles,
        events=b.steady_events(b.steady_count(cycles), cycles),
        page_size=max(1, b.traits.max_fetch // 3),
    )


def _index_lag(b: _Builder) -> Scenario:
    span = b.rate_cycles()
    look_back = b.traits.look_back or 5
    events = [
        EventSpec(
            time=spec.time,
            lag=timedelta(seconds=b.rng.randint(0, look_back * 60)),
        )
        for spec in b.steady_events(b.steady_count(span), span)
    ]
    return Scenario(
        name="index-lag",
        description=f"events visible up to {look_back} minutes (the look-back) late",
        cycles=span + look_back,
        events=events,
        params={"look_back": str(look_back)},
        requires=(REQUIRES_LOOKBACK,),
    )


def _burst(b: _Builder) -> Scenario:
    cycles = b.count(40, 20)
    limit = b.traits.max_fetch
    size = 3 * limit + 1 + b.rng.randrange(limit)
    moment = b.start + timedelta(minutes=3, seconds=b.rng.randrange(60))
    events = b.steady_events(b.steady_count(cycles) // 2, cycles)
    events += [EventSpec(time=moment) for _ in range(size)]
    return Scenario(
        name="burst",
        description=f"{size} events at one timestamp (more than 3x the Fetch Limit)",
        cycles=cycles,
        events=events,
    )


LATE_MATCH_LIMITATION = (
    "{core} moves past an event once it has read it; an event that starts matching "
    "the query later lies behind that position and is never fetched{advice}"
)


def _late_match(b: _Builder) -> Scenario:
    """Events that start matching the query after creation, within the look-back.

    Runs for every pack with a query filter: only a look-back window goes back for
    them. The other fetch cores fail it, reported as their documented limitation.
    """
    span = b.rate_cycles()
    look_back = b.traits.look_back or 5
    events = []
    for spec in b.steady_events(b.steady_count(span), span):
        roll = b.rng.random()
        if roll < 0.4:
            delay: timedelta | None = timedelta(
                seconds=b.rng.randint(1, look_back * 60)
            )
        elif roll < 0.5:
            delay = None
        else:
            delay = timedelta(0)
        events.append(EventSpec(time=spec.time, match_delay=delay))
    return Scenario(
        name="late-match",
        description=f"events start matching the query up to {look_back} minutes after creation",
        cycles=span + look_back,
        events=events,
        params={"look_back": str(look_back)},
        requires=(REQUIRES_QUERY,),
        limitations={
            TIME_RANGE: LATE_MATCH_LIMITATION.format(
                core="time_range without look-back",
                advice=": turn on the look-back (use_lookback) to catch them",
            ),
            ID_GREATER_THAN: LATE_MATCH_LIMITATION.format(
                core="id_greater_than", advice=" (IDs only rise)"
            ),
            CURSOR: LATE_MATCH_LIMITATION.format(
                core="cursor", advice=" (a cursor only moves forward)"
            ),
        },
    )


def _api_errors(b: _Builder) -> Scenario:
    cycles = b.rate_cycles()
    kinds = ("500", "502", "503", TIMEOUT, DISCONNECT)
    failures: dict[int, dict[int, str]] = {}
    for cycle in range(1, cycles + 1):
        if b.rng.random() < 0.2:
            request = 0 if b.rng.random() < 0.7 else 1
            failures[cycle] = {request: b.rng.choice(kinds)}
    return Scenario(
        name="api-errors",
        description=f"HTTP 5xx, timeouts and dropped connections on {len(failures)} runs",
        cycles=cycles,
        events=b.steady_events(b.steady_count(cycles), cycles),
        page_size=max(1, b.traits.max_fetch // 2),
        failures=failures,
    )


def _deep_page_timeouts(b: _Builder) -> Scenario:
    """A backlog read in pages of half the Fetch Limit, where a page starting three
    pages or more into a time window times out, with the exception the server's client
    raises (requests' ReadTimeout, unwrapped), on every run: the API never recovers.

    A fetch that takes the Fetch Limit oldest first needs two pages of a window (three
    when it re-reads what it took at the last second); one that must read a whole
    window (an API not listed oldest first) has to keep what it read and ask for a
    narrower window next time, or every run fails for good.
    """
    cycles = b.count(60, 20)
    page = max(1, b.traits.max_fetch // 2)
    size = b.count(400, 4 * b.traits.max_fetch + 10)
    events = b.waiting_events(size)
    events += b.steady_events(b.steady_count(cycles), cycles)
    return Scenario(
        name="deep-page-timeouts",
        description=(
            f"{size} events waiting, pages of {page}; a page starting "
            f"{DEEP_PAGES * page} events or more into a time window times out "
            "(ReadTimeout)"
        ),
        cycles=cycles,
        events=events,
        page_size=page,
        quirks=ApiQuirks(deep_page_timeout=DEEP_PAGES * page),
        requires=(REQUIRES_TIME_WINDOWS,),
        limitations={
            TIME_RANGE_LOOKBACK: (
                "the look-back core reads its whole window in one run and keeps "
                "nothing of a run that fails: while the API cannot serve a window's "
                "third page it stalls (nothing is lost, nothing moves on)"
            )
        },
    )


def _error_objects(b: _Builder) -> Scenario:
    """An API that answers some requests with HTTP 200 and an error object.

    The answer holds no events path (a quota or a bad token, said in the body): a fetch
    that reads it as an empty page moves past events it never read. The run must fail
    and save nothing, so the next one asks again.
    """
    cycles = b.rate_cycles()
    failures: dict[int, dict[int, str]] = {1: {0: ERROR_OBJECT}}
    for cycle in range(2, cycles + 1):
        if b.rng.random() < 0.2:
            failures[cycle] = {0 if b.rng.random() < 0.7 else 1: ERROR_OBJECT}
    # events in the first hour after the first fetch time: the first run's first window
    first = b.traits.first_fetch + timedelta(minutes=1)
    early = [
        EventSpec(time=first + timedelta(seconds=b.rng.randrange(58 * 60)))
        for _ in range(b.count(40, 10))
    ]
    return Scenario(
        name="error-objects",
        description=(
            f"HTTP 200 with an error object instead of events on {len(failures)} runs, "
            f"the first one's first request among them; {len(early)} events in the "
            "first hour after the first fetch time"
        ),
        cycles=cycles,
        events=early + b.steady_events(b.steady_count(cycles), cycles),
        page_size=max(1, b.traits.max_fetch // 2),
        failures=failures,
    )


def _events_ahead(b: _Builder) -> Scenario:
    """An API that lists events stamped ahead of now (a clock ahead, a scheduled item).

    A steady stream; at run 10 one event stamped up to 90 minutes ahead is listed at
    once. An API without a window end (``until_param`` empty) serves it to the next
    fetch: a position moved to its time would pass over every event stamped before it.
    """
    cycles = max(b.rate_cycles(), 40)
    ahead = min(90, cycles - 15)
    listed = b.start + timedelta(minutes=9, seconds=30)
    events = b.steady_events(b.steady_count(cycles), cycles)
    events.append(
        EventSpec(
            time=listed + timedelta(minutes=ahead),
            lag=-timedelta(minutes=ahead),
            match_delay=-timedelta(minutes=ahead),  # matches a query from the start
        )
    )
    return Scenario(
        name="events-ahead",
        description=(
            f"a steady stream; at run 10 an event stamped {ahead} minutes ahead is "
            "listed at once"
        ),
        cycles=cycles,
        events=events,
    )


def _backlog(b: _Builder) -> Scenario:
    cycles = b.count(60, 20)
    size = b.count(10_000, 5 * b.traits.max_fetch + 20)
    events = b.waiting_events(size)
    events += b.steady_events(b.steady_count(cycles), cycles)
    return Scenario(
        name="backlog",
        description=f"{size} events waiting before the first fetch",
        cycles=cycles,
        events=events,
    )


def _malformed(b: _Builder) -> Scenario:
    cycles = b.rate_cycles()
    events = []
    for spec in b.steady_events(b.steady_count(cycles), cycles):
        roll = b.rng.random()
        missing = MISSING_ID if roll < 0.06 else MISSING_TIME if roll < 0.12 else None
        events.append(
            EventSpec(time=spec.time, missing=missing, null=b.rng.random() < 0.5)
        )
    return Scenario(
        name="malformed",
        description="some events lack their ID or time (absent or null)",
        cycles=cycles,
        events=events,
    )


def _timezone(b: _Builder) -> Scenario:
    cycles = b.rate_cycles()
    hours, minutes = b.rng.choice(((5, 30), (-7, 0), (9, 0), (-3, -30), (14, 0)))
    offset = timedelta(hours=hours, minutes=minutes)
    return Scenario(
        name="timezone",
        description=f"the API writes times with UTC offset {_offset_text(offset)}",
        cycles=cycles,
        events=b.steady_events(b.steady_count(cycles), cycles),
        utc_offset=offset,
        requires=(REQUIRES_OFFSET_TIMES,),
    )


def _no_next_cursor(b: _Builder) -> Scenario:
    cycles = b.rate_cycles()
    return Scenario(
        name="no-next-cursor",
        description=(
            "the API sends no next cursor with its newest page, nor with every third "
            "answer"
        ),
        cycles=cycles,
        events=b.steady_events(b.steady_count(cycles), cycles),
        page_size=max(1, b.traits.max_fetch // 2),
        next_cursor=CURSOR_SOMETIMES,
        requires=(REQUIRES_CURSOR,),
    )


def _look_back_raised(b: _Builder) -> Scenario:
    """A look-back of 2 minutes raised to 60 on the running instance after an hour.

    Before the raise, events are late by at most the small look-back. From five minutes
    after it, a third of the events are up to 30 minutes late: the integration widens its
    window about a minute per minute from the raise, so that lag is covered by the time
    such an event becomes visible. A window that jumped to 60 minutes at once would reach
    events whose IDs the integration has already forgotten, and create them again.
    """
    small, raised = 2, 60
    before = b.count(60, 15)
    after = b.count(90, 45)
    cycles = before + after
    raised_at = b.start + timedelta(minutes=before)  # the time of run before + 1
    end = b.start + timedelta(minutes=cycles - 1)
    max_lag = min(30, after // 3) * 60
    events = []
    for spec in b.steady_events(b.steady_count(cycles), cycles):
        lag = b.rng.randint(0, small * 60)
        room = int((end - spec.time).total_seconds())
        if spec.time >= raised_at + timedelta(minutes=5) and b.rng.random() < 1 / 3:
            lag = b.rng.randint(small * 60, max(small * 60, min(max_lag, room)))
        events.append(EventSpec(time=spec.time, lag=timedelta(seconds=lag)))
    return Scenario(
        name="look-back-raised",
        description=(
            f"look-back raised from {small} to {raised} minutes at run {before + 1}; "
            f"events up to {small} minutes late before, up to {max_lag // 60} after"
        ),
        cycles=cycles,
        events=events,
        params={"look_back": str(small)},
        param_changes={before + 1: {"look_back": str(raised)}},
        requires=(REQUIRES_LOOKBACK,),
    )


# -- situations that break a fetch while the API keeps its contract ----------------------


def _outage_lag(b: _Builder) -> Scenario:
    """An API down for longer than the look-back window while events arrive late.

    Events are visible up to 8 minutes late (within the look-back of 10); runs fail with
    HTTP 503 for 15 runs in a row. Late events that became visible during the outage lie
    before the window of the first run after it unless the window starts where the last
    successful run stood.
    """
    look_back, max_lag, outage = 10, 8, 15
    cycles = b.count(120, 45)
    down_from = min(30, cycles - outage - 10)
    per_run = min(12.5, max(0.5, b.traits.max_fetch / 2))
    events = [
        EventSpec(time=spec.time, lag=timedelta(seconds=b.rng.randint(0, max_lag * 60)))
        for spec in b.steady_events(max(10, int(cycles * per_run)), cycles)
    ]
    return Scenario(
        name="outage-lag",
        description=(
            f"HTTP 503 for {outage} runs from run {down_from}; events up to {max_lag} "
            f"minutes late, look-back {look_back}"
        ),
        cycles=cycles,
        events=events,
        params={"look_back": str(look_back)},
        failures={run: {0: "503"} for run in range(down_from, down_from + outage)},
        requires=(REQUIRES_LOOKBACK,),
    )


def _late_flood(b: _Builder) -> Scenario:
    """An indexing backlog larger than the Fetch Limit, visible at once, each event late.

    A steady stream; at minute 30 a backlog stamped minutes 20-30 becomes visible at once
    (each lag within the look-back of 15); Fetch Limit 50. Draining it takes many runs,
    during which the window keeps revisiting the flood's minutes: every ID taken must be
    remembered for as long as the window can reach its time.
    """
    limit, look_back = 50, 15
    cycles = b.count(60, 40)
    flood_at = min(30, cycles // 2)
    size = b.count(3000, 3 * limit + 1)
    visible = b.start + timedelta(minutes=flood_at)
    events = b.steady_events(b.steady_count(cycles), cycles)
    for _ in range(size):
        lag = timedelta(seconds=b.rng.randint(1, 10 * 60))
        events.append(EventSpec(time=visible - lag, lag=lag))
    return Scenario(
        name="late-flood",
        description=(
            f"{size} events stamped minutes {flood_at - 10}-{flood_at} visible at minute "
            f"{flood_at}; Fetch Limit {limit}, look-back {look_back}"
        ),
        cycles=cycles,
        events=events,
        params={"max_fetch": str(limit), "look_back": str(look_back)},
        requires=(REQUIRES_LOOKBACK,),
    )


def _duplicate_rows(b: _Builder) -> Scenario:
    """An API that lists some events twice in a row inside one page."""
    cycles = b.rate_cycles()
    share = 0.1
    return Scenario(
        name="duplicate-rows",
        description=f"about {share:.0%} of events listed twice in one page",
        cycles=cycles,
        events=b.steady_events(b.steady_count(cycles), cycles),
        page_size=max(2, b.traits.max_fetch // 2),
        quirks=ApiQuirks(duplicate_rows=share),
    )


def _constant_delay(b: _Builder) -> Scenario:
    """Every event visible 15 minutes after its time, longer than the look-back of 10.

    A pipeline delay, or an API clock behind: a fetch without look-back misses nothing
    here, so neither may a fetch with one (its window must not start later).
    """
    delay, look_back = 15, 10
    cycles = b.count(60, 30) + delay
    events = [
        EventSpec(time=spec.time, lag=timedelta(minutes=delay))
        for spec in b.steady_events(b.steady_count(cycles), cycles)
    ]
    return Scenario(
        name="constant-delay",
        description=f"every event visible {delay} minutes late; look-back {look_back}",
        cycles=cycles,
        events=events,
        params={"look_back": str(look_back)},
    )


def _rate_limit(b: _Builder) -> Scenario:
    """A same-second burst behind a page cap of 10 and a budget of 30 requests a minute.

    A run must go on from where it stopped inside the burst instead of paging past the
    events it already took at that second, or it runs out of requests for good.
    """
    cap, budget = 10, 30
    cycles = b.count(40, 20)
    size = b.count(1000, 3 * b.traits.max_fetch + 1)
    moment = b.start + timedelta(minutes=2, seconds=b.rng.randrange(60))
    events = b.steady_events(b.steady_count(cycles) // 2, cycles)
    events += [EventSpec(time=moment) for _ in range(size)]
    return Scenario(
        name="rate-limit",
        description=(
            f"{size} events in one second, pages of {cap}, {budget} requests a minute "
            "(HTTP 429 past it)"
        ),
        cycles=cycles,
        events=events,
        page_size=cap,
        quirks=ApiQuirks(rate_limit=budget),
    )


def _cursor_expiry(b: _Builder) -> Scenario:
    """Cursors that expire 30 minutes after the API sent them, and a quiet 40 minutes."""
    expiry, quiet = 30, 40
    busy = b.count(20, 10)
    cycles = busy + quiet + busy
    first = b.steady_events(b.steady_count(busy), busy)
    later = [
        EventSpec(time=spec.time + timedelta(minutes=busy + quiet))
        for spec in b.steady_events(b.steady_count(busy), busy)
    ]
    return Scenario(
        name="cursor-expiry",
        description=(
            f"cursors expire {expiry} minutes after sent (HTTP 400); no events for "
            f"{quiet} minutes after run {busy}"
        ),
        cycles=cycles,
        events=first + later,
        quirks=ApiQuirks(cursor_expiry=timedelta(minutes=expiry)),
        requires=(REQUIRES_CURSOR,),
    )


def _start_time_limit(b: _Builder) -> Scenario:
    """A cursor API that refuses a start time older than 30 minutes (Sophos Central
    SIEM: 24 hours), its last page saying no more follow and carrying the cursor to go
    on from next time; first fetch 10 minutes.

    A fetch that drops that cursor sends the first-fetch time again and again, until
    the API refuses it for good.
    """
    oldest, first_fetch = 30, 10
    cycles = b.count(90, 45)
    events = [
        EventSpec(time=spec.time - timedelta(minutes=first_fetch - 1))
        for spec in b.steady_events(b.steady_count(cycles), cycles)
    ]
    return Scenario(
        name="start-time-limit",
        description=(
            f"start times older than {oldest} minutes refused (HTTP 400); first fetch "
            f"{first_fetch} minutes; a cursor on every non-empty page"
        ),
        cycles=cycles,
        events=events,
        params={"first_fetch": f"{first_fetch} minutes"},
        quirks=ApiQuirks(since_max_age=timedelta(minutes=oldest)),
        requires=(REQUIRES_CURSOR,),
    )


def _last_run_growth(b: _Builder) -> Scenario:
    """An API that ignores ``limit`` (pages of up to 1000), a backlog, a busy stream.

    Fetch Limit 50 and a look-back of 60: a run must still create at most 50 incidents,
    and the report shows how large lastRun grows.
    """
    limit, look_back = 50, 60
    cycles = b.count(120, 30)
    backlog = b.count(2000, 4 * limit)
    events = [
        EventSpec(time=b.start - timedelta(seconds=1 + b.rng.randrange(3600)))
        for _ in range(backlog)
    ]
    events += b.steady_events(cycles * 40, cycles)
    return Scenario(
        name="last-run-growth",
        description=(
            f"the API ignores limit (pages up to 1000); {backlog} events waiting, then "
            f"40 a minute; Fetch Limit {limit}, look-back {look_back}"
        ),
        cycles=cycles,
        events=events,
        params={"max_fetch": str(limit), "look_back": str(look_back)},
        quirks=ApiQuirks(ignore_limit=True),
    )


def _late_ids(b: _Builder) -> Scenario:
    """IDs given when events happen, events visible up to 5 minutes later.

    An ID-ordered fetch has moved past the ID of an event that shows up late: its
    documented limitation. The other cores see the lag as index-lag does.
    """
    max_lag = 5
    cycles = b.rate_cycles()
    events = [
        EventSpec(time=spec.time, lag=timedelta(seconds=b.rng.randint(0, max_lag * 60)))
        for spec in b.steady_events(b.steady_count(cycles), cycles)
    ]
    return Scenario(
        name="late-ids",
        description=(
            f"IDs numbered at creation; events visible up to {max_lag} minutes late"
        ),
        cycles=cycles + max_lag,
        events=events,
        params={"look_back": str(max_lag)},
        ids_at=IDS_AT_CREATION,
        requires=(REQUIRES_ID_ORDER,),
        limitations={
            ID_GREATER_THAN: (
                "id_greater_than continues after the highest ID it read; an event "
                "numbered earlier but visible later is behind it and never fetched"
            )
        },
    )


def _stale_start(b: _Builder) -> Scenario:
    """An API that refuses the first request's start time beside a cursor or an ID.

    Only the first request of a fetch names a start time; every later one its position.
    A request that sends both (a start time left over from an earlier request) gets HTTP
    400, as some APIs answer "cursor and start_time together".
    """
    cycles = b.rate_cycles()
    return Scenario(
        name="stale-start",
        description=(
            "the API refuses a start time sent with a cursor or an ID (HTTP 400); "
            "pages below the Fetch Limit"
        ),
        cycles=cycles,
        events=b.steady_events(b.steady_count(cycles), cycles),
        page_size=max(1, b.traits.max_fetch // 3),
        quirks=ApiQuirks(refuse_stale_start=True),
        requires=(REQUIRES_POSITION,),
    )


def _token_revoked(b: _Builder) -> Scenario:
    """OAuth2 tokens revoked early: a 401, one new token, the request repeated."""
    cycles = b.rate_cycles()
    first = 2 + b.rng.randrange(cycles // 3)
    later = first + 2 + b.rng.randrange(cycles // 3)
    return Scenario(
        name="token-revoked",
        description=(
            "OAuth2 tokens revoked before they expire (twice in a row, then once "
            "more): a 401, one new token, the request repeated"
        ),
        cycles=cycles,
        events=b.steady_events(b.steady_count(cycles), cycles),
        requires=(REQUIRES_OAUTH2,),
        revoke_tokens=(first, first + 1, later),
    )


def _next_links(b: _Builder, name: str, links: str, description: str) -> Scenario:
    """A backlog larger than three Fetch Limits and than the API's declared largest
    page, then a steady stream, in pages of a third of the Fetch Limit (a declared
    largest page aside), so that pages are followed; next links written the ``links``
    way (api_quirks.NEXT_LINKS)."""
    cycles = b.count(120, 15) if links != FOREIGN_HOST else b.count(30, 10)
    span = min(
        b.start - b.traits.first_fetch - timedelta(minutes=5), timedelta(minutes=30)
    )
    seconds = max(60, int(span.total_seconds()))
    backlog = [
        EventSpec(time=b.start - timedelta(seconds=1 + b.rng.randrange(seconds)))
        for _ in range(max(3 * b.traits.max_fetch, b.traits.page_size_max) + 1)
    ]
    return Scenario(
        name=name,
        description=description,
        cycles=cycles,
        events=backlog + b.steady_events(b.steady_count(cycles), cycles),
        page_size=max(1, b.traits.max_fetch // 3),
        quirks=ApiQuirks(next_links=links),
        requires=(REQUIRES_NEXT_URL,),
    )


def _echoed_query(b: _Builder) -> Scenario:
    return _next_links(
        b,
        "echoed-query",
        ECHO_QUERY,
        "next-page URLs repeat the request's own query string, a query-string "
        "credential included",
    )


def _relative_links(b: _Builder) -> Scenario:
    return _next_links(
        b,
        "relative-links",
        RELATIVE,
        "relative next-page URLs: a path and query, or a query alone",
    )


def _foreign_next_link(b: _Builder) -> Scenario:
    return _next_links(
        b,
        "foreign-next-link",
        FOREIGN_HOST,
        "next-page URLs on another host: no request may reach it, every run given one "
        "must fail or say so, naming it",
    )


BUILTINS: dict[str, Callable[[_Builder], Scenario]] = {
    "steady": _steady,
    "index-lag": _index_lag,
    "burst": _burst,
    "late-match": _late_match,
    "api-errors": _api_errors,
    "deep-page-timeouts": _deep_page_timeouts,
    "backlog": _backlog,
    "malformed": _malformed,
    "timezone": _timezone,
    "no-next-cursor": _no_next_cursor,
    "look-back-raised": _look_back_raised,
    "outage-lag": _outage_lag,
    "late-flood": _late_flood,
    "duplicate-rows": _duplicate_rows,
    "constant-delay": _constant_delay,
    "rate-limit": _rate_limit,
    "cursor-expiry": _cursor_expiry,
    "start-time-limit": _start_time_limit,
    "last-run-growth": _last_run_growth,
    "late-ids": _late_ids,
    "token-revoked": _token_revoked,
    "echoed-query": _echoed_query,
    "relative-links": _relative_links,
    "foreign-next-link": _foreign_next_link,
    "stale-start": _stale_start,
    "error-objects": _error_objects,
    "events-ahead": _events_ahead,
}


def builtin(
    name: str,
    traits: PackTraits,
    seed: int = 0,
    scale: float = 1.0,
    start: datetime = DEFAULT_START,
) -> Scenario:
    """Build the built-in scenario ``name`` for a pack (``scale`` < 1 makes it smaller)."""
    if name not in BUILTINS:
        raise UserError(
            f"unknown scenario '{name}'; use one of {', '.join(BUILTINS)}, 'all', "
            "or a .yml/.yaml/.json scenario file"
        )
    rng = random.Random(f"{seed}:{name}")
    scenario = BUILTINS[name](_Builder(traits, rng, scale, start))
    scenario.start = start
    return scenario


# -- scenario files -----------------------------------------------------------------------

FILE_KEYS = {
    "name",
    "description",
    "cycles",
    "start",
    "params",
    "param_changes",
    "restarts",
    "requires",
    "api",
    "events",
}
API_KEYS = {
    "page_size",
    "utc_offset",
    "id_type",
    "ids_at",
    "failures",
    "next_cursor",
    *QUIRK_KEYS,
    "revoke_tokens",
}
EVENT_KEYS = {"at", "count", "lag", "matches_after", "missing", "null_value", "fields"}
RANDOM_KEYS = {"count", "from", "to", "max_lag", "max_match_delay", "malformed"}
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


class ScenarioFileError(UserError):
    """A scenario file that cannot be read or does not follow the format."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"scenario file {path}: {problem}")


def load_scenario_file(path: str | Path, seed: int = 0) -> Scenario:
    """Read a YAML or JSON scenario file (format in docs/simulate.md)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioFileError(path, error.strerror or str(error)) from error
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        problem = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ScenarioFileError(path, f"not valid {_kind(path)}: {problem}") from error
    try:
        return _scenario_from_data(data, path.stem, seed)
    except (ValueError, TypeError) as error:
        raise ScenarioFileError(path, str(error)) from error


def _kind(path: Path) -> str:
    return "JSON" if path.suffix == ".json" else "YAML"


def _scenario_from_data(data: Any, default_name: str, seed: int) -> Scenario:
    if not isinstance(data, dict):
        raise ValueError("the top level must be a mapping with cycles and events")
    _only(data, FILE_KEYS, "top-level key")
    cycles = _int(data.get("cycles"), "cycles", low=1, high=100_000)
    start = _start(data.get("start"))
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise ValueError("params must be a mapping of parameter names to values")
    requires = data.get("requires") or []
    if isinstance(requires, str):
        requires = [requires]
    for need in requires:
        if need not in KNOWN_REQUIREMENTS:
            raise ValueError(
                f"requires: unknown {need!r}; use {', '.join(KNOWN_REQUIREMENTS)}"
            )
    api = data.get("api") or {}
    if not isinstance(api, dict):
        raise ValueError("api must be a mapping")
    _only(api, API_KEYS, "api key")
    raw_events = data.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise ValueError("events must be a non-empty list")
    rng = random.Random(f"{seed}:{default_name}")
    events: list[EventSpec] = []
    for number, item in enumerate(raw_events, start=1):
        events.extend(_event_items(item, number, start, rng))
    id_type = str(api.get("id_type", INT_IDS))
    if id_type not in (INT_IDS, STRING_IDS):
        raise ValueError(f"api.id_type must be {INT_IDS} or {STRING_IDS}")
    page_size = api.get("page_size")
    next_cursor = str(api.get("next_cursor", CURSOR_ALWAYS))
    if next_cursor not in NEXT_CURSOR_MODES:
        raise ValueError(f"api.next_cursor must be {', '.join(NEXT_CURSOR_MODES)}")
    ids_at = str(api.get("ids_at", IDS_AT_VISIBILITY))
    if ids_at not in ID_NUMBERINGS:
        raise ValueError(f"api.ids_at must be {' or '.join(ID_NUMBERINGS)}")
    return Scenario(
        name=str(data.get("name") or default_name),
        description=str(data.get("description") or "scenario file"),
        cycles=cycles,
        events=events,
        params={str(key): _param(value) for key, value in params.items()},
        page_size=None if page_size is None else _int(page_size, "api.page_size", 1),
        utc_offset=_utc_offset(api.get("utc_offset")),
        failures=_failures(api.get("failures") or {}),
        requires=tuple(requires),
        id_type=id_type,
        start=start,
        next_cursor=next_cursor,
        param_changes=_param_changes(data.get("param_changes") or {}, cycles),
        quirks=ApiQuirks.from_file(api),
        ids_at=ids_at,
        restarts=_restarts(data.get("restarts") or [], cycles),
        revoke_tokens=_run_numbers(api.get("revoke_tokens") or [], cycles),
    )


def _run_numbers(value: Any, cycles: int) -> tuple[int, ...]:
    """``api.revoke_tokens``: a list of run numbers from 1 to ``cycles``."""
    if not isinstance(value, list):
        raise ValueError("api.revoke_tokens must be a list of run numbers")
    return tuple(
        sorted({_int(item, "api.revoke_tokens", low=1, high=cycles) for item in value})
    )


def _restarts(value: Any, cycles: int) -> frozenset[int]:
    """``restarts``: run numbers before which the integration is loaded afresh."""
    if not isinstance(value, list):
        raise ValueError("restarts must be a list of run numbers")
    for run in value:
        if isinstance(run, bool) or not isinstance(run, int) or not 1 <= run <= cycles:
            raise ValueError(
                f"restarts: run number must be from 1 to cycles ({cycles}), got {run!r}"
            )
    return frozenset(value)


def _param_changes(value: Any, cycles: int) -> dict[int, dict[str, Any]]:
    """``param_changes``: run number -> parameter overrides applied from that run on."""
    if not isinstance(value, dict):
        raise ValueError(
            "param_changes must map run numbers to mappings of parameter overrides"
        )
    changes: dict[int, dict[str, Any]] = {}
    for run, overrides in value.items():
        number = run if isinstance(run, int) and not isinstance(run, bool) else None
        if number is None and isinstance(run, str) and run.isdigit():
            number = int(run)
        if number is None or not 1 <= number <= cycles:
            raise ValueError(
                f"param_changes: run number must be from 1 to cycles ({cycles}), "
                f"got {run!r}"
            )
        if not isinstance(overrides, dict) or not overrides:
            raise ValueError(
                f"param_changes[{number}] must be a non-empty mapping of parameter "
                "names to values"
            )
        fixed = sorted(set(map(str, overrides)) & set(FIXED_PARAMS))
        if fixed:
            raise ValueError(
                f"param_changes[{number}]: {fixed[0]!r} cannot change during a "
                f"simulation (fixed: {', '.join(FIXED_PARAMS)}); set it in params"
            )
        changes[number] = {str(key): _param(val) for key, val in overrides.items()}
    return dict(sorted(changes.items()))


def _event_items(
    item: Any, number: int, start: datetime, rng: random.Random
) -> list[EventSpec]:
    where = f"events[{number}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a mapping")
    if "random" in item:
        return _random_events(item, where, start, rng)
    _only(item, EVENT_KEYS, f"{where} key")
    if "at" not in item:
        raise ValueError(f"{where} needs 'at' (minutes from the first fetch)")
    at = start + timedelta(minutes=_number(item["at"], f"{where}.at"))
    count = _int(item.get("count", 1), f"{where}.count", low=1, high=1_000_000)
    lag = timedelta(minutes=_number(item.get("lag", 0), f"{where}.lag", low=0))
    delay = _match_delay(item.get("matches_after", 0), f"{where}.matches_after")
    missing = item.get("missing")
    if missing not in (None, MISSING_ID, MISSING_TIME):
        raise ValueError(f"{where}.missing must be {MISSING_ID} or {MISSING_TIME}")
    fields = item.get("fields") or {}
    if not isinstance(fields, dict):
        raise ValueError(f"{where}.fields must be a mapping")
    spec = EventSpec(
        time=at,
        lag=lag,
        match_delay=delay,
        missing=missing,
        null=bool(item.get("null_value", False)),
        fields=fields,
    )
    return [spec] * count


def _random_events(
    item: dict[str, Any], where: str, start: datetime, rng: random.Random
) -> list[EventSpec]:
    if set(item) != {"random"} or not isinstance(item["random"], dict):
        raise ValueError(f"{where}: 'random' must be the only key, holding a mapping")
    spec = item["random"]
    _only(spec, RANDOM_KEYS, f"{where}.random key")
    count = _int(spec.get("count"), f"{where}.random.count", low=1, high=1_000_000)
    low = _number(spec.get("from", 0), f"{where}.random.from")
    high = _number(spec.get("to", 60), f"{where}.random.to")
    if high <= low:
        raise ValueError(f"{where}.random: 'to' must be after 'from'")
    max_lag = _number(spec.get("max_lag", 0), f"{where}.random.max_lag", low=0)
    max_delay = _number(
        spec.get("max_match_delay", 0), f"{where}.random.max_match_delay", low=0
    )
    malformed = _number(spec.get("malformed", 0), f"{where}.random.malformed", low=0)
    if malformed > 1:
        raise ValueError(f"{where}.random.malformed is a share from 0 to 1")
    seconds = int((high - low) * 60)
    events = []
    for _ in range(count):
        roll = rng.random()
        events.append(
            EventSpec(
                time=start + timedelta(minutes=low, seconds=rng.randrange(seconds)),
                lag=timedelta(seconds=rng.randint(0, int(max_lag * 60))),
                match_delay=timedelta(seconds=rng.randint(0, int(max_delay * 60))),
                missing=(
                    None
                    if roll >= malformed
                    else MISSING_ID if roll < malformed / 2 else MISSING_TIME
                ),
                null=rng.random() < 0.5,
            )
        )
    return events


def _only(data: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise ValueError(
            f"unknown {what} {unknown[0]!r}; use {', '.join(sorted(allowed))}"
        )


def _number(value: Any, what: str, low: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number of minutes, got {value!r}")
    if not math.isfinite(value) or (low is not None and value < low):
        raise ValueError(f"{what} must be a number of minutes >= {low}, got {value!r}")
    return float(value)


def _int(value: Any, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{what} must be {limit}, got {value}")
    return value


def _match_delay(value: Any, what: str) -> timedelta | None:
    if value == "never":
        return None
    return timedelta(minutes=_number(value, what, low=0))


def _param(value: Any) -> Any:
    if isinstance(value, bool | dict):
        return value
    return str(value)


def _start(value: Any) -> datetime:
    if value is None:
        return DEFAULT_START
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(
                f"start must be an ISO 8601 time such as 2024-03-10T12:00:00Z, got {value!r}"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _utc_offset(value: Any) -> timedelta | None:
    if value is None:
        return None
    match = _OFFSET.match(str(value).strip())
    if not match:
        raise ValueError(
            f"api.utc_offset must look like +05:30 or -07:00, got {value!r}"
        )
    sign = -1 if match.group(1) == "-" else 1
    offset = sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    if abs(offset) >= timedelta(hours=24):
        raise ValueError("api.utc_offset must be less than 24 hours")
    return offset or None


def _failures(value: Any) -> dict[int, dict[int, str]]:
    if not isinstance(value, dict):
        raise ValueError("api.failures must map run numbers to a failure or a list")
    failures: dict[int, dict[int, str]] = {}
    for run, kinds in value.items():
        number = int(run) if str(run).isdigit() else 0
        if number < 1:
            raise ValueError(f"api.failures: run number must be 1 or more, got {run!r}")
        sequence = kinds if isinstance(kinds, list) else [kinds]
        armed = {}
        for request, kind in enumerate(sequence):
            if kind in (None, "ok"):
                continue
            armed[request] = failure_kind(kind)
        failures[number] = armed
    return failures


def _offset_text(offset: timedelta) -> str:
    return datetime(2000, 1, 1, tzinfo=timezone(offset)).strftime("%z")


def query_of(params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The instance's query as ``(field, value)`` when it has that form."""
    return parse_query(str(params.get("query") or ""))
