"""``xsoar-fetch simulate``: the server's fetch loop against a fake API, on a simulated clock.

It proves, before shipping, that a generated integration neither misses nor duplicates
an incident under late indexing, bursts, API errors, backlogs, malformed events and
time zones. See docs/simulate.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import UserError
from generator.pack import load_pack

if TYPE_CHECKING:  # the simulator is imported when a simulation runs, not for --help
    from generator.pack import Pack
    from generator.simulate.runner import ScenarioResult
    from generator.simulate.scenarios import Scenario

ALL = "all"
# The built-in scenarios' names, for --help (scenarios.BUILTINS holds their builders).
SCENARIO_NAMES = (
    "steady",
    "index-lag",
    "burst",
    "late-match",
    "api-errors",
    "deep-page-timeouts",
    "backlog",
    "malformed",
    "timezone",
    "no-next-cursor",
    "look-back-raised",
    "outage-lag",
    "late-flood",
    "duplicate-rows",
    "constant-delay",
    "rate-limit",
    "cursor-expiry",
    "start-time-limit",
    "last-run-growth",
    "late-ids",
    "token-revoked",
    "echoed-query",
    "relative-links",
    "foreign-next-link",
    "stale-start",
    "error-objects",
    "events-ahead",
)
SCENARIO_FILE_SUFFIXES = (".yml", ".yaml", ".json")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` sub-command."""
    parser = subparsers.add_parser(
        "simulate",
        help="simulate hours of fetching against a fake API: nothing missed or duplicated",
        description=(
            "Run the integration's fetch-incidents every fetch interval of simulated time "
            "against a fake third-party API, and report missed and duplicated incidents."
        ),
    )
    parser.add_argument(
        "path",
        metavar="PACK_OR_INTEGRATION_DIR",
        help="a generated pack folder or its Integrations/<id> folder",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME|FILE|all",
        help=(
            f"a built-in scenario ({', '.join(SCENARIO_NAMES)}), a YAML/JSON scenario file, "
            "or 'all' (the default); repeat to run several"
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show every scenario's fetch history, run by run (default: the summary, "
        "and for a failed scenario the runs that missed or duplicated)",
    )
    parser.add_argument(
        "--report",
        metavar="FILE.html",
        help="also write a page of charts, one per scenario, that opens offline "
        "(needs plotly, the report extra; without it the error says how to install it)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="random seed (default 0)"
    )
    parser.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        metavar="S",
        help="shrink the built-in scenarios by S, 0 < S <= 1, for a quick look (default 1)",
    )
    parser.set_defaults(handler=run)


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not in 0 < S <= 1")
    return value


def run(args: argparse.Namespace) -> int:
    """Simulate the chosen scenarios; 1 when any scenario missed or duplicated."""
    from rich.console import Console

    from generator.simulate.html_report import check_report_path, write_html_report
    from generator.simulate.report import json_report, print_text_report

    pack = load_pack(args.path)
    if not pack.py_path.is_file():
        raise UserError(f"{pack.py_path} not found: the pack has no integration code")
    report = check_report_path(args.report) if args.report else None
    scenarios = resolve_scenarios(pack, args.scenario or [ALL], args.seed, args.scale)
    results = simulate(pack, scenarios, seed=args.seed)
    if report is not None:
        write_html_report(report, results, pack.integration_id)
        print(f"Report written to {report}", file=sys.stderr)
    if args.json:
        print(json_report(results))
    else:
        console = Console()
        print_text_report(
            console if console.is_terminal else Console(width=120),
            results,
            verbose=args.verbose,
            report_hint=report is None,
        )
    return 0 if all(result.passed for result in results) else 1


def simulate(
    pack: Pack, scenarios: list[Scenario], seed: int = 0
) -> list[ScenarioResult]:
    """Run each scenario, with a progress bar on a terminal."""
    from rich.console import Console

    from generator.simulate.report import progress_bar
    from generator.simulate.runner import run_scenario

    results = []
    with progress_bar(Console(file=sys.stderr)) as for_scenario:
        for scenario in scenarios:
            progress = for_scenario(scenario.name) if for_scenario else None
            results.append(run_scenario(pack, scenario, seed=seed, progress=progress))
    return results


def resolve_scenarios(
    pack: Pack, choices: list[str], seed: int = 0, scale: float = 1.0
) -> list[Scenario]:
    """Turn ``--scenario`` values into scenarios (built-in names, files, ``all``)."""
    from generator.simulate.runner import instance_params, traits_for
    from generator.simulate.scenarios import (
        BUILTINS,
        DEFAULT_START,
        builtin,
        load_scenario_file,
    )

    base = traits_for(pack, instance_params(pack), DEFAULT_START)
    scenarios: list[Scenario] = []
    for choice in choices:
        if choice == ALL:
            scenarios += [builtin(name, base, seed, scale) for name in BUILTINS]
        elif choice in BUILTINS:
            scenarios.append(builtin(choice, base, seed, scale))
        elif Path(choice).suffix.lower() in SCENARIO_FILE_SUFFIXES:
            scenarios.append(load_scenario_file(choice, seed))
        else:
            builtin(choice, base)  # raises the unknown-scenario error
    return scenarios
