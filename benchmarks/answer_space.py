"""The answer space on demand: random valid answer sets, or the pairwise covering array.

Each set is rendered, checked (``xsoar-fetch check``) and simulated (every built-in
scenario at scale 0.2); one line per set: pass, refused (with copier.yml's reason) or
FAIL (with what failed). Answer sets are drawn from copier.yml as tests/answer_space.py
describes; ``--seed`` reproduces a run.

    .venv/bin/python benchmarks/answer_space.py [--draws N] [--seed S]
    .venv/bin/python benchmarks/answer_space.py --array        # every covering-array row
    .venv/bin/python benchmarks/answer_space.py --write-array  # rebuild the stored array
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from answer_space import (  # noqa: E402
    draw_answers,
    row_answers,
    stored_array,
    verify,
    write_array,
)


def main() -> int:
    """Run the draws (or the array) and print one line per answer set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10, metavar="N")
    parser.add_argument("--seed", type=int, default=None, metavar="S")
    parser.add_argument("--array", action="store_true", help="run the stored array")
    parser.add_argument(
        "--write-array", action="store_true", help="rebuild the stored array"
    )
    args = parser.parse_args()
    if args.write_array:
        started = time.perf_counter()
        array = write_array()
        print(
            f"{len(array['rows'])} rows, {len(array['excluded_pairs'])} pairs that "
            f"never co-occur, built in {time.perf_counter() - started:.0f} s"
        )
        return 0
    if args.array:
        sets = [row_answers(labels)[0] for labels in stored_array()["rows"]]
    else:
        seed = random.randrange(2**32) if args.seed is None else args.seed
        print(f"seed {seed}")
        chance = random.Random(seed)
        sets = [draw_answers(chance.choice) for _ in range(args.draws)]
    failures = 0
    started = time.perf_counter()
    for number, answers in enumerate(sets, 1):
        verdict = verify(answers)
        failures += not verdict.ok
        print(f"{number:3} {verdict.line()}", flush=True)
    print(
        f"{len(sets) - failures} passed or refused, {failures} failed "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
