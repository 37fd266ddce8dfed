"""The fake API's authentication: credential checks per auth_type, the OAuth2 token
endpoint with expiring and revocable tokens, and the routing of token requests."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from generator.simulate.events import EventSpec, index_events
from generator.simulate.fake_api import ApiShape, FakeApi
from generator.simulate.fake_auth import (
    ApiAuth,
    AuthShape,
    Credential,
    serve_tokens,
)

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
CLIENT_ID = "sim-client"
SECRET = "s3cret+/="
TOKEN_HOST_URL = "https://login.example.test/tenant-1/oauth2/v2.0/token"
SCOPE = "https://api.example.test/.default"


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def oauth2(**answers: Any) -> ApiAuth:
    shape = AuthShape.from_answers(
        {
            "auth_type": "oauth2_client_credentials",
            "token_url": TOKEN_HOST_URL,
            **answers,
        }
    )
    auth = ApiAuth(shape, Credential(CLIENT_ID, SECRET))
    auth.begin_cycle(T0)
    return auth


@pytest.fixture
def token_endpoint() -> Iterator[Any]:
    """Serve the token endpoint of an OAuth2 shape for the test."""
    stack: list[Any] = []

    def start(auth: ApiAuth, instance_url: str = "http://127.0.0.1:9") -> ApiAuth:
        context = serve_tokens(auth, instance_url)
        context.__enter__()
        stack.append(context)
        return auth

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def ask_token(url: str = TOKEN_HOST_URL, **kwargs: Any) -> requests.Response:
    return requests.post(url, timeout=5, **kwargs)


def post_form(**extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        **extra,
    }


def test_shape_defaults_follow_the_template() -> None:
    """
    Given answers that name only the auth type
    When the shape is read
    Then every other auth answer has the template's default
    """
    shape = AuthShape.from_answers({"auth_type": "oauth2_client_credentials"})
    assert shape.token_url == "/oauth2/token"
    assert shape.oauth_scope == ""
    assert shape.token_auth_method == "client_secret_post"
    assert shape.api_key_param == "api_key" and shape.api_key_prefix == ""
    assert shape.token_address("http://h:1/api/") == "http://h:1/api/oauth2/token"


def test_unknown_auth_type_is_refused() -> None:
    """An auth type the template does not have is a one-line error naming the values."""
    with pytest.raises(ValueError, match="unknown auth_type 'hmac'.*oauth2"):
        AuthShape.from_answers({"auth_type": "hmac"})


@pytest.mark.parametrize(
    ("answers", "good", "bad"),
    [
        (
            {"api_key_header_name": "Authorization", "api_key_prefix": "SSWS "},
            ({"Authorization": f"SSWS {SECRET}"}, {}),
            ({"Authorization": SECRET}, {}),
        ),
        (
            {"api_key_header_name": "Authorization", "api_key_prefix": "Token token="},
            ({"Authorization": f"Token token={SECRET}"}, {}),
            ({"Authorization": f"Token {SECRET}"}, {}),
        ),
        (
            {"auth_type": "api_key_query", "api_key_param": "apikey"},
            ({}, {"apikey": [SECRET]}),
            ({}, {"api_key": [SECRET]}),
        ),
        (
            {"auth_type": "basic"},
            ({"Authorization": basic(CLIENT_ID, SECRET)}, {}),
            ({"Authorization": basic("other", SECRET)}, {}),
        ),
    ],
)
def test_credential_checks(
    answers: dict[str, str], good: tuple[Any, Any], bad: tuple[Any, Any]
) -> None:
    """
    Given a key after its prefix, a key in a query parameter, or basic credentials
    When requests carry the right credential, a wrong one or none
    Then only the right one is accepted
    """
    shape = AuthShape.from_answers({"auth_type": "api_key_header", **answers})
    auth = ApiAuth(shape, Credential(CLIENT_ID, SECRET))
    assert auth.authorized(*good)
    assert not auth.authorized(*bad)
    assert not auth.authorized({}, {})


@pytest.mark.parametrize(
    ("auth_type", "identifier"),
    [("basic", CLIENT_ID), ("oauth2_client_credentials", CLIENT_ID), ("none", "")],
)
def test_credentials_parameter_carries_the_identifier_where_used(
    auth_type: str, identifier: str
) -> None:
    """The user name or client ID goes in the identifier only where the pack reads it."""
    auth = ApiAuth(
        AuthShape.from_answers({"auth_type": auth_type}), Credential(CLIENT_ID, SECRET)
    )
    assert auth.credentials_param() == {"identifier": identifier, "password": SECRET}


def test_token_endpoint_issues_expiring_tokens(token_endpoint: Any) -> None:
    """
    Given an OAuth2 API whose token endpoint is on another host
    When a client posts its credentials in the form to that URL
    Then the request reaches the fake endpoint, which issues a bearer token that works
        until it expires 30 minutes later on the simulated clock
    """
    auth = token_endpoint(oauth2())

    answer = ask_token(data=post_form())

    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert auth.authorized(bearer, {})
    auth.begin_cycle(T0 + timedelta(minutes=29, seconds=59))
    assert auth.authorized(bearer, {})
    auth.begin_cycle(T0 + timedelta(minutes=30))
    assert not auth.authorized(bearer, {})
    assert not auth.authorized({"Authorization": "Bearer made-up"}, {})
    assert auth.stats.requests == 1 and auth.issued == [body["access_token"]]
    assert SECRET in auth.secrets() and body["access_token"] in auth.secrets()


def test_revoked_tokens_stop_working(token_endpoint: Any) -> None:
    """
    Given two tokens issued
    When the API revokes tokens
    Then neither works any more, and a new one does
    """
    auth = token_endpoint(oauth2())
    tokens = [ask_token(data=post_form()).json()["access_token"] for _ in range(2)]

    auth.begin_cycle(T0 + timedelta(minutes=1), revoke=True)

    assert not any(
        auth.authorized({"Authorization": f"Bearer {t}"}, {}) for t in tokens
    )
    fresh = ask_token(data=post_form()).json()["access_token"]
    assert auth.authorized({"Authorization": f"Bearer {fresh}"}, {})
    assert auth.stats.revoked == 2 and auth.stats.requests == 3


@pytest.mark.parametrize(
    ("answers", "request_kwargs", "status", "error"),
    [
        ({}, {"data": post_form(client_secret="wrong")}, 401, "invalid_client"),
        (
            {},
            {"data": post_form(), "auth": (CLIENT_ID, SECRET)},
            401,
            "invalid_client",
        ),
        ({}, {"data": post_form(grant_type="password")}, 400, "unsupported_grant_type"),
        ({}, {"data": post_form(scope="extra")}, 400, "invalid_scope"),
        ({"oauth_scope": SCOPE}, {"data": post_form()}, 400, "invalid_scope"),
        ({"oauth_scope": SCOPE}, {"data": post_form(scope=SCOPE)}, 200, None),
        (
            {"token_auth_method": "client_secret_basic"},
            {"data": {"grant_type": "client_credentials"}, "auth": (CLIENT_ID, SECRET)},
            200,
            None,
        ),
        (
            {"token_auth_method": "client_secret_basic"},
            {"data": post_form(), "auth": (CLIENT_ID, SECRET)},
            401,
            "invalid_client",
        ),
        (
            {"token_auth_method": "client_secret_basic"},
            {"data": post_form()},
            401,
            "invalid_client",
        ),
    ],
)
def test_token_endpoint_wants_exactly_what_the_answers_say(
    token_endpoint: Any,
    answers: dict[str, str],
    request_kwargs: dict[str, Any],
    status: int,
    error: str | None,
) -> None:
    """
    Given the scope and token_auth_method answers
    When token requests send the grant, scope and client credentials right or wrong
    Then only the exact match gets a token; the rest get the RFC 6749 error
    """
    auth = token_endpoint(oauth2(**answers))

    answer = ask_token(**request_kwargs)

    assert answer.status_code == status
    assert answer.json().get("error") == error
    assert auth.stats.refused == (0 if error is None else 1)


def test_token_path_on_the_instance_url_is_routed(token_endpoint: Any) -> None:
    """
    Given a token_url that is a path, and an instance URL with a path of its own
    When a client posts to the instance URL joined with that path
    Then the fake endpoint answers; the same path at the host's root is not the endpoint
    """
    instance = "http://127.0.0.1:9/api"
    auth = token_endpoint(
        oauth2(token_url="/oauth2/token"), instance_url=instance + "/"
    )

    assert ask_token(instance + "/oauth2/token", data=post_form()).status_code == 200
    with pytest.raises(requests.ConnectionError):
        ask_token("http://127.0.0.1:9/oauth2/token", data=post_form())
    assert auth.stats.requests == 1


def test_other_requests_are_not_routed(token_endpoint: Any) -> None:
    """
    Given the token endpoint served and an events API
    When the events API is called
    Then its request reaches the events API, which wants a valid token
    """
    auth = token_endpoint(oauth2())
    shape = ApiShape.from_answers(
        {
            "events_endpoint": "/v1/events",
            "auth_type": "oauth2_client_credentials",
            "query_style": "time_range",
            "events_path": "data",
            "time_format": "iso8601",
            "id_field": "id",
            "time_field": "created",
            "name_field": "title",
            "severity_field": "",
        }
    )
    events = index_events([EventSpec(time=T0)], "iso8601")
    with FakeApi(shape, events, auth.credential, auth=auth) as api:
        api.begin_cycle(T0 + timedelta(minutes=1))
        token = ask_token(data=post_form()).json()["access_token"]
        url = f"{api.base_url}/v1/events"
        refused = requests.get(url, headers={"Authorization": "Bearer x"}, timeout=5)
        served = requests.get(
            url, headers={"Authorization": f"Bearer {token}"}, timeout=5
        )

    assert refused.status_code == 401
    assert served.status_code == 200 and len(served.json()["data"]) == 1
    assert api.stats.requests == 2 and api.stats.unauthorized == 1
    assert auth.stats.requests == 1


def test_no_token_endpoint_for_other_auth_types() -> None:
    """
    Given an API key API
    When serve_tokens runs
    Then nothing is served or routed
    """
    auth = ApiAuth(
        AuthShape.from_answers({"auth_type": "api_key_header"}), Credential("", SECRET)
    )
    original = requests.Session.request
    with serve_tokens(auth, "http://127.0.0.1:9"):
        assert requests.Session.request is original


# -- simulations of OAuth2 packs ----------------------------------------------------------

RENEWAL_MINUTES = 29  # a 30-minute token is renewed a minute before it expires


def expected_token_requests(runs: int, revoked_before: tuple[int, ...]) -> int:
    """Token requests of a pack that fetches every minute: one at the first run, one each
    time the token is within a minute of expiry, one after each revocation of a token it
    would still have used."""
    count, valid_until = 0, None
    for number in range(1, runs + 1):
        minute = number - 1
        if valid_until is None or minute >= valid_until or number in revoked_before:
            count += 1
            valid_until = minute + RENEWAL_MINUTES
    return count


@pytest.fixture(scope="module")
def oauth2_packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The OAuth2 vendor sets, rendered."""
    from answer_sets import VENDOR_AUTH_SETS, render_pack

    from generator.pack import load_pack

    names = [
        name
        for name, answers in VENDOR_AUTH_SETS.items()
        if answers["auth_type"] == "oauth2_client_credentials"
    ]
    root = tmp_path_factory.mktemp("oauth2-packs")
    return {
        name: load_pack(render_pack(VENDOR_AUTH_SETS[name], root / name))
        for name in names
    }


@pytest.mark.parametrize(
    "name",
    [
        "graph_alerts_oauth2_post_scope",
        "cisco_xdr_incidents_oauth2_basic",
        "crowdstrike_oauth2_post_token_path",
    ],
)
@pytest.mark.parametrize("scenario_name", ["steady", "token-revoked"])
def test_oauth2_pack_renews_its_token_and_survives_revocation(
    oauth2_packs: dict[str, Any], name: str, scenario_name: str
) -> None:
    """
    Given an OAuth2 pack (token on another host or on the instance, secret in the form or
        as basic) and two hours of fetching, tokens revoked early in token-revoked
    When the scenario is simulated
    Then nothing is missed or duplicated, no run fails, and the token endpoint is asked
        exactly when the token nears expiry or was revoked, never per request
    """
    from generator.simulate import resolve_scenarios
    from generator.simulate.runner import run_scenario

    pack = oauth2_packs[name]
    (scenario,) = resolve_scenarios(pack, [scenario_name], seed=3)
    result = run_scenario(pack, scenario, seed=3)

    assert (result.missed, result.duplicates, result.invalid) == (0, 0, 0)
    assert all(run.ok for run in result.runs), result.errors[:3]
    assert result.cycles >= 120
    revoked = scenario.revoke_tokens
    assert result.token_requests == expected_token_requests(result.cycles, revoked)
    assert result.token_requests >= 5  # renewed at least four times
    assert result.requests >= result.cycles


def test_a_leaked_secret_or_token_fails_the_secrets_check() -> None:
    """
    Given runs whose error, lastRun, logs or incidents hold the secret or a token
    When the runs are judged
    Then each place is reported and makes the scenario fail
    """
    from generator.kinds import INCIDENT_KIND
    from generator.simulate.runner import ScenarioResult, _judge
    from generator.simulate.server_loop import RunRecord

    def run(number: int, **fields: Any) -> RunRecord:
        base: dict[str, Any] = {"incidents": [], "error": None, "message": None}
        return RunRecord(number, T0, last_run_bytes=0, **{**base, **fields})

    runs = [
        run(1, error="Error in API call [401] with sim-token-abc"),
        run(2, saved_last_run={"token": "sim-token-abc"}),
        run(3, logs=[("debug", f"secret is {SECRET}")]),
        run(4),
    ]
    result = ScenarioResult(scenario="leaks", description="")

    _judge(
        result,
        runs,
        [],
        {},
        {},
        [SECRET, "sim-token-abc"],
        has_query=False,
        kind=INCIDENT_KIND,
    )

    assert result.leaks == 3 and result.invalid == 0 and not result.passed
    places = [error for error in result.errors if "appears in" in error]
    assert [place.split(" appears in ")[1] for place in places] == [
        "the error message",
        "lastRun",
        "the logs",
    ]
