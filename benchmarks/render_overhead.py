"""Benchmark: the template's render cost above Copier's floor.

The floor is what any Copier render costs: a one-file template in a tagged git repository
(Copier's import, clone, one question and the answers file). It is rendered with the same
Copier CLI, paired and interleaved with ``copier copy --defaults`` of this template (also from
a tagged git repository of it), and the script prints both medians and the ratio ours/floor.

Usage: python benchmarks/render_overhead.py [--runs N] [--goal RATIO]
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

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from generator.template_source import TEMPLATE_FILES  # noqa: E402

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


def main() -> int:
    """Run the paired benchmark and print both medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="paired runs (>= 1)")
    parser.add_argument("--goal", type=float, default=1.3, help="largest good ratio")
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

    floor_median = statistics.median(floor)
    ours_median = statistics.median(ours)
    ratio = ours_median / floor_median
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"floor (one-file git template): median {floor_median:.3f} s")
    print(f"this template, --defaults:     median {ours_median:.3f} s")
    print(f"paired runs: {args.runs}; load average (1 min) at the end: {load:.2f}")
    verdict = "meets" if ratio <= args.goal else "misses"
    print(
        f"ratio ours/floor: {ratio:.3f} (median of paired ratios "
        f"{statistics.median(ratios):.3f}; {verdict} the goal of at most {args.goal})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
