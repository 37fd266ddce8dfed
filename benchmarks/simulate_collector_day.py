"""Benchmark: an XSIAM event collector's simulated day (1,440 fetch-events runs, 200,000
events) per collector answer set, and its throughput on one large run.

Prints, per set: the wall time of the day and the simulated-to-real speed-up (goal
>= 10,000x; also on the process's CPU time, for a machine under load), the largest
lastRun over the day (goal <= 64 KiB), whether anything was missed or duplicated, and
events per second through fetch-events (the API's JSON parsed, _time added, sent to the
stand-in send_events_to_xsiam) on one run that collects a 50,000-event backlog.

With --repeat N the day runs N times per set and every wall time is printed; the goal is
judged on the fastest, as timeit does: on a shared machine the slower runs measure
other processes, not the simulator. The interpreter matters too: a CPython built without
profile-guided optimisation (pyenv's default build) runs this about a third slower than
distribution and python.org builds.

    .venv/bin/python benchmarks/simulate_collector_day.py [ANSWER_SET ...]
        [--events N] [--max-events N] [--backlog N] [--seed N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests"), str(REPO_ROOT / "benchmarks")]

from answer_sets import COLLECTOR_SETS, render_pack  # noqa: E402
from simulate_day import day_scenario  # noqa: E402

from generator.pack import load_pack  # noqa: E402
from generator.simulate.events import EventSpec  # noqa: E402
from generator.simulate.runner import ScenarioResult, run_scenario  # noqa: E402
from generator.simulate.scenarios import DEFAULT_START, Scenario  # noqa: E402

DEFAULT_SETS = ("collector_time_range", "collector_cursor_basic_pattern")
GOAL_SPEED_UP = 10_000
GOAL_LAST_RUN = 64 * 1024
# The fake API's largest page in both scenarios: a run pages, as against a real API.
PAGE_SIZE = 500


def collector_day(events: int, max_events: int, seed: int) -> Scenario:
    """simulate_day's day of ``events`` events, for a collector fetching up to
    ``max_events`` a run from an API whose pages hold at most PAGE_SIZE."""
    day = day_scenario(events, seed)
    return replace(
        day,
        name="collector-day",
        params={"max_events_per_fetch": str(max_events)},
        page_size=PAGE_SIZE,
    )


def backlog_scenario(events: int) -> Scenario:
    """``events`` events waiting at the first run, which may collect them all."""
    specs = [
        EventSpec(time=DEFAULT_START - timedelta(hours=2) + timedelta(seconds=n % 7200))
        for n in range(events)
    ]
    return Scenario(
        name="collector-backlog",
        description=f"{events} events waiting",
        cycles=1,
        events=specs,
        params={"max_events_per_fetch": str(events)},
        page_size=PAGE_SIZE,
    )


def repeat_count(text: str) -> int:
    """--repeat's value: a whole number from 1 to 10."""
    if not text.isdigit() or not 1 <= int(text) <= 10:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to 10, not {text!r}"
        )
    return int(text)


def verdict(result: ScenarioResult) -> str:
    return (
        f"{result.cycles} fetch-events runs, {result.events} events, "
        f"{result.incidents} sent, missed {result.missed}, "
        f"duplicated {result.duplicates}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answer_sets", nargs="*", default=list(DEFAULT_SETS))
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--max-events", type=int, default=1_000)
    parser.add_argument("--backlog", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=repeat_count, default=1)
    args = parser.parse_args()
    day = collector_day(args.events, args.max_events, args.seed)
    backlog = backlog_scenario(args.backlog)
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for name in args.answer_sets:
            pack = load_pack(render_pack(COLLECTOR_SETS[name], Path(root) / name))
            timings = []
            for _ in range(args.repeat):
                started, cpu_started = time.perf_counter(), time.process_time()
                result = run_scenario(pack, day, seed=args.seed)
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                timings.append((wall, cpu))
                ok = ok and result.passed and not (result.missed or result.duplicates)
            wall, cpu = min(timings)
            simulated = result.cycles * 60
            speed_up = simulated / wall
            print(f"{name}: {verdict(result)}")
            if args.repeat > 1:
                walls = sorted(each for each, _ in timings)
                print(
                    f"  {args.repeat} days: wall {', '.join(f'{w:.2f}' for w in walls)}"
                    f" s (median {statistics.median(walls):.2f} s, speed-up "
                    f"{simulated / statistics.median(walls):,.0f}x); the fastest below"
                )
            print(
                f"  day: wall {wall:.2f} s (CPU {cpu:.2f} s), simulated "
                f"{simulated / 3600:.1f} h, speed-up {speed_up:,.0f}x "
                f"({simulated / cpu:,.0f}x on CPU time; goal >= {GOAL_SPEED_UP:,}x), "
                f"largest lastRun {result.max_last_run_bytes:,} bytes "
                f"(goal <= {GOAL_LAST_RUN:,}), {result.events / wall:,.0f} events/s"
            )
            started, cpu_started = time.perf_counter(), time.process_time()
            burst = run_scenario(pack, backlog, seed=args.seed)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            print(
                f"  one run collecting {args.backlog:,} events: {verdict(burst)}; "
                f"wall {wall:.2f} s (CPU {cpu:.2f} s, with the quiet runs after it), "
                f"{burst.incidents / wall:,.0f} events/s through fetch-events "
                f"({burst.incidents / cpu:,.0f} on CPU time)"
            )
            ok = ok and burst.passed
            ok = ok and speed_up >= GOAL_SPEED_UP
            ok = ok and result.max_last_run_bytes <= GOAL_LAST_RUN
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
