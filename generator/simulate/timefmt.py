"""API time values in a pack's ``time_format``: render event times, parse request times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

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


def representable(moment: datetime, time_format: str) -> datetime:
    """``moment`` after a round trip through ``time_format`` (drops what it cannot hold)."""
    return parse_time(str(render_time(moment, time_format)), time_format)
