"""What `xsoar-fetch new` leaves: a pack folder with normal permissions, steps to paste."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.invocation import command_name
from generator.template_source import TEMPLATE_ENV_VAR

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits need an identity; CI machines may have none configured."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
    monkeypatch.delenv(TEMPLATE_ENV_VAR, raising=False)


def path_without_bin() -> str:
    """PATH as a user has it who installed into a virtual environment and never added it."""
    folders = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(folder for folder in folders if Path(folder) != BIN)


def new(dest: Path, cwd: Path, umask: int = 0o022) -> subprocess.CompletedProcess:
    """`xsoar-fetch new DEST --defaults` from the checkout's working tree, with the
    environment's bin folder off PATH."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "new", str(dest), "--defaults"]
        + ["--vcs-ref", "HEAD", "--allow-dirty"],
        cwd=cwd,
        env={**os.environ, "PATH": path_without_bin()},
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
    Given a pack created with a relative DEST holding a space, by a tool whose
        environment's bin folder is not on PATH (as the README installs it)
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
    env = {**os.environ, "PATH": path_without_bin()}
    tool = str(BIN / "xsoar-fetch")
    simulate = [step for step in steps if step.startswith(f"{tool} simulate")]
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


@pytest.mark.parametrize("on_path", [True, False])
def test_printed_commands_name_the_tool_as_the_shell_finds_it(
    monkeypatch: pytest.MonkeyPatch, on_path: bool
) -> None:
    """
    Given this installation's bin folder on PATH, or not
    When a suggested command is worded
    Then it says plain `xsoar-fetch` only when the shell would find this installation
    """
    path = f"{BIN}{os.pathsep}{path_without_bin()}" if on_path else path_without_bin()
    monkeypatch.setenv("PATH", path)
    expected = "xsoar-fetch" if on_path else str(BIN / "xsoar-fetch")
    assert command_name() == expected
