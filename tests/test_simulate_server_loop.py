"""The server's loop as the simulator plays it: saved state, failed runs, the clock."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.errors import UserError
from generator.simulate.instance import load_integration, run_fetch
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
