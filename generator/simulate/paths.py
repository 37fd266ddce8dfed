"""Dotted field paths (``a.b.c``) into nested JSON objects."""

from __future__ import annotations

from typing import Any

_MISSING = object()


def split_path(path: str) -> list[str]:
    """The parts of a dotted path; an empty path has none."""
    return [part for part in path.split(".") if part] if path else []


def get_path(obj: Any, path: str, default: Any = None) -> Any:
    """The value at ``path`` inside ``obj``, or ``default`` when any part is absent."""
    current = obj
    for part in split_path(path):
        if not isinstance(current, dict) or part not in current:
            return default
        current = current[part]
    return current


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` inside ``obj`` to ``value``, creating intermediate objects."""
    parts = split_path(path)
    if not parts:
        raise ValueError("an empty field path cannot be set")
    current = obj
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            child = {}
            current[part] = child
        current = child
    current[parts[-1]] = value


def delete_path(obj: dict[str, Any], path: str) -> None:
    """Remove the value at ``path`` from ``obj`` when it is there."""
    parts = split_path(path)
    current: Any = obj
    for part in parts[:-1]:
        current = current.get(part) if isinstance(current, dict) else None
    if isinstance(current, dict) and parts:
        current.pop(parts[-1], None)


def wrap_at_path(path: str, value: Any) -> Any:
    """``value`` nested under ``path`` (``a.b`` -> ``{"a": {"b": value}}``); itself when empty."""
    for part in reversed(split_path(path)):
        value = {part: value}
    return value
