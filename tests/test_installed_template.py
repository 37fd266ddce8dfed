"""Installed as a tool (no checkout), xsoar-fetch renders from the template in the wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from generator import template_source
from generator.cli import main
from generator.template_source import (
    BUILD_INFO_FILE,
    SHIPPED_TEMPLATE_DIR,
    TEMPLATE_ENV_VAR,
    TEMPLATE_FILES,
)

# Builds the wheel and installs it as a tool: the wheel tier.
pytestmark = pytest.mark.wheel
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits need an identity; CI machines may have none configured."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
    monkeypatch.delenv(TEMPLATE_ENV_VAR, raising=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def answers_of(pack: Path) -> dict:
    return yaml.safe_load((pack / ".copier-answers.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel, as pip, pipx or uv build it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out)]
        + [str(REPO_ROOT)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (built,) = out.glob("xsoar_fetch_template-*.whl")
    return built


@pytest.fixture(scope="module")
def unpacked_wheel(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel's files, importable from a folder with no checkout around them."""
    target = tmp_path_factory.mktemp("site") / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def installed_env(site: Path) -> dict[str, str]:
    """An environment where ``import generator`` finds the unpacked wheel first."""
    env = {k: v for k, v in os.environ.items() if k != TEMPLATE_ENV_VAR}
    env["PYTHONPATH"] = str(site)
    return env


def test_wheel_ships_every_template_entry(unpacked_wheel: Path) -> None:
    """
    Given the built wheel
    When its files are listed
    Then every file of every TEMPLATE_FILES entry of the checkout is in it, with
    the build info
    """
    shipped = unpacked_wheel / "generator" / SHIPPED_TEMPLATE_DIR
    expected = template_source.template_file_list(REPO_ROOT)
    assert expected and "copier.yml" in expected
    for name in expected:
        assert (shipped / name).is_file(), name
        assert (shipped / name).read_bytes() == (REPO_ROOT / name).read_bytes()
    entries = {name.split("/")[0] for name in expected}
    assert entries == {n for n in TEMPLATE_FILES if (REPO_ROOT / n).exists()}
    assert (shipped / BUILD_INFO_FILE).is_file()


def test_installed_new_renders_from_the_shipped_copy_and_check_passes(
    unpacked_wheel: Path, tmp_path: Path
) -> None:
    """
    Given the package installed from its wheel, with no checkout beside it
    When `xsoar-fetch new DEST --defaults` runs, then `xsoar-fetch check DEST`
    Then the pack renders with normal permissions, the user is told once that it
    cannot be updated as is and which command fixes that, and check passes
    """
    dest = tmp_path / "Packs" / "AcmeAlerts"
    env = installed_env(unpacked_wheel)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "new", str(dest), "--defaults"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("cannot update this pack as it is") == 1
    assert f"xsoar-fetch update {dest} --template " in done.stderr
    assert "Traceback" not in done.stderr
    recorded = answers_of(dest)["_src_path"]
    assert Path(recorded) == unpacked_wheel / "generator" / SHIPPED_TEMPLATE_DIR

    check = subprocess.run(
        [sys.executable, "-m", "generator", "check", str(dest)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_environment_variable_chooses_the_template(tmp_path: Path) -> None:
    """
    Given XSOAR_FETCH_TEMPLATE naming a git template with a release tag
    When `xsoar-fetch new` runs without --template
    Then that template (at its tag) is rendered and recorded
    """
    template = make_template_repo(tmp_path / "tpl", tags=("v1.0.0",))
    dest = tmp_path / "pack"
    env = {**os.environ, TEMPLATE_ENV_VAR: str(template)}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "new", str(dest), "--defaults"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers = answers_of(dest)
    assert answers["_src_path"] == str(template)
    assert answers["_commit"] == "v1.0.0"


def test_bad_environment_variable_is_one_line(tmp_path: Path) -> None:
    """
    Given XSOAR_FETCH_TEMPLATE naming a folder without copier.yml
    When `xsoar-fetch new` runs
    Then one line names the variable and what it accepts, and nothing is written
    """
    env = {**os.environ, TEMPLATE_ENV_VAR: str(tmp_path)}
    dest = tmp_path / "pack"
    done = subprocess.run(
        [sys.executable, "-m", "generator", "new", str(dest), "--defaults"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and TEMPLATE_ENV_VAR in lines[0], done.stderr
    assert "copier.yml" in lines[0] and not dest.exists()


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--template, then the variable, then the checkout, then the shipped copy."""
    option = make_template_files(tmp_path / "option")
    variable = make_template_files(tmp_path / "variable")
    shipped = make_template_files(tmp_path / "shipped")
    monkeypatch.setattr(template_source, "shipped_root", lambda: shipped)
    monkeypatch.setenv(TEMPLATE_ENV_VAR, str(variable))

    assert template_source.resolve(str(option)).src == str(option)
    assert template_source.resolve(None).origin == TEMPLATE_ENV_VAR
    monkeypatch.delenv(TEMPLATE_ENV_VAR)
    assert template_source.resolve(None).src == str(REPO_ROOT)
    monkeypatch.setattr(template_source, "checkout_root", lambda: None)
    source = template_source.resolve(None)
    assert source.src == str(shipped) and source.is_shipped


def test_pack_from_shipped_copy_is_pointed_at_git_template_and_updated(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    Given a pack rendered from a shipped copy built from a tagged git template
    When update runs as is, then with the --template command it names
    Then the first explains and names that command; the second records the git
    template, and with nothing newer says the pack is already up to date
    """
    template = make_template_repo(tmp_path / "tpl", tags=("v0.1.0",))
    shipped = template_source.ship_template(template, tmp_path / "pkg", "0.1.0")
    monkeypatch.setattr(template_source, "checkout_root", lambda: None)
    monkeypatch.setattr(template_source, "shipped_root", lambda: shipped)
    pack = tmp_path / "pack"
    assert main(["new", str(pack), "--defaults"]) == 0
    err = capsys.readouterr().err
    assert err.count("cannot update this pack as it is") == 1
    assert answers_of(pack)["_commit"] == "v0.1.0"
    git(pack, "init", "-q")
    git(pack, "add", "-A")
    git(pack, "commit", "-q", "-m", "Generated pack")

    assert main(["update", str(pack)]) == 2
    err = capsys.readouterr().err
    assert "not a git repository" in err and str(shipped) in err
    assert f"xsoar-fetch update {pack} --template " in err
    assert len(err.strip().splitlines()) == 1

    assert main(["update", str(pack), "--template", str(template)]) == 0
    out = capsys.readouterr().out
    assert "already up to date" in out
    assert answers_of(pack)["_src_path"] == str(template)
    assert git(pack, "status", "--porcelain") == ""
    assert "Record the template source" in git(pack, "log", "-1", "--format=%s")


def make_template_files(root: Path) -> Path:
    """A copy of the project's template files in ``root``."""
    root.mkdir(parents=True)
    for name in TEMPLATE_FILES:
        entry = REPO_ROOT / name
        if entry.is_dir():
            shutil.copytree(entry, root / name)
        elif entry.is_file():
            shutil.copy2(entry, root / name)
    return root


def make_template_repo(root: Path, tags: tuple[str, ...] = ()) -> Path:
    """The project's template files as a git repository, committed and tagged."""
    make_template_files(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Template")
    for tag in tags:
        git(root, "tag", tag)
    return root
