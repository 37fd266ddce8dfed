"""An event's JSON as the fake API returns it, built from field paths split once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from generator.simulate.events import MISSING_ID, MISSING_TIME, SimEvent
from generator.simulate.paths import set_path, split_path
from generator.simulate.timefmt import render_time

SEVERITIES = ("low", "medium", "high", "critical")
NOT_MATCHING_SUFFIX = "-pending"


def _put(body: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    """Set the value at a path already split in parts (at least one), as ``set_path``."""
    current = body
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            child = {}
            current[part] = child
        current = child
    current[parts[-1]] = value


class EventRenderer:
    """Renders events for one API shape; each event's time is rendered once."""

    def __init__(
        self,
        *,
        id_field: str,
        time_field: str,
        name_field: str,
        severity_field: str,
        time_format: str,
        utc_offset: timedelta | None = None,
        query: tuple[str, str] | None = None,
    ) -> None:
        self.id_field = id_field
        self.time_field = time_field
        self.name_field = name_field
        self.severity_field = severity_field
        self.time_format = time_format
        self.utc_offset = utc_offset
        self.query = query
        self._parts: dict[str, tuple[str, ...]] = {}
        self._times: dict[int, Any] = {}

    def _set(self, body: dict[str, Any], path: str, value: Any) -> None:
        parts = self._parts.get(path)
        if parts is None:
            parts = self._parts[path] = tuple(split_path(path))
        if not parts:
            set_path(body, path, value)  # raises: an empty path cannot be set
        _put(body, parts, value)

    def _time(self, event: SimEvent) -> Any:
        shown = self._times.get(event.seq)
        if shown is None:
            shown = render_time(event.time, self.time_format, self.utc_offset)
            self._times[event.seq] = shown
        return shown

    def render(self, event: SimEvent, now: datetime) -> dict[str, Any]:
        """The event's JSON as the API returns it at ``now``."""
        put = self._set
        body: dict[str, Any] = {"description": f"Synthetic event {event.id}"}
        if self.name_field:
            put(body, self.name_field, f"Simulated event {event.id}")
        if self.severity_field:
            put(body, self.severity_field, SEVERITIES[event.seq % len(SEVERITIES)])
        for path, value in event.fields.items():
            put(body, path, value)
        query = self.query
        if query:
            qfield, qvalue = query
            shown = qvalue if event.matches_at(now) else qvalue + NOT_MATCHING_SUFFIX
            put(body, qfield, shown)
        if event.missing != MISSING_ID:
            put(body, self.id_field, event.id)
        elif event.null:
            put(body, self.id_field, None)
        if event.missing != MISSING_TIME:
            put(body, self.time_field, self._time(event))
        elif event.null:
            put(body, self.time_field, None)
        return body
