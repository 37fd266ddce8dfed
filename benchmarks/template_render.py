"""Benchmark: ``copier copy --defaults`` of the template against ``demisto-sdk init --integration``.

Prints the median wall time of each (whole commands, as a developer runs them) and the ratio.
demisto-sdk is taken from $XSOAR_FETCH_SDK_VENV or the environment ``xsoar-fetch check --sdk``
caches; pass ``--install-sdk`` to create that environment when it is missing.

Usage: python benchmarks/template_render.py [--runs N] [--install-sdk] [--template SRC]
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

from generator import sdk_env

REPO_ROOT = Path(__file__).resolve().parents[1]

# Answers to demisto-sdk init's prompts: use the folder name as ID, fromversion, category.
SDK_INIT_ANSWERS = "Y\n6.10.0\n1\n"


def timed(command: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> float:
    """Run ``command`` once and return its wall time; fail loudly when it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def copier_times(runs: int, template: Path) -> list[float]:
    """Wall times of the copier CLI rendering the template with its defaults."""
    copier = shutil.which("copier", path=str(Path(sys.executable).parent)) or "copier"
    command = [copier, "copy", "--defaults", "--quiet"]
    if (template / ".git").exists():
        command += ["--vcs-ref", "HEAD"]  # the newest commit, not the newest tag
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / "Packs" / "AcmeAlerts"
            times.append(
                timed([*command, str(template), str(dest)], Path(tmp), dict(os.environ))
            )
    return times


def sdk_init_times(runs: int, sdk_bin: Path) -> list[float]:
    """Wall times of ``demisto-sdk init --integration`` in a content-like workspace."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            workspace = Path(tmp)
            (workspace / "Packs").mkdir()
            (workspace / "home").mkdir()
            subprocess.run(["git", "init", "-q", "."], cwd=workspace, check=True)
            env = dict(os.environ)
            env.update(
                HOME=str(workspace / "home"),
                DEMISTO_SDK_LOG_FILE_PATH=str(workspace / "home"),
                DEMISTO_SDK_OFFLINE_ENV="true",
                DEMISTO_SDK_IGNORE_CONTENT_WARNING="1",
            )
            command = [
                str(sdk_bin),
                "init",
                "--integration",
                "-n",
                "AcmeAlerts",
            ]
            command += ["-o", str(workspace / "Packs")]
            times.append(timed(command, workspace, env, stdin=SDK_INIT_ANSWERS))
    return times


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--install-sdk", action="store_true")
    parser.add_argument(
        "--template",
        type=Path,
        default=REPO_ROOT,
        help="template source: this git repository (default) or a folder",
    )
    args = parser.parse_args()

    sdk_bin = sdk_env.venv_path() / "bin" / "demisto-sdk"
    if args.install_sdk:
        sdk_bin = sdk_env.ensure_sdk_env().bin_dir / "demisto-sdk"
    with_sdk = sdk_bin.exists()

    # Interleave the two commands so that a change of machine load hits both alike.
    copier: list[float] = []
    sdk: list[float] = []
    for _ in range(args.runs):
        copier += copier_times(1, args.template.resolve())
        if with_sdk:
            sdk += sdk_init_times(1, sdk_bin)

    copier_median = statistics.median(copier)
    print(f"copier copy --defaults: median {copier_median:.3f} s over {args.runs} runs")
    if not with_sdk:
        print(
            "demisto-sdk init: skipped (no demisto-sdk environment; use --install-sdk)"
        )
        return 0
    sdk_median = statistics.median(sdk)
    print(
        f"demisto-sdk init --integration: median {sdk_median:.3f} s over {args.runs} runs"
    )
    ratio = copier_median / sdk_median
    verdict = "meets" if ratio <= 1 / 3 else "misses"
    print(f"ratio copier/sdk: {ratio:.3f} ({verdict} the goal of at most 0.333)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
