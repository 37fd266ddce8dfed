"""``xsoar-fetch probe``: check a pack's answers against what the live API does.

A bounded, read-only session (at most :data:`MAX_REQUESTS` list requests, waiting out a
``Retry-After``) with the instance parameters of ``fetch``. Each answer it can test gets
a verdict: confirmed, contradicted (with the evidence), or not testable. Exit 0 when
nothing is contradicted.
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from generator.errors import CheckFailedError, UserError
from generator.fetch import apply_params
from generator.pack import load_pack

MAX_REQUESTS = 20
LONGEST_WAIT = 60
TIMEOUT = 30
CONFIRMED = "confirmed"
CONTRADICTED = "contradicted"
NOT_TESTABLE = "not testable"
OAUTH2 = "oauth2_client_credentials"
PROBED_AUTH = (
    "api_key_header",
    "api_key_query",
    "bearer_token",
    "basic",
    "none",
    OAUTH2,
)
TOKEN_METHODS = ("client_secret_post", "client_secret_basic")
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440, "week": 10080}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``probe`` sub-command."""
    parser = subparsers.add_parser(
        "probe",
        help="check the pack's answers against the live API (read-only, bounded)",
        description=(
            "Send at most 20 read-only list requests to the API given in the "
            "parameters and say, for each answer it can test, whether the API "
            "confirms or contradicts it. Exit 0 when nothing is contradicted."
        ),
    )
    parser.add_argument(
        "path", metavar="PACK_DIR", help="the pack (or integration) folder"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an instance parameter, as for fetch (e.g. url=..., credentials=TOKEN)",
    )
    parser.set_defaults(handler=run)


@dataclass
class Verdict:
    """The verdict on one answer."""

    key: str
    outcome: str
    evidence: str


@dataclass
class Page:
    """One response of the list request."""

    status: int
    body: Any
    params: dict[str, Any]
    headers: dict[str, str]


class Session:
    """The list requests of one probe, counted and bounded."""

    def __init__(self, answers: dict[str, Any], params: dict[str, Any]) -> None:
        import requests

        self.answers = answers
        self.http = requests.Session()
        self.sent = 0
        url = str(params.get("url") or answers.get("base_url") or "").rstrip("/")
        self.server = url
        self.url = url + str(answers.get("events_endpoint", ""))
        credentials = params.get("credentials") or {}
        secret = str(credentials.get("password") or "")
        self.client = (str(credentials.get("identifier") or ""), secret)
        auth = answers.get("auth_type", "api_key_header")
        self.query: dict[str, str] = {}
        if auth == "api_key_header":
            name = answers.get("api_key_header_name", "X-API-Key")
            self.http.headers[name] = answers.get("api_key_prefix", "") + secret
        elif auth == "api_key_query":
            self.query[answers.get("api_key_param", "api_key")] = secret
        elif auth == "bearer_token":
            self.http.headers["Authorization"] = f"Bearer {secret}"
        elif auth == "basic":
            self.http.auth = (str(credentials.get("identifier") or ""), secret)

    def token(self, method: str) -> int:
        """Ask the token endpoint with ``method``; the status (a token is kept on 2xx)."""
        import requests

        token_url = str(self.answers.get("token_url", "/oauth2/token"))
        if token_url.startswith("/"):
            token_url = self.server + token_url
        form = {"grant_type": "client_credentials"}
        if self.answers.get("oauth_scope"):
            form["scope"] = self.answers["oauth_scope"]
        auth = None
        if method == "client_secret_basic":
            auth = self.client
        else:
            form.update(client_id=self.client[0], client_secret=self.client[1])
        self.sent += 1
        try:
            response = requests.post(token_url, data=form, auth=auth, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise UserError(
                f"cannot reach the token endpoint {token_url}: {error}"
            ) from None
        if response.ok:
            try:
                token = response.json()["access_token"]
            except (ValueError, KeyError, TypeError):
                return 502
            self.http.headers["Authorization"] = f"Bearer {token}"
        return response.status_code

    def get(self, params: dict[str, Any]) -> Page | None:
        """One list request (None when the budget is spent)."""
        import requests

        if self.sent >= MAX_REQUESTS:
            return None
        sent = {**self.answers.get("extra_params", {}), **params, **self.query}
        for _ in range(3):
            self.sent += 1
            try:
                if self.answers.get("http_method", "GET") == "POST":
                    response = self.http.post(
                        self.url, json=nested(sent), timeout=TIMEOUT
                    )
                else:
                    response = self.http.get(self.url, params=sent, timeout=TIMEOUT)
            except requests.RequestException as error:
                raise UserError(f"cannot reach {self.url}: {error}") from None
            wait = response.headers.get("Retry-After", "")
            if response.status_code != 429 or self.sent >= MAX_REQUESTS:
                break
            time.sleep(min(int(wait) if wait.isdigit() else 1, LONGEST_WAIT))
        try:
            body = response.json()
        except ValueError:
            body = None
        return Page(response.status_code, body, params, dict(response.headers))


def run(args: argparse.Namespace) -> int:
    """Probe the API; 1 when an answer is contradicted."""
    from rich.console import Console
    from rich.table import Table

    from generator.instance import configuration, default_params

    pack = load_pack(args.path)
    entries = configuration(pack)
    params = default_params(pack, entries)
    apply_params(params, entries, args.param)
    if not params.get("url"):
        raise UserError("--param url=...: the API's URL is needed")
    verdicts = probe(pack.answers, params)
    table = Table(title=f"probe of {pack.root.name}")
    for column in ("answer", "verdict", "evidence"):
        table.add_column(column)
    for verdict in verdicts:
        table.add_row(verdict.key, verdict.outcome, verdict.evidence)
    Console(width=140).print(table)
    contradicted = [v.key for v in verdicts if v.outcome == CONTRADICTED]
    if contradicted:
        raise CheckFailedError(f"contradicted: {', '.join(contradicted)}")
    return 0


def probe(answers: dict[str, Any], params: dict[str, Any]) -> list[Verdict]:
    """The verdicts on the answers ``answers``, from requests to the live API."""
    auth = answers.get("auth_type", "api_key_header")
    if auth not in PROBED_AUTH:
        return [Verdict("auth_type", NOT_TESTABLE, f"{auth} is not probed yet")]
    style = answers.get("query_style", "time_range")
    if style not in ("time_range", "cursor", "id_greater_than"):
        return [Verdict("query_style", NOT_TESTABLE, f"{style} is not probed yet")]
    session = Session(answers, params)
    verdicts: list[Verdict] = []
    if auth == OAUTH2:
        token_verdicts = _token_verdicts(answers, session)
        if any(v.outcome == CONTRADICTED for v in token_verdicts):
            return token_verdicts
        verdicts += token_verdicts
    now = datetime.now(UTC).replace(microsecond=0)
    first = _window(str(answers.get("first_fetch_default", "3 days")))
    page = session.get(_window_params(answers, now - first, now, None))
    assert page is not None
    verdicts.append(_auth_verdict(auth, page))
    if page.status >= 300:
        return [*verdicts, _request_format_verdict(answers, page)]
    verdicts.append(_request_format_verdict(answers, page))
    events, verdict = _events(answers, page)
    verdicts.append(verdict)
    if events is None:
        return verdicts
    verdicts += _field_verdicts(answers, events)
    if style == "time_range":
        verdicts.append(_order_verdict(answers, events))
        verdicts.append(_start_bound_verdict(answers, session, events, now))
    if style == "id_greater_than":
        verdicts.append(_id_param_verdict(answers, session, events, now - first, now))
    else:
        verdicts += _paging_verdicts(answers, session, events, now - first, now)
    verdicts.append(_page_size_verdict(answers, session, now - first, now))
    return verdicts


def _window(text: str) -> timedelta:
    match = re.match(r"(\d+) (minute|hour|day|week)s?$", text)
    minutes = int(match.group(1)) * UNIT_MINUTES[match.group(2)] if match else 4320
    return timedelta(minutes=minutes)


def _window_params(
    answers: dict[str, Any], since: datetime, until: datetime, limit: int | None
) -> dict[str, Any]:
    """The request's time bounds (parameters or a filter expression) and page size."""
    from generator.simulate.timefmt import render_time

    fmt = answers.get("request_time_format") or answers.get("time_format", "iso8601")
    windowed = answers.get("query_style", "time_range") == "time_range"
    sent: dict[str, Any] = {}
    if answers.get("time_filter", "params") == "expression":
        template = str(answers.get("filter_template", ""))
        written = template.replace("{since}", str(render_time(since, fmt)))
        written = written.replace("{until}", str(render_time(until, fmt)))
        sent[answers.get("filter_param", "filter")] = written
    else:
        sent[answers.get("since_param", "from")] = render_time(since, fmt)
        if windowed and answers.get("until_param", "to"):
            sent[answers.get("until_param", "to")] = render_time(until, fmt)
    if limit is not None and answers.get("limit_param", "limit"):
        sent[answers.get("limit_param", "limit")] = limit
    return sent


def nested(params: dict[str, Any]) -> dict[str, Any]:
    """A JSON body from dotted names: time_range.start -> {"time_range": {"start": ...}}."""
    body: dict[str, Any] = {}
    for name, value in params.items():
        *parents, last = name.split(".")
        into = body
        for parent in parents:
            into = into.setdefault(parent, {})
        into[last] = value
    return body


def _token_verdicts(answers: dict[str, Any], session: Session) -> list[Verdict]:
    """The token endpoint with the answered method, and the other one when refused."""
    method = answers.get("token_auth_method", "client_secret_post")
    status = session.token(method)
    if 200 <= status < 300:
        return [Verdict("token_auth_method", CONFIRMED, f"a token with {method}")]
    if status not in (400, 401):
        return [Verdict("token_url", CONTRADICTED, f"HTTP {status} from the token URL")]
    other = next(m for m in TOKEN_METHODS if m != method)
    if 200 <= session.token(other) < 300:
        return [
            Verdict(
                "token_auth_method",
                CONTRADICTED,
                f"HTTP {status} to {method}; {other} gets a token",
            )
        ]
    return [
        Verdict(
            "auth_type",
            CONTRADICTED,
            f"the token endpoint refuses the credentials (HTTP {status}) either way",
        )
    ]


def _auth_verdict(auth: str, page: Page) -> Verdict:
    if page.status in (401, 403):
        return Verdict(
            "auth_type",
            CONTRADICTED,
            f"HTTP {page.status} to {auth} with the credentials",
        )
    if page.status < 300:
        return Verdict("auth_type", CONFIRMED, f"HTTP {page.status} with {auth}")
    return Verdict("auth_type", NOT_TESTABLE, f"HTTP {page.status}")


def _request_format_verdict(answers: dict[str, Any], page: Page) -> Verdict:
    shown = ", ".join(f"{k}={v}" for k, v in page.params.items())
    if page.status < 300:
        return Verdict("request_time_format", CONFIRMED, f"accepted: {shown}")
    if page.status in (400, 422):
        return Verdict(
            "request_time_format", CONTRADICTED, f"HTTP {page.status} to {shown}"
        )
    return Verdict("request_time_format", NOT_TESTABLE, f"HTTP {page.status}")


def dig(value: Any, path: str) -> Any:
    """The value at a dotted path; a key holding dots (@odata.nextLink) is read whole."""
    if not path:
        return value
    if not isinstance(value, dict):
        return None
    if path in value:
        return value[path]
    head, _, rest = path.partition(".")
    return dig(value.get(head), rest) if rest else None


def _events(answers: dict[str, Any], page: Page) -> tuple[list[dict] | None, Verdict]:
    path = answers.get("events_path", "data")
    found = dig(page.body, path)
    if isinstance(found, list) and all(isinstance(e, dict) for e in found):
        if not found:
            return None, Verdict(
                "events_path", NOT_TESTABLE, "the window holds no events"
            )
        return found, Verdict(
            "events_path",
            CONFIRMED,
            f"{len(found)} events at {path or 'the top level'}",
        )
    keys = (
        sorted(page.body) if isinstance(page.body, dict) else type(page.body).__name__
    )
    return None, Verdict(
        "events_path",
        CONTRADICTED,
        f"no list of objects at {path!r}; the body has {keys}",
    )


def _field_verdicts(answers: dict[str, Any], events: list[dict]) -> list[Verdict]:
    from generator.simulate.timefmt import parse_time

    verdicts = []
    for key, default in (("id_field", "id"), ("time_field", "created_at")):
        path = answers.get(key, default)
        lacking = sum(dig(event, path) is None for event in events)
        if lacking:
            verdicts.append(
                Verdict(
                    key,
                    CONTRADICTED,
                    f"{lacking} of {len(events)} events lack "
                    f"'{path}'; an event has {sorted(events[0])}",
                )
            )
        else:
            verdicts.append(
                Verdict(key, CONFIRMED, f"'{path}' in all {len(events)} events")
            )
    fmt = answers.get("time_format", "iso8601")
    path = answers.get("time_field", "created_at")
    values = [dig(event, path) for event in events if dig(event, path) is not None]
    if not values:
        verdicts.append(Verdict("time_format", NOT_TESTABLE, "no event times"))
        return verdicts
    now = datetime.now(UTC)
    for value in values:
        try:
            moment = parse_time(str(value), fmt)
        except (ValueError, OverflowError):
            verdicts.append(
                Verdict(
                    "time_format", CONTRADICTED, f"{value!r} does not parse as {fmt}"
                )
            )
            return verdicts
        if not datetime(2000, 1, 1, tzinfo=UTC) <= moment <= now + timedelta(days=1):
            verdicts.append(
                Verdict("time_format", CONTRADICTED, f"{value!r} as {fmt} is {moment}")
            )
            return verdicts
    verdicts.append(Verdict("time_format", CONFIRMED, f"{len(values)} times parse"))
    return verdicts


def _order_verdict(answers: dict[str, Any], events: list[dict]) -> Verdict:
    from generator.simulate.timefmt import parse_time

    fmt = answers.get("time_format", "iso8601")
    path = answers.get("time_field", "created_at")
    try:
        times = [parse_time(str(dig(e, path)), fmt) for e in events if dig(e, path)]
    except (ValueError, OverflowError):
        return Verdict("sort_order", NOT_TESTABLE, "the times do not parse")
    answered = answers.get("sort_order", "ascending")
    if len(set(times)) < 2:
        return Verdict("sort_order", NOT_TESTABLE, "fewer than two distinct times")
    seen = (
        "ascending"
        if times == sorted(times)
        else "descending" if times == sorted(times, reverse=True) else "unordered"
    )
    if answered == "unordered" or seen == answered:
        return Verdict("sort_order", CONFIRMED, f"a page of {len(times)} is {seen}")
    return Verdict(
        "sort_order", CONTRADICTED, f"a page of {len(times)} is {seen}, not {answered}"
    )


def _start_bound_verdict(
    answers: dict[str, Any], session: Session, events: list[dict], now: datetime
) -> Verdict:
    """Ask again from an event's exact time: the fetch reads the start as inclusive."""
    from generator.simulate.timefmt import parse_time, render_time

    expression = answers.get("time_filter", "params") == "expression"
    key = "filter_param" if expression else "since_param"
    fmt = answers.get("time_format", "iso8601")
    request_fmt = answers.get("request_time_format") or fmt
    id_path = answers.get("id_field", "id")
    time_path = answers.get("time_field", "created_at")

    def time_of(event: Any) -> datetime:
        return parse_time(str(dig(event, time_path)), fmt)

    try:
        event = max(events, key=time_of)
        moment = time_of(event)
        exact = parse_time(str(render_time(moment, request_fmt)), request_fmt) == moment
    except (ValueError, OverflowError):
        return Verdict(key, NOT_TESTABLE, "the event's time does not parse")
    if not exact or dig(event, id_path) is None:
        return Verdict(key, NOT_TESTABLE, f"{request_fmt} cannot send {moment} exactly")
    page = session.get(_window_params(answers, moment, now, None))
    if page is None or page.status >= 300:
        return Verdict(key, NOT_TESTABLE, "the second request failed")
    again = dig(page.body, answers.get("events_path", "data"))
    ids = (
        {str(dig(e, id_path)) for e in again if isinstance(e, dict)}
        if isinstance(again, list)
        else set()
    )
    shown = ", ".join(
        f"{name}={value}"
        for name, value in _window_params(answers, moment, now, None).items()
    )
    try:
        earlier = [e for e in again or [] if time_of(e) < moment]
    except (ValueError, OverflowError, TypeError):
        earlier = []
    if earlier:
        return Verdict(
            key,
            CONTRADICTED,
            f"ignored: {shown} returns {len(earlier)} events from before {moment}",
        )
    if str(dig(event, id_path)) in ids:
        return Verdict(key, CONFIRMED, f"inclusive: {shown} returns the event at it")
    return Verdict(
        key,
        CONTRADICTED,
        f"exclusive: {shown} leaves out the event at that time (the fetch asks from "
        "the last time it took, inclusive: events sharing it would be lost)",
    )


def _id_param_verdict(
    answers: dict[str, Any],
    session: Session,
    events: list[dict],
    since: datetime,
    until: datetime,
) -> Verdict:
    """Ask for IDs greater than the smallest one seen: only greater IDs may come back."""
    key = "id_param"
    id_path = answers.get("id_field", "id")
    name = answers.get("id_param", "since_id")
    ids = [dig(event, id_path) for event in events]
    if len(events) < 2 or not all(str(i).isdigit() for i in ids):
        return Verdict(key, NOT_TESTABLE, "fewer than two events with numeric IDs")
    pivot = min(int(i) for i in ids)
    page = session.get({**_window_params(answers, since, until, None), name: pivot})
    rows = dig(page.body, answers.get("events_path", "data")) if page else None
    if page is None or page.status >= 300 or not isinstance(rows, list):
        return Verdict(key, NOT_TESTABLE, f"{name}={pivot} did not come back")
    back = [dig(row, id_path) for row in rows]
    not_greater = [i for i in back if str(i).isdigit() and int(i) <= pivot]
    if not_greater:
        return Verdict(
            key,
            CONTRADICTED,
            f"{name}={pivot} returns IDs not greater than it ({not_greater[:3]})",
        )
    return Verdict(key, CONFIRMED, f"{name}={pivot} returns only greater IDs")


def _paging_verdicts(
    answers: dict[str, Any],
    session: Session,
    events: list[dict],
    since: datetime,
    until: datetime,
) -> list[Verdict]:
    """On a full page with more events after it: the next-page signal and has-more flag."""
    limit_param = answers.get("limit_param", "limit")
    size = min(len(events) - 1, 5)
    if size < 1 or not limit_param:
        why = "no page size to send" if not limit_param else "fewer than two events"
        return [
            Verdict("pagination", NOT_TESTABLE, why),
            Verdict("has_more_path", NOT_TESTABLE, why),
        ]
    first = session.get(_window_params(answers, since, until, size))
    full = dig(first.body, answers.get("events_path", "data")) if first else None
    if first is None or not isinstance(full, list) or len(full) != size:
        why = f"a page of {size} did not come back full"
        return [
            Verdict("pagination", NOT_TESTABLE, why),
            Verdict("has_more_path", NOT_TESTABLE, why),
        ]
    return [
        _next_page_verdict(answers, session, first, full, since, until),
        _has_more_verdict(answers, first),
    ]


def _next_page_verdict(
    answers: dict[str, Any],
    session: Session,
    first: Page,
    full: list[dict],
    since: datetime,
    until: datetime,
) -> Verdict:
    """The next-page signal of a full page, or the next page by offset or number."""
    key = "pagination"
    pagination = answers.get("pagination", "offset")
    size = len(full)
    if pagination == "next_cursor":
        path = answers.get("next_cursor_path", "next_cursor")
        if dig(first.body, path) in (None, ""):
            return Verdict(key, CONTRADICTED, f"a full page has no cursor at {path}")
        return Verdict(key, CONFIRMED, f"a full page has a cursor at {path}")
    if pagination == "next_url":
        path = str(answers.get("next_url_path", ""))
        found = dig(first.body, path)
        if not isinstance(found, str) or not found:
            return Verdict(key, CONTRADICTED, f"a full page has no URL at {path}")
        return Verdict(key, CONFIRMED, f"a full page has a next URL at {path}")
    if pagination == "link_header":
        link = next((v for k, v in first.headers.items() if k.lower() == "link"), "")
        if 'rel="next"' not in link:
            return Verdict(key, CONTRADICTED, 'a full page has no Link rel="next"')
        return Verdict(key, CONFIRMED, 'a full page has a Link rel="next"')
    if pagination not in ("offset", "page_number"):
        return Verdict(key, NOT_TESTABLE, f"{pagination} is not probed")
    param, value = (
        (answers.get("offset_param", "offset"), size)
        if pagination == "offset"
        else (answers.get("page_param", "page"), int(answers.get("first_page", 1)) + 1)
    )
    second = session.get({**_window_params(answers, since, until, size), param: value})
    rows = dig(second.body, answers.get("events_path", "data")) if second else None
    if second is None or second.status >= 300 or not isinstance(rows, list):
        return Verdict(key, NOT_TESTABLE, "the second page did not come back")
    id_path = answers.get("id_field", "id")
    seen = {str(dig(event, id_path)) for event in full}
    if rows and all(str(dig(row, id_path)) in seen for row in rows):
        return Verdict(
            key, CONTRADICTED, f"{param}={value} returns the first page's events again"
        )
    return Verdict(key, CONFIRMED, f"{param}={value} returns the next events")


def _has_more_verdict(answers: dict[str, Any], page: Page) -> Verdict:
    """The has-more flag of a full page with more events after it must say more."""
    path = str(answers.get("has_more_path", ""))
    if not path:
        return Verdict("has_more_path", NOT_TESTABLE, "not answered")
    value = dig(page.body, path.removeprefix("!"))
    if not isinstance(value, bool):
        return Verdict(
            "has_more_path",
            CONTRADICTED,
            f"{path.removeprefix('!')} is {value!r}, not a boolean",
        )
    if (not value) if path.startswith("!") else value:
        return Verdict("has_more_path", CONFIRMED, f"{path} says more on a full page")
    return Verdict(
        "has_more_path",
        CONTRADICTED,
        f"on a full page with more events, {path} reads as no more "
        f"({path.removeprefix('!')} is {value})",
    )


def _page_size_verdict(
    answers: dict[str, Any], session: Session, since: datetime, until: datetime
) -> Verdict:
    largest = int(answers.get("page_size_max", 0) or 0)
    if not largest or not answers.get("limit_param", "limit"):
        return Verdict("page_size_max", NOT_TESTABLE, "no largest page or page size")
    page = session.get(_window_params(answers, since, until, largest + 1))
    if page is None:
        return Verdict("page_size_max", NOT_TESTABLE, "request budget spent")
    if 400 <= page.status < 500:
        return Verdict(
            "page_size_max", CONFIRMED, f"{largest + 1} refused ({page.status})"
        )
    events = dig(page.body, answers.get("events_path", "data"))
    count = len(events) if isinstance(events, list) else 0
    if count > largest:
        return Verdict(
            "page_size_max",
            CONTRADICTED,
            f"a page of {count} came back for {largest + 1}",
        )
    if count == largest:
        return Verdict("page_size_max", CONFIRMED, f"{largest + 1} capped to {count}")
    return Verdict(
        "page_size_max", NOT_TESTABLE, f"only {count} events: the cap is not reached"
    )
