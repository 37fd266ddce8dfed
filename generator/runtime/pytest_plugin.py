"""pytest plugin that makes the stand-in runtime importable when the real one is not."""

from __future__ import annotations

import importlib.util
import sys

from generator.runtime import RUNTIME_DIR


def pytest_configure(config) -> None:
    """Put the stand-ins on sys.path only when CommonServerPython cannot be imported."""
    if importlib.util.find_spec("CommonServerPython") is None:
        sys.path.append(str(RUNTIME_DIR))
