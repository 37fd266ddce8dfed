"""Offline stand-in for XSOAR's ``CommonServerPython`` module.

Integrations use it as ``from CommonServerPython import *``; like the server's module it
has no ``__all__``, so the star import brings every public name, including ``demisto``
and the standard modules and typing names integrations take from it (``json``,
``datetime``, ``timedelta``, ``timezone``, ``Any``, ``Dict``, ``List``, ...).

It covers what generated integrations call: :class:`BaseClient` and its
``_http_request``, :class:`DemistoException`, the argument helpers, entry helpers
(:class:`CommandResults`, :func:`return_results`, :func:`return_error`,
:func:`tableToMarkdown`) and the generic look-back fetch helpers, which reproduce the
server's behaviour exactly, quirks included.
"""

import base64  # noqa: F401  (re-exported, as by the server's module)
import copy  # noqa: F401
import json
import logging  # noqa: F401
import os  # noqa: F401
import re
import sys
import time
import traceback  # noqa: F401
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone  # noqa: F401 (re-exported)
from enum import Enum  # noqa: F401
from typing import (  # noqa: F401, UP035
    Any,
    Dict,
    List,
    Optional,
    Set,
    Tuple,
    Type,
    Union,
    cast,
)
from urllib.parse import quote as _quote

import dateparser
import demistomock as demisto
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# --------------------------------------------------------------------------- constants

entryTypes: dict[str, int] = {
    "note": 1,
    "downloadAgent": 2,
    "file": 3,
    "error": 4,
    "pinned": 5,
    "userManagement": 6,
    "image": 7,
    "playgroundError": 8,
    "entryInfoFile": 9,
    "warning": 11,
    "map": 15,
    "widget": 17,
}
"""War-room entry type codes."""

formats: dict[str, str] = {
    "html": "html",
    "table": "table",
    "json": "json",
    "text": "text",
    "dbotResponse": "dbotCommandResponse",
    "markdown": "markdown",
}
"""War-room entry content formats."""


class EntryType:
    """War-room entry type codes as attributes."""

    NOTE = 1
    DOWNLOAD_AGENT = 2
    FILE = 3
    ERROR = 4
    PINNED = 5
    USER_MANAGEMENT = 6
    IMAGE = 7
    PLAYGROUND_ERROR = 8
    ENTRY_INFO_FILE = 9
    WARNING = 11
    MAP_ENTRY_TYPE = 15
    WIDGET = 17


class EntryFormat:
    """War-room entry content formats as attributes."""

    HTML = "html"
    TABLE = "table"
    JSON = "json"
    TEXT = "text"
    DBOT_RESPONSE = "dbotCommandResponse"
    MARKDOWN = "markdown"


class IncidentSeverity:
    """Incident severity values the server understands."""

    UNKNOWN = 0
    INFO = 0.5
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class IncidentStatus:
    """Incident status values."""

    PENDING = 0
    ACTIVE = 1
    DONE = 2
    ARCHIVE = 3


SERVER_RUN_COMMANDS: tuple[str, ...] = (
    "fetch-incidents",
    "fetch-credentials",
    "long-running-execution",
    "fetch-indicators",
)
"""The commands for which :func:`return_error` raises; every other command, fetch-events
and fetch-assets included, gets an error entry and ``sys.exit(0)``."""

MAX_ERROR_MESSAGE_LENGTH = 50_000
"""Longest error entry text; a longer one is cut in the middle."""

SECRET_REPLACEMENT = "<XX_REPLACED>"
"""What parameter secrets are replaced with in error messages."""

_SECRET_PARAM_WORDS = ("password", "secret", "token", "api_key", "apikey")

# --------------------------------------------------------------------------- errors


class DemistoException(Exception):
    """An integration error; ``res`` holds the HTTP response when one caused it."""

    def __init__(
        self,
        message: Any,
        exception: BaseException | None = None,
        res: requests.Response | None = None,
        *args: Any,
    ) -> None:
        self.res = res
        self.message = message
        self.exception = exception
        super().__init__(message, exception, *args)

    def __str__(self) -> str:
        return str(self.message)


# --------------------------------------------------------------------------- small helpers


def urljoin(url: str, suffix: str = "") -> str:
    """Join a base URL and a path with exactly one slash between them."""
    if not url.endswith("/"):
        url += "/"
    return url + suffix.lstrip("/")


def get_current_time(time_zone: float = 0) -> datetime:
    """The current UTC time (naive) shifted by ``time_zone`` hours."""
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=time_zone)


def timestamp_to_datestring(
    timestamp: float | str,
    date_format: str = "%Y-%m-%dT%H:%M:%S.000Z",
    is_utc: bool = False,
) -> str:
    """Format an epoch-milliseconds timestamp.

    The time is UTC when ``is_utc`` or when the format ends with ``Z``; otherwise it is
    the local time of the machine, as on the server.
    """
    seconds = int(timestamp) / 1000.0
    if is_utc or date_format.endswith("Z"):
        moment = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    else:
        moment = datetime.fromtimestamp(seconds)
    return moment.strftime(date_format)


def argToList(
    arg: Any, separator: str = ",", transform: Callable | None = None
) -> list:
    """A list from a list, a JSON list string or a separated string (empty -> [])."""
    if not arg:
        return []
    if isinstance(arg, list):
        result = arg
    elif isinstance(arg, str):
        stripped = arg.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            result = json.loads(stripped)
        else:
            result = [item.strip() for item in arg.split(separator)]
    else:
        result = [arg]
    return [transform(item) for item in result] if transform else result


def argToBoolean(value: Any) -> bool:
    """``True`` for true/yes, ``False`` for false/no (any case), booleans unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "yes"):
            return True
        if lowered in ("false", "no"):
            return False
        raise ValueError(
            f"Argument '{value}' is not a boolean: use true/false or yes/no"
        )
    raise ValueError(f"Argument of type {type(value).__name__} is not a boolean")


def _missing_argument(arg_name: str | None) -> ValueError:
    if arg_name:
        return ValueError(f'Missing "{arg_name}"')
    return ValueError("Missing required argument")


def arg_to_number(
    arg: Any, arg_name: str | None = None, required: bool = False
) -> int | None:
    """An int from an int or a numeric string (``"1.7"`` -> 1, ``"1e3"`` -> 1000).

    ``None`` or ``""`` gives ``None``, or ``ValueError`` when ``required``.
    """

    def invalid() -> ValueError:
        if arg_name:
            return ValueError(f'Invalid number: "{arg_name}"="{arg}"')
        return ValueError(f'"{arg}" is not a valid number')

    if arg is None or arg == "":
        if required:
            raise _missing_argument(arg_name)
        return None
    if isinstance(arg, str):
        if arg.isdigit():
            return int(arg)
        try:
            return int(float(arg))
        except ValueError:
            raise invalid() from None
    if isinstance(arg, int):
        return arg
    raise invalid()


def arg_to_datetime(
    arg: Any,
    arg_name: str | None = None,
    is_utc: bool = True,
    required: bool = False,
    settings: dict[str, Any] | None = None,
) -> datetime | None:
    """A datetime from an epoch (seconds or milliseconds) or any dateparser string.

    Epochs give an aware UTC datetime (local naive when ``is_utc`` is false); strings
    are parsed by dateparser in UTC: relative ones (``"3 days"``) come back naive,
    ones with an offset come back aware.
    """

    def invalid() -> ValueError:
        if arg_name:
            return ValueError(f'Invalid date: "{arg_name}"="{arg}"')
        return ValueError(f'"{arg}" is not a valid date')

    if arg is None:
        if required:
            raise _missing_argument(arg_name)
        return None
    if (isinstance(arg, str) and arg.isdigit()) or (
        isinstance(arg, int | float) and not isinstance(arg, bool)
    ):
        seconds = float(arg)
        if seconds > 2_000_000_000:
            seconds /= 1000.0
        if is_utc:
            return datetime.fromtimestamp(seconds, UTC)
        return datetime.fromtimestamp(seconds)
    if isinstance(arg, str):
        parse_settings = dict(settings or {})
        if is_utc:
            parse_settings.setdefault("TIMEZONE", "UTC")
        parsed = dateparser.parse(arg, settings=parse_settings)
        if parsed is None:
            raise invalid()
        return parsed
    raise invalid()


def assign_params(
    keys_to_ignore: Iterable[str] | None = None,
    values_to_ignore: Iterable[Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """The keyword arguments whose values are not empty (None, "", [], {}, ())."""
    ignored_keys = set(keys_to_ignore or ())
    ignored_values = list(values_to_ignore or ())
    return {
        key: value
        for key, value in kwargs.items()
        if key not in ignored_keys
        and value not in ignored_values
        and (value or value is False or value == 0)
        and value is not None
    }


def remove_empty_elements(value: Any) -> Any:
    """A copy of nested dicts and lists without None and empty containers."""

    def empty(item: Any) -> bool:
        return item is None or item == {} or item == []

    if isinstance(value, list):
        cleaned = (remove_empty_elements(item) for item in value)
        return [item for item in cleaned if not empty(item)]
    if isinstance(value, dict):
        pairs = ((key, remove_empty_elements(item)) for key, item in value.items())
        return {key: item for key, item in pairs if not empty(item)}
    return value


def dict_safe_get(
    dict_object: Any,
    keys: list[Any],
    default_return_value: Any = None,
    return_type: type | tuple[type, ...] | None = None,
) -> Any:
    """Walk ``keys`` into nested dicts/lists; the default when a step is missing."""
    current = dict_object
    for key in keys:
        try:
            current = current[key]
        except (KeyError, IndexError, TypeError):
            return default_return_value
    if return_type is not None and not isinstance(current, return_type):
        raise TypeError(
            f"value at {keys} is {type(current).__name__}, expected {return_type}"
        )
    return current


# --------------------------------------------------------------------------- markdown


def _cell(value: Any) -> str:
    """One markdown table cell: lists joined, dicts as JSON, pipes and newlines escaped."""
    if value is None:
        text = ""
    elif isinstance(value, dict):
        text = json.dumps(value)
    elif isinstance(value, list | tuple):
        text = ", ".join(
            json.dumps(item) if isinstance(item, dict | list) else str(item)
            for item in value
        )
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def tableToMarkdown(
    name: str,
    t: Any,
    headers: Any = None,
    headerTransform: Callable[[str], str] | None = None,
    removeNull: bool = False,
    metadata: str | None = None,
    url_keys: list[str] | None = None,
    date_fields: list[str] | None = None,
    json_transform_mapping: Any = None,
    is_auto_json_transform: bool = False,
    sort_headers: bool = True,
) -> str:
    """A markdown table titled ``### name`` from a dict or a list of dicts.

    Without ``headers`` the columns are every key seen (sorted when ``sort_headers``);
    ``headerTransform`` renames columns; ``removeNull`` drops all-empty columns;
    ``date_fields`` holds epoch-millisecond columns shown as UTC dates; ``url_keys``
    columns become links. An empty table says ``**No entries.**``.
    """
    rows: list[Any]
    if t is None:
        rows = []
    elif isinstance(t, dict):
        rows = [t]
    else:
        rows = list(t)
    if isinstance(headers, str):
        headers = [headers]
    if rows and not isinstance(rows[0], dict):
        column = headers[0] if headers else name
        rows = [{column: row} for row in rows]
        headers = [column]
    if not headers:
        seen: dict[str, None] = {}
        for row in rows:
            for key in row:
                seen.setdefault(key, None)
        headers = sorted(seen) if sort_headers else list(seen)
    if removeNull:
        headers = [
            h
            for h in headers
            if any(row.get(h) not in (None, "", [], {}) for row in rows)
        ]

    lines = [f"### {name}\n" if name else ""]
    if metadata:
        lines.append(f"{metadata}\n")
    if not rows or not headers:
        lines.append("**No entries.**\n")
        return "".join(lines)

    shown = [headerTransform(h) if headerTransform else h for h in headers]
    lines.append("|" + "|".join(_cell(h) for h in shown) + "|\n")
    lines.append("|" + "|".join("---" for _ in shown) + "|\n")
    for row in rows:
        cells = []
        for header in headers:
            value = row.get(header)
            if date_fields and header in date_fields and value not in (None, ""):
                try:
                    value = timestamp_to_datestring(value, "%Y-%m-%dT%H:%M:%S.000Z")
                except (TypeError, ValueError):
                    pass
            if url_keys and header in url_keys and value:
                value = f"[{value}]({value})"
            cells.append(_cell(value))
        lines.append("|" + "|".join(cells) + "|\n")
    return "".join(lines)


# --------------------------------------------------------------------------- entries


class CommandResults:
    """A command's result: context outputs, a human-readable text and the raw response."""

    def __init__(
        self,
        outputs_prefix: str | None = None,
        outputs_key_field: str | list[str] | None = None,
        outputs: Any = None,
        indicator: Any = None,
        readable_output: str | None = None,
        raw_response: Any = None,
        indicators_timeline: Any = None,
        indicator_timeline: Any = None,
        ignore_auto_extract: bool = False,
        mark_as_note: bool = False,
        scheduled_command: Any = None,
        relationships: Any = None,
        entry_type: int | None = None,
        content_format: str | None = None,
        execution_metrics: Any = None,
        replace_existing: bool = False,
    ) -> None:
        if outputs is not None and not outputs_prefix and not isinstance(outputs, dict):
            raise ValueError("outputs_prefix is required when outputs is not a dict")
        self.outputs_prefix = outputs_prefix
        self.outputs_key_field = outputs_key_field
        self.outputs = outputs
        self.indicator = indicator
        self.readable_output = readable_output
        self.raw_response = raw_response
        self.ignore_auto_extract = ignore_auto_extract
        self.mark_as_note = mark_as_note
        self.scheduled_command = scheduled_command
        self.relationships = relationships
        self.entry_type = entry_type if entry_type is not None else EntryType.NOTE
        self.content_format = content_format
        self.execution_metrics = execution_metrics
        self.replace_existing = replace_existing

    def _context_key(self) -> str:
        assert self.outputs_prefix is not None
        keys = self.outputs_key_field
        if not keys:
            return self.outputs_prefix
        if isinstance(keys, str):
            keys = [keys]
        condition = " && ".join(f"val.{key} && val.{key} == obj.{key}" for key in keys)
        return f"{self.outputs_prefix}({condition})"

    def to_context(self) -> dict[str, Any]:
        """The war-room entry the server receives for this result."""
        entry_context: dict[str, Any] = {}
        if self.outputs is not None:
            if self.outputs_prefix:
                entry_context[self._context_key()] = self.outputs
            else:
                entry_context.update(self.outputs)
        raw = self.raw_response if self.raw_response is not None else self.outputs
        content_format = self.content_format or (
            EntryFormat.TEXT if isinstance(raw, str) else EntryFormat.JSON
        )
        return {
            "Type": self.entry_type,
            "ContentsFormat": content_format,
            "Contents": raw,
            "HumanReadable": self.readable_output,
            "EntryContext": entry_context,
            "IndicatorTimeline": [],
            "IgnoreAutoExtract": self.ignore_auto_extract,
            "Note": self.mark_as_note,
            "Relationships": self.relationships or [],
        }


def return_results(results: Any) -> None:
    """Send command results to the war room.

    Accepts a :class:`CommandResults`, a list of them (or of entries), an entry dict, a
    string, or None (sends nothing).
    """
    if results is None:
        return
    if isinstance(results, list):
        for item in results:
            return_results(item)
        return
    if isinstance(results, CommandResults):
        demisto.results(results.to_context())
        return
    if hasattr(results, "to_context"):
        demisto.results(results.to_context())
        return
    demisto.results(results)


def _parameter_secrets() -> list[str]:
    """The instance's secret values: credential passwords and secret-named parameters.

    Longest first (and URL-encoded too), so a secret inside another is replaced whole.
    """
    values: set[str] = set()
    for name, value in (demisto.params() or {}).items():
        if isinstance(value, dict):
            password = value.get("password")
            if isinstance(password, str):
                values.add(password)
        elif isinstance(value, str) and any(
            word in str(name).lower() for word in _SECRET_PARAM_WORDS
        ):
            values.add(value)
    forms = {form for value in values for form in (value, _quote(value, safe=""))}
    return sorted((form for form in forms if form.strip()), key=len, reverse=True)


def _mask_secrets(text: str) -> str:
    """``text`` with every parameter secret replaced by :data:`SECRET_REPLACEMENT`."""
    for secret in _parameter_secrets():
        text = text.replace(secret, SECRET_REPLACEMENT)
    return text


def _cut_in_the_middle(text: str) -> str:
    """``text`` cut to :data:`MAX_ERROR_MESSAGE_LENGTH` by dropping its middle."""
    if len(text) <= MAX_ERROR_MESSAGE_LENGTH:
        return text
    marker = "\n...\n"
    keep = (MAX_ERROR_MESSAGE_LENGTH - len(marker)) // 2
    return text[:keep] + marker + text[-keep:]


def return_error(message: Any, error: Any = "", outputs: Any = None) -> None:
    """Report a failed command, parameter secrets masked as ``<XX_REPLACED>``.

    For fetch-incidents, fetch-credentials, long-running-execution and
    fetch-indicators it raises ``Exception(message)``: the run fails and saves
    nothing. Every other command (fetch-events and fetch-assets included) gets an
    error entry (its text cut in the middle past 50,000 characters) and
    ``sys.exit(0)``. In debug mode the traceback is added.
    """
    text = _mask_secrets(str(message))
    if demisto.is_debug_mode() and sys.exc_info()[0] is not None:
        text += "\n\n" + _mask_secrets(traceback.format_exc())
    demisto.error(text)
    if error:
        demisto.error(_mask_secrets(str(error)))
    if demisto.command() in SERVER_RUN_COMMANDS:
        raise Exception(text)
    demisto.results(
        {
            "Type": entryTypes["error"],
            "ContentsFormat": formats["text"],
            "Contents": _cut_in_the_middle(text),
            "EntryContext": outputs,
        }
    )
    sys.exit(0)


# --------------------------------------------------------------------------- integration context

MIN_VERSION_FOR_VERSIONED_CONTEXT = "6.0.0"
"""Servers from this version keep the integration context with a version number."""


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def is_versioned_context_available() -> bool:
    """Whether the server keeps a versioned integration context (6.0.0 and later)."""
    version = str(demisto.demistoVersion().get("version") or "0")
    return _version_tuple(version) >= _version_tuple(MIN_VERSION_FOR_VERSIONED_CONTEXT)


def get_integration_context(sync: bool = True, with_version: bool = False) -> Any:
    """The instance's integration context: state kept across runs and commands.

    With ``with_version`` the versioned wrapper (``{"context": ..., "version": ...}``)
    is returned as the server gives it.
    """
    if is_versioned_context_available():
        versioned = demisto.getIntegrationContextVersioned(sync)
        if with_version:
            return versioned
        return versioned.get("context", {}) if isinstance(versioned, dict) else {}
    return demisto.getIntegrationContext()


def set_integration_context(context: Any, sync: bool = True, version: int = -1) -> None:
    """Replace the instance's integration context (kept by the server across runs)."""
    if is_versioned_context_available():
        demisto.setIntegrationContextVersioned(context, version, sync)
    else:
        demisto.setIntegrationContext(context)


# --------------------------------------------------------------------------- XSIAM events

XSIAM_EVENT_CHUNK_SIZE = 2**20
"""Bytes of JSON lines sent to XSIAM in one request (1 MiB)."""


def send_events_to_xsiam(
    events: list[Any] | str,
    vendor: str,
    product: str,
    data_format: str | None = None,
    url_key: str = "url",
    num_of_attempts: int = 3,
    chunk_size: int = XSIAM_EVENT_CHUNK_SIZE,
    should_update_health_module: bool = True,
    add_proxy_to_request: bool = False,
) -> None:
    """Send events to the ``<vendor>_<product>_raw`` dataset of XSIAM.

    Offline, the call is recorded in the server state (``sent_events``), the events as
    the JSON lines would carry them, and the module health gets ``eventsPulled``. Like
    the server's, it accepts a list of dicts or strings, or one string of lines; an
    empty list only updates the module health. Anything else raises
    :class:`DemistoException`.
    """
    for name, value in (("vendor", vendor), ("product", product)):
        if not isinstance(value, str) or not value.strip():
            raise DemistoException(
                f"send_events_to_xsiam: {name} must be a non-empty string, got {value!r}"
            )
    if isinstance(events, str):
        events = [line for line in events.splitlines() if line.strip()]
    if not isinstance(events, list | tuple):
        raise DemistoException(
            "send_events_to_xsiam: events must be a list of dicts or strings, "
            f"got {type(events).__name__}"
        )
    for position, event in enumerate(events):
        if not isinstance(event, dict | str):
            raise DemistoException(
                f"send_events_to_xsiam: event {position} is a {type(event).__name__}; "
                "send dicts or strings"
            )
    try:
        text = json.dumps(list(events), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise DemistoException(
            f"send_events_to_xsiam: the events cannot be sent as JSON ({error})"
        ) from None
    lines = json.loads(text)
    demisto.record_sent_events(
        demisto.SentEvents(
            vendor=vendor,
            product=product,
            events=lines,
            data_format=data_format,
            json_text=text,
        )
    )
    if should_update_health_module:
        demisto.updateModuleHealth({"eventsPulled": len(lines)})


# --------------------------------------------------------------------------- HTTP

CONNECT_TIMEOUT_MESSAGE = (
    "Connection Timeout Error - potential reasons might be that the Server URL "
    "parameter is incorrect or that the Server is not accessible from your host."
)
SSL_ERROR_MESSAGE = (
    "SSL Certificate Verification Failed - try selecting 'Trust any certificate' "
    "checkbox in the integration configuration."
)
PROXY_ERROR_MESSAGE = (
    "Proxy Error - if the 'Use system proxy' checkbox in the integration "
    "configuration is selected, try clearing the checkbox."
)
CONNECTION_ERROR_MESSAGE = (
    "Verify that the server URL parameter is correct and that you have access to "
    "the server from your host."
)


class BaseClient:
    """HTTP client base for integrations: one requests session per client.

    ``proxy=False`` ignores proxies (and other settings) from the environment;
    ``verify=False`` turns certificate checks off.
    """

    def __init__(
        self,
        base_url: str,
        verify: bool = True,
        proxy: bool = False,
        ok_codes: tuple[int, ...] | list[int] = (),
        headers: dict[str, str] | None = None,
        auth: Any = None,
        timeout: float = 60,
    ) -> None:
        self._base_url = base_url
        self._verify = verify
        self._ok_codes = tuple(ok_codes)
        self._headers = headers
        self._auth = auth
        self._proxy = proxy
        self.timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = bool(proxy)
        if not verify:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def __del__(self) -> None:
        try:
            self._session.close()
        except Exception:  # interpreter shutdown: nothing left to close
            pass

    def _mount_retry_adapter(
        self,
        retries: int,
        status_list_to_retry: Iterable[int] | None,
        backoff_factor: float,
        raise_on_redirect: bool,
        raise_on_status: bool,
    ) -> None:
        """Mount a retrying adapter for ``https://`` on the session, where it stays
        for every later request (as the server's does); ``http://`` never retries."""
        retry = Retry(
            total=retries,
            read=retries,
            connect=retries,
            status=retries,
            backoff_factor=backoff_factor,
            status_forcelist=list(status_list_to_retry or []),
            allowed_methods=frozenset({"GET", "POST", "PUT"}),
            raise_on_redirect=raise_on_redirect,
            raise_on_status=raise_on_status,
        )
        self._session.mount("https://", HTTPAdapter(max_retries=retry))

    def _is_status_code_valid(
        self, response: requests.Response, ok_codes: Iterable[int] | None = None
    ) -> bool:
        """Whether the status is in ``ok_codes`` (the call's, else the client's) or ok."""
        codes = tuple(ok_codes) if ok_codes else self._ok_codes
        if codes:
            return response.status_code in codes
        return response.ok

    def client_error_handler(self, res: requests.Response) -> None:
        """Raise :class:`DemistoException` with the status, reason and body."""
        message = f"Error in API call [{res.status_code}] - {res.reason}"
        try:
            message += "\n" + json.dumps(res.json())
        except ValueError:
            message += "\n" + res.text
        raise DemistoException(message, res=res)

    def _http_request(
        self,
        method: str,
        url_suffix: str = "",
        full_url: str | None = None,
        headers: dict[str, str] | None = None,
        auth: Any = None,
        json_data: Any = None,
        params: Any = None,
        data: Any = None,
        files: Any = None,
        timeout: float | None = None,
        resp_type: str = "json",
        ok_codes: Iterable[int] | None = None,
        return_empty_response: bool = False,
        retries: int = 0,
        status_list_to_retry: Iterable[int] | None = None,
        backoff_factor: float = 5,
        raise_on_redirect: bool = False,
        raise_on_status: bool = False,
        error_handler: Callable[[requests.Response], Any] | None = None,
        empty_valid_codes: Iterable[int] | None = None,
        params_parser: Callable[[Any], Any] | None = None,
        with_metrics: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Send one HTTP request and return the response as ``resp_type`` says.

        ``resp_type``: ``json`` (default), ``text`` and ``content`` give the body;
        ``xml`` (checked to parse), ``response`` and any other value the Response. A
        status outside ``ok_codes`` (or not ok) raises :class:`DemistoException`
        carrying the response, unless ``error_handler`` takes it. Exactly five
        ``requests`` failures are wrapped in :class:`DemistoException`: ConnectTimeout,
        SSLError (raised as is when ``verify`` is off), ProxyError, ConnectionError and
        RetryError; every other one (ReadTimeout, ChunkedEncodingError, InvalidURL,
        TooManyRedirects, ...) propagates as ``requests`` raised it. A body that is not
        JSON with ``resp_type="json"`` raises :class:`DemistoException`. ``retries > 0``
        mounts a retrying adapter for ``https://`` that stays on the session; an
        exhausted read timeout then arrives as a wrapped ConnectionError.
        """
        address = full_url or urljoin(self._base_url, url_suffix)
        if params is not None and params_parser is not None:
            params = params_parser(params)
        if retries > 0:
            self._mount_retry_adapter(
                retries,
                status_list_to_retry,
                backoff_factor,
                raise_on_redirect,
                raise_on_status,
            )
        try:
            res = self._session.request(
                method,
                address,
                verify=self._verify,
                params=params,
                data=data,
                json=json_data,
                files=files,
                headers=headers if headers is not None else self._headers,
                auth=auth if auth is not None else self._auth,
                timeout=timeout if timeout is not None else self.timeout,
                **kwargs,
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise DemistoException(CONNECT_TIMEOUT_MESSAGE, exc) from exc
        except requests.exceptions.SSLError as exc:
            if not self._verify:
                raise  # the instance trusts any certificate: the error as raised
            raise DemistoException(SSL_ERROR_MESSAGE, exc) from exc
        except requests.exceptions.ProxyError as exc:
            raise DemistoException(PROXY_ERROR_MESSAGE, exc) from exc
        except requests.exceptions.ConnectionError as exc:
            raise DemistoException(
                f"{CONNECTION_ERROR_MESSAGE}\nError Type: <{type(exc).__name__}>"
                f"\nError: {exc}",
                exc,
            ) from exc
        except requests.exceptions.RetryError as exc:
            raise DemistoException(
                f"Max Retries Error- Request attempts with {retries} retries failed.",
                exc,
            ) from exc

        if not self._is_status_code_valid(res, ok_codes):
            if error_handler is not None:
                error_handler(res)
            else:
                self.client_error_handler(res)

        empty_codes = tuple(empty_valid_codes) if empty_valid_codes else (204,)
        if return_empty_response and res.status_code in empty_codes and not res.content:
            return res

        if resp_type == "json":
            try:
                return res.json()
            except ValueError as exc:
                raise DemistoException(
                    f"Failed to parse json object from response: {res.content!r}",
                    exc,
                    res,
                ) from exc
        if resp_type == "text":
            return res.text
        if resp_type == "content":
            return res.content
        if resp_type == "xml":
            ET.fromstring(res.content)  # invalid XML raises a plain ParseError
        return res


# --------------------------------------------------------------------------- look-back fetch
#
# The generic look-back helpers, with the server's exact behaviour (see docs/runtime.md):
# they are replayed against recorded answers of the real module, quirks included.


# Complete ISO 8601 date-times, which dateparser and datetime.fromisoformat read alike.
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?"
)


def _parse_utc(text: str) -> datetime | None:
    """dateparser in UTC, as a naive UTC datetime (None when unparsable).

    Complete ISO 8601 date-times (what the helpers save) take a fast path that gives
    the same answer without dateparser's cost.
    """
    parsed: datetime | None = None
    if _ISO_DATETIME.fullmatch(text):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    if parsed is None:
        parsed = dateparser.parse(text, settings={"TIMEZONE": "UTC"})
    if parsed is not None and parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def get_fetch_run_time_range(
    last_run: dict[str, Any],
    first_fetch: str,
    look_back: float = 0,
    timezone: float = 0,  # noqa: F811 - the real signature's keyword
    date_format: str = "%Y-%m-%dT%H:%M:%S",
) -> tuple[str, str]:
    """The (start, end) of this run's fetch window, formatted with ``date_format``.

    Start is the saved ``time`` (re-parsed with dateparser) or, on the first run,
    ``first_fetch`` shifted by ``timezone`` hours; with ``look_back > 0`` it moves back
    to ``now - look_back`` minutes when the anchor is closer to now than that. End is
    now shifted by ``timezone`` hours.
    """
    now = get_current_time(timezone)
    saved = last_run.get("time") if last_run else None
    start: Any
    if saved:
        start = _parse_utc(saved)
    else:
        start = _parse_utc(first_fetch)
        if start is not None:
            start += timedelta(hours=timezone)
    if look_back and look_back > 0 and now - start < timedelta(minutes=look_back):
        start = now - timedelta(minutes=look_back)
    return start.strftime(date_format), now.strftime(date_format)


def filter_incidents_by_duplicates_and_limit(
    incidents_res: list[dict[str, Any]],
    last_run: dict[str, Any],
    fetch_limit: int,
    id_field: str,
) -> list[dict[str, Any]]:
    """Drop incidents whose ID is in ``found_incident_ids``, then keep ``fetch_limit``."""
    found = last_run.get("found_incident_ids", {})
    fresh = [incident for incident in incidents_res if incident[id_field] not in found]
    return fresh[:fetch_limit]


def get_latest_incident_created_time(
    incidents: list[dict[str, Any]],
    created_time_field: str,
    date_format: str = "%Y-%m-%dT%H:%M:%S",
    increase_last_run_time: bool = False,
) -> str:
    """The newest ``created_time_field`` (strptime with ``date_format``), formatted back.

    With ``increase_last_run_time`` one millisecond is added.
    """
    latest = datetime.strptime(incidents[0][created_time_field], date_format)
    for incident in incidents:
        latest = max(
            latest, datetime.strptime(incident[created_time_field], date_format)
        )
    if increase_last_run_time:
        latest += timedelta(milliseconds=1)
    return latest.strftime(date_format)


def remove_old_incidents_ids(
    found_incidents_ids: dict[Any, int], current_time: int, look_back: float
) -> dict[Any, int]:
    """Keep the IDs added at most ``2 * look_back`` minutes before ``current_time``."""
    threshold = look_back * 60 * 2
    return {
        incident_id: added
        for incident_id, added in found_incidents_ids.items()
        if current_time - added <= threshold
    }


def get_found_incident_ids(
    last_run: dict[str, Any],
    incidents: list[dict[str, Any]],
    look_back: float,
    id_field: str,
    remove_incident_ids: bool = True,
) -> dict[Any, int]:
    """``found_incident_ids`` plus the incidents' IDs stamped with the current second.

    The saved dict is updated in place; old IDs are pruned when ``remove_incident_ids``.
    """
    found = last_run.get("found_incident_ids", {})
    now = int(time.time())
    for incident in incidents:
        found[incident[id_field]] = now
    if remove_incident_ids:
        found = remove_old_incidents_ids(found, now, look_back)
    return found


def create_updated_last_run_object(
    last_run: dict[str, Any],
    incidents: list[dict[str, Any]],
    fetch_limit: int,
    look_back: float,
    start_fetch_time: str,
    end_fetch_time: str,
    created_time_field: str,
    date_format: str = "%Y-%m-%dT%H:%M:%S",
    increase_last_run_time: bool = False,
    new_offset: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """The next ``time``/``limit`` (and ``offset``) and whether old IDs may be pruned.

    A non-zero ``new_offset`` keeps the saved ``time`` (paging goes on in the same
    window) with ``limit`` the fetch limit. Otherwise, with no incidents, ``time`` is
    the window end; with incidents it is the newest incident time, and with
    ``look_back > 0`` and no offset given ``limit`` grows to the IDs already found plus
    this batch plus the fetch limit. IDs are not pruned when the newest time equals
    the window start.
    """
    remove_incident_ids = True
    if new_offset:
        new_last_run: dict[str, Any] = {
            "time": last_run.get("time"),
            "offset": new_offset,
            "limit": fetch_limit,
        }
        return new_last_run, remove_incident_ids
    if not incidents:
        new_last_run = {"time": end_fetch_time, "limit": fetch_limit}
    else:
        latest = get_latest_incident_created_time(
            incidents, created_time_field, date_format, increase_last_run_time
        )
        if latest == start_fetch_time:
            remove_incident_ids = False
        limit = fetch_limit
        if look_back > 0 and new_offset is None:
            found = last_run.get("found_incident_ids", {})
            limit = len(found) + len(incidents) + fetch_limit
        new_last_run = {"time": latest, "limit": limit}
    if new_offset is not None:
        new_last_run["offset"] = new_offset
    return new_last_run, remove_incident_ids


def update_last_run_object(
    last_run: dict[str, Any],
    incidents: list[dict[str, Any]],
    fetch_limit: int,
    start_fetch_time: str,
    end_fetch_time: str,
    look_back: float,
    created_time_field: str,
    id_field: str,
    date_format: str = "%Y-%m-%dT%H:%M:%S",
    increase_last_run_time: bool = False,
    new_offset: int | None = None,
) -> dict[str, Any]:
    """Update ``last_run`` in place for the next run and return it.

    Sets ``time``, ``limit`` (and ``offset``) as :func:`create_updated_last_run_object`
    says and records the batch's IDs in ``found_incident_ids``.
    """
    updates, remove_incident_ids = create_updated_last_run_object(
        last_run,
        incidents,
        fetch_limit,
        look_back,
        start_fetch_time,
        end_fetch_time,
        created_time_field,
        date_format,
        increase_last_run_time,
        new_offset,
    )
    last_run.update(updates)
    last_run["found_incident_ids"] = get_found_incident_ids(
        last_run, incidents, look_back, id_field, remove_incident_ids
    )
    return last_run


def calculate_new_offset(
    old_offset: int, num_incidents: int, total_incidents: int
) -> int:
    """The next offset: 0 when nothing came or ``total_incidents`` are consumed.

    Otherwise (also when the total is unknown) ``old_offset + num_incidents``.
    """
    if not num_incidents:
        return 0
    if not total_incidents:
        return old_offset + num_incidents
    if old_offset + num_incidents >= total_incidents:
        return 0
    return old_offset + num_incidents
