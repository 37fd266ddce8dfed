"""The server's loop as the simulator plays it: saved state, failed runs, the clock."""

from __future__ import annotations

import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from generator.errors import UserError
from generator.instance import load_integration, run_fetch, runtime
from generator.kinds import EVENTS, FetchKind
from generator.simulate.server_loop import ServerLoop, last_run_size, simulated_clock

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)

# Saves {1: <successful runs + 1>} (an int key); at the clock minutes listed in
# params["fail_on"] it fails after calling setLastRun and incidents(). Its incidents
# show the clock it sees.
RECORDER = """
import time
from datetime import datetime, timezone

import demistomock as demisto
from CommonServerPython import return_error


def main():
    last = demisto.getLastRun()
    runs = int(last.get("1", 0)) + 1
    seen_int_key = 1 in last
    demisto.incidents([{
        "name": f"run {runs}",
        "occurred": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rawJSON": "{}",
        "dbotMirrorId": f"{runs}:{int(time.time())}:{seen_int_key}",
    }])
    demisto.setLastRun({1: runs})
    demisto.updateModuleHealth(f"run {runs}")
    minute = str(datetime.now(timezone.utc).minute)
    if minute in demisto.params().get("fail_on", "").split(","):
        return_error(f"run {runs} failed on purpose")
"""


def module_from(tmp_path: Path, source: str, name: str = "Recorder") -> object:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source), "utf-8")
    return load_integration(path)


def test_state_survives_only_successful_runs_after_a_json_round_trip(
    tmp_path: Path,
) -> None:
    """
    Given an integration that counts its runs in lastRun under an int key
    When run 2 fails after saving state and creating an incident
    Then run 3 sees run 1's state, keys come back as strings, run 2's incident is dropped
    """
    loop = ServerLoop(module_from(tmp_path, RECORDER), {"fail_on": "1"})
    with simulated_clock(T0) as clock:
        records = []
        for minute in range(3):
            now = T0 + timedelta(minutes=minute)
            clock.move_to(now)
            records.append(loop.run(now))
    first, failed, third = records
    assert first.ok and third.ok and not failed.ok
    assert "run 2 failed on purpose" in (failed.error or "")
    assert failed.incidents == []
    assert third.source_ids == [
        f"2:{int((T0 + timedelta(minutes=2)).timestamp())}:False"
    ]
    assert first.message == "run 1"
    assert loop.last_run == {"1": 2}
    assert third.last_run_bytes == last_run_size({"1": 2}) > 0


def test_clock_is_simulated_for_every_time_source(tmp_path: Path) -> None:
    """
    Given the simulated clock at 2024-03-10 12:00 UTC moved a day ahead
    When the integration reads datetime.now() and time.time()
    Then both show the simulated time
    """
    loop = ServerLoop(module_from(tmp_path, RECORDER), {})
    later = T0 + timedelta(days=1)
    with simulated_clock(T0) as clock:
        clock.move_to(later)
        record = loop.run(later)
    (incident,) = record.incidents
    assert incident["occurred"] == "2024-03-11T12:00:00Z"
    assert incident["dbotMirrorId"] == f"1:{int(later.timestamp())}:False"
    assert datetime.now(UTC).year >= 2025  # the real clock is back


def test_error_entry_and_exit_status_count_as_failures(tmp_path: Path) -> None:
    """
    Given integrations that send an error entry, or exit with status 3, or exit 0
    When each runs once
    Then the first two fail with a message and save nothing; exit 0 is a normal end
    """
    entry = module_from(
        tmp_path,
        """
        import demistomock as demisto
        def main():
            demisto.setLastRun({"x": 1})
            demisto.results({"Type": 4, "Contents": "bad things"})
        """,
        "Entry",
    )
    exits = module_from(tmp_path, "import sys\ndef main():\n    sys.exit(3)\n", "Exits")
    quiet = module_from(
        tmp_path,
        "import sys\nimport demistomock as demisto\n"
        "def main():\n    demisto.setLastRun({'y': 2})\n    sys.exit(0)\n",
        "Quiet",
    )
    failed = run_fetch(entry, {}, None)
    assert not failed.ok and failed.error == "bad things" and failed.last_run is None
    stopped = run_fetch(exits, {}, None)
    assert not stopped.ok and "status 3" in (stopped.error or "")
    ended = run_fetch(quiet, {}, None)
    assert ended.ok and ended.last_run == {"y": 2}


def test_integration_without_main_is_refused(tmp_path: Path) -> None:
    """An integration file without main() is a one-line user error."""
    with pytest.raises(UserError, match="has no main"):
        module_from(tmp_path, "x = 1\n", "NoMain")


# Names each incident after the look_back it was given and counts runs in lastRun and
# in the integration context.
PARAM_READER = """
import demistomock as demisto


def main():
    runs = int(demisto.getLastRun().get("runs", 0)) + 1
    context = demisto.getIntegrationContext()
    look_back = demisto.params().get("look_back")
    demisto.incidents([{
        "name": f"look_back {look_back}",
        "occurred": "2024-03-10T12:00:00Z",
        "rawJSON": "{}",
        "dbotMirrorId": f"{runs}:{context.get('seen', 0)}:{look_back}",
    }])
    demisto.setLastRun({"runs": runs})
    demisto.setIntegrationContext({"seen": context.get("seen", 0) + 1})
"""


def test_edited_instance_keeps_its_state_and_uses_new_params(tmp_path: Path) -> None:
    """
    Given an instance that ran twice with look_back 2
    When its look_back is changed to 60 as a user editing the instance would
    Then the next run sees 60, and lastRun and the integration context carry on
    """
    loop = ServerLoop(module_from(tmp_path, PARAM_READER, "Reader"), {"look_back": "2"})
    with simulated_clock(T0) as clock:
        for minute in range(4):
            now = T0 + timedelta(minutes=minute)
            clock.move_to(now)
            if minute == 2:
                loop.edit_instance({"look_back": "60"})
            loop.run(now)
    ids = [record.source_ids[0] for record in loop.runs]
    assert ids == ["1:0:2", "2:1:2", "3:2:60", "4:3:60"]
    assert loop.params == {"look_back": "60"}
    assert loop.last_run == {"runs": 4}


# An event collector that reads two pages a run and sends each page as it reads it; the
# second page's request fails when params["fail"] is set.
PAGED_COLLECTOR = """
import demistomock as demisto
from CommonServerPython import *


def read_page(number):
    if number % 2 == 0 and demisto.params().get("fail"):
        raise DemistoException(f"page {number}: the API timed out")
    return [{"id": f"{number}-{i}"} for i in range(3)]


def main():
    command = demisto.command()
    try:
        last_page = int(demisto.getLastRun().get("page", 0))
        for number in (last_page + 1, last_page + 2):
            send_events_to_xsiam(read_page(number), vendor="acme", product="alerts")
        demisto.setLastRun({"page": last_page + 2})
    except Exception as e:
        return_error(f"Failed to execute {command} command.\\nError:\\n{e}")
"""

SERVER_RAISING_COMMANDS = (
    "fetch-incidents",
    "fetch-credentials",
    "long-running-execution",
    "fetch-indicators",
)


COLLECTOR_KIND = FetchKind(
    name=EVENTS,
    fetch_command="fetch-events",
    is_fetch_param="isFetchEvents",
    interval_param="eventFetchInterval",
    limit_param="max_events_per_fetch",
)


def server_return_error(message: str, error: str = "", outputs: Any = None) -> None:
    """return_error as the server's runtime behaves (primer, section 1b)."""
    demisto = runtime()
    if demisto.command() in SERVER_RAISING_COMMANDS:
        raise Exception(message)
    demisto.results({"Type": 4, "ContentsFormat": "text", "Contents": message})
    sys.exit(0)


def run_as_the_server_does(module: ModuleType, mocker: Any) -> dict[str, Any]:
    """One fetch-events run on a model of the server's runtime: its return_error, a
    demistomock that records what is sent, the server's verdict on how the run ended."""
    demisto = runtime()
    mocker.patch.object(demisto, "command", return_value="fetch-events")
    mocker.patch.object(demisto, "params", return_value={"fail": True})
    mocker.patch.object(demisto, "getLastRun", return_value={})
    saved = mocker.patch.object(demisto, "setLastRun")
    entries = mocker.patch.object(demisto, "results")
    sent = mocker.patch.object(module, "send_events_to_xsiam")
    mocker.patch.object(module, "return_error", server_return_error)
    ended = "returned"
    try:
        module.main()
    except SystemExit as stop:
        ended = f"exit {stop.code}"
    except Exception:  # noqa: BLE001 - the server records any exception as a failure
        ended = "exception"
    error_entries = [
        call.args[0] for call in entries.call_args_list if call.args[0]["Type"] == 4
    ]
    failed = ended == "exception" or bool(error_entries)
    return {
        "ended": ended,
        "error entry": bool(error_entries),
        "failed": failed,
        "sent": [event for call in sent.call_args_list for event in call.args[0]],
        "saved": None if failed or not saved.called else saved.call_args.args[0],
    }


def test_collector_failing_mid_run_ends_as_on_the_server(
    tmp_path: Path, mocker: Any
) -> None:
    """
    Given an event collector whose second page fails after the first was sent
    When fetch-events runs in the simulator on the stand-in runtime, and on a model of
        the server's runtime
    Then both end the same way: an error entry and exit status 0, the run failed, the
        first page's events sent and no lastRun saved
    """
    module = module_from(tmp_path, PAGED_COLLECTOR, "Collector")
    loop = ServerLoop(module, {"fail": True}, COLLECTOR_KIND)
    with simulated_clock(T0):
        record = loop.run(T0)
    simulated = {
        "ended": record.ended,
        "error entry": any(
            entry.get("Type") == 4 for entry in runtime().server_state().results
        ),
        "failed": not record.ok,
        "sent": record.incidents,
        "saved": loop.last_run,
    }

    on_the_server = run_as_the_server_does(module, mocker)

    first_page = [{"id": "1-0"}, {"id": "1-1"}, {"id": "1-2"}]
    assert on_the_server == {
        "ended": "exit 0",
        "error entry": True,
        "failed": True,
        "sent": first_page,
        "saved": None,
    }
    assert simulated == on_the_server
    assert "page 2: the API timed out" in (record.error or "")
