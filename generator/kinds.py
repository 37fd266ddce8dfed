"""What a fetch run emits, by kind of integration: incidents, or events sent to XSIAM.

A pack generated with ``integration_kind: incidents`` runs ``fetch-incidents`` and creates
incidents (identified by ``dbotMirrorId``); one generated with ``events`` is an XSIAM
collector: it runs ``fetch-events`` and sends the API's events, each with ``_time``, with
``send_events_to_xsiam`` (identified by the event's own ID field). The simulator and the
``fetch`` command judge and show both through :class:`FetchKind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from generator.pack import Pack

INCIDENTS = "incidents"
EVENTS = "events"


@dataclass(frozen=True)
class FetchKind:
    """The command, parameters and record shape of one kind of fetching integration."""

    name: str
    fetch_command: str
    is_fetch_param: str
    interval_param: str
    limit_param: str
    id_field: str = "id"

    @property
    def is_collector(self) -> bool:
        """Whether the integration is an XSIAM event collector."""
        return self.name == EVENTS

    @property
    def record_noun(self) -> str:
        """What one run emits, for reports: incidents or events."""
        return self.name

    def source_id(self, record: Any) -> str:
        """The source event's ID a record carries ("" when it carries none)."""
        return self.source_id_reader(record)

    @cached_property
    def source_id_reader(self) -> Callable[[Any], str]:
        """``source_id`` as one function, chosen once for the kind and ID path."""
        if not self.is_collector:
            return _mirror_id
        return partial(_id_at_path, self.id_path)

    @cached_property
    def id_path(self) -> tuple[str, ...]:
        """The parts of the dotted ID field path (split once)."""
        return tuple(self.id_field.split("."))


def _mirror_id(record: Any) -> str:
    """An incident's source event ID: its dbotMirrorId."""
    if not isinstance(record, dict):
        return ""
    return str(record.get("dbotMirrorId") or "")


def _id_at_path(path: tuple[str, ...], record: Any) -> str:
    """A sent event's ID at the split path of its ID field."""
    value: Any = record
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None or value == "" else str(value)


INCIDENT_KIND = FetchKind(
    name=INCIDENTS,
    fetch_command="fetch-incidents",
    is_fetch_param="isFetch",
    interval_param="incidentFetchInterval",
    limit_param="max_fetch",
)


def kind_of(pack: Pack) -> FetchKind:
    """The pack's kind (see :attr:`Pack.integration_kind`)."""
    if pack.integration_kind != EVENTS:
        return INCIDENT_KIND
    return FetchKind(
        name=EVENTS,
        fetch_command="fetch-events",
        is_fetch_param="isFetchEvents",
        interval_param="eventFetchInterval",
        limit_param="max_events_per_fetch",
        id_field=str(pack.answers.get("id_field") or "id"),
    )
