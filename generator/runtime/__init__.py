"""Offline stand-ins for the XSOAR server's Python runtime (tests and local runs only).

The folder :data:`RUNTIME_DIR` holds ``demistomock.py``, ``CommonServerPython.py`` and
``CommonServerUserPython.py``. They are imported by those top-level names, exactly as an
integration does, never as ``generator.runtime.<name>`` (that would be a second copy
with its own state). :func:`activate` makes them importable when the real modules are
not; :func:`use_standins` makes them the runtime even when the real ones exist, for the
tools that drive an integration through the stand-in server state.
"""

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

RUNTIME_DIR = Path(__file__).resolve().parent
"""The folder holding the stand-in modules."""

STANDIN_MODULES: tuple[str, ...] = (
    "demistomock",
    "CommonServerPython",
    "CommonServerUserPython",
)
"""Top-level module names the stand-ins provide."""


def is_standin(module: ModuleType) -> bool:
    """Whether ``module`` was loaded from :data:`RUNTIME_DIR`."""
    origin = getattr(module, "__file__", None)
    return origin is not None and Path(origin).resolve().parent == RUNTIME_DIR


def _runtime_dir_on_path() -> bool:
    return any(
        entry and Path(entry).resolve() == RUNTIME_DIR for entry in sys.path if entry
    )


def activate() -> bool:
    """Append :data:`RUNTIME_DIR` to ``sys.path`` when CommonServerPython is missing.

    Real modules found anywhere on the path are never shadowed: the folder goes
    last and only when ``import CommonServerPython`` would otherwise fail. Returns
    whether the stand-ins are what ``import CommonServerPython`` now gives.
    """
    if _runtime_dir_on_path():
        spec = importlib.util.find_spec("CommonServerPython")
        return (
            spec is not None
            and spec.origin is not None
            and (Path(spec.origin).resolve().parent == RUNTIME_DIR)
        )
    if importlib.util.find_spec("CommonServerPython") is not None:
        return False
    sys.path.append(str(RUNTIME_DIR))
    importlib.invalidate_caches()
    return True


def use_standins() -> ModuleType:
    """Make the stand-ins the runtime of this process and return ``demistomock``.

    Puts :data:`RUNTIME_DIR` first on ``sys.path`` and forgets any real
    ``demistomock``/``CommonServerPython`` already imported, so the simulator and
    local fetch runs can drive an integration through :func:`demistomock.reset`.
    """
    if not _runtime_dir_on_path() or Path(sys.path[0] or ".").resolve() != RUNTIME_DIR:
        sys.path.insert(0, str(RUNTIME_DIR))
        importlib.invalidate_caches()
    for name in STANDIN_MODULES:
        module = sys.modules.get(name)
        if module is not None and not is_standin(module):
            del sys.modules[name]
    return importlib.import_module("demistomock")
