"""Benchmark: a simulated day of fetching (1,440 runs, 20,000 events) per answer set.

Prints the wall time, the simulated-to-real speed-up (goal >= 10,000x) and the largest
lastRun over the day (goal <= 64 KiB), and whether anything was missed or duplicated.

    .venv/bin/python benchmarks/simulate_day.py [ANSWER_SET ...] [--events N] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from answer_sets import ANSWER_SETS, render_pack  # noqa: E402

from generator.pack import load_pack  # noqa: E402
from generator.simulate.events import EventSpec  # noqa: E402
from generator.simulate.runner import run_scenario  # noqa: E402
from generator.simulate.scenarios import DEFAULT_START, Scenario  # noqa: E402

RUNS_PER_DAY = 1_440
DEFAULT_SETS = (
    "defaults",
    "time_range_lookback_epoch_millis_nested",
    "cursor_iso_no_auth_nested",
)
GOAL_SPEED_UP = 10_000
GOAL_LAST_RUN = 64 * 1024


def day_scenario(events: int, seed: int) -> Scenario:
    """``events`` events spread over one day, one fetch a minute."""
    rng = random.Random(seed)
    span = (RUNS_PER_DAY - 1) * 60
    specs = [
        EventSpec(time=DEFAULT_START + timedelta(seconds=rng.randrange(span)))
        for _ in range(events)
    ]
    return Scenario(
        name="day",
        description=f"{events} events over a day",
        cycles=RUNS_PER_DAY,
        events=specs,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answer_sets", nargs="*", default=list(DEFAULT_SETS))
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenario = day_scenario(args.events, args.seed)
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for name in args.answer_sets:
            pack = load_pack(render_pack(ANSWER_SETS[name], Path(root) / name))
            started = time.perf_counter()
            result = run_scenario(pack, scenario, seed=args.seed)
            wall = time.perf_counter() - started
            simulated = result.cycles * 60
            speed_up = simulated / wall
            print(
                f"{name}: {result.cycles} fetch runs, {result.events} events, "
                f"{result.incidents} incidents, missed {result.missed}, "
                f"duplicated {result.duplicates}"
            )
            print(
                f"  wall {wall:.2f} s, simulated {simulated / 3600:.1f} h, "
                f"speed-up {speed_up:,.0f}x (goal >= {GOAL_SPEED_UP:,}x), "
                f"largest lastRun {result.max_last_run_bytes:,} bytes "
                f"(goal <= {GOAL_LAST_RUN:,})"
            )
            ok = ok and result.passed
            ok = ok and speed_up >= GOAL_SPEED_UP
            ok = ok and result.max_last_run_bytes <= GOAL_LAST_RUN
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
