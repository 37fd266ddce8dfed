"""Benchmark: API requests per fetch run in the steady scenario.

For the default answers and for an answer set whose API says its largest page
(page_size_max) and whether more pages follow (has_more_path), prints the requests per
run (mean and largest) and those of the runs that found fewer events than a page. With
the page size known, such a run makes one request.

    .venv/bin/python benchmarks/requests_per_run.py [ANSWER_SET ...] [--seed N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from answer_sets import ANSWER_SETS, render_pack  # noqa: E402

from generator.pack import load_pack  # noqa: E402
from generator.simulate import resolve_scenarios  # noqa: E402
from generator.simulate.runner import run_scenario  # noqa: E402

DEFAULT_SETS = ("defaults", "pagerduty_like_log_entries")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answer_sets", nargs="*", default=list(DEFAULT_SETS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for name in args.answer_sets:
            answers = ANSWER_SETS[name]
            pack = load_pack(render_pack(answers, Path(root) / name))
            (scenario,) = resolve_scenarios(pack, ["steady"], seed=args.seed)
            result = run_scenario(pack, scenario, seed=args.seed)
            counts = [run.requests for run in result.runs if run.ok]
            page_size_max = int(answers.get("page_size_max") or 0)
            max_fetch = int(answers.get("fetch_limit_default") or 50)
            page = min(max_fetch, page_size_max) if page_size_max else max_fetch
            short = [run.requests for run in result.runs if len(run.incidents) < page]
            print(
                f"{name}: {len(counts)} runs, {result.incidents} incidents, "
                f"missed {result.missed}, duplicated {result.duplicates}"
            )
            print(
                f"  requests per run: mean {statistics.mean(counts):.2f}, "
                f"largest {max(counts)}; runs finding fewer than a page ({page}): "
                f"mean {statistics.mean(short):.2f}, largest {max(short)}"
            )
            ok = ok and result.passed
            if page_size_max or answers.get("has_more_path"):
                ok = ok and max(short) == 1
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
