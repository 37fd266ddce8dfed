"""API time values in a pack's ``time_format``: render event times, parse request times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

ISO8601 = "iso8601"
EPOCH_SECONDS = "epoch_seconds"
EPOCH_MILLIS = "epoch_millis"


def carries_offset(time_format: str) -> bool:
    """Whether times in this format can carry a UTC offset (ISO 8601 or a ``%z`` pattern)."""
    return time_format == ISO8601 or (
        time_format not in (EPOCH_SECONDS, EPOCH_MILLIS) and "%z" in time_format
    )


def render_time(
    moment: datetime, time_format: str, utc_offset: timedelta | None = None
) -> str | int:
    """``moment`` as the API writes it; ``utc_offset`` shifts ISO and ``%z`` times."""
    moment = moment.astimezone(UTC)
    if time_format == EPOCH_SECONDS:
        return int(moment.timestamp())
    if time_format == EPOCH_MILLIS:
        return int(round(moment.timestamp() * 1000))
    shown = moment.astimezone(timezone(utc_offset)) if utc_offset else moment
    if time_format == ISO8601:
        if not utc_offset:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return shown.isoformat(timespec="seconds")
    return shown.strftime(time_format)


def parse_time(value: str, time_format: str) -> datetime:
    """Parse a time sent to the API in ``time_format`` (``ValueError`` when it does not fit)."""
    text = value.strip()
    if time_format in (EPOCH_SECONDS, EPOCH_MILLIS):
        number = float(text)
        if time_format == EPOCH_MILLIS:
            number /= 1000
        return datetime.fromtimestamp(number, tz=UTC)
    if time_format == ISO8601:
        parsed = datetime.fromisoformat(text)
    else:
        parsed = datetime.strptime(text, time_format)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


EPOCH_YEAR = 1970


def representable(moment: datetime, time_format: str) -> datetime:
    """``moment`` after a round trip through ``time_format`` (drops what it cannot hold)."""
    if moment.year >= EPOCH_YEAR and holds_whole_seconds(time_format):
        return moment.astimezone(UTC).replace(microsecond=0)
    return parse_time(str(render_time(moment, time_format)), time_format)


# The directives that, all present, write a UTC time down to the second and no finer.
_WHOLE_SECONDS = (
    frozenset("Y"),
    frozenset("mbB"),
    frozenset("d"),
    frozenset("H"),
    frozenset("M"),
    frozenset("S"),
)
# Directives that add nothing (literal text, weekday names, an offset written from UTC).
_NEUTRAL = frozenset("%aAzZ")


@lru_cache(maxsize=64)
def holds_whole_seconds(time_format: str) -> bool:
    """Whether a round trip through ``time_format`` is exactly the drop of a UTC
    time's fraction of a second (for ISO 8601, epoch seconds and patterns naming the
    year, month, day, 24-hour hour, minute and second and no finer part)."""
    if time_format in (ISO8601, EPOCH_SECONDS):
        return True
    if time_format == EPOCH_MILLIS:
        return False
    directives = set(re.findall(r"%(.)", time_format))
    known = set().union(*_WHOLE_SECONDS) | _NEUTRAL
    return directives <= known and all(directives & group for group in _WHOLE_SECONDS)
