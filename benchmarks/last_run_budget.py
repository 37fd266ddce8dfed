"""Benchmark: the largest lastRun of each fetch style at realistic volumes, against its budget.

Two volumes, Fetch Limit 200, one fetch a minute:

- steady: 100 events a minute for three hours with a look-back of 60 minutes, each event
  listed up to 10 minutes late (for the other styles, which cannot catch late events,
  listed on time);
- backlog: 300,000 events over the three days before the first fetch, drained 200 a run
  (``--backlog-runs`` bounds the runs simulated; the lastRun of a draining run does not
  grow with the runs).

Prints per answer set and volume: runs, missed / duplicated, the largest lastRun in bytes
and the style's budget. Exits non-zero when a budget is exceeded or anything was missed
or duplicated in the steady volume.

    .venv/bin/python benchmarks/last_run_budget.py [ANSWER_SET ...] [--backlog-runs N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from answer_sets import ANSWER_SETS, render_pack  # noqa: E402

from generator.pack import Pack, load_pack  # noqa: E402
from generator.simulate.events import EventSpec  # noqa: E402
from generator.simulate.runner import ScenarioResult, run_scenario  # noqa: E402
from generator.simulate.scenarios import DEFAULT_START, Scenario  # noqa: E402

DEFAULT_SETS = (
    "defaults",
    "time_range_lookback_epoch_millis_nested",
    "id_greater_than_epoch_seconds",
    "cursor_iso_no_auth_nested",
)
FETCH_LIMIT = 200
LOOK_BACK = 60
STEADY_PER_MINUTE = 100
STEADY_MINUTES = 180
BACKLOG_EVENTS = 300_000
KIB = 1024
# Budget per style: the IDs a style must remember, at these volumes, with room to spare.
# Look-back remembers every ID of its window (100 a minute for 60 minutes here); the
# others one second's IDs, the last ID, or one page's IDs.
BUDGETS = {
    "time_range_lookback": 64 * KIB,
    "time_range": 16 * KIB,
    "id_greater_than": 1 * KIB,
    "cursor": 16 * KIB,
}


def style_of(pack: Pack) -> str:
    style = str(pack.answers.get("query_style", "time_range"))
    if style == "time_range" and pack.answers.get("use_lookback"):
        return "time_range_lookback"
    return style


def steady(seed: int, lagged: bool) -> Scenario:
    """100 events a minute for three hours; lagged, each up to 10 minutes late."""
    rng = random.Random(seed)
    specs = []
    for _ in range(STEADY_PER_MINUTE * STEADY_MINUTES):
        moment = DEFAULT_START + timedelta(seconds=rng.randrange(STEADY_MINUTES * 60))
        lag = timedelta(seconds=rng.randrange(600) if lagged else 0)
        specs.append(EventSpec(time=moment, lag=lag))
    return Scenario(
        name="steady-100-a-minute",
        description="100 events a minute, up to 10 minutes late, look-back 60",
        cycles=STEADY_MINUTES + 15,
        events=specs,
        params={"max_fetch": str(FETCH_LIMIT), "look_back": str(LOOK_BACK)},
    )


def backlog(seed: int, runs: int) -> Scenario:
    """300,000 events over the three days before the first fetch."""
    rng = random.Random(seed)
    span = 3 * 24 * 3600
    specs = [
        EventSpec(time=DEFAULT_START - timedelta(seconds=rng.randrange(1, span)))
        for _ in range(BACKLOG_EVENTS)
    ]
    return Scenario(
        name="backlog-300k",
        description=f"{BACKLOG_EVENTS} events before the first fetch",
        cycles=runs,
        events=specs,
        params={"max_fetch": str(FETCH_LIMIT), "first_fetch": "3 days"},
    )


def report(name: str, volume: str, result: ScenarioResult, budget: int) -> bool:
    within = result.max_last_run_bytes <= budget
    print(
        f"{name} / {volume}: {result.cycles} runs, {result.incidents} incidents, "
        f"missed {result.missed}, duplicated {result.duplicates}, largest lastRun "
        f"{result.max_last_run_bytes:,} bytes (budget {budget:,}: "
        f"{'within' if within else 'EXCEEDED'})"
    )
    return within


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answer_sets", nargs="*", default=list(DEFAULT_SETS))
    parser.add_argument("--backlog-runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for name in args.answer_sets:
            pack = load_pack(render_pack(ANSWER_SETS[name], Path(root) / name))
            style = style_of(pack)
            budget = BUDGETS[style]
            lagged = style == "time_range_lookback"
            result = run_scenario(pack, steady(args.seed, lagged), seed=args.seed)
            ok = report(name, "steady", result, budget) and ok
            ok = ok and result.missed == result.duplicates == 0
            result = run_scenario(
                pack, backlog(args.seed, args.backlog_runs), seed=args.seed
            )
            ok = report(name, "backlog", result, budget) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
