"""How the fake API pages the events of one time window, as the pack's answers shape it.

``offset`` and ``page_number`` take a position from the request; ``next_cursor`` sends an
opaque cursor the next request re-sends with the window; ``next_url`` and ``link_header``
send a full URL (in the body, or in ``Link: <...>; rel="next"``) that holds the window and
the position; ``none`` sends one page. ``has_more_path`` adds a flag (``!`` negates).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from generator.simulate.api_quirks import ECHO_QUERY, FOREIGN_HOST, RELATIVE
from generator.simulate.fake_request import RequestError

OFFSET = "offset"
PAGE_NUMBER = "page_number"
NEXT_CURSOR = "next_cursor"
NEXT_URL = "next_url"
LINK_HEADER = "link_header"
NONE = "none"
TIME_RANGE_PAGINATIONS = (OFFSET, PAGE_NUMBER, NEXT_CURSOR, NEXT_URL, LINK_HEADER, NONE)
CURSOR_PAGINATIONS = (NEXT_CURSOR, NEXT_URL, LINK_HEADER)
# The query parameter of a next-page URL the fake API sends.
PAGE_TOKEN = "page_token"


@dataclass
class Page:
    """One page: where it starts in the window, and what the response adds around it."""

    start: int
    next_reference: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def encode_token(state: Mapping[str, Any]) -> str:
    """An opaque token that holds a request's window and position."""
    text = json.dumps(dict(state), sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    """The state a token holds (``RequestError`` when it is not one of ours)."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        state = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise RequestError(f"{token!r} is not a page token of this API") from None
    if not isinstance(state, dict):
        raise RequestError(f"{token!r} is not a page token of this API")
    return state


def start_of(
    pagination: str,
    params: Mapping[str, str],
    *,
    limit: int,
    offset_param: str,
    page_param: str,
    first_page: int,
    cursor_param: str,
) -> int:
    """Where in the window the requested page starts."""
    if pagination == OFFSET:
        return _whole(params.get(offset_param, "0"), offset_param, least=0)
    if pagination == PAGE_NUMBER:
        raw = params.get(page_param, str(first_page))
        return (_whole(raw, page_param, least=first_page) - first_page) * limit
    if pagination == NEXT_CURSOR and params.get(cursor_param):
        return int(decode_token(params[cursor_param]).get("pos", 0))
    return 0


def _whole(raw: str, name: str, least: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise RequestError(f"{name} must be an integer, got {raw!r}") from None
    if value < least:
        raise RequestError(f"{name} must be at least {least}")
    return value


def next_page(
    pagination: str,
    window: Mapping[str, Any],
    end: int,
    more: bool,
    page_url: str,
) -> Page:
    """What the response says about the page after one that ends at ``end``."""
    page = Page(start=0)
    if not more or pagination in (OFFSET, PAGE_NUMBER, NONE):
        return page
    token = encode_token({**window, "pos": end})
    if pagination == NEXT_CURSOR:
        page.next_reference = token
        return page
    url = f"{page_url}?{PAGE_TOKEN}={token}"
    page.next_reference = url
    if pagination == LINK_HEADER:
        page.headers["Link"] = f'<{url}>; rel="next"'
    return page


def more_flag(has_more_path: str, more: bool) -> tuple[str, bool] | None:
    """The (path, value) of the has-more flag a response carries, or None."""
    if not has_more_path:
        return None
    if has_more_path.startswith("!"):
        return has_more_path[1:], not more
    return has_more_path, more


def ordered(events: Sequence[Any], sort_order: str, key: Any) -> list[Any]:
    """A window's events in the order the API returns them."""
    if sort_order == "descending":
        return list(reversed(events))
    if sort_order == "unordered":
        return sorted(events, key=key)
    return list(events)


def written_link(
    url: str, links: str, request_query: str, turn: int, foreign: str
) -> str:
    """A next-page URL (``url``, the API's own full one) as an API whose links are
    written ``links`` way (api_quirks.NEXT_LINKS) sends it.

    ``echo_query``: after the query string of the request it answers (a credential the
    request carried included, its page token left out); ``relative``: a path and query,
    or a query alone, by ``turn``; ``foreign_host``: the same path and query on
    ``foreign`` (scheme and host).
    """
    parts = urlsplit(url)
    if links == ECHO_QUERY:
        echoed = [
            pair
            for pair in request_query.split("&")
            if pair and pair.partition("=")[0] != PAGE_TOKEN
        ]
        return urlunsplit(parts._replace(query="&".join([*echoed, parts.query])))
    if links == RELATIVE:
        return f"{parts.path}?{parts.query}" if turn % 2 == 0 else f"?{parts.query}"
    if links == FOREIGN_HOST:
        return f"{foreign}{parts.path}?{parts.query}"
    return url
