"""Offline stand-in for the XSOAR server's ``demistomock`` module.

The real server hands an integration its command, parameters, arguments and saved
state, and records what the integration sends back. This module keeps the same
information in a process-wide :class:`ServerState` so tests, the simulator and local
debug runs can drive an integration and inspect everything it did::

    import demistomock as demisto

    demisto.reset(command="fetch-incidents", params={"max_fetch": "50"})
    ...  # run the integration's main()
    state = demisto.server_state()
    state.incidents, state.last_run, state.logs, state.sent_events

Values the server stores as JSON (last run, integration context, incidents) go
through a JSON round trip here too, so an int dict key comes back as a string, a
tuple as a list, and anything JSON cannot hold is refused with ``TypeError``.
"""

import copy
import json
from dataclasses import dataclass, field
from typing import Any

SERVER_VERSION = "6.10.0"
"""The server version :func:`demistoVersion` reports (the generated packs' fromversion)."""


@dataclass
class SentEvents:
    """One ``send_events_to_xsiam`` call: the events and the dataset they went to."""

    vendor: str
    product: str
    events: list[Any]
    data_format: str | None = None
    json_text: str = field(default="", repr=False)  # the events as JSON, as sent

    @property
    def dataset(self) -> str:
        """The XSIAM dataset the events land in: ``<vendor>_<product>_raw``."""
        return f"{self.vendor}_{self.product}_raw".lower()


@dataclass
class ServerState:
    """Everything the stand-in server knows about the current run."""

    command: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    args: dict[str, Any] = field(default_factory=dict)
    last_run: Any = None
    integration_context: dict[str, Any] = field(default_factory=dict)
    incidents: list[list[dict[str, Any]]] = field(default_factory=list)
    incidents_json: list[str] = field(default_factory=list)  # each batch as sent
    results: list[Any] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    module_health: list[str] = field(default_factory=list)
    health_counters: list[dict[str, Any]] = field(default_factory=list)
    sent_events: list[SentEvents] = field(default_factory=list)
    calling_context: dict[str, Any] = field(default_factory=dict)


_state = ServerState()


def _json_round_trip(value: Any, what: str) -> Any:
    """Return ``value`` as the server would store and read it back, or refuse it."""
    return json.loads(_as_json(value, what))


def _as_json(value: Any, what: str) -> str:
    """Return ``value`` as the JSON the server would store, or refuse it."""
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{what}: the value cannot be stored as JSON ({exc}); use only dicts with "
            "string keys, lists, strings, finite numbers, booleans and None"
        ) from None


def _stored_copy(value: Any) -> Any:
    """A fresh copy of stored JSON data (faster than deepcopy for such data)."""
    return json.loads(json.dumps(value))


def reset(
    command: str = "",
    params: dict[str, Any] | None = None,
    args: dict[str, Any] | None = None,
    last_run: Any = None,
    integration_context: dict[str, Any] | None = None,
) -> ServerState:
    """Start a fresh run: set its inputs and clear every record.

    ``last_run=None`` means nothing was ever saved (``getLastRun()`` returns ``{}``).
    Returns the new :class:`ServerState`.
    """
    global _state
    _state = ServerState(
        command=command,
        params=copy.deepcopy(params) if params is not None else {},
        args=copy.deepcopy(args) if args is not None else {},
        last_run=(
            _json_round_trip(last_run, "reset(last_run=...)")
            if last_run is not None
            else None
        ),
        integration_context=(
            _json_round_trip(integration_context, "reset(integration_context=...)")
            if integration_context is not None
            else {}
        ),
        calling_context={
            "context": {"IntegrationBrand": "", "IntegrationInstance": ""},
            "command": command,
            "args": copy.deepcopy(args) if args is not None else {},
        },
    )
    return _state


def server_state() -> ServerState:
    """The live :class:`ServerState` of this process (not a copy)."""
    return _state


def command() -> str:
    """The command the server is running, e.g. ``fetch-incidents``."""
    return _state.command


def params() -> dict[str, Any]:
    """The instance's configuration parameters."""
    return _state.params


def args() -> dict[str, Any]:
    """The arguments of the command being run."""
    return _state.args


def getParam(name: str) -> Any:
    """One instance parameter, or None."""
    return _state.params.get(name)


def getArg(name: str) -> Any:
    """One command argument, or None."""
    return _state.args.get(name)


def getLastRun() -> Any:
    """What the last successful run saved with :func:`setLastRun`; ``{}`` before that."""
    if _state.last_run is None:
        return {}
    return _stored_copy(_state.last_run)


def setLastRun(obj: Any) -> None:
    """Save state for the next run, as JSON (refuses what JSON cannot hold)."""
    _state.last_run = _json_round_trip(obj, "setLastRun")


def getIntegrationContext() -> dict[str, Any]:
    """The instance's integration context (``{}`` until one is set)."""
    return _stored_copy(_state.integration_context)


def setIntegrationContext(context: dict[str, Any]) -> None:
    """Replace the instance's integration context, stored as JSON."""
    _state.integration_context = _json_round_trip(context, "setIntegrationContext")


def getIntegrationContextVersioned(refresh: bool = False) -> dict[str, Any]:
    """The integration context wrapped as the versioned API returns it."""
    return {"context": getIntegrationContext(), "version": -1}


def setIntegrationContextVersioned(
    context: dict[str, Any], version: int = -1, sync: bool = False
) -> None:
    """Replace the integration context (the version is not checked offline)."""
    setIntegrationContext(context)


def incidents(incidents: list[dict[str, Any]] | None = None) -> None:
    """Create incidents: records one batch (possibly empty) per call."""
    if incidents is None:
        incidents = []
    if not isinstance(incidents, list | tuple):
        raise TypeError(
            f"incidents: expected a list of incident dicts, got {type(incidents).__name__}"
        )
    text = _as_json(list(incidents), "incidents")
    _state.incidents.append(json.loads(text))
    _state.incidents_json.append(text)


def results(results: Any) -> None:
    """Send an entry (or a list of entries) to the war room: recorded as given."""
    _state.results.append(results)


def _log(level: str, message: Any) -> None:
    _state.logs.append((level, str(message)))


def debug(message: Any, *args: Any) -> None:
    """Record a debug log line."""
    _log("debug", message)


def info(message: Any, *args: Any) -> None:
    """Record an info log line."""
    _log("info", message)


def error(message: Any, *args: Any) -> None:
    """Record an error log line."""
    _log("error", message)


def log(message: Any) -> None:
    """Record an info log line (the older logging call)."""
    _log("info", message)


def updateModuleHealth(error: Any) -> None:
    """Report the run's health: a message shown in Fetch History, or counters such as
    ``{"eventsPulled": 10}`` (recorded apart, in ``health_counters``).

    One argument, as the reference demistomock takes: ``is_error=`` raises TypeError
    there (the server accepts it), so code that must run on both passes none.
    """
    if isinstance(error, dict):
        _state.health_counters.append(_json_round_trip(error, "updateModuleHealth"))
        return
    _state.module_health.append(str(error))


def record_sent_events(batch: SentEvents) -> None:
    """Record events an integration sent to XSIAM (called by the stand-in
    ``send_events_to_xsiam``; not part of the server's API)."""
    _state.sent_events.append(batch)


def demistoVersion() -> dict[str, str]:
    """The server version the stand-in pretends to be."""
    return {"version": SERVER_VERSION, "buildNumber": "0"}


def integrationInstance() -> str:
    """The instance name (empty offline)."""
    return ""


def investigation() -> dict[str, Any]:
    """The investigation the command runs in (a placeholder offline)."""
    return {"id": "0"}


def is_debug_mode() -> bool:
    """Whether the command runs with ``debug-mode=true``."""
    return str(_state.args.get("debug-mode", "")).lower() == "true"


def __getattr__(name: str) -> Any:
    """``demisto.callingContext``: the current run's calling context."""
    if name == "callingContext":
        return _state.calling_context
    raise AttributeError(f"module 'demistomock' has no attribute {name!r}")
