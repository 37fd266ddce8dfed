"""``xsoar-fetch simulate --report FILE.html``: a page of charts that opens offline and
holds the simulation's data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from answer_sets import render_pack
from test_simulate_cli import write_pack

from generator.pack import load_pack
from generator.simulate import resolve_scenarios, simulate
from generator.simulate.html_report import (
    DATA_ELEMENT_ID,
    html_report,
    scenario_figure,
    scenario_series,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
QUICK = ("--scale", "0.2")


def xsoar_fetch(*args: str, pythonpath: str = "") -> subprocess.CompletedProcess[str]:
    """The command as a user runs it."""
    path = os.pathsep.join(part for part in (pythonpath, str(REPO_ROOT)) if part)
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": path},
        check=False,
    )


def page_data(page: str) -> dict:
    """The JSON data island of a report page."""
    match = re.search(
        rf'<script type="application/json" id="{DATA_ELEMENT_ID}">(.*?)</script>',
        page,
        re.S,
    )
    assert match, "no data in the page"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sim-report")
    return {
        "drops": write_pack(root / "drops", drop=2),
        "duplicates": write_pack(root / "duplicates", forget=True),
    }


def test_report_is_written_self_contained_with_the_data(
    packs: dict[str, Path], tmp_path: Path
) -> None:
    """Given an integration that loses events, When simulate runs with --report,
    Then the page exists, loads nothing from outside, draws one chart per scenario
    that ran, and its data agree with the --json report: every missed event is
    placed at a run."""
    target = tmp_path / "sim.html"
    args = ("simulate", str(packs["drops"]), "--scenario", "burst", *QUICK)
    args += ("--scenario", "index-lag")  # skipped: this integration has no look-back
    result = xsoar_fetch(*args, "--report", str(target))
    burst, lag = json.loads(xsoar_fetch(*args, "--json").stdout)["scenarios"]

    assert result.returncode == 1
    assert f"Report written to {target}" in result.stderr
    page = target.read_text("utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)
    assert "Plotly.newPlot" in page and len(page) > 1_000_000  # plotly.js inside
    assert len(re.findall(r'Plotly\.newPlot\(\s*"chart-', page)) == 1
    data = page_data(page)
    drawn, skipped = data["scenarios"]
    assert drawn["summary"] == burst and skipped["summary"] == lag
    assert skipped["skipped_reason"] and not skipped["runs"]
    runs = drawn["runs"]
    assert len(runs) == burst["cycles"]
    assert sum(len(run["missed"]) for run in runs) == burst["missed"] > 0
    assert runs[-1]["created_total"] == burst["incidents"] - burst["duplicates"]
    assert runs[-1]["served_total"] == burst["incidents"] + burst["missed"]
    assert max(r["latency_max"] or 0 for r in runs) == burst["max_latency_minutes"]
    assert not list(tmp_path.glob(".sim.html.*"))  # no temporary file left


def test_figure_holds_the_series(packs: dict[str, Path]) -> None:
    """Given a simulation with duplicates, When its chart is drawn, Then the lines
    and markers carry the series: totals per run, and a duplicate marker per run
    that created incidents again."""
    pack = load_pack(packs["duplicates"])
    (result,) = simulate(pack, resolve_scenarios(pack, ["steady"], scale=0.2))
    series = scenario_series(result)

    figure = scenario_figure(series)

    traces = {trace.name.split(" (")[0]: trace for trace in figure.data}
    assert list(traces["incidents created"].y) == [
        run["created_total"] for run in series["runs"]
    ]
    assert list(traces["events served by the API"].y) == [
        run["served_total"] for run in series["runs"]
    ]
    duplicated = traces["duplicated"]
    assert duplicated.name == f"duplicated ({result.duplicates})"
    assert len(duplicated.x) == len({number for _, number in result.duplicated_in})
    assert len(traces["missed"].x) == 0


def test_missing_plotting_extra_is_one_line(tmp_path: Path) -> None:
    """Given an environment without plotly, When --report is asked for, Then one line
    says which extra to install, before anything is simulated or written."""
    shadow = tmp_path / "shadow" / "plotly"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no plotly here')\n")
    pack = write_pack(tmp_path / "pack")
    target = tmp_path / "sim.html"

    result = xsoar_fetch(
        "simulate",
        str(pack),
        "--report",
        str(target),
        pythonpath=str(shadow.parent),
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "xsoar-fetch simulate: error: --report needs the plotting extra (plotly); "
        f"install it with {sys.executable} -m pip install 'plotly>=6'"
    ]
    assert result.stdout == "" and not target.exists()


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("sim.png", "ending in .html"), ("missing/sim.html", "does not exist")],
)
def test_bad_report_path_is_one_line(tmp_path: Path, name: str, fragment: str) -> None:
    pack = write_pack(tmp_path / "pack")
    result = xsoar_fetch("simulate", str(pack), "--report", str(tmp_path / name))

    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert (
        line.startswith("xsoar-fetch simulate: error: --report ") and fragment in line
    )


def test_collector_report_speaks_of_events_sent(tmp_path: Path) -> None:
    """
    Given an XSIAM collector pack
    When its simulation is drawn as a report
    Then the page, its summary and its charts speak of events sent, never of incidents
    """
    pack = load_pack(
        render_pack({"integration_kind": "events"}, tmp_path / "AcmeEventCollector")
    )
    results = simulate(pack, resolve_scenarios(pack, ["steady"], scale=0.2))

    page = html_report(results, "AcmeEventCollector")

    text = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert "incident" not in text.lower()
    assert "<th>events</th>" in text and "the events the integration sent" in text
    traces = {trace.name for trace in scenario_figure(scenario_series(results[0])).data}
    assert "events sent" in traces
