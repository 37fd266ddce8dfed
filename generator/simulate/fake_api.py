"""A fake third-party events API answered in-process, shaped by a pack's answers.

It serves a scenario's events as the API contract in docs/architecture.md describes: the
pack's endpoint, authentication, query style and parameter names, events path, field paths,
time format and a page-size cap. Events appear at their index time on the simulated clock
(:meth:`FakeApi.begin_cycle`), and a cycle may be told to fail some of its requests.
Departures from the contract a scenario asks for (a rate limit, expiring cursors, repeated
rows, an ignored limit) come from :mod:`generator.simulate.api_quirks`.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import json
import re
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

import requests

from generator.answers import with_defaults
from generator.simulate import fake_paging, fake_request, in_process
from generator.simulate.api_quirks import FOREIGN_HOST as FOREIGN_LINKS
from generator.simulate.api_quirks import (
    RETRY_AFTER_SECONDS,
    ApiQuirks,
    CursorAges,
    RateLimit,
    RepeatedRows,
)
from generator.simulate.event_render import (  # noqa: F401 (re-exported)
    NOT_MATCHING_SUFFIX,
    SEVERITIES,
    EventRenderer,
)
from generator.simulate.events import SimEvent
from generator.simulate.fake_auth import ApiAuth, AuthShape, Credential
from generator.simulate.fake_paging import PAGE_TOKEN, Page
from generator.simulate.fake_request import RequestError
from generator.simulate.paths import set_path
from generator.simulate.timefmt import parse_time

TIME_RANGE = "time_range"
ID_GREATER_THAN = "id_greater_than"
CURSOR = "cursor"
TIMEOUT = "timeout"
DISCONNECT = "disconnect"
# An injected answer of HTTP 200 whose body is an error object, not a page of events.
ERROR_OBJECT = "error_object"
DEFAULT_PAGE_CAP = 1000
# An API without paging (pagination none) sends every event of the window at once.
UNPAGED_CAP = 10**9
# When a cursor API sends the next cursor with a non-empty page: always; only when more
# events follow the page (no cursor on the newest page); or, besides that, never on
# every third answer.
CURSOR_ALWAYS = "always"
CURSOR_WHEN_MORE = "when_more"
CURSOR_SOMETIMES = "sometimes"
NEXT_CURSOR_MODES = (CURSOR_ALWAYS, CURSOR_WHEN_MORE, CURSOR_SOMETIMES)
# The fake API's host; each API gets a port of its own (nothing listens: the requests
# are answered in-process).
FAKE_HOST = "fake-api.test"
# The host next-page URLs point to with api.next_links foreign_host (a port of its own).
FOREIGN_HOST = "foreign-host.test"
# Where a page's events go in its envelope before they are written in (a JSON string
# no reference or flag can hold).
_EVENTS_MARK = "\x04events\x04"
_ports = itertools.count(10000)

_QUERY = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*=\s*(.*?)\s*$")


def parse_query(text: str | None) -> tuple[str, str] | None:
    """``field=value`` as a pair, or None when the text is empty or has another form."""
    if not text:
        return None
    match = _QUERY.match(text)
    if not match or not match.group(2):
        return None
    return match.group(1), match.group(2).strip("\"'")


def failure_kind(value: Any) -> str:
    """Normalise an injected failure: an HTTP status 400-599, ``timeout``,
    ``disconnect`` or ``error_object`` (HTTP 200 with an error object)."""
    text = str(value).strip().lower()
    if text in (TIMEOUT, DISCONNECT, ERROR_OBJECT):
        return text
    if text.isdigit() and 400 <= int(text) <= 599:
        return text
    raise ValueError(
        f"unknown failure {value!r}; use an HTTP status 400-599, 'timeout', "
        "'disconnect' or 'error_object'"
    )


@dataclass(frozen=True)
class ApiShape:
    """What the pack's answers say the API looks like."""

    endpoint: str
    auth_type: str
    query_style: str
    events_path: str
    time_format: str
    id_field: str
    time_field: str
    name_field: str
    severity_field: str
    api_key_header_name: str
    limit_param: str
    since_param: str
    until_param: str
    offset_param: str
    id_param: str
    cursor_param: str
    next_cursor_path: str
    query_param: str
    # request building and paging
    http_method: str
    extra_params: Mapping[str, Any]
    time_filter: str
    filter_param: str
    filter_template: str
    request_time_format: str
    pagination: str
    page_param: str
    first_page: int
    next_url_path: str
    has_more_path: str
    page_size_max: int
    sort_order: str
    max_window_minutes: int

    @classmethod
    def from_answers(cls, answers: Mapping[str, Any]) -> ApiShape:
        """Read the shape from a pack's answers; an answer left out takes its default
        from copier.yml, rendered as Copier renders it."""
        answered = with_defaults(answers)
        values: dict[str, Any] = {}
        for spec in fields(cls):
            source = "events_endpoint" if spec.name == "endpoint" else spec.name
            value = answered.get(source)
            values[spec.name] = "" if value is None else _typed(spec.type, value)
        return cls(**values)


def _typed(kind: Any, value: Any) -> Any:
    """An answer as the shape's field holds it."""
    if kind == "int":
        return int(value)
    if "Mapping" in str(kind):
        return dict(value) if isinstance(value, Mapping) else {}
    return str(value)


@dataclass
class ApiStats:
    """Counts of what the API answered."""

    requests: int = 0
    unauthorized: int = 0
    bad_requests: int = 0
    rate_limited: int = 0
    injected: list[str] = field(default_factory=list)
    # next-page URLs written as api.next_links says that the client had to read, those
    # of them on the other host (foreign_host), the requests
    # that host got, and how many of them carried the credential
    links_written: int = 0
    foreign_links: int = 0
    foreign_requests: int = 0
    foreign_credentialed: int = 0


class BadRequest(Exception):
    """A request the API refuses with HTTP 400."""


class Dropped(Exception):
    """A request the API never answers: the connection drops or the read times out."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind

    def as_client_error(
        self, request: Any, parts: SplitResult
    ) -> requests.exceptions.RequestException:
        """What the client sees, as over a socket: ConnectionError or ReadTimeout."""
        if self.kind == TIMEOUT:
            return requests.exceptions.ReadTimeout(
                f"HTTPConnectionPool(host='{parts.hostname}', port={parts.port}): "
                f"Read timed out. (read timeout={getattr(request, 'timeout', None)})",
                request=request,
            )
        return requests.exceptions.ConnectionError(
            "('Connection aborted.', RemoteDisconnected('Remote end closed connection "
            "without response'))",
            request=request,
        )


@dataclass
class Response:
    """What the API answers: a status, a JSON body (None: no content) and headers.

    ``text``, when set, is the body already written as JSON (``body`` is then None).
    """

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None

    def json_text(self) -> str | None:
        """The body as JSON text, or None when there is no content."""
        if self.text is not None:
            return self.text
        return None if self.body is None else json.dumps(self.body)


class FakeApi:
    """The events API, answering from a scenario's events.

    While started, every request ``requests`` sends to :attr:`base_url` is answered
    in-process by :meth:`handle` (see :mod:`generator.simulate.in_process`).
    """

    def __init__(
        self,
        shape: ApiShape,
        events: Sequence[SimEvent],
        credential: Credential,
        *,
        page_size: int | None = None,
        utc_offset: timedelta | None = None,
        path_prefix: str = "",
        query: tuple[str, str] | None = None,
        next_cursor: str = CURSOR_ALWAYS,
        quirks: ApiQuirks | None = None,
        auth: ApiAuth | None = None,
        until_exclusive: bool = False,
        since_exclusive: bool = False,
    ) -> None:
        if next_cursor not in NEXT_CURSOR_MODES:
            raise ValueError(
                f"unknown next_cursor {next_cursor!r}; use {', '.join(NEXT_CURSOR_MODES)}"
            )
        if shape.query_style == CURSOR and not shape.events_path:
            raise ValueError(
                "the cursor style needs an events_path: the response must hold the cursor"
            )
        if shape.query_style not in (TIME_RANGE, ID_GREATER_THAN, CURSOR):
            raise ValueError(f"unknown query_style {shape.query_style!r}")
        allowed = (
            fake_paging.CURSOR_PAGINATIONS
            if shape.query_style == CURSOR
            else fake_paging.TIME_RANGE_PAGINATIONS
        )
        if shape.query_style != ID_GREATER_THAN and shape.pagination not in allowed:
            raise ValueError(
                f"unknown pagination {shape.pagination!r} for {shape.query_style}; "
                f"use {', '.join(allowed)}"
            )
        self.shape = shape
        self.events = sorted(events, key=lambda event: event.seq)
        self.credential = credential
        # Credential checks and the OAuth2 token endpoint live in fake_auth.
        self.auth = auth or ApiAuth(
            AuthShape.from_answers(
                {
                    "auth_type": shape.auth_type,
                    "api_key_header_name": shape.api_key_header_name,
                }
            ),
            credential,
        )
        # A declared largest page is the API's contract: pages are never shorter than
        # asked up to it, whatever page size a scenario caps other APIs at.
        self.page_cap = shape.page_size_max or page_size or DEFAULT_PAGE_CAP
        if (
            shape.query_style != ID_GREATER_THAN
            and shape.pagination == fake_paging.NONE
        ):
            # An API without paging answers with the whole window (up to a limit sent);
            # an ID-paged API pages by its ID parameter (pagination does not apply).
            self.page_cap = UNPAGED_CAP
        # An empty page goes out as HTTP 204 No Content (page-number APIs here).
        self.empty_as_204 = shape.pagination == fake_paging.PAGE_NUMBER
        # Whether a window's end is exclusive at this API (inclusive by default).
        self.until_exclusive = until_exclusive
        # Whether a window's start is exclusive (an API that answers "after", not "from").
        self.since_exclusive = since_exclusive
        self.utc_offset = utc_offset
        self.query = query
        self.next_cursor = next_cursor
        self.path = _normal_path(path_prefix + "/" + shape.endpoint)
        self.path_prefix = _normal_path(path_prefix) if path_prefix.strip("/") else ""
        self.stats = ApiStats()
        self.quirks = quirks or ApiQuirks()
        self._rate_limit = RateLimit(self.quirks.rate_limit)
        self._cursor_ages = CursorAges(self.quirks.cursor_expiry)
        self._repeated = RepeatedRows(self.events, self.quirks.duplicate_rows)
        self.clock: datetime | None = None
        self._lock = threading.Lock()
        # Events visible so far: the first ``_revealed`` of ``events`` (index order),
        # and the same events as (time, ID key, index in events), sorted, for windows.
        self._revealed = 0
        self._by_time: list[tuple[datetime, Any, int]] = []
        # Bumped whenever the visible events change: keys the cached time window.
        self._generation = 0
        self._window_cache: tuple[tuple[Any, ...], list[SimEvent]] | None = None
        self._id_keys = [
            (0, event.id) if type(event.id) is int else _id_key(event.id)
            for event in self.events
        ]
        self._ids_in_seq_order = self._id_keys == sorted(self._id_keys)
        self._renderer = EventRenderer(
            id_field=shape.id_field,
            time_field=shape.time_field,
            name_field=shape.name_field,
            severity_field=shape.severity_field,
            time_format=shape.time_format,
            utc_offset=utc_offset,
            query=query,
        )
        self._failures: dict[int, str] = {}
        self._cycle_requests = 0
        # Each API gets an address of its own, answered in-process while it serves.
        self.netloc = f"{FAKE_HOST}:{next(_ports)}"
        self.foreign_netloc = f"{FOREIGN_HOST}:{next(_ports)}"
        self._links_written = 0
        self._serving: AbstractContextManager[None] | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeApi:
        """Answer requests to :attr:`base_url` in-process until :meth:`stop`."""
        if self._serving is None:
            self._serving = in_process.serving(self._route)
            self._serving.__enter__()
        return self

    def stop(self) -> None:
        """Stop answering: requests to :attr:`base_url` go out (and fail) again."""
        if self._serving is not None:
            self._serving.__exit__(None, None, None)
            self._serving = None

    def __enter__(self) -> FakeApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The URL an integration instance should use (scheme, host, port and prefix)."""
        return f"http://{self.netloc}{self.path_prefix}"

    # -- the simulated clock ---------------------------------------------------------

    def begin_cycle(
        self, now: datetime, failures: Mapping[int, str] | None = None
    ) -> None:
        """Move the API's clock to ``now`` and arm failures by request number (0-based)."""
        with self._lock:
            if self.clock is not None and now < self.clock:
                self._revealed = 0
                self._by_time = []
                self._generation += 1
            self.clock = now
            by_time = self._by_time
            while (
                self._revealed < len(self.events)
                and self.events[self._revealed].visible_at <= now
            ):
                event = self.events[self._revealed]
                entry = (event.time, self._id_keys[self._revealed], self._revealed)
                if not by_time or by_time[-1] <= entry:
                    by_time.append(entry)  # events mostly become visible in time order
                else:
                    bisect.insort(by_time, entry)
                self._revealed += 1
                self._generation += 1
            self._failures = dict(failures or {})
            self._cycle_requests = 0

    def admit(self) -> bool:
        """Whether this request is within the requests-a-minute budget (else HTTP 429)."""
        with self._lock:
            now = self.clock
            if now is None or self._rate_limit.admit(now):
                return True
            self.stats.rate_limited += 1
            return False

    # -- answering -------------------------------------------------------------------

    def take_failure(self) -> str | None:
        """Count one request of this cycle and return the failure armed for it."""
        with self._lock:
            kind = self._failures.get(self._cycle_requests)
            self._cycle_requests += 1
            self.stats.requests += 1
            if kind:
                self.stats.injected.append(kind)
            return kind

    def authorized(self, headers: Mapping[str, str], query: str = "") -> bool:
        """Whether the request carries the credential the pack's auth type sends."""
        return self.auth.authorized(headers, parse_qs(query, keep_blank_values=True))

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        """The answer to one HTTP request, whatever carried it.

        Failures armed for the request come first (``Dropped`` for a disconnect or a
        timeout, HTTP 200 with an error object for ``error_object``), then the rate limit (429 with Retry-After), the path (404), the
        credential (401) and the parameters, from the query string and, for a POST,
        the JSON body (400 when they are bad).
        """
        kind = self.take_failure()
        if kind in (DISCONNECT, TIMEOUT):
            raise Dropped(kind)
        if kind == ERROR_OBJECT:  # as some APIs answer a quota or a bad token
            return Response(
                HTTPStatus.OK,
                {"fault": {"code": "quota", "message": "Daily quota exceeded"}},
            )
        if kind:
            return Response(int(kind), {"error": f"injected failure {kind}"})
        if not self.admit():
            return Response(
                HTTPStatus.TOO_MANY_REQUESTS,
                {"error": "rate limit exceeded"},
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        parts = urlsplit(url)
        if _normal_path(parts.path) != self.path:
            return Response(
                HTTPStatus.NOT_FOUND, {"error": f"no such path {parts.path}"}
            )
        if not self.authorized(headers, parts.query):
            self.stats.unauthorized += 1
            return Response(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
        try:
            params = fake_request.query_params(
                parse_qs(parts.query, keep_blank_values=True)
            )
            if method == "POST":
                params = {**params, **_body_params(body)}
            return self.respond(params, method, parts.query)
        except BadRequest as error:
            self.stats.bad_requests += 1
            return Response(HTTPStatus.BAD_REQUEST, {"error": str(error)})

    def _route(self, request: in_process.Request) -> requests.Response | None:
        """Answer a request to this API's address in-process (None: not for this API)."""
        parts = urlsplit(request.url)
        if parts.netloc.lower() == self.foreign_netloc:
            return self._foreign_answer(request, parts)
        if parts.netloc.lower() != self.netloc:
            return None
        body = request.body or b""
        try:
            answer = self.handle(
                request.method,
                request.url,
                request.headers,
                body.encode() if isinstance(body, str) else body,
            )
        except Dropped as dropped:
            raise dropped.as_client_error(request, parts) from None
        headers = dict(answer.headers)
        data = b""
        text = answer.json_text()
        if text is not None:
            data = text.encode()
            headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(data))
        return in_process.respond(request, answer.status, data, headers)

    def _foreign_answer(
        self, request: in_process.Request, parts: SplitResult
    ) -> requests.Response:
        """The other host's answer (an empty page, as a harvesting host would give),
        counting the request and whether it carried the credential."""
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            self.stats.foreign_requests += 1
            if self.shape.auth_type != "none" and self.auth.authorized(
                request.headers, query
            ):
                self.stats.foreign_credentialed += 1
        headers = {"Content-Type": "application/json", "Content-Length": "2"}
        return in_process.respond(request, HTTPStatus.OK, b"[]", headers)

    def _written(self, page: Page, query: str, needed: bool) -> Page:
        """A page's next-page URL as api.next_links writes it (body and Link header);
        ``needed``: the response does not say that no page follows, so the client must
        read the URL (counted in ``links_written`` and ``foreign_links``)."""
        links = self.quirks.next_links
        if (
            not links
            or not page.next_reference
            or self.shape.pagination
            not in (
                fake_paging.NEXT_URL,
                fake_paging.LINK_HEADER,
            )
        ):
            return page
        foreign = f"http://{self.foreign_netloc}"
        with self._lock:
            turn = self._links_written
            self._links_written += 1
            if needed:
                self.stats.links_written += 1
                if links == FOREIGN_LINKS:
                    self.stats.foreign_links += 1
        url = fake_paging.written_link(page.next_reference, links, query, turn, foreign)
        headers = dict(page.headers)
        if "Link" in headers:
            headers["Link"] = f'<{url}>; rel="next"'
        return replace(page, next_reference=url, headers=headers)

    def respond(
        self, params: Mapping[str, Any], method: str = "GET", query: str = ""
    ) -> Response:
        """The answer to a list request with these parameters (``BadRequest`` if bad);
        ``query`` is the request's query string as sent (next links may repeat it)."""
        shape = self.shape
        try:
            texts = fake_request.text_params(params)
            following = PAGE_TOKEN in texts
            if method != shape.http_method and not following:
                raise BadRequest(f"list requests are {shape.http_method} requests")
            if not following:
                self._check_extra_params(params)
            if self.quirks.refuse_stale_start:
                self._check_stale_start(texts)
            limit = self._limit(texts)
            wanted = parse_query(texts.get(shape.query_param))
            style = shape.query_style
            page_info = Page(start=0)
            more = False
            # The page is chosen under the lock: the visible events cannot change meanwhile.
            with self._lock:
                now = self.clock
                if now is None:
                    raise BadRequest("the API clock is not set")
                revealed = self._revealed
                if style == TIME_RANGE:
                    page, page_info, more = self._time_range(texts, now, limit)
                elif style == ID_GREATER_THAN:
                    page = self._id_greater_than(texts, revealed, now, wanted, limit)
                else:
                    page, page_info, more = self._cursor(
                        texts, revealed, now, wanted, limit
                    )
        except RequestError as error:
            raise BadRequest(str(error)) from None
        render_json = self._renderer.render_json
        events_text = "[" + ", ".join(render_json(event, now) for event in page) + "]"
        if not page and self.empty_as_204:
            return Response(HTTPStatus.NO_CONTENT, None, page_info.headers)
        flag = fake_paging.more_flag(shape.has_more_path, more)
        page_info = self._written(page_info, query, flag is None or more)
        reference_path = self._reference_path()
        if not shape.events_path and not reference_path and flag is None:
            return Response(HTTPStatus.OK, None, page_info.headers, text=events_text)
        # The envelope is written as JSON with a mark where the events go.
        body: dict[str, Any] = {}
        if shape.events_path:
            set_path(body, shape.events_path, _EVENTS_MARK)
        if reference_path:
            _set_key_or_path(body, reference_path, page_info.next_reference or "")
        if flag is not None:
            set_path(body, flag[0], flag[1])
        text = json.dumps(body).replace(json.dumps(_EVENTS_MARK), events_text, 1)
        return Response(HTTPStatus.OK, None, page_info.headers, text=text)

    def _reference_path(self) -> str:
        """Where the body carries the next-page reference, or empty."""
        shape = self.shape
        if shape.pagination == fake_paging.NEXT_CURSOR:
            return shape.next_cursor_path
        if shape.pagination == fake_paging.NEXT_URL:
            return shape.next_url_path
        return ""

    def _check_extra_params(self, params: Mapping[str, Any]) -> None:
        for name in self.shape.extra_params:
            if name not in params and not any(
                key.startswith(f"{name}.") for key in params
            ):
                raise BadRequest(f"the list request lacks the parameter {name}")

    def _check_stale_start(self, texts: Mapping[str, str]) -> None:
        """Refuse a request that carries its position (a cursor, a next-page token or
        an ID) and the start time of a first request together, as some APIs do."""
        shape = self.shape
        if shape.query_style == ID_GREATER_THAN:
            position = shape.id_param
        elif shape.pagination == fake_paging.NEXT_CURSOR:
            position = shape.cursor_param
        else:
            position = PAGE_TOKEN
        start = (
            shape.filter_param
            if shape.time_filter == fake_request.EXPRESSION
            else shape.since_param
        )
        if shape.query_style != TIME_RANGE and position in texts and start in texts:
            raise BadRequest(f"{position} and {start} cannot be sent together")

    @property
    def page_url(self) -> str:
        """The events endpoint's full URL, as next-page URLs start."""
        return f"http://{self.netloc}{self.path}"

    def render(self, event: SimEvent, now: datetime) -> dict[str, Any]:
        """The event's JSON as the API returns it at ``now``."""
        return self._renderer.render(event, now)

    # -- query styles ----------------------------------------------------------------

    def _limit(self, params: Mapping[str, str]) -> int:
        raw = params.get(self.shape.limit_param)
        if raw is None:
            return self.page_cap
        try:
            limit = int(raw)
        except ValueError:
            raise BadRequest(
                f"{self.shape.limit_param} must be an integer, got {raw!r}"
            ) from None
        if limit < 1:
            raise BadRequest(f"{self.shape.limit_param} must be at least 1")
        if self.quirks.ignore_limit:
            return self.page_cap
        largest = self.shape.page_size_max
        if largest and limit > largest:
            raise BadRequest(f"{self.shape.limit_param} may be at most {largest}")
        return min(limit, self.page_cap)

    def _time(self, params: Mapping[str, str], name: str) -> datetime | None:
        raw = params.get(name)
        if raw is None:
            return None
        try:
            return parse_time(raw, self.shape.time_format)
        except (ValueError, OverflowError, OSError):
            raise BadRequest(
                f"{name}={raw!r} is not a time in {self.shape.time_format}"
            ) from None

    def _time_range(
        self,
        params: Mapping[str, str],
        now: datetime,
        limit: int,
    ) -> tuple[list[SimEvent], Page, bool]:
        shape = self.shape
        token = params.get(PAGE_TOKEN)
        if token and shape.pagination in (
            fake_paging.NEXT_URL,
            fake_paging.LINK_HEADER,
        ):
            state = fake_paging.decode_token(token)
            since_text, until_text = state.get("since"), state.get("until")
            query_text, start = state.get("query"), int(state.get("pos", 0))
            limit = int(state.get("limit", limit))
        else:
            since_text, until_text = fake_request.window_texts(
                params,
                shape.time_filter,
                shape.since_param,
                shape.until_param,
                shape.filter_param,
                shape.filter_template,
            )
            query_text = params.get(shape.query_param)
            start = fake_paging.start_of(
                shape.pagination,
                params,
                limit=limit,
                offset_param=shape.offset_param,
                page_param=shape.page_param,
                first_page=shape.first_page,
                cursor_param=shape.cursor_param,
            )
            if shape.pagination == fake_paging.NEXT_CURSOR and params.get(
                shape.cursor_param
            ):
                state = fake_paging.decode_token(params[shape.cursor_param])
                if (state.get("since"), state.get("until")) != (since_text, until_text):
                    raise BadRequest("a cursor must be sent with the window it pages")
        deep = self.quirks.deep_page_timeout
        if deep is not None and start >= deep:
            self.stats.injected.append(TIMEOUT)
            raise Dropped(TIMEOUT)  # the client sees requests' ReadTimeout
        since = self._parsed(since_text, "the window start")
        until = self._parsed(until_text, "the window end")
        self._check_window(since, until)
        window = self._window(since, until, query_text, now)
        if shape.pagination == fake_paging.NONE:
            start = 0
        page = window[start : start + limit]
        end = start + len(page)
        more = end < len(window)
        state = {"since": since_text, "until": until_text, "limit": limit}
        if query_text is not None:
            state["query"] = query_text
        info = fake_paging.next_page(shape.pagination, state, end, more, self.page_url)
        return page, info, more

    def _window(
        self,
        since: datetime | None,
        until: datetime | None,
        query_text: str | None,
        now: datetime,
    ) -> list[SimEvent]:
        """The rows of a time window in the API's order (call with the lock held).

        The last window is kept until the visible events or the clock change: the
        pages of one window reuse it.
        """
        key = (since, until, query_text, now, self._generation)
        if self._window_cache is not None and self._window_cache[0] == key:
            return self._window_cache[1]
        by_time = self._by_time
        wanted = parse_query(query_text)
        if since is not None and self.since_exclusive:
            since += timedelta(microseconds=1)
        low = 0 if since is None else bisect.bisect_left(by_time, (since,))
        high = len(by_time)
        if until is not None:
            bound = until if self.until_exclusive else until + timedelta(microseconds=1)
            high = bisect.bisect_left(by_time, (bound,))
        rows = self._repeated.rows(self.events[at] for _, _, at in by_time[low:high])
        if wanted is None:
            window = list(rows)
        else:
            window = [event for event in rows if self._matches(event, now, wanted)]
        window = fake_paging.ordered(window, self.shape.sort_order, _shuffled)
        self._window_cache = (key, window)
        return window

    def _parsed(self, raw: str | None, what: str) -> datetime | None:
        if raw is None:
            return None
        try:
            return parse_time(str(raw), self.shape.request_time_format)
        except (ValueError, OverflowError, OSError):
            raise BadRequest(
                f"{what} {raw!r} is not a time in {self.shape.request_time_format}"
            ) from None

    def _check_window(self, since: datetime | None, until: datetime | None) -> None:
        longest = self.shape.max_window_minutes
        if not longest:
            return
        if since is None or until is None:
            raise BadRequest("a query must name its window's start and end")
        if until - since > timedelta(minutes=longest):
            raise BadRequest(f"a query may span at most {longest} minutes")

    def _id_greater_than(
        self,
        params: Mapping[str, str],
        revealed: int,
        now: datetime,
        wanted: tuple[str, str] | None,
        limit: int,
    ) -> list[SimEvent]:
        raw = params.get(self.shape.id_param)
        if raw is None:
            return self._take(
                self._in_id_order(self._since(params, revealed, now)),
                now,
                wanted,
                limit,
            )
        key = _id_key(raw)
        id_keys = self._id_keys
        if id_keys and key[0] != id_keys[0][0]:
            raise BadRequest(f"{self.shape.id_param}={raw!r} is not an ID of this API")
        if not self._ids_in_seq_order:  # IDs given at creation: not in index order
            above = [
                event
                for event, event_key in zip(
                    self.events[:revealed], id_keys[:revealed], strict=True
                )
                if event_key > key
            ]
            return self._take(self._in_id_order(above), now, wanted, limit)
        start = bisect.bisect_right(id_keys, key, 0, revealed)
        return self._take(self.events[start:revealed], now, wanted, limit)

    def _in_id_order(self, events: Sequence[SimEvent]) -> Sequence[SimEvent]:
        if self._ids_in_seq_order:
            return events
        return sorted(events, key=lambda event: _id_key(event.id))

    def _cursor(
        self,
        params: Mapping[str, str],
        revealed: int,
        now: datetime,
        wanted: tuple[str, str] | None,
        limit: int,
    ) -> tuple[list[SimEvent], Page, bool]:
        shape = self.shape
        follows_url = shape.pagination in (
            fake_paging.NEXT_URL,
            fake_paging.LINK_HEADER,
        )
        name = PAGE_TOKEN if follows_url else shape.cursor_param
        raw = params.get(name)
        copy_first: SimEvent | None = None
        if raw:
            position = _cursor_position(raw)
            if position is None:
                raise BadRequest(f"{name}={raw!r} is not a cursor")
            if self._cursor_ages.expired(raw, now):
                raise BadRequest(f"{name}={raw!r} has expired")
            seq, copy_pending = position
            candidates = self.events[seq + 1 : revealed]
            copy_first = self.events[seq] if copy_pending else None
        else:
            candidates = self._since(params, revealed, now)
        page, copy_cut = self._cursor_page(candidates, now, wanted, limit, copy_first)
        more = copy_cut or (
            bool(page)
            and any(
                event.seq > page[-1].seq and self._matches(event, now, wanted)
                for event in candidates
            )
        )
        if not page or self._omits_cursor(page, candidates, now, wanted):
            return page, Page(start=0), more
        token = _cursor_token(page[-1].seq, copy_cut)
        self._cursor_ages.sent(token, now)
        if not follows_url:
            return page, Page(start=0, next_reference=token), more
        url = f"{self.page_url}?{PAGE_TOKEN}={token}"
        info = Page(start=0, next_reference=url)
        if shape.pagination == fake_paging.LINK_HEADER:
            info.headers["Link"] = f'<{url}>; rel="next"'
        return page, info, more

    def _omits_cursor(
        self,
        page: Sequence[SimEvent],
        candidates: Sequence[SimEvent],
        now: datetime,
        wanted: tuple[str, str] | None,
    ) -> bool:
        """Whether this non-empty page goes out without a next cursor."""
        if self.next_cursor == CURSOR_ALWAYS:
            return False
        if self.next_cursor == CURSOR_SOMETIMES and self.stats.requests % 3 == 0:
            return True
        last = page[-1].seq
        return not any(
            event.seq > last and self._matches(event, now, wanted)
            for event in candidates
        )

    def _since(
        self, params: Mapping[str, str], revealed: int, now: datetime
    ) -> list[SimEvent]:
        """The visible events at or after the request's start time, in index order
        (call with the lock held); BadRequest for a start time older than the API
        accepts (``since_max_age``)."""
        since_text, _ = fake_request.window_texts(
            params,
            self.shape.time_filter,
            self.shape.since_param,
            "",
            self.shape.filter_param,
            self.shape.filter_template,
        )
        since = self._parsed(since_text, "the start time")
        if since is None:
            return self.events[:revealed]
        oldest = self.quirks.since_max_age
        if oldest is not None and since < now - oldest:
            raise BadRequest(
                f"{self.shape.since_param}={since_text!r} is older than the API accepts "
                f"({oldest.total_seconds() / 3600:g} hours)"
            )
        low = bisect.bisect_left(self._by_time, (since,))
        return [
            self.events[at] for at in sorted(at for _, _, at in self._by_time[low:])
        ]

    def _take(
        self,
        events: Sequence[SimEvent],
        now: datetime,
        wanted: tuple[str, str] | None,
        limit: int,
    ) -> list[SimEvent]:
        if wanted is None and not self._repeated.seqs:
            return list(events[:limit])  # every event matches, none repeated
        page = []
        for event in self._repeated.rows(events):
            if self._matches(event, now, wanted):
                page.append(event)
                if len(page) >= limit:
                    break
        return page

    def _cursor_page(
        self,
        events: Sequence[SimEvent],
        now: datetime,
        wanted: tuple[str, str] | None,
        limit: int,
        copy_first: SimEvent | None,
    ) -> tuple[list[SimEvent], bool]:
        """A cursor page (led by ``copy_first``, the second copy of an event the page
        before ended on) and whether the page size cut off the second copy of its last
        row: the next page then starts with it, as a real API's would."""
        if wanted is None and not self._repeated.seqs and copy_first is None:
            return list(events[:limit]), False  # every event matches, none repeated
        rows = self._repeated.marked_rows(events)
        if copy_first is not None:
            rows = itertools.chain([(copy_first, True)], rows)
        page: list[SimEvent] = []
        last_is_copy = False
        for event, is_copy in rows:
            if self._matches(event, now, wanted):
                page.append(event)
                last_is_copy = is_copy
                if len(page) >= limit:
                    break
        copy_cut = bool(page) and not last_is_copy and self._repeated.repeats(page[-1])
        return page, copy_cut

    def _matches(
        self, event: SimEvent, now: datetime, wanted: tuple[str, str] | None
    ) -> bool:
        if wanted is None:
            return True
        query = self.query
        if query and wanted[0] == query[0]:
            shown = (
                query[1] if event.matches_at(now) else query[1] + NOT_MATCHING_SUFFIX
            )
            return shown == wanted[1]
        value = event.fields.get(wanted[0])
        return value is not None and str(value) == wanted[1]


def _shuffled(event: SimEvent) -> int:
    """A fixed order unrelated to time, for APIs that return a window unordered."""
    return (event.seq * 2654435761) % 4294967296


def _set_key_or_path(body: dict[str, Any], path: str, value: Any) -> None:
    """Set a key holding dots (@odata.nextLink) whole, any other path by its parts."""
    if path.startswith("@"):
        body[path] = value
    else:
        set_path(body, path, value)


def _normal_path(path: str) -> str:
    return "/" + "/".join(part for part in path.split("/") if part)


def _id_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int):
        return (0, value)
    text = str(value)
    if text.lstrip("-").isdigit():
        return (0, int(text))
    return (1, text)


COPY_PENDING = ":copy"


def _cursor_token(seq: int, copy_pending: bool = False) -> str:
    """A cursor after event ``seq`` (before the second copy of it when pending)."""
    text = f"pos:{seq}{COPY_PENDING if copy_pending else ''}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _cursor_position(token: str) -> tuple[int, bool] | None:
    """The event a cursor follows and whether its second copy comes first, or None."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    copy_pending = text.endswith(COPY_PENDING)
    number = text[4 : -len(COPY_PENDING)] if copy_pending else text[4:]
    if not text.startswith("pos:") or not number.isdigit():
        return None
    return int(number), copy_pending


def _body_params(raw: bytes) -> dict[str, Any]:
    """The parameters of a POST's JSON body (``BadRequest`` when it is not JSON)."""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadRequest("the request body is not JSON") from None
    try:
        return fake_request.body_params(body)
    except RequestError as error:
        raise BadRequest(str(error)) from None
