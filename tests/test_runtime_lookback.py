"""The look-back helpers through a server round trip, and the conformance guard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import CommonServerPython
import dateparser
import demistomock as demisto
from CommonServerPython import (
    filter_incidents_by_duplicates_and_limit,
    get_fetch_run_time_range,
    update_last_run_object,
)
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _run(incidents: list[dict], fetch_limit: int = 5) -> list[dict]:
    """One fetch run with the helpers, saving through the stand-in server."""
    last_run = demisto.getLastRun()
    start, end = get_fetch_run_time_range(
        last_run=last_run, first_fetch="1 hour", look_back=10, date_format=DATE_FORMAT
    )
    batch = filter_incidents_by_duplicates_and_limit(
        incidents_res=incidents,
        last_run=last_run,
        fetch_limit=fetch_limit,
        id_field="id",
    )
    next_run = update_last_run_object(
        last_run=last_run,
        incidents=batch,
        fetch_limit=fetch_limit,
        start_fetch_time=start,
        end_fetch_time=end,
        look_back=10,
        created_time_field="occurred",
        id_field="id",
        date_format=DATE_FORMAT,
    )
    demisto.setLastRun(next_run)
    return batch


@freeze_time("2024-03-10T12:00:00Z")
def test_string_ids_are_not_fetched_twice() -> None:
    events = [{"id": "1", "occurred": "2024-03-10T11:58:00Z"}]
    assert _run(events) == events
    assert _run(events) == []
    assert demisto.getLastRun()["found_incident_ids"] == {"1": 1710072000}


@freeze_time("2024-03-10T12:00:00Z")
def test_int_ids_come_back_as_strings_and_are_fetched_again() -> None:
    """The server quirk the generated integration avoids by using string IDs."""
    events = [{"id": 1, "occurred": "2024-03-10T11:58:00Z"}]
    assert _run(events) == events
    assert _run(events) == events


def test_conformance_fails_clearly_without_the_reference(tmp_path: Path) -> None:
    repo = tmp_path / "clone"
    (repo / "tests").mkdir(parents=True)
    source = Path(__file__).resolve().parent / "test_conformance.py"
    shutil.copy(source, repo / "tests" / "test_conformance.py")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",
            "-p",
            "no:xdist",
            "tests",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "skipped" not in result.stdout
    assert "conformance reference not found at" in result.stdout
    assert str(repo / "tests" / "data" / "conformance") in result.stdout


@settings(max_examples=150, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31)
    ),
    separator=st.sampled_from(["T", " "]),
    fraction=st.sampled_from(["", ".%f", ".000"]),
    offset=st.sampled_from(["", "Z", "+00:00", "+05:30", "-03:00"]),
)
def test_iso_fast_path_reads_like_dateparser(moment, separator, fraction, offset):
    """
    Given a complete ISO 8601 date-time, as the helpers save it
    When the stand-in parses it for a fetch window
    Then it reads exactly what dateparser in UTC reads
    """
    text = moment.strftime(f"%Y-%m-%d{separator}%H:%M:%S{fraction}") + offset
    expected = dateparser.parse(text, settings={"TIMEZONE": "UTC"})
    if expected.tzinfo is not None:
        expected = expected.astimezone(UTC).replace(tzinfo=None)
    assert CommonServerPython._parse_utc(text) == expected
