"""``simulate --report FILE.html``: a self-contained page of charts, one per scenario.

Each chart shows, over simulated time, the events the API has served and the
incidents created (the gap between the two lines is what the integration still has
to fetch), where events were missed or duplicated, the runs that failed, and below
it the latency of the incidents each run created. plotly draws the charts; its
JavaScript is embedded in the page, so it opens offline.
"""

from __future__ import annotations

import html
import json
import os
import shlex
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from generator.errors import UserError
from generator.simulate.runner import ScenarioResult

DISTRIBUTION = "xsoar-fetch-template"
REPORT_SUFFIXES = (".html", ".htm")
DATA_ELEMENT_ID = "simulation-data"
SHOWN_IDS = 10
# What a run emits, by kind of integration, and what the integration does with it.
EMITTED = {"incidents": ("incidents", "created"), "events": ("events", "sent")}
COLOURS = {
    "served": "#4c78a8",
    "created": "#54a24b",
    "missed": "#e45756",
    "duplicated": "#f58518",
    "failed": "#7f7f7f",
    "latency": "#72b7b2",
}


def report_extra_install() -> str:
    """The pip command that installs the report extra into this environment.

    The extra's own name would need the package on an index; its requirements, read from
    the installed metadata, install from anywhere.
    """
    requirements = [Requirement(line) for line in metadata.requires(DISTRIBUTION) or ()]
    wanted = [
        f"{requirement.name}{requirement.specifier}"
        for requirement in requirements
        if requirement.marker is not None
        and requirement.marker.evaluate({"extra": "report"})
    ]
    packages = " ".join(shlex.quote(requirement) for requirement in wanted)
    return f"{shlex.quote(sys.executable)} -m pip install {packages}"


def check_report_path(path: str) -> Path:
    """The report's path, refused before simulating when it cannot be written.

    Also refuses when the plotting extra is not installed.
    """
    target = Path(path).expanduser()
    if target.suffix.lower() not in REPORT_SUFFIXES:
        raise UserError(f"--report {path}: give a file name ending in .html")
    if not target.parent.is_dir():
        raise UserError(f"--report {path}: folder {target.parent} does not exist")
    if target.is_dir():
        raise UserError(f"--report {path}: is a folder; give a file name ending .html")
    try:
        import plotly  # noqa: F401
    except ImportError:
        raise UserError(
            "--report needs the plotting extra (plotly); install it with "
            f"{report_extra_install()}"
        ) from None
    return target


def scenario_series(result: ScenarioResult) -> dict[str, Any]:
    """What the chart of one scenario shows, run by run, as JSON-ready values."""
    served = sorted(result.served_at.values())
    missed_in: dict[int, list[str]] = {}
    for source_id in result.missed_ids:
        run = result.run_that_missed(source_id)
        if run is not None:
            missed_in.setdefault(run.number, []).append(source_id)
    duplicated_in: dict[int, list[str]] = {}
    for source_id, number in result.duplicated_in:
        duplicated_in.setdefault(number, []).append(source_id)
    new_in: dict[int, list[str]] = {}
    for source_id, number in result.fetched_in.items():
        new_in.setdefault(number, []).append(source_id)
    runs = []
    created = 0
    seen = 0
    for run in result.runs:
        while seen < len(served) and served[seen] <= run.time:
            seen += 1
        fresh = new_in.get(run.number, [])
        created += len(fresh)
        latencies = [
            (run.time - result.served_at[key]).total_seconds() / 60
            for key in fresh
            if key in result.served_at
        ]
        runs.append(
            {
                "number": run.number,
                "time": _iso(run.time),
                "incidents": len(run.incidents),
                "served_total": seen,
                "created_total": created,
                "latency_max": round(max(latencies), 2) if latencies else None,
                "latency_median": (
                    round(statistics.median(latencies), 2) if latencies else None
                ),
                "missed": missed_in.get(run.number, []),
                "duplicated": duplicated_in.get(run.number, []),
                "error": run.error,
            }
        )
    return {
        "scenario": result.scenario,
        "kind": result.kind,
        "description": result.description,
        "passed": result.passed,
        "skipped_reason": result.skipped_reason,
        "summary": result.to_json(),
        "runs": runs,
    }


def scenario_figure(series: dict[str, Any]) -> Any:
    """The plotly figure of one scenario's series."""
    from plotly import graph_objects as go
    from plotly.subplots import make_subplots

    runs = series["runs"]
    times = [run["time"] for run in runs]
    records, done = EMITTED[series["kind"]]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.68, 0.32],
        vertical_spacing=0.08,
        subplot_titles=(
            f"Events the API served and {records} {done}",
            f"Latency of the {records} each run {done} (minutes)",
        ),
    )
    for key, name, colour in (
        ("served_total", "events served by the API", COLOURS["served"]),
        ("created_total", f"{records} {done}", COLOURS["created"]),
    ):
        figure.add_trace(
            go.Scatter(
                x=times,
                y=[run[key] for run in runs],
                mode="lines",
                name=name,
                line={"shape": "hv", "color": colour},
            ),
            row=1,
            col=1,
        )
    for kind, symbol, height in (
        ("missed", "x", "served_total"),
        ("duplicated", "diamond", "created_total"),
    ):
        marked = [run for run in runs if run[kind]]
        figure.add_trace(
            go.Scatter(
                x=[run["time"] for run in marked],
                y=[run[height] for run in marked],
                mode="markers",
                name=f"{kind} ({sum(len(run[kind]) for run in marked)})",
                marker={
                    "symbol": symbol,
                    "size": [min(8 + 2 * len(run[kind]), 24) for run in marked],
                    "color": COLOURS[kind],
                    "line": {"width": 1, "color": "white"},
                },
                hovertext=[_hover(run, kind) for run in marked],
                hoverinfo="text",
            ),
            row=1,
            col=1,
        )
    failed = [run for run in runs if run["error"]]
    figure.add_trace(
        go.Scatter(
            x=[run["time"] for run in failed],
            y=[0] * len(failed),
            mode="markers",
            name=f"failed runs ({len(failed)})",
            marker={"symbol": "triangle-up", "size": 9, "color": COLOURS["failed"]},
            hovertext=[
                f"run {run['number']} failed: {html.escape(_first_line(run['error']))}"
                for run in failed
            ],
            hoverinfo="text",
        ),
        row=1,
        col=1,
    )
    for key, name, dash in (
        ("latency_max", "largest latency", "solid"),
        ("latency_median", "median latency", "dot"),
    ):
        figure.add_trace(
            go.Scatter(
                x=times,
                y=[run[key] for run in runs],
                mode="lines+markers",
                name=name,
                line={"color": COLOURS["latency"], "dash": dash},
                marker={"size": 4},
                connectgaps=False,
            ),
            row=2,
            col=1,
        )
    figure.update_layout(
        height=560,
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        hovermode="closest",
        legend={"orientation": "h", "y": -0.12},
        template="plotly_white",
    )
    figure.update_yaxes(title_text="count", row=1, col=1, rangemode="tozero")
    figure.update_yaxes(title_text="minutes", row=2, col=1, rangemode="tozero")
    figure.update_xaxes(title_text="simulated time (UTC)", row=2, col=1)
    return figure


def write_html_report(
    path: Path, results: Sequence[ScenarioResult], pack_name: str
) -> None:
    """Write the page atomically: the file appears whole or not at all."""
    page = html_report(results, pack_name)
    handle = tempfile.NamedTemporaryFile(
        "w",
        encoding="utf-8",
        dir=path.parent,
        prefix=f".{path.name}.",
        suffix=".tmp",
        delete=False,
    )
    try:
        with handle:
            handle.write(page)
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)


def html_report(results: Sequence[ScenarioResult], pack_name: str) -> str:
    """The whole page: summary, one chart per scenario that ran, the data as JSON."""
    from plotly.offline import get_plotlyjs

    every = [scenario_series(result) for result in results]
    records, done = EMITTED[every[0]["kind"] if every else "incidents"]
    sections = []
    for index, series in enumerate(every):
        sections.append(_section(series, index))
    data = json.dumps({"pack": pack_name, "scenarios": every}).replace("</", "<\\/")
    return PAGE.format(
        title=html.escape(f"Fetch simulation: {pack_name}"),
        plotly=get_plotlyjs(),
        summary=_summary_table(every, records),
        records=records,
        done=done,
        sections="\n".join(sections),
        data_id=DATA_ELEMENT_ID,
        data=data,
    )


def _section(series: dict[str, Any], index: int) -> str:
    name = html.escape(series["scenario"])
    if series["skipped_reason"] is not None:
        return (
            f'<section id="{name}"><h2>{name} <span class="skipped">skipped</span></h2>'
            f"<p>{html.escape(series['skipped_reason'])}</p></section>"
        )
    verdict = (
        '<span class="pass">PASS</span>'
        if series["passed"]
        else '<span class="fail">FAIL</span>'
    )
    chart = scenario_figure(series).to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"chart-{index}",
        config={"displaylogo": False, "responsive": True},
    )
    return (
        f'<section id="{name}"><h2>{name} {verdict}</h2>'
        f"<p>{html.escape(series['description'])}</p>{chart}</section>"
    )


def _summary_table(every: list[dict[str, Any]], records: str) -> str:
    columns = ("events", "incidents", "missed", "duplicates", "cycles")
    titles = ("scenario", "result", "served", records, "missed", "duplicates", "cycles")
    head = "".join(f"<th>{name}</th>" for name in titles)
    head += "<th>largest latency (min)</th>"
    rows = []
    for series in every:
        summary = series["summary"]
        name = html.escape(series["scenario"])
        if series["skipped_reason"] is not None:
            cells = '<td class="skipped">skipped</td>' + "<td></td>" * 6
        else:
            verdict = "pass" if series["passed"] else "fail"
            latency = summary["max_latency_minutes"]
            cells = f'<td class="{verdict}">{verdict.upper()}</td>' + "".join(
                f"<td>{summary[key]}</td>" for key in columns
            )
            cells += f"<td>{'' if latency is None else latency}</td>"
        rows.append(f'<tr><td><a href="#{name}">{name}</a></td>{cells}</tr>')
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _hover(run: dict[str, Any], kind: str) -> str:
    ids = run[kind]
    more = f" +{len(ids) - SHOWN_IDS}" if len(ids) > SHOWN_IDS else ""
    shown = ", ".join(html.escape(i) for i in ids[:SHOWN_IDS])
    return f"run {run['number']} at {run['time']}: {kind} {len(ids)}<br>{shown}{more}"


def _first_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return (lines[0] if lines else "")[:200]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; padding: 0 1rem; }}
table {{ border-collapse: collapse; margin: 1rem 0 2rem; }}
th, td {{ padding: 0.3rem 0.8rem; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.pass {{ color: #2e7d32; font-weight: bold; }}
.fail {{ color: #c62828; font-weight: bold; }}
.skipped {{ color: #9e9e9e; }}
section {{ margin-bottom: 2.5rem; }}
h2 span {{ font-size: 0.8em; margin-left: 0.5rem; }}
</style>
<script>{plotly}</script>
</head>
<body>
<h1>{title}</h1>
<p>Each chart follows one scenario over simulated time: the events the fake API had
served (blue) and the {records} the integration {done} (green); the gap between them is
what was still to be fetched. A red cross marks the run that should have fetched events
that were never fetched (missed); an orange diamond a run that {done} {records} again
(duplicated); a grey triangle a run that failed. Below: the latency, from when the API
served an event to the run that fetched it. Hover for details.</p>
{summary}
{sections}
<script type="application/json" id="{data_id}">{data}</script>
</body>
</html>
"""
