"""One integration instance on the stand-in runtime: load the code, set params, run a fetch."""

from __future__ import annotations

import copy
import importlib
import importlib.util
import itertools
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from generator.errors import UserError
from generator.kinds import kind_of
from generator.pack import BOOLEAN_TYPE, CREDENTIALS_TYPE, Pack
from generator.runtime import RUNTIME_DIR

FETCH_COMMAND = "fetch-incidents"
ERROR_ENTRY_TYPE = 4
_module_numbers = itertools.count(1)
_configurations: dict[tuple[str, int, int], list[dict[str, Any]]] = {}


def runtime() -> ModuleType:
    """The stand-in ``demistomock`` (its folder goes on ``sys.path`` when needed)."""
    if str(RUNTIME_DIR) not in sys.path and "demistomock" not in sys.modules:
        sys.path.insert(0, str(RUNTIME_DIR))
    demisto = importlib.import_module("demistomock")
    if not hasattr(demisto, "server_state"):
        raise UserError(
            f"the demistomock on sys.path ({demisto.__file__}) is not the stand-in "
            "runtime; run without the XSOAR content repository on PYTHONPATH"
        )
    return demisto


def load_integration(py_path: Path) -> ModuleType:
    """Import the integration's ``.py`` as a fresh module (``main`` is not run)."""
    runtime()
    name = f"_xsoar_fetch_sim_{py_path.stem}_{next(_module_numbers)}"
    spec = importlib.util.spec_from_file_location(name, py_path)
    if spec is None or spec.loader is None:
        raise UserError(f"cannot import {py_path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    # Registered so that a simulated clock started later patches its time imports too.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the user's code: any failure is reported in one line
        del sys.modules[name]
        raise UserError(
            f"cannot import {py_path}: {type(error).__name__}: {error}"
        ) from error
    if not callable(getattr(module, "main", None)):
        raise UserError(f"{py_path} has no main() function")
    return module


def unload_integration(module: ModuleType) -> None:
    """Forget a module :func:`load_integration` made."""
    sys.modules.pop(module.__name__, None)


def configuration(pack: Pack) -> list[dict[str, Any]]:
    """The integration YAML's ``configuration`` entries (the instance parameters).

    Parsed once per file version: simulations read it for every scenario.
    """
    try:
        stat = pack.yml_path.stat()
        key = (str(pack.yml_path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    if key is None or key not in _configurations:
        entries = pack.load_yml().get("configuration") or []
        parsed = [
            item for item in entries if isinstance(item, dict) and item.get("name")
        ]
        if key is None:
            return parsed
        _configurations[key] = parsed
    return copy.deepcopy(_configurations[key])


def default_params(
    pack: Pack, entries: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The instance parameters a new instance starts with, from the YAML defaults.

    Booleans become ``True``/``False`` and credentials a ``{identifier, password}``
    mapping, as the server passes them; other values stay strings. Fetching is on
    (``isFetch``, or ``isFetchEvents`` for an event collector).
    """
    params: dict[str, Any] = {}
    for item in configuration(pack) if entries is None else entries:
        name = str(item["name"])
        default = item.get("defaultvalue")
        if item.get("type") == BOOLEAN_TYPE:
            params[name] = str(default).strip().lower() == "true"
        elif item.get("type") == CREDENTIALS_TYPE:
            params[name] = {"identifier": "", "password": ""}
        elif default is not None:
            params[name] = str(default)
    params[kind_of(pack).is_fetch_param] = True
    return params


@dataclass
class FetchOutcome:
    """What one fetch run did, as the server sees it.

    ``incidents`` holds what the run emitted: the incidents of fetch-incidents, or the
    events fetch-events sent to XSIAM (all its send_events_to_xsiam calls, in order);
    ``records_json`` the same records as the JSON the server received.
    """

    ok: bool
    error: str | None
    incidents: list[dict[str, Any]]
    last_run: Any
    integration_context: dict[str, Any]
    health: str | None
    logs: list[tuple[str, str]] = field(default_factory=list)
    records_json: str = ""
    ended: str = "returned"  # or "exit <status>", or "exception"
    health_messages: list[str] = field(default_factory=list)  # every one of the run


def run_fetch(
    module: ModuleType,
    params: Mapping[str, Any],
    last_run: Any,
    integration_context: Mapping[str, Any] | None = None,
    command: str = FETCH_COMMAND,
) -> FetchOutcome:
    """Run ``main()`` once for ``command`` (fetch-incidents or fetch-events), as the
    server does.

    ``last_run`` None means nothing was saved yet. The outcome's ``last_run`` is what
    the run saved (None when it saved nothing). A run fails when it raises, exits with
    a non-zero status, or sends an error entry (``return_error`` of fetch-events and
    every command but four sends one and exits with status 0): a failed run saves no
    lastRun and its incidents are dropped (events it sent before failing stay sent, as on a server,
    and are counted), but the integration context it set is kept, as on a server.
    """
    demisto = runtime()
    demisto.reset(
        command=command,
        params=dict(params),
        last_run=last_run,
        integration_context=dict(integration_context or {}),
    )
    error: str | None = None
    ended = "returned"
    try:
        module.main()
    except SystemExit as stop:
        ended = f"exit {stop.code or 0}"
        if stop.code not in (0, None):
            error = f"the integration exited with status {stop.code}"
    except Exception as failure:  # the integration's failure is the run's outcome
        ended = "exception"
        error = str(failure) or type(failure).__name__
    state = demisto.server_state()
    if error is None:
        error = _error_entry(state.results)
    health = state.module_health[-1] if state.module_health else None
    # The server stores the integration context when the integration sets it: unlike
    # lastRun, what a failed run set is kept (e.g. an OAuth2 token it obtained).
    context = json.loads(json.dumps(state.integration_context))
    sent = [event for batch in state.sent_events for event in batch.events]
    sent_json = [batch.json_text for batch in state.sent_events]
    if error is not None:
        return FetchOutcome(
            ok=False,
            error=error,
            incidents=sent,
            last_run=None,
            integration_context=context,
            health=health,
            logs=list(state.logs),
            records_json="\n".join(sent_json),
            ended=ended,
            health_messages=list(state.module_health),
        )
    return FetchOutcome(
        ok=True,
        error=None,
        incidents=[incident for batch in state.incidents for incident in batch] + sent,
        last_run=state.last_run,
        integration_context=context,
        health=health,
        logs=list(state.logs),
        records_json="\n".join(state.incidents_json + sent_json),
        ended=ended,
        health_messages=list(state.module_health),
    )


@dataclass
class CommandOutcome:
    """What one run of a command other than a fetch (test-module, get-events) did."""

    ok: bool
    error: str | None
    results: list[Any]
    integration_context: dict[str, Any]
    logs: list[tuple[str, str]] = field(default_factory=list)


def run_command(
    module: ModuleType,
    params: Mapping[str, Any],
    command: str,
    args: Mapping[str, Any] | None = None,
    integration_context: Mapping[str, Any] | None = None,
) -> CommandOutcome:
    """Run ``main()`` once for ``command`` with ``args``, as the server does for a
    command typed in the war room or the Test button (``test-module``).

    The command fails when it raises, exits with a non-zero status or sends an error
    entry; the integration context it set is kept either way, as on a server.
    """
    demisto = runtime()
    demisto.reset(
        command=command,
        params=dict(params),
        args=dict(args or {}),
        integration_context=dict(integration_context or {}),
    )
    error: str | None = None
    try:
        module.main()
    except SystemExit as stop:
        if stop.code not in (0, None):
            error = f"the integration exited with status {stop.code}"
    except Exception as failure:  # the integration's failure is the command's outcome
        error = str(failure) or type(failure).__name__
    state = demisto.server_state()
    if error is None:
        error = _error_entry(state.results)
    return CommandOutcome(
        ok=error is None,
        error=error,
        results=[
            item
            for entry in state.results
            for item in (entry if isinstance(entry, list) else [entry])
            if not (isinstance(item, dict) and item.get("Type") == ERROR_ENTRY_TYPE)
        ],
        integration_context=json.loads(json.dumps(state.integration_context)),
        logs=list(state.logs),
    )


def _error_entry(results: list[Any]) -> str | None:
    for entry in results:
        for item in entry if isinstance(entry, list) else [entry]:
            if isinstance(item, dict) and item.get("Type") == ERROR_ENTRY_TYPE:
                return str(item.get("Contents") or "error entry")
    return None
