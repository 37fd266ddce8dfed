"""``xsoar-fetch fetch``: one real fetch against an HTTP API, state saved only when asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, integration_dir, render_pack

from generator.cli import main
from generator.pack import Pack, load_pack
from generator.simulate.events import EventSpec, index_events
from generator.simulate.fake_api import ApiShape, Credential, FakeApi

SECRET = "fetch-test-secret"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    root = tmp_path_factory.mktemp("fetch") / "pack"
    return load_pack(render_pack(ANSWER_SETS["defaults"], root))


@pytest.fixture
def api(pack: Pack) -> Iterator[FakeApi]:
    """A live API holding five events from the last hour."""
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    events = index_events(specs, "iso8601")
    shape = ApiShape.from_answers(pack.answers)
    with FakeApi(shape, events, Credential("", SECRET)) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        yield server


def fetch(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["fetch", *args])
    out, err = capsys.readouterr()
    return status, out, err


def base_args(pack: Pack, api: FakeApi, *extra: str) -> list[str]:
    return [
        str(integration_dir(pack.root)),
        "--param",
        f"url={api.base_url}",
        "--param",
        f"credentials={SECRET}",
        *extra,
    ]


def test_prints_incidents_and_next_last_run(
    capsys: pytest.CaptureFixture[str], pack: Pack, api: FakeApi
) -> None:
    """
    Given a live API with five events and a Fetch Limit of 3
    When fetch runs with --json
    Then it prints three incidents and the next lastRun, and saves nothing
    """
    status, out, _ = fetch(
        capsys, *base_args(pack, api, "--param", "max_fetch=3", "--json")
    )
    result = json.loads(out)
    assert status == 0
    assert [incident["dbotMirrorId"] for incident in result["incidents"]] == [
        "1001",
        "1002",
        "1003",
    ]
    assert result["last_run"] and result["last_run_saved"] is False
    assert api.stats.requests >= 1


def test_last_run_saved_only_when_asked(
    capsys: pytest.CaptureFixture[str], pack: Pack, api: FakeApi, tmp_path: Path
) -> None:
    """
    Given a lastRun file path
    When fetch runs without, then with --save-last-run, then again from the saved state
    Then the file appears only after the second run and the third run fetches the rest
    """
    state = tmp_path / "last_run.json"
    args = base_args(pack, api, "--param", "max_fetch=3", "--last-run", str(state))
    assert fetch(capsys, *args)[0] == 0
    assert not state.exists()
    status, out, _ = fetch(capsys, *args, "--save-last-run")
    assert status == 0 and "saved to" in out
    saved = json.loads(state.read_text("utf-8"))
    assert saved
    status, out, _ = fetch(capsys, *args, "--save-last-run", "--json")
    result = json.loads(out)
    assert [incident["dbotMirrorId"] for incident in result["incidents"]] == [
        "1004",
        "1005",
    ]
    assert json.loads(state.read_text("utf-8")) == result["last_run"] != saved


def test_failed_run_saves_nothing(
    capsys: pytest.CaptureFixture[str], pack: Pack, api: FakeApi, tmp_path: Path
) -> None:
    """
    Given a wrong credential and a saved lastRun file
    When fetch runs with --save-last-run
    Then it exits 1 naming the 401, and the file is unchanged
    """
    state = tmp_path / "last_run.json"
    state.write_text('{"last_fetch": "2024-01-01T00:00:00Z", "last_ids": []}', "utf-8")
    before = state.read_text("utf-8")
    args = [
        str(pack.root),
        "--param",
        f"url={api.base_url}",
        "--param",
        "credentials=wrong",
        "--last-run",
        str(state),
        "--save-last-run",
    ]
    status, _, err = fetch(capsys, *args)
    assert status == 1
    assert "401" in err and "wrong" not in err.replace("credentials=wrong", "")
    assert state.read_text("utf-8") == before
    assert api.stats.unauthorized == 1


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--param", "colour=blue"], "unknown parameter"),
        (["--param", "max_fetch"], "use KEY=VALUE"),
        (["--param", "insecure=maybe"], "use true or false"),
        (["--param", "credentials.token=x"], "credentials.identifier"),
        (["--save-last-run"], "needs --last-run"),
        (["--command", "delete-everything"], "use one of test-module, "),
        (["--command", "get-events", "--arg", "size=3"], "it takes "),
        (["--command", "test-module", "--last-run", "x.json"], "not --command"),
        (["--arg", "limit=2"], "--arg is for --command"),
    ],
)
def test_bad_input_is_one_line_error(
    capsys: pytest.CaptureFixture[str],
    pack: Pack,
    api: FakeApi,
    extra: list[str],
    fragment: str,
) -> None:
    """
    Given a bad --param or option
    When fetch runs
    Then it exits 2 with one line naming the problem, before any request
    """
    status, out, err = fetch(capsys, *base_args(pack, api, *extra))
    lines = err.strip().splitlines()
    assert status == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("xsoar-fetch fetch: error: ")
    assert fragment in lines[0]
    assert api.stats.requests == 0


def test_unreadable_last_run_file_is_one_line_error(
    capsys: pytest.CaptureFixture[str], pack: Pack, api: FakeApi, tmp_path: Path
) -> None:
    """
    Given a --last-run file that is not a JSON object
    When fetch runs
    Then it exits 2 with one line and sends no request
    """
    state = tmp_path / "state.json"
    state.write_text("[1, 2]", "utf-8")
    status, _, err = fetch(capsys, *base_args(pack, api, "--last-run", str(state)))
    assert status == 2 and "JSON object" in err and len(err.strip().splitlines()) == 1
    assert api.stats.requests == 0


@pytest.mark.parametrize(
    "name",
    [
        "okta_system_log_ssws",
        "threat_grid_submissions_query_key",
        "cisco_xdr_incidents_oauth2_basic",
        "crowdstrike_oauth2_post_token_path",
    ],
)
def test_fetch_works_for_every_authentication(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    """
    Given a pack that sends its key after a prefix, in a query parameter, or gets OAuth2
        tokens (from another host, or from a path of the Server URL)
    When fetch runs against an API that checks exactly that
    Then the incidents come back and the output holds neither the secret nor a token
    """
    from answer_sets import VENDOR_AUTH_SETS

    from generator.simulate.fake_auth import ApiAuth, AuthShape, serve_tokens

    pack = load_pack(render_pack(VENDOR_AUTH_SETS[name], tmp_path / "pack"))
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=30 - 10 * n)) for n in range(3)]
    shape = ApiShape.from_answers(pack.answers)
    auth = ApiAuth(AuthShape.from_answers(pack.answers), Credential("client-9", SECRET))
    events = index_events(specs, shape.time_format)
    with FakeApi(shape, events, auth.credential, auth=auth) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        auth.begin_cycle(now)
        with serve_tokens(auth, server.base_url):
            status, out, err = fetch(
                capsys,
                *base_args(pack, server, "--param", "credentials.identifier=client-9"),
                "--json",
            )

    assert status == 0, err
    assert len(json.loads(out)["incidents"]) == 3
    assert server.stats.unauthorized == 0
    assert not any(secret in out + err for secret in auth.secrets())


def test_test_button_and_get_events_run_as_commands(
    capsys: pytest.CaptureFixture[str], pack: Pack, api: FakeApi
) -> None:
    """
    Given a live API with five events
    When fetch runs --command test-module, then --command get-events --arg limit=2
    Then the first prints ok, the second the war-room table of two events, and neither
        touches a lastRun
    """
    status, out, err = fetch(capsys, *base_args(pack, api, "--command", "test-module"))
    assert (status, out.strip()) == (0, "ok"), err

    args = base_args(pack, api, "--command", "get-events", "--arg", "limit=2")
    status, out, err = fetch(capsys, *args, "--json")
    assert status == 0, err
    result = json.loads(out)
    assert result["command"] == f"{pack.answers['command_prefix']}-get-events"
    (entry,) = result["results"]
    assert [event["id"] for event in entry["Contents"]] == [1001, 1002]
    status, out, _ = fetch(capsys, *args)
    assert status == 0 and "1001" in out and "1003" not in out


def test_failed_test_button_exits_1_with_its_message(
    capsys: pytest.CaptureFixture[str], pack: Pack, api: FakeApi
) -> None:
    """
    Given a wrong API key
    When fetch runs --command test-module
    Then it exits 1 and prints the Test button's message, without the key
    """
    args = [
        str(integration_dir(pack.root)),
        "--param",
        f"url={api.base_url}",
        "--param",
        "credentials=wrong-key",
        "--command",
        "test-module",
    ]
    status, out, err = fetch(capsys, *args)
    assert status == 1 and "test-module failed" in err
    assert "wrong-key" not in out + err


def test_context_file_keeps_the_oauth2_token_between_invocations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given an OAuth2 pack and a --context file
    When fetch runs twice, and then get-events, each a new invocation
    Then one token is requested in all, the file holds the integration context the
        integration set, and the output never shows the token
    """
    from answer_sets import VENDOR_AUTH_SETS

    from generator.simulate.fake_auth import ApiAuth, AuthShape, serve_tokens

    answers = VENDOR_AUTH_SETS["crowdstrike_oauth2_post_token_path"]
    pack = load_pack(render_pack(answers, tmp_path / "pack"))
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=30 - 10 * n)) for n in range(3)]
    shape = ApiShape.from_answers(pack.answers)
    auth = ApiAuth(AuthShape.from_answers(pack.answers), Credential("client-9", SECRET))
    events = index_events(specs, shape.time_format)
    context = tmp_path / "context.json"
    with FakeApi(shape, events, auth.credential, auth=auth) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        auth.begin_cycle(now)
        with serve_tokens(auth, server.base_url):
            args = base_args(pack, server, "--param", "credentials.identifier=client-9")
            outputs = []
            for extra in ([], [], ["--command", "get-events"]):
                status, out, err = fetch(
                    capsys, *args, "--context", str(context), *extra
                )
                assert status == 0, err
                outputs.append(out + err)

    assert auth.stats.requests == 1
    assert json.loads(context.read_text("utf-8"))
    assert not any(secret in "".join(outputs) for secret in auth.secrets())
