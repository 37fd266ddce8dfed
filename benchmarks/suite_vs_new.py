"""Benchmark: the README's test command against one ``xsoar-fetch new --defaults``.

In one run, on a fresh clone of this repository's HEAD (so uncommitted changes are not
measured and no render cache exists yet): times ``xsoar-fetch new DEST --defaults``
(the fastest of ``--new-runs``), then the README's test command (the line of the README
that runs the fast tier, as CI does), and prints both wall times and their ratio. The
goal is a ratio of at most 150. The clone is run with this interpreter (its installed
dependencies), the clone's own code first on the path.

Usage: python benchmarks/suite_vs_new.py [--new-runs N] [--workers N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
GOAL = 150.0
COMMAND = re.compile(
    r"^\.venv/bin/python (-m pytest [^#\n]*?-m \"not slow\"[^#\n]*?)\s*(?:#.*)?$"
)


def readme_test_command(readme: str) -> list[str]:
    """The README's test command (the fast tier), as arguments after the interpreter."""
    found = {
        match.group(1) for line in readme.splitlines() if (match := COMMAND.match(line))
    }
    if len(found) != 1:
        sys.exit(f"README: expected one fast-tier test command, found {sorted(found)}")
    return shlex.split(found.pop())


def timed(
    command: list[str], cwd: Path, env: dict[str, str], quiet: bool
) -> tuple[float, int]:
    """Run ``command`` once: its wall time and exit status (output shown unless quiet)."""
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=quiet,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0 and quiet:
        sys.exit(
            f"{shlex.join(command)} failed (exit {done.returncode}):\n{done.stderr}"
        )
    return elapsed, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-runs", type=int, default=3, help="runs of new (fastest)")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    parser.add_argument(
        "--workers", help="xdist workers instead of the command's -n (e.g. 2)"
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="xsoar-fetch-ratio-"))
    clone = scratch / "xsoar-fetch-template"
    try:
        subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=clone,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        paths = [str(clone), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        env.pop("XSOAR_FETCH_RENDER_CACHE", None)

        new_times = []
        for run in range(args.new_runs):
            dest = scratch / f"new-{run}" / "Packs" / "AcmeAlerts"
            new = [sys.executable, "-m", "generator", "new", str(dest), "--defaults"]
            new_times.append(timed(new, clone, env, quiet=True)[0])
        new_time = min(new_times)

        command = readme_test_command((clone / "README.md").read_text("utf-8"))
        if args.workers and "-n" in command:
            command[command.index("-n") + 1] = args.workers
        print(f"clone of {head}; README's test command: python {shlex.join(command)}")
        suite_time, status = timed([sys.executable, *command], clone, env, quiet=False)
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    ratio = suite_time / new_time
    print(
        f"xsoar-fetch new --defaults: {new_time:.2f} s (fastest of "
        f"{', '.join(f'{t:.2f}' for t in new_times)})"
    )
    print(f"README's test command: {suite_time:.1f} s ({suite_time / 60:.1f} min)")
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"ratio: {ratio:.0f}x ({verdict} the goal of at most {GOAL:.0f}x)")
    if status != 0:
        sys.exit(f"the test command failed (exit {status}): the timing counts as is")


if __name__ == "__main__":
    main()
