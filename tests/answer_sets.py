"""Named answer sets for the Copier template and a helper that renders one into a pack.

Together the sets cover every query_style, lookback on and off, every kind of time_format
(ISO 8601, epoch seconds and milliseconds, strptime patterns incl. day-first, 12-hour and
%z), every auth_type, query_filter and severity on and off, nested dotted paths, a
top-level event list, awkward names (apostrophes, quotes, unicode, digits), answers at
their maximum lengths, and XSIAM event collectors (integration_kind events) of every
query style. Tests and tools that render the template import this module.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from render_cache import RenderCache

REPO_ROOT = Path(__file__).resolve().parent.parent

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
    # A feed that takes only a start time (no window end): it serves every later event.
    "time_range_twelve_hour_pattern_no_auth": {
        "integration_name": "Open Status Feed",
        "auth_type": "none",
        "until_param": "",
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
    # A POST search whose start time nests in a fixed filter object of the body.
    "cursor_compact_pattern_api_key": {
        "integration_name": "Ledger Guard",
        "query_style": "cursor",
        "time_format": "%Y%m%dT%H%M%S",
        "events_path": "records",
        "api_key_header_name": "Api-Key",
        "severity_field": "",
        "http_method": "POST",
        "since_param": "filter.since",
        "extra_params": {"filter": {"kinds": ["audit", "admin"]}},
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
    # A collector of an API that lists a window in no stated order.
    "collector_unordered": {
        "integration_kind": "events",
        "integration_name": "Drift Audit Event Collector",
        "integration_description": "Collects Drift audit events into Cortex XSIAM.",
        "vendor": "drift",
        "product": "audit",
        "sort_order": "unordered",
        "fetch_limit_default": 500,
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
    # -- modelled on real vendor APIs (request building and paging) -------------------
    # Microsoft Graph security alerts (alerts_v2), learn.microsoft.com/graph/api/
    # security-list-alerts_v2: an OData $filter expression, the events in `value`, the
    # next page at @odata.nextLink (a full URL). Graph calls the page size $top.
    "graph_like_alerts": {
        "integration_name": "Graph Like Alerts",
        "auth_type": "bearer_token",
        "events_endpoint": "/v1.0/security/alerts_v2",
        "events_path": "value",
        "id_field": "id",
        "time_field": "createdDateTime",
        "name_field": "title",
        "severity_field": "severity",
        "limit_param": "top",
        "time_filter": "expression",
        "filter_param": "$filter",
        "filter_template": "createdDateTime ge {since} and createdDateTime le {until}",
        "extra_params": {"$orderby": "createdDateTime asc"},
        "pagination": "next_url",
        "next_url_path": "@odata.nextLink",
    },
    # ServiceNow Table API, docs.servicenow.com "Table API" (GET /api/now/table/{table}):
    # basic auth, the filter in sysparm_query, times as %Y-%m-%d %H:%M:%S, paged by
    # sysparm_offset/sysparm_limit, the records in `result`.
    "servicenow_like_incidents": {
        "integration_name": "ServiceNow Like Incidents",
        "auth_type": "basic",
        "events_endpoint": "/api/now/table/incident",
        "events_path": "result",
        "id_field": "sys_id",
        "time_field": "sys_created_on",
        "name_field": "short_description",
        "severity_field": "severity",
        "time_format": "%Y-%m-%d %H:%M:%S",
        "limit_param": "sysparm_limit",
        "offset_param": "sysparm_offset",
        "time_filter": "expression",
        "filter_param": "sysparm_query",
        "filter_template": (
            "sys_created_on>={since}^sys_created_on<={until}^ORDERBYsys_created_on"
        ),
    },
    # Okta System Log, developer.okta.com/docs/reference/api/system-log/: since/until,
    # a top-level list, sortOrder=ASCENDING, the next page in `Link: <...>; rel="next"`.
    "okta_like_system_log": {
        "integration_name": "Okta Like System Log",
        "auth_type": "api_key_header",
        "api_key_header_name": "X-Okta-Token",
        "events_endpoint": "/api/v1/logs",
        "events_path": "",
        "id_field": "uuid",
        "time_field": "published",
        "name_field": "displayMessage",
        "severity_field": "severity",
        "since_param": "since",
        "until_param": "until",
        "extra_params": {"sortOrder": "ASCENDING"},
        "pagination": "link_header",
        "page_size_max": 1000,
    },
    # PagerDuty log entries, developer.pagerduty.com/api-reference (List log entries):
    # since/until, offset paging with limit at most 100, a `more` flag in the body.
    "pagerduty_like_log_entries": {
        "integration_name": "PagerDuty Like Log Entries",
        "auth_type": "api_key_header",
        "api_key_header_name": "X-PD-Token",
        "events_endpoint": "/log_entries",
        "events_path": "log_entries",
        "id_field": "id",
        "time_field": "created_at",
        "name_field": "summary",
        "severity_field": "",
        "since_param": "since",
        "until_param": "until",
        "has_more_path": "more",
        "page_size_max": 100,
        "fetch_limit_default": 50,
    },
    # Abnormal Security threats, app.swaggerhub.com/apis/abnormal-security/abx:
    # filter=receivedTime gte {since} lte {until}, pageSize/pageNumber from 1.
    "abnormal_like_threats": {
        "integration_name": "Abnormal Like Threats",
        "auth_type": "bearer_token",
        "events_endpoint": "/v1/threats",
        "events_path": "threats",
        "id_field": "threatId",
        "time_field": "receivedTime",
        "name_field": "subject",
        "severity_field": "",
        "limit_param": "pageSize",
        "time_filter": "expression",
        "filter_param": "filter",
        "filter_template": "receivedTime gte {since} lte {until}",
        "pagination": "page_number",
        "page_param": "pageNumber",
        "first_page": 1,
    },
    # Zero-based page numbers with an end-of-stream flag, as Spring Data REST pages
    # (docs.spring.io/spring-data/rest/reference/paging-and-sorting.html: page, size).
    "zero_based_pages_end_of_stream": {
        "integration_name": "Zero Based Pages",
        "auth_type": "api_key_header",
        "events_path": "content",
        "limit_param": "size",
        "pagination": "page_number",
        "page_param": "page",
        "first_page": 0,
        "has_more_path": "!end_of_stream",
        "time_format": "epoch_millis",
    },
    # Proofpoint TAP SIEM API, help.proofpoint.com "SIEM API": one interval parameter
    # (start/end in ISO 8601), no paging: one answer per window.
    "proofpoint_like_siem": {
        "integration_name": "Proofpoint Like SIEM",
        "auth_type": "basic",
        "events_endpoint": "/v2/siem/all",
        "events_path": "messagesDelivered",
        "id_field": "GUID",
        "time_field": "messageTime",
        "name_field": "subject",
        "severity_field": "",
        "time_filter": "expression",
        "filter_param": "interval",
        "filter_template": "{since}/{until}",
        "pagination": "none",
        "max_window_minutes": 60,
    },
    # 1Password Events API, developer.1password.com/docs/events-api/reference: POST with
    # a JSON body (limit, start_time; later the cursor), `items`, `cursor`, `has_more`.
    "onepassword_like_signins": {
        "integration_name": "OnePassword Like Signins",
        "auth_type": "bearer_token",
        "query_style": "cursor",
        "http_method": "POST",
        "events_endpoint": "/api/v1/signinattempts",
        "events_path": "items",
        "id_field": "uuid",
        "time_field": "timestamp",
        "name_field": "category",
        "severity_field": "",
        "since_param": "start_time",
        "cursor_param": "cursor",
        "next_cursor_path": "cursor",
        "has_more_path": "has_more",
    },
    # A POST search API whose time window nests in the body (time_range.start/end), with
    # fixed filters and a body cursor re-sent with the window.
    "post_nested_window_cursor": {
        "integration_name": "Nested Window Search",
        "auth_type": "api_key_header",
        "http_method": "POST",
        "events_endpoint": "/v2/events/search",
        "events_path": "data",
        "since_param": "time_range.start",
        "until_param": "time_range.end",
        "limit_param": "page.size",
        "cursor_param": "page.cursor",
        "next_cursor_path": "meta.next_cursor",
        "pagination": "next_cursor",
        "extra_params": {"filters": {"types": ["alert", "audit"]}, "verbose": False},
    },
    # Okta System Log as a cursor (polling) fetch, developer.okta.com/docs/reference/
    # api/system-log/ ("polling requests"): since on the first request, then the
    # rel="next" Link is followed and the last one saved.
    "okta_like_polling_cursor": {
        "integration_name": "Okta Like Polling",
        "query_style": "cursor",
        "auth_type": "api_key_header",
        "api_key_header_name": "X-Okta-Token",
        "events_endpoint": "/api/v1/logs",
        "events_path": "records",
        "id_field": "uuid",
        "time_field": "published",
        "name_field": "displayMessage",
        "since_param": "since",
        "pagination": "link_header",
    },
    # Box enterprise events as a cursor fetch, developer.box.com/reference/get-events:
    # the next page's location, saved between runs, in the body (here a full URL).
    "box_like_next_url_cursor": {
        "integration_name": "Box Like Events",
        "query_style": "cursor",
        "auth_type": "bearer_token",
        "http_method": "POST",
        "events_endpoint": "/2.0/events",
        "events_path": "entries",
        "id_field": "event_id",
        "time_field": "created_at",
        "name_field": "event_type",
        "severity_field": "",
        "since_param": "created_after",
        "pagination": "next_url",
        "next_url_path": "links.next",
        "has_more_path": "has_more",
    },
    # A key in the query string (here `token`) and a cursor fetch paged by the next-page
    # URL in the body, as APIs that write that URL from the request's own query string
    # (the key included) send it: the key must never be saved with the URL.
    "query_key_next_url_cursor": {
        "integration_name": "Query Key Feed",
        "query_style": "cursor",
        "auth_type": "api_key_query",
        "api_key_param": "token",
        "events_endpoint": "/api/v1/events",
        "events_path": "events",
        "since_param": "since",
        "pagination": "next_url",
        "next_url_path": "links.next",
    },
    # Jira Cloud issue search, developer.atlassian.com/cloud/jira/platform/rest/v3/
    # api-group-issue-search: JQL with dates as "yyyy-MM-dd HH:mm" while issues carry
    # ISO 8601 times, startAt/maxResults paging, the issues in `issues`.
    "jira_like_issues": {
        "integration_name": "Jira Like Issues",
        "auth_type": "basic",
        "events_endpoint": "/rest/api/3/search",
        "events_path": "issues",
        "id_field": "id",
        "time_field": "fields.created",
        "name_field": "fields.summary",
        "severity_field": "fields.priority.name",
        "limit_param": "maxResults",
        "offset_param": "startAt",
        "time_filter": "expression",
        "filter_param": "jql",
        "filter_template": (
            'created >= "{since}" AND created <= "{until}" ORDER BY created ASC'
        ),
        "request_time_format": "%Y-%m-%d %H:%M",
        "page_size_max": 100,
    },
    # Slack audit logs, api.slack.com/admin/audit-logs: newest first, oldest/latest in
    # epoch seconds, a body cursor at response_metadata.next_cursor re-sent with them.
    "slack_like_audit_logs": {
        "integration_name": "Slack Like Audit Logs",
        "auth_type": "bearer_token",
        "events_endpoint": "/audit/v1/logs",
        "events_path": "entries",
        "id_field": "id",
        "time_field": "date_create",
        "name_field": "action",
        "severity_field": "",
        "time_format": "epoch_seconds",
        "since_param": "oldest",
        "until_param": "latest",
        "pagination": "next_cursor",
        "cursor_param": "cursor",
        "next_cursor_path": "response_metadata.next_cursor",
        "sort_order": "descending",
    },
    # Cisco Secure Endpoint events, developer.cisco.com/docs/secure-endpoint (GET
    # /v1/events): newest first, start_date, the next page's URL at metadata.links.next.
    "cisco_like_events": {
        "integration_name": "Cisco Like Events",
        "auth_type": "basic",
        "events_endpoint": "/v1/events",
        "events_path": "data",
        "id_field": "id",
        "time_field": "date",
        "name_field": "event_type",
        "severity_field": "severity",
        "since_param": "start_date",
        "until_param": "end_date",
        "pagination": "next_url",
        "next_url_path": "metadata.links.next",
        "sort_order": "descending",
        "page_size_max": 500,
    },
    # Elasticsearch _search, elastic.co/guide/en/elasticsearch/reference/current/
    # search-search.html: POST, a range query in the body, from/size paging, hits in
    # relevance order (no sort), each event's fields under _source.
    "elasticsearch_like_unordered": {
        "integration_name": "Elasticsearch Like Search",
        "auth_type": "basic",
        "http_method": "POST",
        "events_endpoint": "/alerts/_search",
        "events_path": "hits.hits",
        "id_field": "_id",
        "time_field": "_source.timestamp",
        "name_field": "_source.rule.name",
        "severity_field": "_source.severity",
        "since_param": "query.range.timestamp.gte",
        "until_param": "query.range.timestamp.lte",
        "limit_param": "size",
        "offset_param": "from",
        "sort_order": "unordered",
    },
}

# Sets modelled on the authentication of real vendor APIs, from their public documentation.
# Their other answers stay within what the template's time_range, id and cursor styles
# express; where the vendor's API differs (a filter expression, Link-header paging, ...),
# the comment says so.
VENDOR_AUTH_SETS: dict[str, dict[str, Any]] = {
    # Okta System Log API, developer.okta.com/docs/reference/api/system-log/: an API token
    # in "Authorization: SSWS <token>", GET /api/v1/logs?since=&until=&limit=, a top-level
    # list of LogEvents (uuid, published, displayMessage, severity). Okta pages with a Link
    # header (rel="next"), not an offset.
    "okta_system_log_ssws": {
        "integration_name": "Okta System Log",
        "base_url": "https://example.okta.com",
        "auth_type": "api_key_header",
        "api_key_header_name": "Authorization",
        "api_key_prefix": "SSWS ",
        "events_endpoint": "/api/v1/logs",
        "events_path": "",
        "id_field": "uuid",
        "time_field": "published",
        "name_field": "displayMessage",
        "severity_field": "severity",
        "since_param": "since",
        "until_param": "until",
        "fetch_limit_default": 100,
    },
    # PagerDuty REST API v2, List incidents, developer.pagerduty.com/api-reference/
    # (Authentication: "Authorization: Token token=<key>"): GET /incidents?since=&until=
    # &offset=&limit=, the list at incidents (id, created_at, title, urgency high|low).
    "pagerduty_incidents_token": {
        "integration_name": "PagerDuty Incidents",
        "base_url": "https://api.pagerduty.com",
        "auth_type": "api_key_header",
        "api_key_header_name": "Authorization",
        "api_key_prefix": "Token token=",
        "events_endpoint": "/incidents",
        "events_path": "incidents",
        "id_field": "id",
        "time_field": "created_at",
        "name_field": "title",
        "severity_field": "urgency",
        "since_param": "since",
        "until_param": "until",
    },
    # Cisco Secure Malware Analytics (Threat Grid) API v2, panacea.threatgrid.com
    # /mask/doc/mask/api/v2: the key in the api_key query parameter of every request;
    # GET /api/v2/search/submissions?after=&before=&offset=&limit=, the list at data.items,
    # each submission under item (sample, submitted_at, filename).
    "threat_grid_submissions_query_key": {
        "integration_name": "Threat Grid Submissions",
        "base_url": "https://panacea.threatgrid.com",
        "auth_type": "api_key_query",
        "api_key_param": "api_key",
        "events_endpoint": "/api/v2/search/submissions",
        "events_path": "data.items",
        "id_field": "item.sample",
        "time_field": "item.submitted_at",
        "name_field": "item.filename",
        "severity_field": "",
        "since_param": "after",
        "until_param": "before",
    },
    # Microsoft Graph, learn.microsoft.com/graph/auth-v2-service: client credentials at
    # login.microsoftonline.com/<tenant>/oauth2/v2.0/token, the secret in the form, scope
    # https://graph.microsoft.com/.default; security alerts_v2 (id, createdDateTime, title,
    # severity) at value. Graph filters with $filter and pages with @odata.nextLink.
    "graph_alerts_oauth2_post_scope": {
        "integration_name": "Graph Security Alerts",
        "base_url": "https://graph.microsoft.com",
        "auth_type": "oauth2_client_credentials",
        "token_url": (
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        ),
        "oauth_scope": "https://graph.microsoft.com/.default",
        "token_auth_method": "client_secret_post",
        "events_endpoint": "/v1.0/security/alerts_v2",
        "events_path": "value",
        "id_field": "id",
        "time_field": "createdDateTime",
        "name_field": "title",
        "severity_field": "severity",
    },
    # Cisco XDR (SecureX) API, developer.cisco.com/docs/cisco-xdr/authentication/: client
    # credentials at visibility.amp.cisco.com/iroh/oauth2/token as HTTP basic, no scope;
    # CTIA GET /ctia/incident/search?from=&to=&offset=&limit= on private.intel.amp.cisco.com,
    # a top-level list (id, timestamp, title, severity).
    "cisco_xdr_incidents_oauth2_basic": {
        "integration_name": "Cisco XDR Incidents",
        "base_url": "https://private.intel.amp.cisco.com",
        "auth_type": "oauth2_client_credentials",
        "token_url": "https://visibility.amp.cisco.com/iroh/oauth2/token",
        "token_auth_method": "client_secret_basic",
        "events_endpoint": "/ctia/incident/search",
        "events_path": "",
        "id_field": "id",
        "time_field": "timestamp",
        "name_field": "title",
        "severity_field": "severity",
        "time_format": "iso8601",
    },
    # CrowdStrike Falcon APIs, falcon.crowdstrike.com/documentation (OAuth2-based APIs):
    # POST /oauth2/token on the API host with client_id and client_secret in the form, no
    # scope. The cursor style stands in for the alerts API's after token; Falcon filters
    # with an FQL filter expression and lists alert IDs before their details.
    "crowdstrike_oauth2_post_token_path": {
        "integration_name": "Falcon Alerts",
        "base_url": "https://api.crowdstrike.com",
        "auth_type": "oauth2_client_credentials",
        "token_url": "/oauth2/token",
        "query_style": "cursor",
        "events_endpoint": "/alerts/combined/alerts/v1",
        "events_path": "resources",
        "next_cursor_path": "meta.pagination.after",
        "cursor_param": "after",
        "since_param": "created_after",
        "id_field": "composite_id",
        "time_field": "created_timestamp",
        "name_field": "display_name",
        "severity_field": "severity_name",
    },
}


ANSWER_SETS.update(VENDOR_AUTH_SETS)

# The example answer files users start from (examples/), each modelled on a vendor API
# and named after it: they are rendered, tested and simulated like every set above.
EXAMPLE_SETS: dict[str, dict[str, Any]] = {
    "example_" + path.stem.replace("-", "_"): yaml.safe_load(path.read_text("utf-8"))
    for path in sorted((REPO_ROOT / "examples").glob("*.yml"))
}
ANSWER_SETS.update(EXAMPLE_SETS)

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
def _render_cache() -> RenderCache:
    """The render cache of this checkout's template tree."""
    return RenderCache(REPO_ROOT)


def cached_pack(answers: dict[str, Any], exclude: tuple[str, ...] = ()) -> Path:
    """The shared rendered pack of ``answers``: for reading only, never write into it.

    Every test file and xdist worker reads the same folder (see render_cache.py).
    """
    return _render_cache().pack(answers, exclude)


def render_pack(
    answers: dict[str, Any], dest: Path | str, exclude: tuple[str, ...] = ()
) -> Path:
    """The template rendered with ``answers`` (defaults for the rest), copied to ``dest``.

    Returns the pack's root folder (``dest``), which the caller may change freely. The
    render itself is done once per answers and template tree (render_cache.py), from
    the working tree's template, never a git tag, and with no ``--trust``; ``exclude``
    leaves out the paths it matches.
    """
    return _render_cache().copy(answers, Path(dest), exclude)


def render_answers(answers: dict[str, Any], dest: Path | str) -> Path:
    """Like render_pack, but only the answers file and the pack's top-level files.

    For tests of the questions alone: the answers are validated and recorded exactly as
    with a full render, without rendering the integration.
    """
    return render_pack(answers, dest, exclude=("Integrations",))


def integration_dir(pack: Path) -> Path:
    """The single integration folder of a rendered pack."""
    (folder,) = (pack / "Integrations").iterdir()
    return folder
