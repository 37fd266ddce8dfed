"""The simulator, ``fetch`` and ``update`` with XSIAM event collectors (fetch-events)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from answer_sets import ANSWER_SETS, integration_dir, render_pack

from generator.cli import main
from generator.errors import UserError
from generator.kinds import INCIDENT_KIND, kind_of
from generator.pack import Pack, load_pack
from generator.simulate import resolve_scenarios
from generator.simulate.events import EventSpec, index_events
from generator.simulate.fake_api import ApiShape, Credential, FakeApi
from generator.simulate.runner import run_scenario
from generator.simulate.scenarios import DEFAULT_START, Scenario
from generator.update import refuse_kind_change

COLLECTOR = "collector_time_range"
SECRET = "collector-test-secret"


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Pack:
    root = tmp_path_factory.mktemp("collector") / "pack"
    return load_pack(render_pack(ANSWER_SETS[COLLECTOR], root))


def copy_with_code(pack: Pack, tmp_path: Path, old: str, new: str) -> Pack:
    """A copy of the pack whose integration code has ``old`` replaced by ``new``."""
    root = tmp_path / "changed"
    for path in pack.root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            target = root / path.relative_to(pack.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    changed = load_pack(root)
    code = changed.py_path.read_text("utf-8")
    assert old in code
    changed.py_path.write_text(code.replace(old, new), "utf-8")
    return changed


def steady(count: int = 40, cycles: int = 10) -> Scenario:
    """``count`` events spread over ``cycles`` one-minute runs."""
    return Scenario(
        name="collector-steady",
        description="a steady stream",
        cycles=cycles,
        events=[
            EventSpec(time=DEFAULT_START + timedelta(seconds=13 * n))
            for n in range(count)
        ],
    )


def test_kind_comes_from_the_answers_or_the_yaml(collector: Pack) -> None:
    """
    Given a collector pack, and the same pack with integration_kind left out of its
        answers (a pack rendered before the question existed)
    When its kind is read
    Then both are collectors that run fetch-events with the events parameters (the
        second from the YAML's isfetchevents); an answer of incidents wins over the YAML
    """
    assert collector.answers["integration_kind"] == "events"
    unanswered = Pack(
        collector.root,
        {k: v for k, v in collector.answers.items() if k != "integration_kind"},
    )
    assert kind_of(unanswered).is_collector
    kind = kind_of(collector)
    assert kind.is_collector and kind.fetch_command == "fetch-events"
    assert (kind.limit_param, kind.interval_param, kind.is_fetch_param) == (
        "max_events_per_fetch",
        "eventFetchInterval",
        "isFetchEvents",
    )
    answered = Pack(
        collector.root, {**collector.answers, "integration_kind": "incidents"}
    )
    assert kind_of(answered) is INCIDENT_KIND


def test_simulation_counts_the_events_sent(collector: Pack) -> None:
    """
    Given a collector and a steady stream of 40 events
    When the server loop runs fetch-events every minute
    Then every event is sent once, by ID, each with its _time, and the report says
        events
    """
    result = run_scenario(collector, steady())

    assert result.kind == "events"
    assert (result.events, result.incidents) == (40, 40)
    assert (result.missed, result.duplicates, result.invalid) == (0, 0, 0)
    sent = [event for run in result.runs for event in run.incidents]
    assert all(event["_time"].endswith("Z") for event in sent)
    assert sorted(int(i) for run in result.runs for i in run.source_ids) == list(
        range(1001, 1041)
    )
    assert result.to_json()["kind"] == "events"


def test_events_sent_twice_are_duplicates(collector: Pack, tmp_path: Path) -> None:
    """
    Given a collector changed to send every batch twice
    When it is simulated
    Then every event is a duplicate
    """
    line = "send_events_to_xsiam(events, vendor=VENDOR, product=PRODUCT)\n"
    broken = copy_with_code(
        collector, tmp_path, "            " + line, ("            " + line) * 2
    )

    result = run_scenario(broken, steady())

    assert result.duplicates == 40 and not result.passed


def test_sent_events_without_time_are_invalid(collector: Pack, tmp_path: Path) -> None:
    """
    Given a collector changed to drop _time just before sending
    When it is simulated
    Then every sent event is reported invalid
    """
    send = "            send_events_to_xsiam(events, vendor=VENDOR, product=PRODUCT)\n"
    without_time = '            events = [{k: v for k, v in e.items() if k != "_time"} for e in events]\n'
    broken = copy_with_code(collector, tmp_path, send, without_time + send)

    result = run_scenario(broken, steady(count=5, cycles=3))

    assert result.invalid == 5
    assert "_time None is not ISO 8601" in result.errors[0]


@pytest.fixture
def api(collector: Pack) -> Iterator[FakeApi]:
    """A live API holding five events from the last hour."""
    now = datetime.now(UTC).replace(microsecond=0)
    specs = [EventSpec(time=now - timedelta(minutes=50 - 10 * n)) for n in range(5)]
    shape = ApiShape.from_answers(collector.answers)
    with FakeApi(
        shape, index_events(specs, "iso8601"), Credential("", SECRET)
    ) as server:
        server.begin_cycle(now + timedelta(seconds=1))
        yield server


def test_fetch_runs_fetch_events_and_shows_what_it_would_send(
    capsys: pytest.CaptureFixture[str], collector: Pack, api: FakeApi, tmp_path: Path
) -> None:
    """
    Given a live API with five events and a collector with a maximum of 3 a fetch
    When xsoar-fetch fetch runs with --json, then as a table, saving the lastRun
    Then the JSON lists the three events to send with _time; the table run sends the
        next two and saves the state
    """
    state = tmp_path / "last_run.json"
    args = [
        str(integration_dir(collector.root)),
        "--param",
        f"url={api.base_url}",
        "--param",
        f"credentials={SECRET}",
        "--param",
        "max_events_per_fetch=3",
        "--last-run",
        str(state),
    ]
    assert main(["fetch", *args, "--json", "--save-last-run"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["fetch", *args, "--save-last-run"]) == 0
    table = capsys.readouterr().out

    assert [event["id"] for event in first["events"]] == [1001, 1002, 1003]
    assert all(event["_time"] for event in first["events"])
    assert "2 event(s) to send to XSIAM" in table and "1005" in table
    assert json.loads(state.read_text("utf-8"))["last_ids"] == ["1005"]


def test_update_refuses_to_change_the_kind(collector: Pack, tmp_path: Path) -> None:
    """
    Given a collector pack and an incidents pack
    When an update asks for the other integration_kind
    Then it is refused with one line naming both kinds; the same kind is accepted
    """
    with pytest.raises(UserError, match="this pack is 'events', not 'incidents'"):
        refuse_kind_change(collector, {"integration_kind": "incidents"})
    refuse_kind_change(collector, {"integration_kind": "events"})
    refuse_kind_change(collector, {})
    incidents = load_pack(render_pack(ANSWER_SETS["defaults"], tmp_path / "incidents"))
    with pytest.raises(UserError, match="xsoar-fetch new"):
        refuse_kind_change(incidents, {"integration_kind": "events"})


def test_update_command_refuses_before_touching_the_pack(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given an incidents pack generated from a git template
    When xsoar-fetch update runs with --data integration_kind=events
    Then it exits 2 with one line and the pack is unchanged
    """
    root = render_pack(ANSWER_SETS["defaults"], tmp_path / "pack")
    answers_file = root / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text("utf-8"))
    answers["_commit"] = "v0.1.0"
    answers_file.write_text(yaml.safe_dump(answers), "utf-8")
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}

    status = main(["update", str(root), "--data", "integration_kind=events"])

    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "integration_kind" in err
    assert {
        path: path.read_bytes() for path in root.rglob("*") if path.is_file()
    } == before


def test_look_back_scenarios_say_collectors_have_none(collector: Pack) -> None:
    """
    Given a collector
    When the scenarios that need look-back are simulated
    Then they are skipped, saying event collectors have no look-back
    """
    for scenario in resolve_scenarios(collector, ["index-lag", "look-back-raised"]):
        result = run_scenario(collector, scenario)

        assert result.skipped_reason == (
            "event collectors have no look-back (docs/collectors.md)"
        )
