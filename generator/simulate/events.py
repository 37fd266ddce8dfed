"""Synthetic third-party events: what a scenario asks for and what the fake API holds."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from generator.simulate.timefmt import EPOCH_YEAR, holds_whole_seconds, representable

MISSING_ID = "id"
MISSING_TIME = "time"
INT_IDS = "int"
STRING_IDS = "string"
FIRST_INT_ID = 1001
# When the API numbers an event: as it indexes it (visible) or when it happened (its time).
IDS_AT_VISIBILITY = "visibility"
IDS_AT_CREATION = "creation"
ID_NUMBERINGS = (IDS_AT_VISIBILITY, IDS_AT_CREATION)
_NO_DELAY = timedelta(0)
# What events without fields of their own share (read-only).
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class EventSpec:
    """One event a scenario asks for, before the API indexes it and gives it an ID."""

    time: datetime
    lag: timedelta = timedelta(0)
    match_delay: timedelta | None = timedelta(0)
    missing: str | None = None
    null: bool = False
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SimEvent:
    """An event as the fake API holds it: indexed in ``seq`` order, with an ID.

    Treat it as read-only; it is not frozen because a simulated day builds hundreds of
    thousands of them, and a frozen dataclass's constructor costs half as much again.
    """

    seq: int
    id: int | str
    time: datetime
    visible_at: datetime
    match_at: datetime | None
    missing: str | None
    null: bool
    fields: Mapping[str, Any]

    @property
    def source_id(self) -> str:
        """The ID as a string, as incidents and lastRun carry it."""
        return str(self.id)

    @property
    def well_formed(self) -> bool:
        """Whether the event has both its ID and its time (only those become incidents)."""
        return self.missing is None

    def matches_at(self, moment: datetime) -> bool:
        """Whether the event matches the query at ``moment``."""
        return self.match_at is not None and self.match_at <= moment

    def served_from(self) -> datetime | None:
        """When the API first serves the event to a query (visible and matching)."""
        if self.match_at is None:
            return None
        return max(self.visible_at, self.match_at)


def index_events(
    specs: Iterable[EventSpec],
    time_format: str,
    id_type: str = INT_IDS,
    ids_at: str = IDS_AT_VISIBILITY,
) -> list[SimEvent]:
    """Index ``specs`` as an API does: in order of visibility.

    IDs rise with that order, or with ``ids_at=creation`` with the events' times (an
    event visible late then has an ID below events already served).
    """
    with _collection_paused():
        return _indexed(list(specs), time_format, id_type, ids_at)


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic objects are built: its
    full scans of the growing heap would cost more than the building."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _indexed(
    specs: list[EventSpec], time_format: str, id_type: str, ids_at: str
) -> list[SimEvent]:
    times = [spec.time for spec in specs]
    visible = [
        spec.time if spec.lag == _NO_DELAY else spec.time + spec.lag for spec in specs
    ]
    # By visibility, then time, then position: two stable sorts on single keys.
    order = sorted(range(len(specs)), key=times.__getitem__)
    order.sort(key=visible.__getitem__)
    rank: dict[int, int] = {}
    if ids_at == IDS_AT_CREATION:
        created = sorted(range(len(specs)), key=times.__getitem__)
        rank = {index: position for position, index in enumerate(created)}
    # A whole-second UTC time is its own round trip through a format that holds whole
    # seconds; other times make the round trip once per distinct time.
    whole_seconds = holds_whole_seconds(time_format)
    shown: dict[datetime, datetime] = {}
    events = []
    for seq, index in enumerate(order):
        spec = specs[index]
        moment = spec.time
        if not (
            whole_seconds
            and moment.tzinfo is UTC
            and not moment.microsecond
            and moment.year >= EPOCH_YEAR
        ):
            moment = shown.get(spec.time)
            if moment is None:
                moment = shown[spec.time] = representable(spec.time, time_format)
        number = FIRST_INT_ID + (rank[index] if ids_at == IDS_AT_CREATION else seq)
        delay = spec.match_delay
        events.append(
            SimEvent(
                seq,
                number if id_type == INT_IDS else f"evt-{number:08d}",
                moment,
                visible[index],
                (
                    None
                    if delay is None
                    else spec.time if delay == _NO_DELAY else spec.time + delay
                ),
                spec.missing,
                spec.null,
                dict(spec.fields) if spec.fields else _NO_FIELDS,
            )
        )
    return events
