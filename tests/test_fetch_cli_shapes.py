"""``xsoar-fetch fetch`` against the fake API, for every request and paging shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, integration_dir, render_pack

from generator.cli import main
from generator.pack import load_pack
from generator.simulate.events import EventSpec, index_events
from generator.simulate.fake_api import ApiShape, Credential, FakeApi
from generator.simulate.fake_auth import ApiAuth, AuthShape

SECRET = "fetch-shape-secret"
USER = "analyst"
# Request and paging shapes of incident packs; the authentications that need the fake
# API's own auth set-up (a key prefix, OAuth2 tokens) are run by test_fetch_cli.py, and
# collectors (parameters of their own) by test_collectors.py.
SHAPED = [
    name
    for name, answers in ANSWER_SETS.items()
    if {"pagination", "http_method", "time_filter", "sort_order"} & set(answers)
    and answers.get("auth_type") != "oauth2_client_credentials"
    and not answers.get("api_key_prefix")
    and answers.get("integration_kind", "incidents") == "incidents"
]


@pytest.mark.parametrize("name", SHAPED)
def test_fetch_runs_every_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    """
    Given a pack of an answer set with its own request or paging shape, and an API of
    that shape holding five events and sending at most two a page (unless it has no
    paging or promised its largest page)
    When fetch runs with a Fetch Limit of 4
    Then it prints the four oldest events as incidents, oldest first
    """
    pack = load_pack(render_pack(ANSWER_SETS[name], tmp_path / name))
    shape = ApiShape.from_answers(pack.answers)
    now = datetime.now(UTC).replace(microsecond=0, second=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    events = index_events(specs, shape.time_format)
    # An API without paging, or one that promised its largest page, sends what it can.
    promised = shape.pagination == "none" or (
        shape.page_size_max and not shape.has_more_path
    )
    page_size = None if promised else 2
    # The API checks the credential exactly where the pack's answers put it.
    credential = Credential(USER, SECRET)
    auth = ApiAuth(AuthShape.from_answers(pack.answers), credential)
    with FakeApi(shape, events, credential, page_size=page_size, auth=auth) as api:
        api.begin_cycle(now + timedelta(seconds=1))
        status = main(
            [
                "fetch",
                str(integration_dir(pack.root)),
                "--param",
                f"url={api.base_url}",
                "--param",
                f"credentials={SECRET}",
                "--param",
                f"credentials.identifier={USER}",
                "--param",
                "max_fetch=4",
                "--param",
                "first_fetch=2 hours",
                "--json",
            ]
        )
        out = capsys.readouterr().out
    assert status == 0, out
    result = json.loads(out)
    fetched = [incident["dbotMirrorId"] for incident in result["incidents"]]
    assert fetched[:4] == ["1001", "1002", "1003", "1004"]
    assert api.stats.bad_requests == 0
