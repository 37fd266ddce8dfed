"""The repository stands alone: its tests read nothing outside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def repository_files() -> list[str]:
    """Files a clone holds: tracked plus new, not ignored, files of the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in listed.split("\0") if (REPO_ROOT / name).is_file()]


def test_conformance_replay_passes_in_a_copy_with_nothing_beside_it(
    tmp_path: Path,
) -> None:
    """
    Given a copy of the repository's files alone in an empty folder
    When its conformance replay runs there
    Then every recorded case passes, read from inside the copy
    """
    clone = tmp_path / "lonely" / "xsoar-fetch-template"
    for name in repository_files():
        target = clone / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    assert sorted(p.name for p in clone.parent.iterdir()) == [clone.name]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + ["-p", "no:xdist", "tests/test_conformance.py"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "602 passed" in result.stdout
    assert "skipped" not in result.stdout
