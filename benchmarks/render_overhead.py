"""Benchmark: the template's render cost above Copier's floor.

The floor is what any Copier render costs: a one-file template in a tagged git repository
(Copier's import, clone, one question and the answers file). It is rendered with the same
Copier CLI, paired and interleaved with ``copier copy --defaults`` of this template (also from
a tagged git repository of it), and the script prints both medians and the ratio ours/floor.

With ``--breakdown`` it then splits the difference, rendering both templates inside this
process (Copier already imported) with Copier's Python API: ours as usual, and ours again with
every Jinja compile (question strings and template files) served from a cache filled by an
earlier render. The gap between those two is what compiling Jinja costs; what is left above the
floor is the rest of the template's cost (its larger copier.yml, git clone and file count),
which no change to the Jinja can remove.

Usage: python benchmarks/render_overhead.py [--runs N] [--goal RATIO] [--breakdown]
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
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from generator.template_source import TEMPLATE_FILES  # noqa: E402

CompileKey = tuple[str, str | None, bool, bool]

FLOOR_FILES = {
    "copier.yml": "_subdirectory: template\nname:\n  type: str\n  default: Acme\n",
    "template/README.md.jinja": "# {{ name }}\n",
    "template/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
}


def git_repo(root: Path) -> Path:
    """Commit everything under ``root`` and tag it, so Copier clones it as a release."""
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    for command in (
        ["git", "init", "-q", "."],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "template"],
        ["git", "tag", "v1.0.0"],
    ):
        subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
    return root


def floor_template(root: Path) -> Path:
    """A one-file template in a tagged git repository."""
    for name, text in FLOOR_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return git_repo(root)


def our_template(root: Path) -> Path:
    """This template as it is in the working tree, in a tagged git repository."""
    root.mkdir(parents=True)
    for name in TEMPLATE_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            shutil.copy2(source, root / name)
    return git_repo(root)


def render_time(copier: str, template: Path) -> float:
    """Wall time of one ``copier copy --defaults`` of ``template`` into a fresh folder."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [copier, "copy", "--defaults", "--quiet", str(template)]
        command.append(str(Path(tmp) / "Packs" / "AcmeAlerts"))
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"copier copy {template} failed:\n{done.stderr}")
    return elapsed


class CompileCache:
    """Serve ``jinja2.Environment.compile`` from a cache while ``serving`` is set.

    Keyed by source and template name (not the file name: Copier clones the template into a
    new temporary folder every run). Always filled, so one earlier render warms it.
    """

    def __init__(self) -> None:
        import jinja2.environment

        self.environment = jinja2.environment.Environment
        self.original = self.environment.compile
        self.compiled: dict[CompileKey, Any] = {}
        self.serving = False

    def __enter__(self) -> CompileCache:
        cache = self

        def compile(  # noqa: A001
            env: Any,
            source: Any,
            name: str | None = None,
            filename: str | None = None,
            raw: bool = False,
            defer_init: bool = False,
        ) -> Any:
            key = (str(source), name, raw, defer_init)
            if cache.serving and key in cache.compiled:
                return cache.compiled[key]
            code = cache.original(env, source, name, filename, raw, defer_init)
            cache.compiled[key] = code
            return code

        self.environment.compile = compile  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.environment.compile = self.original  # type: ignore[method-assign]


def api_render_time(template: Path) -> float:
    """Wall time of one ``run_copy(defaults=True)`` of ``template`` in this process."""
    from copier import run_copy

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_copy(
            str(template),
            str(Path(tmp) / "Packs" / "AcmeAlerts"),
            defaults=True,
            quiet=True,
        )
        return time.perf_counter() - start


def breakdown(floor_src: Path, ours_src: Path, runs: int, floor_cli: float) -> None:
    """Print what compiling Jinja costs in our render and what is left without it."""
    floor: list[float] = []
    ours: list[float] = []
    warm: list[float] = []
    with CompileCache() as cache:
        api_render_time(floor_src)
        api_render_time(ours_src)  # fills the cache
        for _ in range(runs):
            cache.serving = False
            floor.append(api_render_time(floor_src))
            ours.append(api_render_time(ours_src))
            cache.serving = True
            warm.append(api_render_time(ours_src))
    floor_median, ours_median = statistics.median(floor), statistics.median(ours)
    warm_median = statistics.median(warm)
    compiling = ours_median - warm_median
    print("in this process, after Copier's import (medians):")
    print(f"  floor:                              {floor_median:.3f} s")
    print(f"  this template:                      {ours_median:.3f} s")
    print(f"  this template, Jinja compile cached: {warm_median:.3f} s")
    print(
        f"  Jinja compile: {compiling:.3f} s; the rest above the floor: "
        f"{warm_median - floor_median:.3f} s"
    )
    print(
        f"  ratio with no Jinja compile at all (CLI floor {floor_cli:.3f} s): "
        f"{(floor_cli + warm_median - floor_median) / floor_cli:.3f}"
    )


def report(
    floor: list[float], ours: list[float], ratios: list[float], goal: float
) -> None:
    """Print both medians, the load and the ratio against the goal."""
    floor_median = statistics.median(floor)
    ours_median = statistics.median(ours)
    ratio = ours_median / floor_median
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"floor (one-file git template): median {floor_median:.3f} s")
    print(f"this template, --defaults:     median {ours_median:.3f} s")
    print(f"paired runs: {len(ratios)}; load average (1 min) at the end: {load:.2f}")
    verdict = "meets" if ratio <= goal else "misses"
    print(
        f"ratio ours/floor: {ratio:.3f} (median of paired ratios "
        f"{statistics.median(ratios):.3f}; {verdict} the goal of at most {goal})"
    )


def main() -> int:
    """Run the paired benchmark and print both medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="paired runs (>= 1)")
    parser.add_argument("--goal", type=float, default=1.3, help="largest good ratio")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also split our cost into Jinja compiling and the rest (in-process)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    copier = shutil.which("copier", path=str(Path(sys.executable).parent)) or "copier"
    with tempfile.TemporaryDirectory() as tmp:
        floor_src = floor_template(Path(tmp) / "floor")
        ours_src = our_template(Path(tmp) / "ours")
        render_time(copier, floor_src)  # warm the file cache for both
        render_time(copier, ours_src)
        floor: list[float] = []
        ours: list[float] = []
        ratios: list[float] = []
        for run in range(args.runs):
            # Alternate which goes first so that a drift of machine load hits both alike.
            if run % 2:
                ours.append(render_time(copier, ours_src))
                floor.append(render_time(copier, floor_src))
            else:
                floor.append(render_time(copier, floor_src))
                ours.append(render_time(copier, ours_src))
            ratios.append(ours[-1] / floor[-1])
        report(floor, ours, ratios, args.goal)
        if args.breakdown:
            breakdown(floor_src, ours_src, args.runs, statistics.median(floor))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
