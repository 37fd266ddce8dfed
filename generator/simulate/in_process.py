"""Answer the integration's HTTP requests in-process, below its ``requests`` session.

The fake API and its token endpoint register a route while they serve; requests-mock
hands every request sent through ``requests`` to the routes, newest first. A route
returns a response for the requests it serves and None for the rest; a request no route
serves goes out over the network as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
import requests_mock

# What a route gets: requests-mock's stand-in for the prepared request (url, method,
# headers, body, and the client's timeout).
Request = requests.PreparedRequest
Route = Callable[[Request], requests.Response | None]

_lock = threading.Lock()
_routes: list[Route] = []
_mocker: requests_mock.Mocker | None = None


@contextmanager
def serving(route: Route) -> Iterator[None]:
    """Let ``route`` answer requests until the block ends."""
    global _mocker
    with _lock:
        if _mocker is None:
            _mocker = requests_mock.Mocker(real_http=True)
            _mocker.add_matcher(_answer)
            _mocker.start()
        _routes.append(route)
    try:
        yield
    finally:
        with _lock:
            _routes.remove(route)
            if not _routes and _mocker is not None:
                _mocker.stop()
                _mocker = None


def _answer(request: Request) -> requests.Response | None:
    """The newest route's answer that is not None, or None (the request goes out)."""
    for route in reversed(list(_routes)):
        response = route(request)
        if response is not None:
            return response
    return None


def respond(
    request: Request, status: int, body: bytes, headers: dict[str, Any]
) -> requests.Response:
    """A ``requests`` response to ``request``: status (with its reason), body, headers."""
    return requests_mock.create_response(
        request, status_code=int(status), content=body, headers=headers
    )
