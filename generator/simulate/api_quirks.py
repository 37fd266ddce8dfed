"""Ways a real events API departs from the plain contract, each a separate option.

A scenario turns them on one by one (``api:`` keys of a scenario file): a budget of
requests a minute (HTTP 429 past it), cursors that expire (HTTP 400 when used after
that), rows the API repeats inside a page, a ``limit`` parameter the API ignores,
next-page URLs written another way (``next_links``: repeating the request's own query
string, credential included; relative; or on another host), and a start time the
API refuses beside a cursor or an ID (HTTP 400: a stale field), and pages deep into a
time window that time out; a start time older than a set age (Sophos Central SIEM:
24 hours) is refused too.
The fake API (:mod:`generator.simulate.fake_api`) asks the pieces here what to do.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from generator.simulate.events import SimEvent

RATE_WINDOW = timedelta(minutes=1)
RETRY_AFTER_SECONDS = 60
QUIRK_KEYS = (
    "rate_limit",
    "cursor_expiry",
    "duplicate_rows",
    "ignore_limit",
    "next_links",
    "refuse_stale_start",
    "deep_page_timeout",
    "since_max_age",
)
# How the API writes its next-page URLs (next_url and link_header paging): after the
# query string of the request it answers, credential included; relative (a path and
# query, a query alone, a path relative to the endpoint's folder, in turn); or on
# another host, which must never receive a request.
ECHO_QUERY = "echo_query"
RELATIVE = "relative"
FOREIGN_HOST = "foreign_host"
NEXT_LINKS = (ECHO_QUERY, RELATIVE, FOREIGN_HOST)


@dataclass(frozen=True)
class ApiQuirks:
    """Which departures from the contract the fake API shows (all off by default)."""

    rate_limit: int | None = None  # requests a minute; None = unlimited
    cursor_expiry: timedelta | None = None  # a cursor is refused this long after sent
    duplicate_rows: float = 0.0  # share of events the API returns twice in a row
    ignore_limit: bool = False  # pages hold up to the page cap whatever limit asks
    next_links: str = ""  # how next-page URLs are written: "" (full URLs) or NEXT_LINKS
    # a request carrying a cursor, next-page token or ID with the start time is refused
    refuse_stale_start: bool = False
    # a time window's page starting this many events or more into it times out
    deep_page_timeout: int | None = None
    since_max_age: timedelta | None = None  # a first request starting earlier: HTTP 400

    @classmethod
    def from_file(cls, api: Mapping[str, Any]) -> ApiQuirks:
        """Read the quirk keys of a scenario file's ``api`` mapping (ValueError if bad)."""
        rate = api.get("rate_limit")
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int) or rate < 1
        ):
            raise ValueError(
                f"api.rate_limit must be a whole number of requests a minute >= 1, "
                f"got {rate!r}"
            )
        expiry = api.get("cursor_expiry")
        if expiry is not None and (
            isinstance(expiry, bool)
            or not isinstance(expiry, int | float)
            or expiry <= 0
        ):
            raise ValueError(
                f"api.cursor_expiry must be a number of minutes > 0, got {expiry!r}"
            )
        share = api.get("duplicate_rows", 0)
        if isinstance(share, bool) or not isinstance(share, int | float):
            share = -1
        if not 0 <= share <= 1:
            raise ValueError(
                f"api.duplicate_rows is a share from 0 to 1, got {api.get('duplicate_rows')!r}"
            )
        ignore = api.get("ignore_limit", False)
        if not isinstance(ignore, bool):
            raise ValueError(f"api.ignore_limit must be true or false, got {ignore!r}")
        links = api.get("next_links", "")
        if links not in ("", *NEXT_LINKS):
            raise ValueError(
                f"api.next_links must be one of {', '.join(NEXT_LINKS)}, got {links!r}"
            )
        stale = api.get("refuse_stale_start", False)
        if not isinstance(stale, bool):
            raise ValueError(
                f"api.refuse_stale_start must be true or false, got {stale!r}"
            )
        deep = api.get("deep_page_timeout")
        if deep is not None and (
            isinstance(deep, bool) or not isinstance(deep, int) or deep < 1
        ):
            raise ValueError(
                "api.deep_page_timeout must be a whole number of events >= 1, "
                f"got {deep!r}"
            )
        age = api.get("since_max_age")
        if age is not None and (
            isinstance(age, bool) or not isinstance(age, int | float) or age <= 0
        ):
            raise ValueError(
                f"api.since_max_age must be a number of minutes > 0, got {age!r}"
            )
        return cls(
            rate_limit=rate,
            cursor_expiry=None if expiry is None else timedelta(minutes=expiry),
            duplicate_rows=float(share),
            ignore_limit=ignore,
            next_links=links,
            refuse_stale_start=stale,
            deep_page_timeout=deep,
            since_max_age=None if age is None else timedelta(minutes=age),
        )


class RateLimit:
    """A budget of requests in any minute of the simulated clock."""

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute = per_minute
        self._admitted: deque[datetime] = deque()

    def admit(self, now: datetime) -> bool:
        """Whether a request at ``now`` is within the budget (it then counts)."""
        if self.per_minute is None:
            return True
        while self._admitted and self._admitted[0] <= now - RATE_WINDOW:
            self._admitted.popleft()
        if len(self._admitted) >= self.per_minute:
            return False
        self._admitted.append(now)
        return True


class CursorAges:
    """When the API last sent each cursor, to refuse it once it has expired."""

    def __init__(self, expiry: timedelta | None) -> None:
        self.expiry = expiry
        self._sent: dict[str, datetime] = {}

    def sent(self, token: str, now: datetime) -> None:
        """Record that the API sent ``token`` at ``now`` (sending again renews it)."""
        if self.expiry is not None:
            self._sent[token] = now

    def expired(self, token: str, now: datetime) -> bool:
        """Whether ``token`` was sent longer than the expiry before ``now``."""
        sent = self._sent.get(token)
        return self.expiry is not None and sent is not None and now - sent > self.expiry


class RepeatedRows:
    """The events the API lists twice, one copy right after the other."""

    def __init__(self, events: Iterable[SimEvent], share: float) -> None:
        rng = random.Random(f"duplicate-rows:{share}")
        self.seqs = {event.seq for event in events if share and rng.random() < share}

    def rows(self, events: Iterable[SimEvent]) -> Iterator[SimEvent]:
        """``events`` with each repeated event listed twice in a row."""
        for event, _ in self.marked_rows(events):
            yield event

    def marked_rows(
        self, events: Iterable[SimEvent]
    ) -> Iterator[tuple[SimEvent, bool]]:
        """Like ``rows``, each row with whether it is the second copy of its event."""
        for event in events:
            yield event, False
            if event.seq in self.seqs:
                yield event, True

    def repeats(self, event: SimEvent) -> bool:
        """Whether the API lists ``event`` twice."""
        return event.seq in self.seqs
