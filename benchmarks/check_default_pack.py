"""Wall time of ``xsoar-fetch check`` (without --sdk) on a pack rendered with every default.

Usage: python benchmarks/check_default_pack.py [--runs N]

Renders the working tree's template once, then runs the command N times as a user
would (a fresh process each time) and prints the median, fastest and slowest runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from generator.copier_steps import render  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xsoar-fetch-bench-") as tmp:
        pack = Path(tmp) / "pack"
        render(str(REPO_ROOT), pack, {}, defaults=True, vcs_ref="HEAD")
        command = [sys.executable, "-m", "generator", "check", str(pack)]
        subprocess.run(command, capture_output=True, check=False)  # warm caches
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            completed = subprocess.run(command, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if completed.returncode != 0:
                print(completed.stdout + completed.stderr, file=sys.stderr)
                print("check failed on the default pack", file=sys.stderr)
                return 1
    print(f"xsoar-fetch check (no --sdk), default pack, {args.runs} runs:")
    print(f"  median {statistics.median(times):.2f} s")
    print(f"  min    {min(times):.2f} s")
    print(f"  max    {max(times):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
