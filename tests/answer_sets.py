"""Named answer sets for the Copier template and a helper that renders one into a pack.

Together the sets cover every query_style, lookback on and off, every kind of time_format
(ISO 8601, epoch seconds and milliseconds, strptime patterns incl. day-first, 12-hour and
%z), every auth_type, query_filter and severity on and off, nested dotted paths, a
top-level event list, awkward names (apostrophes, quotes, unicode, digits), answers at
their maximum lengths, and XSIAM event collectors (integration_kind events) of every
query style. Tests and tools that render the template import this module.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import copier

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_FILES = ("copier.yml", "template", "parts")

ANSWER_SETS: dict[str, dict[str, Any]] = {
    # Every default: time_range, ISO 8601, API key header, no lookback, severity, no query.
    "defaults": {},
    "time_range_lookback_epoch_millis_nested": {
        "integration_name": "Nimbus Cloud Audit",
        "auth_type": "bearer_token",
        "events_endpoint": "/v2/audit/events",
        "events_path": "result.items",
        "id_field": "attributes.id",
        "time_field": "attributes.createdAt",
        "name_field": "attributes.summary.title",
        "severity_field": "attributes.level",
        "time_format": "epoch_millis",
        "use_lookback": True,
        "look_back_default": 5,
        "query_filter": True,
        "query_param": "filter",
        "since_param": "start_ms",
        "until_param": "end_ms",
        "offset_param": "skip",
        "limit_param": "page_size",
        "fetch_limit_default": 100,
        "first_fetch_default": "12 hours",
        "category": "Cloud Services",
    },
    "time_range_day_first_basic_top_level_list": {
        "integration_name": "Legacy SIEM",
        "auth_type": "basic",
        "events_endpoint": "/alerts.json",
        "events_path": "",
        "severity_field": "",
        "time_field": "raised",
        "name_field": "message",
        "time_format": "%d/%m/%Y %H:%M:%S",
        "fetch_limit_default": 200,
    },
    "time_range_lookback_iso_zero_look_back": {
        "integration_name": "Harbor Watch",
        "use_lookback": True,
        "look_back_default": 0,
        "api_key_header_name": "X-Harbor-Key",
        "events_path": "data.alerts",
        "severity_field": "risk.level",
        "fetch_limit_default": 1,
        "first_fetch_default": "1 day",
    },
    "time_range_twelve_hour_pattern_no_auth": {
        "integration_name": "Open Status Feed",
        "auth_type": "none",
        "time_format": "%b %d %Y %I:%M:%S %p %Z",
        "query_filter": True,
        "severity_field": "",
    },
    "time_range_lookback_offset_pattern": {
        "integration_name": "3Com 2024 Alerts",
        "use_lookback": True,
        "look_back_default": 15,
        "time_format": "%Y-%m-%d %H:%M:%S%z",
        "auth_type": "bearer_token",
        "events_path": "payload",
        "id_field": "uuid",
        "first_fetch_default": "2 weeks",
    },
    "id_greater_than_epoch_seconds": {
        "integration_name": "Acme Ticketing",
        "query_style": "id_greater_than",
        "time_format": "epoch_seconds",
        "api_key_header_name": "X-Acme-Token",
        "id_param": "after",
        "events_path": "tickets",
        "name_field": "subject",
        "severity_field": "priority",
        "query_filter": True,
        "fetch_limit_default": 25,
    },
    "id_greater_than_iso_basic_top_level_list": {
        "integration_name": "Bastion Events",
        "query_style": "id_greater_than",
        "auth_type": "basic",
        "events_path": "",
        "severity_field": "",
        "id_field": "event.id",
        "time_field": "event.time",
        "name_field": "event.name",
        "first_fetch_default": "30 minutes",
    },
    "cursor_iso_no_auth_nested": {
        "integration_name": "Stream Relay",
        "query_style": "cursor",
        "auth_type": "none",
        "events_path": "data.events",
        "next_cursor_path": "meta.next",
        "cursor_param": "page_token",
        "id_field": "meta_id",
        "name_field": "details.headline",
    },
    "cursor_epoch_millis_bearer_query": {
        "integration_name": "Pulse Detections",
        "query_style": "cursor",
        "auth_type": "bearer_token",
        "time_format": "epoch_millis",
        "events_path": "items",
        "next_cursor_path": "next",
        "query_filter": True,
        "query_param": "q",
        "fetch_limit_default": 10,
    },
    "cursor_compact_pattern_api_key": {
        "integration_name": "Ledger Guard",
        "query_style": "cursor",
        "time_format": "%Y%m%dT%H%M%S",
        "events_path": "records",
        "api_key_header_name": "Api-Key",
        "severity_field": "",
    },
    "awkward_apostrophes_and_quotes": {
        "integration_name": "O'Reilly's \"Quoted\" Alerts & Co",
        "integration_description": (
            "Fetches O'Reilly's \"quoted\" <b>alerts</b> & `code` | pipes {{ not_jinja }}."
        ),
        "author": 'D\'Arcy "Dee" <dee@example.com>',
        "base_url": "https://api.o-reilly.example:8443/base/path",
    },
    "awkward_unicode_name": {
        "integration_name": "Café Überwachung – Süd",
        "integration_description": "Holt Ereignisse von Café Überwachung – Süd als Vorfälle.",
        "author": "Zoë Ångström",
        "time_format": "%d.%m.%Y %H:%M",
        "severity_field": "",
    },
    "longest_answers": {
        "integration_name": "L" + "o" * 48 + "g",
        "integration_id": "L" + "o" * 48 + "g",
        "pack_name": "P" + "a" * 48 + "k",
        "command_prefix": "long-" + "x" * 35,
        "events_endpoint": "/" + "e" * 63,
        "events_path": ("a" * 31) + "." + ("b" * 32),
        "id_field": "i" * 64,
        "time_field": ("t" * 31) + "." + ("u" * 32),
        "name_field": "n" * 64,
        "severity_field": "s" * 64,
        "api_key_header_name": "H" * 64,
        "limit_param": "l" * 40,
        "since_param": "f" * 40,
        "until_param": "u" * 40,
        "offset_param": "o" * 40,
        "query_filter": True,
        "query_param": "q" * 40,
        "time_format": "%d/%m/%Y %H:%M:%S" + " %z" + "-" * 44,
    },
    "longest_answers_cursor": {
        "integration_name": "Long Cursor",
        "query_style": "cursor",
        "events_path": "d" * 64,
        "next_cursor_path": "c" * 64,
        "cursor_param": "k" * 40,
        "id_field": ("x" * 31) + "." + ("y" * 32),
        "query_filter": True,
        "query_param": "q" * 40,
    },
    "longest_answers_id": {
        "integration_name": "Long Identifier",
        "query_style": "id_greater_than",
        "id_param": "i" * 40,
        "since_param": "s" * 40,
        "time_format": "epoch_seconds",
        "auth_type": "basic",
    },
    # XSIAM event collectors (integration_kind: events): one per query style, with the
    # answers the collector naming convention derives (name, ID, vendor, product) given.
    "collector_time_range": {
        "integration_kind": "events",
        "integration_name": "Acme Alerts Event Collector",
        "integration_description": "Collects Acme Alerts events into Cortex XSIAM.",
        "vendor": "acme",
        "product": "alerts",
        "fetch_limit_default": 200,
    },
    "collector_time_range_nested_epoch_millis_bearer": {
        "integration_kind": "events",
        "integration_name": "Nimbus Cloud Audit Event Collector",
        "integration_description": "Collects Nimbus Cloud audit events into XSIAM.",
        "vendor": "nimbus",
        "product": "cloud_audit",
        "auth_type": "bearer_token",
        "events_path": "result.items",
        "id_field": "attributes.id",
        "time_field": "attributes.createdAt",
        "name_field": "attributes.summary.title",
        "severity_field": "attributes.level",
        "time_format": "epoch_millis",
        "query_filter": True,
        "query_param": "filter",
        "since_param": "start_ms",
        "until_param": "end_ms",
        "limit_param": "page_size",
        "fetch_limit_default": 100,
        "first_fetch_default": "12 hours",
    },
    "collector_id_greater_than_epoch_seconds": {
        "integration_kind": "events",
        "integration_name": "Acme Ticketing Event Collector",
        "integration_description": "Collects Acme Ticketing events into XSIAM.",
        "vendor": "acme",
        "product": "ticketing",
        "query_style": "id_greater_than",
        "time_format": "epoch_seconds",
        "api_key_header_name": "X-Acme-Token",
        "id_param": "after",
        "events_path": "tickets",
        "name_field": "subject",
        "severity_field": "priority",
        "fetch_limit_default": 150,
    },
    "collector_cursor_basic_pattern": {
        "integration_kind": "events",
        "integration_name": "Stream Relay Event Collector",
        "integration_description": "Collects Stream Relay events into Cortex XSIAM.",
        "vendor": "stream_relay",
        "product": "audit",
        "query_style": "cursor",
        "auth_type": "basic",
        "time_format": "%Y-%m-%d %H:%M:%S",
        "events_path": "data.events",
        "next_cursor_path": "meta.next",
        "cursor_param": "page_token",
        "name_field": "details.headline",
        "severity_field": "",
        "fetch_limit_default": 200,
    },
}

COLLECTOR_SETS = {
    name: answers
    for name, answers in ANSWER_SETS.items()
    if answers.get("integration_kind") == "events"
}
"""The answer sets that render XSIAM event collectors."""

INCIDENT_SETS = {
    name: answers for name, answers in ANSWER_SETS.items() if name not in COLLECTOR_SETS
}
"""The answer sets that render fetch-incidents integrations."""


@cache
def _template_copy() -> Path:
    """A plain copy of the template (no git), so renders take the working tree as it is."""
    root = Path(tempfile.mkdtemp(prefix="xsoar-fetch-template-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for name in TEMPLATE_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    return root


def render_pack(answers: dict[str, Any], dest: Path | str) -> Path:
    """Render the template with ``answers`` (defaults for the rest) into ``dest``.

    Returns the pack's root folder (``dest``). Rendering uses the working tree's template,
    never a git tag, and no ``--trust``.
    """
    dest = Path(dest)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(_template_copy()),
            dest,
            data=answers,
            defaults=True,
            unsafe=False,
            quiet=True,
        )
    return dest


def integration_dir(pack: Path) -> Path:
    """The single integration folder of a rendered pack."""
    (folder,) = (pack / "Integrations").iterdir()
    return folder
