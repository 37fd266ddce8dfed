"""What `xsoar-fetch new` leaves: a pack folder with normal permissions, steps to paste."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.template_source import TEMPLATE_ENV_VAR

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits need an identity; CI machines may have none configured."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
    monkeypatch.delenv(TEMPLATE_ENV_VAR, raising=False)


def new(dest: Path, cwd: Path, umask: int = 0o022) -> subprocess.CompletedProcess:
    """`xsoar-fetch new DEST --defaults` from the checkout's working tree."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "new", str(dest), "--defaults"]
        + ["--vcs-ref", "HEAD", "--allow-dirty"],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        umask=umask,
    )


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o755), (0o027, 0o750)])
def test_pack_folder_has_normal_permissions(
    tmp_path: Path, umask: int, mode: int
) -> None:
    """
    Given a user's umask
    When new creates the pack folder
    Then its mode is what mkdir gives under that umask, as with plain Copier
    """
    dest = tmp_path / "Packs" / "AcmeAlerts"
    done = new(dest, tmp_path, umask)
    assert done.returncode == 0, done.stderr
    assert dest.stat().st_mode & 0o777 == mode
    assert (dest / "Integrations").stat().st_mode & 0o777 == mode


def test_next_steps_can_be_pasted_in_order(tmp_path: Path) -> None:
    """
    Given a pack created with a relative DEST holding a space
    When the printed next steps are pasted, in order, into a shell in the same folder
    Then every one of them succeeds: the pack is committed, checked and simulated
        (with the one documented limitation of the default style)
    """
    start = tmp_path / "work"
    start.mkdir()
    done = new(Path("my packs") / "AcmeAlerts", start)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Next steps"))
    steps = []
    for line in lines[first + 1 :]:
        if not line.startswith("  "):
            break
        steps.append(line.strip())
    assert steps[0].startswith("cd ") and len(steps) >= 3
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    simulate = [step for step in steps if step.startswith("xsoar-fetch simulate")]
    assert len(simulate) == 1 and steps[-1] == simulate[0]

    shell = subprocess.run(
        ["bash", "-e", "-c", "\n".join(steps)],
        cwd=start,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    # Every step succeeds; the simulation's only failure is the documented limitation
    # of the time_range core under a request budget (docs/architecture.md).
    output = shell.stdout[-3000:] + shell.stderr[-2000:]
    if shell.returncode != 0:
        failed = re.findall(r"^│ (\S+)\s+│ FAIL", shell.stdout, flags=re.MULTILINE)
        assert "Simulation summary" in shell.stdout, output
        assert failed == ["rate-limit"], output
    pack = start / "my packs" / "AcmeAlerts"
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=pack, capture_output=True, text=True
    )
    assert "Generated pack" in log.stdout
