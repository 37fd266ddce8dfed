"""Benchmark: ``xsoar-fetch new`` against plain ``copier copy`` of the same answers.

Both render every default from the same template, a committed git copy of this checkout's
template files (so neither sees uncommitted changes), at its HEAD. Runs are paired and
interleaved, alternating which command goes first, so that a change of machine load
hits both alike. Prints each command's median wall time and the median of the per-pair
ratios; the goal is a ratio of at most 1.2.

Usage: python benchmarks/new_vs_copier.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator.template_source import TEMPLATE_FILES

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GOAL = 1.2


def timed(command: list[str], cwd: Path) -> float:
    """Run ``command`` once and return its wall time; fail loudly when it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def template_repo(root: Path) -> Path:
    """This checkout's template files, committed to a new git repository."""
    root.mkdir()
    for name in TEMPLATE_FILES:
        entry = REPO_ROOT / name
        if entry.is_dir():
            shutil.copytree(entry, root / name)
        elif entry.is_file():
            shutil.copy2(entry, root / name)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Benchmark",
        "GIT_AUTHOR_EMAIL": "benchmark@example.com",
        "GIT_COMMITTER_NAME": "Benchmark",
        "GIT_COMMITTER_EMAIL": "benchmark@example.com",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "Template"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return root


def commands(template: Path, dest: Path) -> dict[str, list[str]]:
    """The two commands, rendering the same answers (every default) at HEAD."""
    return {
        "xsoar-fetch new": [str(BIN / "xsoar-fetch"), "new", str(dest / "new")]
        + ["--defaults", "--template", str(template), "--vcs-ref", "HEAD"],
        "copier copy": [str(BIN / "copier"), "copy", "--defaults", "--quiet"]
        + ["--vcs-ref", "HEAD", str(template), str(dest / "copier")],
    }


def main() -> int:
    """Run the paired benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="pairs (default 10)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"xsoar-fetch new": [], "copier copy": []}
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        template = template_repo(Path(tmp) / "template")
        for run in range(args.runs + 1):  # the first pair warms caches, unrecorded
            dest = Path(tmp) / f"run{run}"
            dest.mkdir()
            pair = commands(template, dest)
            order = list(pair) if run % 2 else list(reversed(pair))
            measured = {name: timed(pair[name], Path(tmp)) for name in order}
            if run == 0:
                continue
            for name, seconds in measured.items():
                times[name].append(seconds)
            ratios.append(measured["xsoar-fetch new"] / measured["copier copy"])
    for name, values in times.items():
        print(
            f"{name}: median {statistics.median(values):.3f} s "
            f"(min {min(values):.3f}, max {max(values):.3f}) over {args.runs} runs"
        )
    ratio = statistics.median(ratios)
    verdict = "meets" if ratio <= GOAL else "misses"
    print(
        f"ratio new/copier, median of {args.runs} paired runs: {ratio:.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f}; {verdict} the goal of {GOAL})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
