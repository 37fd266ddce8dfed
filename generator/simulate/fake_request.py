"""How the fake API reads a list request, as the pack's answers shape it.

A GET carries its parameters in the query string; a POST in a JSON body, where nested
objects stand for dotted names. The time window comes in ``since_param``/``until_param``
or, with ``time_filter: expression``, inside one filter expression written from
``filter_template``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

PARAMS = "params"
EXPRESSION = "expression"
GET = "GET"
POST = "POST"


class RequestError(Exception):
    """A list request the API refuses with HTTP 400."""


def query_params(query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The parameters of a query string (the last value of each name)."""
    return {key: values[-1] for key, values in query.items() if values}


def body_params(body: Any) -> dict[str, Any]:
    """The parameters of a JSON body: nested objects read back as dotted names."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    params: dict[str, Any] = {}
    _flatten(body, "", params)
    return params


def _flatten(body: Mapping[str, Any], prefix: str, into: dict[str, Any]) -> None:
    for key, value in body.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten(value, name + ".", into)
        else:
            into[name] = value


def text_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Parameters as the query string would carry them (``None`` left out)."""
    return {
        name: value if isinstance(value, str) else _text(value)
        for name, value in params.items()
        if value is not None
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def filter_pattern(template: str) -> re.Pattern[str]:
    """A pattern that reads ``{since}`` and ``{until}`` back out of a filter expression."""
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{since}"), "(?P<since>.+?)", 1)
    pattern = pattern.replace(re.escape("{until}"), "(?P<until>.+?)", 1)
    return re.compile(pattern)


def window_texts(
    params: Mapping[str, str],
    time_filter: str,
    since_param: str,
    until_param: str,
    filter_param: str,
    filter_template: str,
) -> tuple[str | None, str | None]:
    """The window's start and end as the request wrote them (None when not sent)."""
    if time_filter != EXPRESSION:
        return params.get(since_param), (
            params.get(until_param) if until_param else None
        )
    expression = params.get(filter_param)
    if expression is None:
        return None, None
    match = filter_pattern(filter_template).fullmatch(expression)
    if match is None:
        raise RequestError(
            f"{filter_param}={expression!r} does not follow {filter_template!r}"
        )
    found = match.groupdict()
    return found.get("since"), found.get("until")
