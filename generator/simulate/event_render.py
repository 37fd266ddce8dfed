"""An event's JSON as the fake API returns it, built from field paths split once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from generator.simulate.events import MISSING_ID, MISSING_TIME, SimEvent
from generator.simulate.paths import set_parts, split_path
from generator.simulate.timefmt import render_time

SEVERITIES = ("low", "medium", "high", "critical")
NOT_MATCHING_SUFFIX = "-pending"
# Stand-ins for an event's ID and time in the JSON templates of plain events.
_ID_MARK = "\x02"
_TIME_MARK = "\x03"
_MARK_TIME = datetime.min.replace(tzinfo=UTC)


class EventRenderer:
    """Renders events for one API shape; each distinct time is rendered once."""

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
        self._times: dict[datetime, Any] = {}
        self._name = self._split(name_field)
        self._severity = self._split(severity_field)
        self._id = self._split(id_field)
        self._time_at = self._split(time_field)
        self._query = (self._split(query[0]), query[1]) if query else None
        self._json_times: dict[datetime, str] = {}
        self._templates: tuple[str, ...] = ()

    def _split(self, path: str) -> tuple[str, ...]:
        """A path's parts, split once (none for an empty path)."""
        parts = self._parts.get(path)
        if parts is None:
            parts = self._parts[path] = tuple(split_path(path))
        return parts

    def _time(self, event: SimEvent) -> Any:
        """The event's time as the API writes it (once per distinct time)."""
        shown = self._times.get(event.time)
        if shown is None:
            shown = render_time(event.time, self.time_format, self.utc_offset)
            self._times[event.time] = shown
        return shown

    def render(self, event: SimEvent, now: datetime) -> dict[str, Any]:
        """The event's JSON as the API returns it at ``now``."""
        body: dict[str, Any] = {"description": f"Synthetic event {event.id}"}
        if self.name_field:
            _put(body, self._name, f"Simulated event {event.id}")
        if self.severity_field:
            _put(body, self._severity, SEVERITIES[event.seq % len(SEVERITIES)])
        for path, value in event.fields.items():
            set_parts(body, self._split(path), value)
        if self._query:
            parts, shown = self._query
            if not event.matches_at(now):
                shown += NOT_MATCHING_SUFFIX
            set_parts(body, parts, shown)
        if event.missing != MISSING_ID:
            _put(body, self._id, event.id)
        elif event.null:
            set_parts(body, self._id, None)
        if event.missing != MISSING_TIME:
            stamp = self._times.get(event.time)
            if stamp is None:
                stamp = self._time(event)
            _put(body, self._time_at, stamp)
        elif event.null:
            set_parts(body, self._time_at, None)
        return body

    def render_json(self, event: SimEvent, now: datetime) -> str:
        """``json.dumps(render(event, now))``, written from a template for the plain
        events (well formed, no fields of their own, no query to match), as most are."""
        if self._query or event.fields or event.missing:
            return json.dumps(self.render(event, now))
        templates = self._templates or self._plain_templates()
        stamp = self._json_times.get(event.time)
        if stamp is None:
            stamp = self._json_times[event.time] = json.dumps(self._time(event))
        ident = event.id
        if type(ident) is int:
            return templates[event.seq % len(SEVERITIES)].format(ident, ident, stamp)
        text = json.dumps(ident)
        return templates[event.seq % len(SEVERITIES)].format(text, text[1:-1], stamp)

    def _plain_templates(self) -> tuple[str, ...]:
        """A plain event's JSON as format strings, one per severity: ``render`` of an
        event whose ID and time are marks, the marks made fields: {0} the ID as JSON,
        {1} the ID inside a string, {2} the time as JSON."""
        self._times[_MARK_TIME] = _TIME_MARK
        try:
            texts = [
                json.dumps(
                    self.render(
                        SimEvent(seq, _ID_MARK, *[_MARK_TIME] * 3, None, False, {}),
                        _MARK_TIME,
                    )
                )
                for seq in range(len(SEVERITIES))
            ]
        finally:
            del self._times[_MARK_TIME]
        id_mark, time_mark = json.dumps(_ID_MARK), json.dumps(_TIME_MARK)
        self._templates = tuple(
            text.replace("{", "{{")
            .replace("}", "}}")
            .replace(id_mark, "{0}")
            .replace(id_mark[1:-1], "{1}")
            .replace(time_mark, "{2}")
            for text in texts
        )
        return self._templates


def _put(body: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    """Set a split path: a top-level key directly, a nested one through set_parts."""
    if len(parts) == 1:
        body[parts[0]] = value
    else:
        set_parts(body, parts, value)
