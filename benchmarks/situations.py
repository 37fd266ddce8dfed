"""Benchmark: the situation scenarios on every answer set, as a Markdown table.

For each scenario and answer set: missed / duplicated incidents (and runs over the Fetch
Limit, the largest lastRun and the most requests in one run), or why it does not apply.
These are the figures docs/architecture.md quotes under "Known limitations by situation".

    .venv/bin/python benchmarks/situations.py [--scale S] [--seed N] [--scenario NAME]...
    .venv/bin/python benchmarks/situations.py --burst-requests [--scale S] [--answer-set NAME]...

``--burst-requests`` instead prints, per answer set, the most requests one run makes for
the rate-limit scenario's same-second burst with the rate limit lifted (the goal: in
proportion to the new events, not to the events already taken at that second).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from answer_sets import ANSWER_SETS, render_pack  # noqa: E402

from generator.pack import load_pack  # noqa: E402
from generator.simulate import resolve_scenarios  # noqa: E402
from generator.simulate.api_quirks import ApiQuirks  # noqa: E402
from generator.simulate.runner import ScenarioResult, run_scenario  # noqa: E402

SITUATIONS = {
    # scenario: the situation it stands for
    "outage-lag": "1 outage while events lag",
    "late-flood": "2 late flood larger than the Fetch Limit",
    "duplicate-rows": "3 duplicate rows in one page",
    "constant-delay": "4 constant delay beyond the look-back",
    "rate-limit": "6 rate limit, same-second burst",
    "cursor-expiry": "7 expired cursor",
    "last-run-growth": "8 lastRun growth, API ignoring limit",
    "late-match": "10 late-matching events",
    "late-ids": "10 IDs numbered at creation, visible late",
}


def cell(result: ScenarioResult) -> str:
    """``missed/duplicated`` plus what else went wrong; ``-`` when it does not apply."""
    if result.skipped_reason is not None:
        return "-"
    text = f"{result.missed}/{result.duplicates}"
    if result.over_limit_runs:
        text += f", {result.over_limit_runs} runs over limit"
    if result.invalid:
        text += f", {result.invalid} invalid"
    if result.limitation:
        text += " (limitation)"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", action="append", choices=list(SITUATIONS))
    parser.add_argument("--answer-set", action="append", choices=list(ANSWER_SETS))
    parser.add_argument("--burst-requests", action="store_true")
    args = parser.parse_args()
    sets = args.answer_set or list(ANSWER_SETS)
    if args.burst_requests:
        return burst_requests(sets, args.scale, args.seed)
    names = args.scenario or list(SITUATIONS)
    header = "| answer set | " + " | ".join(names) + " |"
    print(f"missed/duplicated at --scale {args.scale} --seed {args.seed}")
    print()
    print(header)
    print("|---" * (len(names) + 1) + "|")
    extremes: dict[str, tuple[int, int]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as root:
        for set_name in sets:
            pack = load_pack(render_pack(ANSWER_SETS[set_name], Path(root) / set_name))
            cells = []
            for name in names:
                (scenario,) = resolve_scenarios(
                    pack, [name], seed=args.seed, scale=args.scale
                )
                result = run_scenario(pack, scenario, seed=args.seed)
                cells.append(cell(result))
                if result.skipped_reason is None:
                    bytes_, requests = extremes.get(name, (0, 0))
                    extremes[name] = (
                        max(bytes_, result.max_last_run_bytes),
                        max(requests, result.max_requests_per_run),
                    )
            print(f"| {set_name} | " + " | ".join(cells) + " |", flush=True)
    print()
    for name, (bytes_, requests) in extremes.items():
        print(
            f"{name}: largest lastRun {bytes_:,} bytes, "
            f"most requests in one run {requests}"
        )
    print(f"wall {time.perf_counter() - started:.0f} s")
    return 0


def burst_requests(sets: list[str], scale: float, seed: int) -> int:
    """Most requests in one run for the same-second burst, no rate limit, per set."""
    print(f"same-second burst, no rate limit, --scale {scale} --seed {seed}")
    print()
    print(
        "| answer set | events | runs | most requests in one run | missed/duplicated |"
    )
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as root:
        for set_name in sets:
            pack = load_pack(render_pack(ANSWER_SETS[set_name], Path(root) / set_name))
            (scenario,) = resolve_scenarios(
                pack, ["rate-limit"], seed=seed, scale=scale
            )
            result = run_scenario(
                pack, replace(scenario, quirks=ApiQuirks()), seed=seed
            )
            print(
                f"| {set_name} | {result.events} | {result.cycles} | "
                f"{result.max_requests_per_run} | {cell(result)} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
