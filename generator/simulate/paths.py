"""Dotted field paths (``a.b.c``) into nested JSON objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def split_path(path: str) -> list[str]:
    """The parts of a dotted path; an empty path has none."""
    return [part for part in path.split(".") if part] if path else []


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` inside ``obj`` to ``value``, creating intermediate objects."""
    set_parts(obj, split_path(path), value)


def set_parts(obj: dict[str, Any], parts: Sequence[str], value: Any) -> None:
    """``set_path`` for a path already split into its parts."""
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
