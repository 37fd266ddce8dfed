"""The fake API's authentication, shaped by a pack's answers.

:class:`ApiAuth` checks the credential every ``auth_type`` sends (a header key after its
prefix, a query-string key, basic, bearer, or an OAuth2 access token) and runs the OAuth2
token endpoint: client credentials grant, client ID and secret in the form or as HTTP
basic, the scope when the answers name one, tokens that expire on the simulated clock and
can be revoked early. :func:`serve_tokens` answers the integration's token requests in-process, wherever
the token URL points (another host or a path of the instance URL), below the
integration's ``requests`` session.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

import requests

from generator.answers import with_defaults
from generator.simulate import in_process

OAUTH2 = "oauth2_client_credentials"
API_KEY_HEADER = "api_key_header"
API_KEY_QUERY = "api_key_query"
BASIC = "basic"
BEARER = "bearer_token"
NONE = "none"
AUTH_TYPES = (API_KEY_HEADER, API_KEY_QUERY, BASIC, BEARER, OAUTH2, NONE)
CLIENT_SECRET_BASIC = "client_secret_basic"
# Short enough that tokens expire several times in a simulated day (and in the built-in
# scenarios of two hours), as real ones (often one hour) do over days of fetching.
DEFAULT_TOKEN_LIFETIME = timedelta(minutes=30)


@dataclass
class Credential:
    """What the fake API accepts: a user name or client ID, and a secret."""

    username: str
    secret: str


@dataclass(frozen=True)
class AuthShape:
    """How the pack's answers say the API authenticates."""

    auth_type: str
    api_key_header_name: str
    api_key_prefix: str
    api_key_param: str
    token_url: str
    oauth_scope: str
    token_auth_method: str

    @classmethod
    def from_answers(cls, answers: Mapping[str, Any]) -> AuthShape:
        """Read the shape from a pack's answers; an answer left out takes its default
        from copier.yml, rendered as Copier renders it."""
        answered = with_defaults(answers)
        shape = cls(**{spec.name: str(answered[spec.name]) for spec in fields(cls)})
        if shape.auth_type not in AUTH_TYPES:
            raise ValueError(
                f"unknown auth_type {shape.auth_type!r}; use {', '.join(AUTH_TYPES)}"
            )
        return shape

    @property
    def has_identifier(self) -> bool:
        """Whether the credentials parameter's identifier is used (user or client ID)."""
        return self.auth_type in (BASIC, OAUTH2)

    def token_address(self, instance_url: str) -> str:
        """The token endpoint's full URL: token_url, or its path on the instance URL."""
        if self.token_url.startswith("/"):
            return instance_url.rstrip("/") + "/" + self.token_url.lstrip("/")
        return self.token_url


@dataclass
class TokenStats:
    """What the token endpoint did."""

    requests: int = 0
    refused: int = 0
    revoked: int = 0


class ApiAuth:
    """The API's side of authentication: credential checks and the token endpoint."""

    def __init__(
        self,
        shape: AuthShape,
        credential: Credential,
        token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    ) -> None:
        self.shape = shape
        self.credential = credential
        self.token_lifetime = token_lifetime
        self.stats = TokenStats()
        self.issued: list[str] = []
        self._valid_until: dict[str, datetime | None] = {}
        self._now: datetime | None = None
        self._lock = threading.Lock()

    def credentials_param(self) -> dict[str, str]:
        """The credentials instance parameter that carries this credential."""
        identifier = self.credential.username if self.shape.has_identifier else ""
        return {"identifier": identifier, "password": self.credential.secret}

    def secrets(self) -> list[str]:
        """What must never show in errors, logs, incidents or lastRun."""
        with self._lock:
            return [self.credential.secret, *self.issued]

    # -- the simulated clock -------------------------------------------------------

    def begin_cycle(self, now: datetime, revoke: bool = False) -> None:
        """Move to ``now``; with ``revoke`` every token issued so far stops working."""
        with self._lock:
            self._now = now
            if revoke and self._valid_until:
                self.stats.revoked += len(self._valid_until)
                self._valid_until.clear()

    # -- API requests --------------------------------------------------------------

    def authorized(
        self, headers: Mapping[str, str], query: Mapping[str, Sequence[str]]
    ) -> bool:
        """Whether an API request carries what the auth type sends."""
        shape, secret = self.shape, self.credential.secret
        given = headers.get("Authorization") or ""
        if shape.auth_type == NONE:
            return True
        if shape.auth_type == API_KEY_HEADER:
            header = headers.get(shape.api_key_header_name)
            return header == shape.api_key_prefix + secret
        if shape.auth_type == API_KEY_QUERY:
            return list(query.get(shape.api_key_param) or [])[-1:] == [secret]
        if shape.auth_type == BEARER:
            return given == f"Bearer {secret}"
        if shape.auth_type == BASIC:
            return given == _basic(self.credential.username, secret)
        return given.startswith("Bearer ") and self._token_valid(given[7:])

    def _token_valid(self, token: str) -> bool:
        with self._lock:
            if token not in self._valid_until:
                return False
            valid_until = self._valid_until[token]
            return valid_until is None or self._now is None or self._now < valid_until

    # -- the token endpoint --------------------------------------------------------

    def token_answer(
        self, headers: Mapping[str, str], body: str
    ) -> tuple[int, dict[str, Any]]:
        """Status and JSON body for one token request (RFC 6749 section 4.4)."""
        with self._lock:
            self.stats.requests += 1
        form = {key: values[-1] for key, values in parse_qs(body).items()}
        problem = self._token_problem(headers, form)
        if problem is not None:
            with self._lock:
                self.stats.refused += 1
            return problem
        token = "sim-token-" + secrets.token_hex(12)
        with self._lock:
            now = self._now
            self._valid_until[token] = (
                None if now is None else now + self.token_lifetime
            )
            self.issued.append(token)
        return HTTPStatus.OK, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime.total_seconds()),
        }

    def _token_problem(
        self, headers: Mapping[str, str], form: Mapping[str, str]
    ) -> tuple[int, dict[str, Any]] | None:
        shape, credential = self.shape, self.credential
        if form.get("grant_type") != "client_credentials":
            return HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"}
        if form.get("scope", "") != shape.oauth_scope:
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_scope"}
        if shape.token_auth_method == CLIENT_SECRET_BASIC:
            given = headers.get("Authorization") or ""
            accepted = (
                given == _basic(credential.username, credential.secret)
                and "client_secret" not in form
            )
        else:
            accepted = (
                form.get("client_id") == credential.username
                and form.get("client_secret") == credential.secret
                and not headers.get("Authorization")
            )
        if not accepted:
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}
        return None


def _basic(username: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


@contextmanager
def serve_tokens(auth: ApiAuth, instance_url: str) -> Iterator[None]:
    """Answer the token endpoint of an OAuth2 API in-process until the block ends.

    Requests whose URL (without the query) is the token URL get the endpoint's answer;
    everything else is untouched. A no-op for other auth types.
    """
    if auth.shape.auth_type != OAUTH2:
        yield
        return
    address = urlsplit(auth.shape.token_address(instance_url))
    wanted = _without_query(address)

    def route(request: in_process.Request) -> requests.Response | None:
        if _without_query(urlsplit(request.url)) != wanted:
            return None
        if request.method != "POST":
            status, body = HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST"}
        else:
            form = request.body or ""
            text = form.decode("utf-8", "replace") if isinstance(form, bytes) else form
            status, body = auth.token_answer(request.headers, text)
        headers = {"Content-Type": "application/json"}
        return in_process.respond(request, status, json.dumps(body).encode(), headers)

    with in_process.serving(route):
        yield


def _without_query(parts: SplitResult) -> tuple[str, str, str]:
    """Scheme, host and path of a URL: what names an endpoint."""
    return (parts.scheme.lower(), parts.netloc.lower(), parts.path)
