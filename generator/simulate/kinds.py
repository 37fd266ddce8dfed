"""How the simulator judges what a fetch run emitted, by kind of integration.

The kinds themselves (commands, parameters, record IDs) are :mod:`generator.kinds`,
shared with ``fetch``; they are named here too for the simulator's modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.kinds import EVENTS, INCIDENT_KIND, INCIDENTS, FetchKind, kind_of
from generator.simulate.checks import TIME_TOLERANCE, incident_problems, parse_iso8601
from generator.simulate.events import SimEvent

__all__ = [
    "EVENTS",
    "INCIDENTS",
    "INCIDENT_KIND",
    "FetchKind",
    "kind_of",
    "problems_reader",
    "sent_event_problems",
]


def problems_reader(kind: FetchKind) -> Callable[[Any, SimEvent | None], list[str]]:
    """What is wrong with one emitted record of ``kind`` (empty when it is valid), as
    one function chosen once for the kind."""
    return sent_event_problems if kind.is_collector else incident_problems


def sent_event_problems(sent: Any, event: SimEvent | None) -> list[str]:
    """What is wrong with one event sent to XSIAM: it must be an object with ``_time``
    in ISO 8601 UTC, the source event's time when the source is known."""
    if not isinstance(sent, dict):
        return [f"is a {type(sent).__name__}, not an object"]
    stamp = sent.get("_time")
    moment = parse_iso8601(stamp)
    if moment is None:
        return [f"_time {stamp!r} is not ISO 8601"]
    if event is not None and abs(moment - event.time) > TIME_TOLERANCE:
        return [
            f"_time {stamp} is not the event's time "
            f"{event.time.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        ]
    return []
