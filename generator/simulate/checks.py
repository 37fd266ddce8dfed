"""Checks on each incident a fetch creates, the server's rules plus the source event's facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from generator.simulate.events import SimEvent

TIME_TOLERANCE = timedelta(seconds=1)


def parse_iso8601(value: Any) -> datetime | None:
    """``value`` as an aware UTC time when it is an ISO 8601 string, else None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    return _parsed_iso8601(value)


@lru_cache(maxsize=2**16)
def _parsed_iso8601(value: str) -> datetime | None:
    """parse_iso8601 of a string, once per distinct string (events share times)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def incident_problems(incident: Any, event: SimEvent | None) -> list[str]:
    """What is wrong with one incident (empty when it is valid).

    The server's rules: ``name`` a non-empty string, ``occurred`` ISO 8601, ``rawJSON``
    a JSON string, ``dbotMirrorId`` a string. When the source event is known,
    ``occurred`` must also be the event's time.
    """
    if not isinstance(incident, dict):
        return [f"is a {type(incident).__name__}, not an object"]
    problems = []
    name = incident.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"name {name!r} is not a non-empty string")
    occurred = parse_iso8601(incident.get("occurred"))
    if occurred is None:
        problems.append(f"occurred {incident.get('occurred')!r} is not ISO 8601")
    elif event is not None and abs(occurred - event.time) > TIME_TOLERANCE:
        problems.append(
            f"occurred {incident.get('occurred')} is not the event's time "
            f"{event.time.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        )
    raw = incident.get("rawJSON")
    if not isinstance(raw, str):
        problems.append(f"rawJSON is a {type(raw).__name__}, not a JSON string")
    else:
        try:
            json.loads(raw)
        except ValueError:
            problems.append("rawJSON is not valid JSON")
    mirror = incident.get("dbotMirrorId")
    if not isinstance(mirror, str):
        problems.append(f"dbotMirrorId {mirror!r} is not a string")
    return problems
