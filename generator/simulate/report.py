"""Reports: the ``--json`` document and rich tables (Fetch History and the summary)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from generator.simulate.runner import ProgressCallback, ScenarioResult
from generator.simulate.server_loop import RunRecord

MAX_HISTORY_ROWS = 60
MAX_PROBLEM_ROWS = 20
SHOWN_IDS = 5
SHOWN_PROBLEMS = 10
PROGRESS_FROM_RUNS = 200


def json_report(results: Sequence[ScenarioResult]) -> str:
    """The ``--json`` report: ``{"scenarios": [...]}``."""
    return json.dumps({"scenarios": [result.to_json() for result in results]}, indent=2)


def history_table(result: ScenarioResult) -> Table:
    """A Fetch-History-like table of the scenario's runs, quiet stretches folded."""
    table = Table(title=f"Fetch history: {result.scenario}", title_justify="left")
    for name, justify in (
        ("run", "right"),
        ("UTC", "left"),
        (_noun(result), "right"),
        ("source IDs", "left"),
        ("message or error", "left"),
        ("lastRun B", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    rows = list(_history_rows(result.runs))
    if len(rows) > MAX_HISTORY_ROWS:
        half = MAX_HISTORY_ROWS // 2
        hidden = len(rows) - 2 * half
        rows = (
            rows[:half]
            + [("", "", "", f"... {hidden} rows ...", "", "")]
            + rows[-half:]
        )
    for row in rows:
        table.add_row(*row)
    return table


def _noun(result: ScenarioResult) -> str:
    """What the scenario's runs emitted: incidents, or events (a collector's)."""
    return result.kind


def _history_rows(runs: Sequence[RunRecord]) -> Iterator[tuple[str, ...]]:
    quiet: list[RunRecord] = []
    for run in runs:
        if run.ok and not run.incidents:
            quiet.append(run)
            continue
        yield from _quiet_row(quiet)
        quiet = []
        yield _run_row(run)
    yield from _quiet_row(quiet)


def _quiet_row(quiet: list[RunRecord]) -> Iterator[tuple[str, ...]]:
    if not quiet:
        return
    if len(quiet) == 1:
        yield _run_row(quiet[0])
        return
    first, last = quiet[0], quiet[-1]
    yield (
        f"{first.number}-{last.number}",
        f"{_clock(first)}-{last.time.strftime('%H:%M')}",
        "0",
        "",
        f"{len(quiet)} runs with nothing new",
        str(last.last_run_bytes),
    )


def _run_row(run: RunRecord) -> tuple[str, ...]:
    ids = run.source_ids
    shown = ", ".join(ids[:SHOWN_IDS]) + (
        f" +{len(ids) - SHOWN_IDS}" if len(ids) > SHOWN_IDS else ""
    )
    if run.error is not None:
        injected = f"[injected {', '.join(run.injected)}] " if run.injected else ""
        message = f"[red]{injected}{_one_line(run.error)}[/red]"
    else:
        message = _one_line(run.message or "")
    return (
        str(run.number),
        _clock(run),
        str(len(run.incidents)),
        shown,
        message,
        str(run.last_run_bytes),
    )


def summary_table(results: Sequence[ScenarioResult]) -> Table:
    """One row per scenario: verdict and figures (skip reasons in the caption)."""
    table = Table(title="Simulation summary", title_justify="left")
    table.add_column("scenario", no_wrap=True)
    table.add_column("result", no_wrap=True)
    emitted = (
        "sent" if any(_noun(result) == "events" for result in results) else "incid."
    )
    names = ("events", "not due", emitted, "missed", "dup.", "runs", "lat.min")
    for name in (*names, "lastRun B"):
        table.add_column(name, justify="right")
    table.add_column("failed runs", justify="right")
    notes = []
    skipped: dict[str, list[str]] = {}  # skip reason -> scenarios, said once
    for result in results:
        if result.skipped_reason is not None:
            table.add_row(result.scenario, "[yellow]skipped[/yellow]", *[""] * 9)
            skipped.setdefault(result.skipped_reason, []).append(result.scenario)
            continue
        verdict = "[green]PASS[/green]" if result.passed else "[red]FAIL[/red]"
        if result.limitation:
            verdict = "[red]FAIL[/red] (limitation)"
            notes.append(f"{result.scenario}: limitation: {result.limitation}")
        if result.held_back and result.missed:
            if result.passed:
                verdict = "[green]PASS[/green] (held back)"
            notes.append(
                f"{result.scenario}: {result.missed} held back: {result.held_back}"
            )
        latency = (
            ""
            if result.max_latency_minutes is None
            else f"{result.max_latency_minutes:g}"
        )
        if result.not_due:
            reasons = ", ".join(f"{n} {why}" for why, n in result.not_due.items())
            notes.append(f"{result.scenario}: not due: {reasons}")
        table.add_row(
            result.scenario,
            verdict,
            str(result.events),
            str(sum(result.not_due.values())),
            str(result.incidents),
            str(result.missed),
            str(result.duplicates),
            str(result.cycles),
            latency,
            str(result.max_last_run_bytes),
            str(sum(1 for run in result.runs if not run.ok)),
        )
    notes = [
        f"{', '.join(names)}: skipped: {reason}" for reason, names in skipped.items()
    ] + notes
    if notes:
        table.caption = "; ".join(notes)
        table.caption_justify = "left"
    return table


def problem_runs_table(result: ScenarioResult) -> Table | None:
    """The runs where events were missed or duplicated, each with what went wrong.

    A missed event is shown at the first run after the API served it (the run that
    should have fetched it); a duplicate at the run that created it again.
    """
    problems: dict[int, list[str]] = {}
    missed_by_run: dict[int, list[str]] = {}
    for source_id in result.missed_ids:
        run = result.run_that_missed(source_id)
        if run is not None:
            missed_by_run.setdefault(run.number, []).append(source_id)
    for number, ids in missed_by_run.items():
        problems.setdefault(number, []).append(f"missed {_few(ids)}")
    duplicated_by_run: dict[int, list[str]] = {}
    for source_id, number in result.duplicated_in:
        duplicated_by_run.setdefault(number, []).append(source_id)
    for number, ids in duplicated_by_run.items():
        firsts = sorted(
            {result.fetched_in[key] for key in ids if key in result.fetched_in}
        )
        first = f" (first in run {', '.join(map(str, firsts[:SHOWN_IDS]))})"
        problems.setdefault(number, []).append(
            f"duplicated {_few(ids)}{first if firsts else ''}"
        )
    if not problems:
        return None
    table = Table(
        title=f"Runs that missed or duplicated: {result.scenario}",
        title_justify="left",
    )
    for name, justify in (
        ("run", "right"),
        ("UTC", "left"),
        ("incidents", "right"),
        ("problem", "left"),
        ("message or error", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    by_number = {run.number: run for run in result.runs}
    rows = []
    for number in sorted(problems):
        run = by_number[number]
        row = _run_row(run)
        rows.append((row[0], row[1], row[2], "; ".join(problems[number]), row[4]))
    if len(rows) > MAX_PROBLEM_ROWS:
        half = MAX_PROBLEM_ROWS // 2
        hidden = len(rows) - 2 * half
        rows = rows[:half] + [("", "", "", f"... {hidden} runs ...", "")] + rows[-half:]
    for row in rows:
        table.add_row(*row)
    return table


def print_text_report(
    console: Console,
    results: Sequence[ScenarioResult],
    *,
    verbose: bool = False,
    report_hint: bool = True,
) -> None:
    """The summary, after the details of each failed scenario.

    A failed scenario shows the runs that missed or duplicated and the problems
    found; ``verbose`` shows the whole fetch history of every scenario that ran.
    """
    for result in results:
        if result.skipped_reason is not None or (result.passed and not verbose):
            continue
        table = history_table(result) if verbose else problem_runs_table(result)
        if table is not None:
            console.print(table)
        for line in _problems(result):
            console.print(line, markup=False, highlight=False)
        console.print()
    console.print(summary_table(results))
    hints = [] if verbose else ["each run's fetch history: --verbose"]
    hints += ["a picture: --report FILE.html"] if report_hint else []
    if hints and any(result.skipped_reason is None for result in results):
        console.print(
            "; ".join(hints).capitalize() + ".", markup=False, highlight=False
        )


def _problems(result: ScenarioResult) -> Iterator[str]:
    if result.missed_ids:
        yield f"missed {result.missed}: {_some(result.missed_ids)}"
    if result.limitation:
        yield f"documented limitation of this fetch: {result.limitation}"
    if result.held_back and result.missed:
        yield f"held back by the API, as expected here: {result.held_back}"
    if result.leaks:
        yield f"secrets check failed {result.leaks} times (places below)"
    if result.duplicate_ids:
        yield f"duplicated {result.duplicates}: {_some(result.duplicate_ids)}"
    failures = [error for error in result.errors if "(injected" not in error]
    for error in failures[:SHOWN_PROBLEMS]:
        yield f"- {error}"
    if len(failures) > SHOWN_PROBLEMS:
        yield f"- ... and {len(failures) - SHOWN_PROBLEMS} more (see --json)"


@contextmanager
def progress_bar(
    console: Console,
) -> Iterator[Callable[[str], ProgressCallback] | None]:
    """On a terminal, a factory of per-scenario progress callbacks; None elsewhere."""
    if not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as progress:

        def for_scenario(name: str) -> ProgressCallback:
            task = progress.add_task(name, total=None, visible=False)

            def update(done: int, planned: int) -> None:
                visible = planned >= PROGRESS_FROM_RUNS
                progress.update(task, completed=done, total=planned, visible=visible)

            return update

        yield for_scenario


def _clock(run: RunRecord) -> str:
    return run.time.strftime("%m-%d %H:%M")


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = " / ".join(lines)
    return joined if len(joined) <= 160 else joined[:157] + "..."


def _few(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" +{len(ids) - SHOWN_IDS}" if len(ids) > SHOWN_IDS else "")


def _some(ids: Sequence[str]) -> str:
    more = f" (+{len(ids) - SHOWN_IDS * 2} more)" if len(ids) > SHOWN_IDS * 2 else ""
    return ", ".join(ids[: SHOWN_IDS * 2]) + more
