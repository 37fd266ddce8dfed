"""``xsoar-fetch simulate`` from the command line: reports, exit codes and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.cli import main

ANSWERS = {
    "integration_id": "Sample",
    "integration_name": "Sample",
    "auth_type": "api_key_header",
    "api_key_header_name": "X-API-Key",
    "base_url": "https://api.example.com/v1",
    "events_endpoint": "/events",
    "events_path": "data.items",
    "query_style": "time_range",
    "time_field": "created",
    "id_field": "id",
    "name_field": "title",
    "severity_field": "severity",
    "time_format": "iso8601",
    "use_lookback": False,
    "query_filter": False,
    "fetch_limit_default": 10,
    "first_fetch_default": "3 days",
}
YML = {
    "commonfields": {"id": "Sample", "version": -1},
    "name": "Sample",
    "configuration": [
        {"name": "url", "type": 0, "defaultvalue": "https://api.example.com/v1"},
        {"name": "credentials", "type": 9, "hiddenusername": True},
        {"name": "insecure", "type": 8, "defaultvalue": "false"},
        {"name": "isFetch", "type": 8},
        {"name": "max_fetch", "type": 0, "defaultvalue": "10"},
        {"name": "first_fetch", "type": 0, "defaultvalue": "3 days"},
        {"name": "incidentFetchInterval", "type": 19, "defaultvalue": "1"},
    ],
}
# A small time_range integration written for these tests. DROP_EVERY=2 makes it lose
# every second event it takes, FORGET_IDS duplicate: the simulator must catch that.
INTEGRATION = """
import demistomock as demisto
from CommonServerPython import *

DROP_EVERY = {drop}
FORGET_IDS = {forget}
ISO = "%Y-%m-%dT%H:%M:%SZ"


def fetch(client, last_run, limit, first_fetch):
    since = last_run.get("last_fetch") or arg_to_datetime(first_fetch).strftime(ISO)
    last_ids = set() if FORGET_IDS else set(last_run.get("last_ids", []))
    now = datetime.now(timezone.utc).strftime(ISO)
    taken, offset, seen = [], 0, set()
    while len(taken) < limit:
        query = {{"from": since, "to": now, "offset": offset, "limit": limit}}
        items = client._http_request("GET", "/events", params=query)["data"]["items"]
        if not items:
            break
        offset += len(items)
        fresh = 0
        for event in items:
            if event.get("id") is None or not event.get("created"):
                demisto.debug("skipping an event without ID or time")
                continue
            key = str(event["id"])
            if key in seen:
                continue
            seen.add(key)
            fresh += 1
            if key not in last_ids:
                taken.append(event)
            if len(taken) >= limit:
                break
        if not fresh:
            break
    if DROP_EVERY:
        taken = [event for number, event in enumerate(taken) if number % DROP_EVERY]
    incidents = []
    for event in taken:
        moment = datetime.fromisoformat(event["created"]).astimezone(timezone.utc)
        incidents.append({{
            "name": event["title"],
            "occurred": moment.strftime(ISO),
            "rawJSON": json.dumps(event),
            "dbotMirrorId": str(event["id"]),
        }})
    if not incidents:
        return [], last_run
    newest = max(incident["occurred"] for incident in incidents)
    ids = [i["dbotMirrorId"] for i in incidents if i["occurred"] == newest]
    if newest == last_run.get("last_fetch"):
        ids = sorted(last_ids) + ids
    return incidents, {{"last_fetch": newest, "last_ids": ids}}


def main():
    params = demisto.params()
    key = params["credentials"]["password"]
    client = BaseClient(params["url"], headers={{"X-API-Key": key}})
    try:
        if demisto.command() == "fetch-incidents":
            incidents, next_run = fetch(
                client, demisto.getLastRun(), int(params["max_fetch"]),
                params["first_fetch"],
            )
            demisto.setLastRun(next_run)
            demisto.incidents(incidents)
    except Exception as e:
        return_error(f"Failed to execute {{demisto.command()}} command.\\nError:\\n{{e}}")


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()
"""


def write_pack(root: Path, drop: int = 0, forget: bool = False) -> Path:
    """A minimal generated-looking pack holding the test integration.

    ``drop``: lose every drop-th event taken; ``forget``: forget the IDs already
    fetched at the newest time (so events sharing it are created again).
    """
    folder = root / "Integrations" / "Sample"
    folder.mkdir(parents=True)
    (root / ".copier-answers.yml").write_text(yaml.safe_dump(ANSWERS), "utf-8")
    (folder / "Sample.yml").write_text(yaml.safe_dump(YML), "utf-8")
    (folder / "Sample.py").write_text(
        INTEGRATION.format(drop=drop, forget=forget), "utf-8"
    )
    return root


@pytest.fixture
def good_pack(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "good")


@pytest.fixture
def broken_pack(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "broken", drop=2)


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["simulate", *args])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("xsoar-fetch simulate: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def test_json_report_has_the_documented_shape(
    capsys: pytest.CaptureFixture[str], good_pack: Path
) -> None:
    """
    Given a correct integration
    When steady and index-lag are simulated with --json
    Then the report lists both with exactly the documented keys and exit 0
    """
    status, out, _ = simulate(
        capsys,
        str(good_pack),
        "--scenario",
        "steady",
        "--scenario",
        "index-lag",
        "--json",
        "--scale",
        "0.2",
    )
    report = json.loads(out)
    assert status == 0
    steady, lag = report["scenarios"]
    assert set(steady) == {
        "scenario",
        "events",
        "incidents",
        "kind",
        "missed",
        "duplicates",
        "cycles",
        "max_latency_minutes",
        "max_last_run_bytes",
        "max_requests_per_run",
        "over_limit_runs",
        "requests",
        "token_requests",
        "errors",
        "skipped_reason",
        "limitation",
        "not_due",
        "leaks",
        "link_problems",
        "held_back",
    }
    assert steady["scenario"] == "steady" and steady["skipped_reason"] is None
    assert steady["events"] == steady["incidents"] > 0
    assert steady["missed"] == steady["duplicates"] == 0
    assert steady["max_last_run_bytes"] > 0 and steady["cycles"] >= 24
    assert steady["requests"] >= steady["cycles"] and steady["token_requests"] == 0
    assert lag["scenario"] == "index-lag" and "look-back" in lag["skipped_reason"]


def test_broken_integration_is_caught(
    capsys: pytest.CaptureFixture[str], broken_pack: Path
) -> None:
    """
    Given an integration that drops every second event it takes
    When it is simulated
    Then the report counts the missed events and the command exits 1
    """
    status, out, _ = simulate(
        capsys, str(broken_pack), "--scenario", "steady", "--json", "--scale", "0.2"
    )
    (steady,) = json.loads(out)["scenarios"]
    assert status == 1
    assert steady["missed"] > 0
    assert steady["incidents"] + steady["missed"] == steady["events"]


def test_text_report_shows_history_and_verdict(
    capsys: pytest.CaptureFixture[str], broken_pack: Path
) -> None:
    """
    Given the broken integration
    When it is simulated without --json
    Then with --verbose the output holds the Fetch history, the missed IDs and a
    FAIL verdict
    """
    status, out, _ = simulate(
        capsys, str(broken_pack), "--scenario", "burst", "--scale", "0.2", "--verbose"
    )
    assert status == 1
    assert "Fetch history: burst" in out
    assert "missed" in out and "FAIL" in out


def test_integration_folder_is_accepted(
    capsys: pytest.CaptureFixture[str], good_pack: Path
) -> None:
    """
    Given the pack's Integrations/<id> folder instead of the pack
    When malformed is simulated
    Then it runs and passes: malformed events are skipped, not counted as missed
    """
    folder = good_pack / "Integrations" / "Sample"
    status, out, _ = simulate(
        capsys, str(folder), "--scenario", "malformed", "--json", "--scale", "0.2"
    )
    (result,) = json.loads(out)["scenarios"]
    assert status == 0
    assert result["missed"] == 0 and result["incidents"] < result["events"]


def test_same_seed_same_report(
    capsys: pytest.CaptureFixture[str], good_pack: Path
) -> None:
    """
    Given one pack
    When api-errors is simulated twice with --seed 5 and once with --seed 6
    Then the two seed-5 reports are identical and seed 6 differs
    """
    args = (str(good_pack), "--scenario", "api-errors", "--json", "--scale", "0.2")
    first = simulate(capsys, *args, "--seed", "5")[1]
    second = simulate(capsys, *args, "--seed", "5")[1]
    other = simulate(capsys, *args, "--seed", "6")[1]

    assert first == second != other
    assert json.loads(first)["scenarios"][0]["errors"]


def test_scenario_file_runs(
    capsys: pytest.CaptureFixture[str], good_pack: Path, tmp_path: Path
) -> None:
    """
    Given a YAML scenario file with a burst and a failing run
    When it is simulated
    Then it runs under its own name with every event fetched and the failure listed
    """
    scenario = tmp_path / "night.yml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "name": "night-shift",
                "cycles": 12,
                "params": {"max_fetch": 4},
                "api": {"page_size": 3, "failures": {2: 503}},
                "events": [
                    {"at": 0.5, "count": 9},
                    {"at": -30, "count": 2},
                    {"random": {"count": 15, "from": 0, "to": 10}},
                ],
            }
        ),
        "utf-8",
    )
    status, out, _ = simulate(
        capsys, str(good_pack), "--scenario", str(scenario), "--json"
    )
    (result,) = json.loads(out)["scenarios"]
    assert status == 0
    assert result["scenario"] == "night-shift"
    assert result["events"] == result["incidents"] == 26
    assert any("injected 503" in error for error in result["errors"])


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--scenario", "stormy"], ["unknown scenario 'stormy'", "steady", "all"]),
        (["--scenario", "missing.yml"], ["missing.yml", "No such file"]),
    ],
)
def test_bad_scenario_is_one_line_error(
    capsys: pytest.CaptureFixture[str],
    good_pack: Path,
    args: list[str],
    fragments: list[str],
) -> None:
    """
    Given an unknown scenario name or a scenario file that does not exist
    When simulate runs
    Then it exits 2 with one line naming the problem and what is accepted
    """
    status, out, err = simulate(capsys, str(good_pack), *args)
    assert status == 2 and out == ""
    assert_one_line_error(err, *fragments)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("cycles: [1, 2\n", "not valid YAML"),
        ("cycles: 5\n", "events must be a non-empty list"),
        ("cycles: 0\nevents: [{at: 1}]\n", "cycles must be from 1"),
        ("cycles: 5\nevents: [{when: 1}]\n", "unknown events[1] key 'when'"),
        ("cycles: 5\nevents: [{at: 1, missing: name}]\n", "missing must be id or time"),
        (
            "cycles: 5\napi: {failures: {1: teapot}}\nevents: [{at: 1}]\n",
            "unknown failure",
        ),
        ("cycles: 5\napi: {utc_offset: '5h'}\nevents: [{at: 1}]\n", "utc_offset"),
        ("cycles: 5\nrequires: [magic]\nevents: [{at: 1}]\n", "requires: unknown"),
    ],
)
def test_bad_scenario_file_is_one_line_error(
    capsys: pytest.CaptureFixture[str],
    good_pack: Path,
    tmp_path: Path,
    content: str,
    fragment: str,
) -> None:
    """
    Given a scenario file that breaks the format
    When simulate runs
    Then it exits 2 with one line naming the file and the problem
    """
    scenario = tmp_path / "bad.yml"
    scenario.write_text(content, "utf-8")
    status, out, err = simulate(capsys, str(good_pack), "--scenario", str(scenario))
    assert status == 2 and out == ""
    assert_one_line_error(err, "bad.yml", fragment)


def test_bad_json_scenario_file(
    capsys: pytest.CaptureFixture[str], good_pack: Path, tmp_path: Path
) -> None:
    """
    Given a .json scenario file that is not JSON
    When simulate runs
    Then the one-line error says it is not valid JSON
    """
    scenario = tmp_path / "bad.json"
    scenario.write_text("{cycles: 3}", "utf-8")
    status, _, err = simulate(capsys, str(good_pack), "--scenario", str(scenario))
    assert status == 2
    assert_one_line_error(err, "bad.json", "not valid JSON")


def test_not_a_pack_is_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given a folder that is not a generated pack
    When simulate runs
    Then it exits 2 with one line
    """
    status, _, err = simulate(capsys, str(tmp_path))
    assert status == 2
    assert_one_line_error(err, ".copier-answers.yml")


def test_integration_that_cannot_import_is_one_line_error(
    capsys: pytest.CaptureFixture[str], good_pack: Path
) -> None:
    """
    Given an integration whose code raises on import
    When simulate runs
    Then it exits 2 with one line naming the file and the error
    """
    py = good_pack / "Integrations" / "Sample" / "Sample.py"
    py.write_text("raise RuntimeError('boom')\n", "utf-8")
    status, _, err = simulate(capsys, str(good_pack), "--scenario", "steady")
    assert status == 2
    assert_one_line_error(err, "Sample.py", "RuntimeError: boom")
