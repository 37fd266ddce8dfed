"""``xsoar-fetch probe``: answers checked against the project's fake API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from answer_sets import ANSWER_SETS, integration_dir, render_pack

from generator.cli import main
from generator.pack import ANSWERS_FILE, Pack, load_pack
from generator.simulate.events import EventSpec, index_events
from generator.simulate.fake_api import ApiShape, Credential, FakeApi

SECRET = "probe-test-secret"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    root = tmp_path_factory.mktemp("probe") / "pack"
    return load_pack(render_pack(ANSWER_SETS["defaults"], root))


@pytest.fixture
def api(pack: Pack) -> Iterator[FakeApi]:
    """The API the default answers describe, holding five events of the last hour."""
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    events = index_events(specs, "iso8601")
    with FakeApi(
        ApiShape.from_answers(pack.answers), events, Credential("", SECRET)
    ) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        yield server


def probe(
    capsys: pytest.CaptureFixture[str],
    pack: Pack,
    api: FakeApi,
    extra: list[str] | None = None,
    **wrong: object,
) -> tuple[int, str, str]:
    answers_file = pack.root / ANSWERS_FILE
    original = answers_file.read_text("utf-8")
    answers = yaml.safe_load(original)
    answers.update(wrong)
    answers_file.write_text(yaml.safe_dump(answers), "utf-8")
    try:
        status = main(
            [
                "probe",
                str(integration_dir(pack.root)),
                "--param",
                f"url={api.base_url}",
                "--param",
                f"credentials={SECRET}",
                *(extra or []),
            ]
        )
    finally:
        answers_file.write_text(original, "utf-8")
    out, err = capsys.readouterr()
    return status, out, err


def verdict(out: str, key: str) -> str:
    (line,) = [line for line in out.splitlines() if f" {key} " in line]
    return line


def test_right_answers_are_confirmed(
    capsys: pytest.CaptureFixture[str], pack: Pack, api: FakeApi
) -> None:
    """
    Given the answers the fake API was built from
    When probe checks them
    Then it exits 0 and confirms authentication, the event list, fields and times
    """
    status, out, err = probe(capsys, pack, api)
    assert status == 0, out + err
    keys = ("auth_type", "events_path", "id_field", "time_field", "time_format")
    for key in (
        *keys,
        "since_param",
        "sort_order",
        "request_time_format",
        "pagination",
    ):
        assert "confirmed" in verdict(out, key), out
    assert "contradicted" not in out


@pytest.mark.parametrize(
    ("wrong", "key"),
    [
        ({"api_key_header_name": "X-Other-Key"}, "auth_type"),
        ({"events_path": "items"}, "events_path"),
        ({"id_field": "uid"}, "id_field"),
        ({"time_field": "published"}, "time_field"),
        (
            {"time_format": "epoch_seconds", "request_time_format": "iso8601"},
            "time_format",
        ),
        ({"sort_order": "descending"}, "sort_order"),
        ({"since_param": "start"}, "since_param"),
        ({"has_more_path": "has_more"}, "has_more_path"),
        ({"page_size_max": 2}, "page_size_max"),
        ({"request_time_format": "epoch_seconds"}, "request_time_format"),
        ({"offset_param": "skip"}, "pagination"),
        ({"pagination": "next_cursor", "query_style": "time_range"}, "pagination"),
        ({"pagination": "link_header"}, "pagination"),
    ],
)
def test_wrong_answers_are_contradicted(
    capsys: pytest.CaptureFixture[str],
    pack: Pack,
    api: FakeApi,
    wrong: dict[str, object],
    key: str,
) -> None:
    """
    Given an answers file with one answer the fake API does not bear out
    When probe checks it
    Then that answer is contradicted with its evidence, and probe exits 1 naming it
    """
    status, out, err = probe(capsys, pack, api, **wrong)
    assert status == 1, out
    assert "contradicted" in verdict(out, key), out
    (line,) = err.strip().splitlines()
    assert line.startswith("xsoar-fetch probe: error: contradicted: ")
    assert key in line.split(": ")[-1].split(", ")


def test_a_capped_page_confirms_page_size_max(
    capsys: pytest.CaptureFixture[str], pack: Pack
) -> None:
    """
    Given an API whose pages hold at most 3 events, and page_size_max 3
    When probe asks for a page of 4
    Then page_size_max is confirmed: the page was capped to 3
    """
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    shape = ApiShape.from_answers(pack.answers)
    events = index_events(specs, "iso8601")
    with FakeApi(shape, events, Credential("", SECRET), page_size=3) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        status, out, err = probe(capsys, pack, server, page_size_max=3)
    assert status == 0, out + err
    assert "4 capped to 3" in verdict(out, "page_size_max")


def test_an_exclusive_start_bound_contradicts_since_param(
    capsys: pytest.CaptureFixture[str], pack: Pack
) -> None:
    """
    Given an API whose window start is exclusive (it answers "after", not "from")
    When probe asks again from an event's exact time
    Then since_param is contradicted: the event at that time is left out
    """
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    shape = ApiShape.from_answers(pack.answers)
    events = index_events(specs, "iso8601")
    credential = Credential("", SECRET)
    with FakeApi(shape, events, credential, since_exclusive=True) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        status, out, _ = probe(capsys, pack, server)
    assert status == 1
    assert "contradicted" in verdict(out, "since_param")
    assert "exclusive" in verdict(out, "since_param")


@pytest.mark.parametrize(
    ("answered", "outcome"),
    [("has_more", "confirmed"), ("!has_more", "contradicted")],
)
def test_has_more_read_the_wrong_way_is_contradicted(
    capsys: pytest.CaptureFixture[str], pack: Pack, answered: str, outcome: str
) -> None:
    """
    Given an API that says has_more: true on a full page with more events after it
    When probe checks has_more_path answered as has_more, then as !has_more
    Then the first is confirmed and the second, read the wrong way, contradicted
    """
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    shape = ApiShape.from_answers({**pack.answers, "has_more_path": "has_more"})
    events = index_events(specs, "iso8601")
    with FakeApi(shape, events, Credential("", SECRET)) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        status, out, _ = probe(capsys, pack, server, has_more_path=answered)
    assert status == (0 if outcome == "confirmed" else 1), out
    assert outcome in verdict(out, "has_more_path")
    assert "confirmed" in verdict(out, "pagination")


@pytest.mark.parametrize(
    ("method", "status", "outcome"),
    [
        ("client_secret_basic", 0, "confirmed"),
        ("client_secret_post", 1, "contradicted"),
    ],
)
def test_oauth2_token_method_is_checked(
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
    method: str,
    status: int,
    outcome: str,
) -> None:
    """
    Given an OAuth2 API whose token endpoint takes the secret as HTTP basic only
    When probe gets a token with the answered method (basic, then the form body)
    Then basic is confirmed and the events are read; the form body is contradicted,
        naming the method that gets a token
    """
    from answer_sets import VENDOR_AUTH_SETS

    from generator.simulate.fake_auth import ApiAuth, AuthShape, serve_tokens

    answers = VENDOR_AUTH_SETS["cisco_xdr_incidents_oauth2_basic"]
    oauth_pack = load_pack(
        render_pack(answers, tmp_path_factory.mktemp("oauth") / "pack")
    )
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    shape = ApiShape.from_answers(oauth_pack.answers)
    auth = ApiAuth(
        AuthShape.from_answers(oauth_pack.answers), Credential("c-9", SECRET)
    )
    events = index_events(specs, shape.time_format)
    with FakeApi(shape, events, auth.credential, auth=auth) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        auth.begin_cycle(now)
        with serve_tokens(auth, server.base_url):
            code, out, err = probe(
                capsys,
                oauth_pack,
                server,
                extra=["--param", "credentials.identifier=c-9"],
                token_auth_method=method,
            )
    assert code == status, out + err
    assert outcome in verdict(out, "token_auth_method")
    if outcome == "confirmed":
        assert "confirmed" in verdict(out, "events_path")
    else:
        assert "client_secret_basic gets a token" in out


@pytest.mark.parametrize(
    ("answer_set", "wrong", "key"),
    [
        ("graph_like_alerts", {"filter_param": "filter"}, "filter_param"),
        (
            "cursor_epoch_millis_bearer_query",
            {"next_cursor_path": "cursor"},
            "pagination",
        ),
        ("id_greater_than_epoch_seconds", {"id_param": "since_id"}, "id_param"),
    ],
)
def test_filter_expressions_and_the_cursor_style_are_probed(
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
    answer_set: str,
    wrong: dict[str, object],
    key: str,
) -> None:
    """
    Given a pack whose window is a filter expression, or of the cursor or ID style
    When probe checks its right answers, then one wrong answer
    Then the right ones are confirmed (exit 0) and the wrong one is contradicted
    """
    answers = ANSWER_SETS[answer_set]
    other = load_pack(render_pack(answers, tmp_path_factory.mktemp("other") / "pack"))
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    shape = ApiShape.from_answers(other.answers)
    events = index_events(specs, shape.time_format)
    with FakeApi(shape, events, Credential("", SECRET)) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        status, out, err = probe(capsys, other, server)
        assert status == 0, out + err
        assert "confirmed" in verdict(out, "events_path")
        paging = "id_param" if key == "id_param" else "pagination"
        assert "confirmed" in verdict(out, paging)
        status, out, err = probe(capsys, other, server, **wrong)
    assert status == 1, out
    assert "contradicted" in verdict(out, key)


def test_unknown_parameter_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], pack: Pack
) -> None:
    """Given a --param the integration lacks, When probe runs, Then one line names it."""
    status = main(["probe", str(pack.root), "--param", "nope=1"])
    _, err = capsys.readouterr()
    (line,) = err.strip().splitlines()
    assert status == 2
    assert line.startswith("xsoar-fetch probe: error: --param nope: unknown parameter")
