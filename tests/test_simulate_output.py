"""What ``xsoar-fetch simulate`` prints: the summary by default, run-by-run history with
--verbose, and for a failed scenario the runs that missed or duplicated."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_simulate_cli import write_pack

from generator.simulate import SCENARIO_NAMES

REPO_ROOT = Path(__file__).resolve().parents[1]
QUICK = ("--scale", "0.2")


def xsoar_fetch(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, its output going to a pipe."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "160"},
        check=False,
    )


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sim-output")
    return {
        "good": write_pack(root / "good"),
        "drops": write_pack(root / "drops", drop=2),
        "duplicates": write_pack(root / "duplicates", forget=True),
    }


def table_rows(out: str, title: str) -> list[list[str]]:
    """The body rows of the rich table titled ``title``, as lists of cell texts."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    rows = []
    for line in lines[start + 4 :]:
        if not line.startswith("│"):
            break
        rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def test_default_output_is_the_summary(packs: dict[str, Path]) -> None:
    """Given a correct integration, When every scenario is simulated without options,
    Then only the summary table and a hint are printed: no run-by-run history."""
    result = xsoar_fetch("simulate", str(packs["good"]), *QUICK)

    assert result.returncode == 0, result.stderr
    assert "Fetch history" not in result.stdout
    assert "Runs that missed or duplicated" not in result.stdout
    summary = table_rows(result.stdout, "Simulation summary")
    assert [row[0] for row in summary][:3] == ["steady", "index-lag", "burst"]
    # a line per scenario, the table's frame, the legend and the hint: no more
    assert len(result.stdout.splitlines()) < len(SCENARIO_NAMES) + 15
    assert "--verbose" in result.stdout


def test_verbose_prints_every_fetch_history(packs: dict[str, Path]) -> None:
    result = xsoar_fetch(
        "simulate", str(packs["good"]), "--scenario", "steady", "--verbose", *QUICK
    )

    assert result.returncode == 0, result.stderr
    history = table_rows(result.stdout, "Fetch history: steady")
    assert history[0][0] == "1"
    assert "Simulation summary" in result.stdout


def test_failed_scenario_shows_the_runs_that_missed(packs: dict[str, Path]) -> None:
    """Given an integration that loses every second event, When burst runs, Then the
    runs that should have fetched a missed event are listed with its ID, and together
    they account for every missed event of the JSON report."""
    args = ("simulate", str(packs["drops"]), "--scenario", "burst", *QUICK)
    result = xsoar_fetch(*args)
    (burst,) = json.loads(xsoar_fetch(*args, "--json").stdout)["scenarios"]

    assert result.returncode == 1
    assert "Fetch history" not in result.stdout
    rows = table_rows(result.stdout, "Runs that missed or duplicated: burst")
    assert 0 < len(rows) < burst["cycles"]
    counted = 0
    for row in rows:
        match = re.fullmatch(r"missed ([\d, ]+?)(?: \+(\d+))?", row[3])
        assert match, row
        counted += len(match.group(1).split(", ")) + int(match.group(2) or 0)
    assert counted == burst["missed"] > 0
    first_ids = rows[0][3].removeprefix("missed ").split(", ")[0]
    assert f"missed {burst['missed']}: {first_ids}," in result.stdout
    assert "FAIL" in table_rows(result.stdout, "Simulation summary")[0][1]


def test_failed_scenario_shows_the_runs_that_duplicated(
    packs: dict[str, Path],
) -> None:
    """Given an integration that forgets the IDs it fetched, When steady runs, Then
    each run that created an incident again says which and where it came first."""
    result = xsoar_fetch(
        "simulate", str(packs["duplicates"]), "--scenario", "steady", *QUICK
    )

    assert result.returncode == 1
    rows = table_rows(result.stdout, "Runs that missed or duplicated: steady")
    folded = [row for row in rows if not row[0]]
    (fold,) = [row[3] for row in folded]  # 20 rows shown at most, the rest folded
    assert re.fullmatch(r"\.\.\. [1-9]\d* runs \.\.\.", fold), fold
    rows = [row for row in rows if row[0]]
    assert len(rows) == 20
    for row in rows:
        match = re.fullmatch(r"duplicated (\d+)(?:.*) \(first in run (\d+)\)", row[3])
        assert match, row
        assert int(match.group(2)) < int(row[0])
