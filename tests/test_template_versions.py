"""Versions that tell the truth: release tags, HEAD, uncommitted changes, moved templates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.template_source import TEMPLATE_ENV_VAR, TEMPLATE_FILES

# Each test renders from a git template (tags, HEAD, dirty trees): the git tier.
pytestmark = pytest.mark.git
REPO_ROOT = Path(__file__).resolve().parents[1]
COPIER = shutil.which("copier", path=str(Path(sys.executable).parent)) or "copier"
COPIER_NO_TAGS = "No git tags found"


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


def xsoar_fetch(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the command as a user does, without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def answers_of(pack: Path) -> dict:
    return yaml.safe_load((pack / ".copier-answers.yml").read_text("utf-8"))


def template_repo(root: Path, tags: tuple[str, ...] = ()) -> Path:
    """The project's template files as a git repository, committed and tagged."""
    root.mkdir(parents=True)
    for name in TEMPLATE_FILES:
        entry = REPO_ROOT / name
        if entry.is_dir():
            shutil.copytree(entry, root / name)
        elif entry.is_file():
            shutil.copy2(entry, root / name)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Template")
    for tag in tags:
        git(root, "tag", tag)
    return root


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "--no-gpg-sign", "-m", message)


def change_readme(template: Path, line: str) -> None:
    readme = template / "template" / "README.md.jinja"
    if not readme.is_file():
        readme = next((template / "template").glob("README.md*"))
    readme.write_text(readme.read_text("utf-8") + f"\n{line}\n", "utf-8")


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def test_new_takes_the_newest_release_tag(tmp_path: Path) -> None:
    """
    Given a template tagged v0.1.0, v0.2.0, v0.3.0rc1 and a tag that is no version
    When new runs without --vcs-ref
    Then the pack records v0.2.0 and nothing is said about HEAD
    """
    template = template_repo(tmp_path / "tpl", ("v0.1.0",))
    for tag in ("v0.2.0", "v0.3.0rc1", "nightly"):
        change_readme(template, f"Line of {tag}.")
        commit_all(template, tag)
        git(template, "tag", tag)

    done = xsoar_fetch("new", str(tmp_path / "pack"), "--template", str(template))

    assert done.returncode == 0, done.stderr
    assert answers_of(tmp_path / "pack")["_commit"] == "v0.2.0"
    assert "HEAD" not in done.stderr and COPIER_NO_TAGS not in done.stderr


def test_new_without_tags_takes_head_and_says_so_once(tmp_path: Path) -> None:
    """
    Given a template without release tags
    When new runs
    Then it renders HEAD and says so exactly once (Copier's own warning is not shown)
    """
    template = template_repo(tmp_path / "tpl")
    head = git(template, "rev-parse", "--short", "HEAD").strip()

    done = xsoar_fetch("new", str(tmp_path / "pack"), "--template", str(template))

    assert done.returncode == 0, done.stderr
    assert done.stderr.count("no release tags") == 1
    assert f"(HEAD, {head})" in done.stderr
    assert COPIER_NO_TAGS not in done.stderr
    assert answers_of(tmp_path / "pack")["_commit"] == head


def test_help_says_what_the_default_version_is() -> None:
    """The --help of new and update says: newest release tag, else HEAD."""
    for verb in ("new", "update"):
        done = xsoar_fetch(verb, "--help")
        text = " ".join(done.stdout.split())
        assert "newest release tag" in text and "HEAD" in text, verb


def test_uncommitted_template_changes_are_refused(tmp_path: Path) -> None:
    """
    Given a template with an uncommitted change and no tags
    When new runs without --allow-dirty
    Then one line names the change and the flag, and nothing is written
    """
    template = template_repo(tmp_path / "tpl")
    change_readme(template, "work in progress")

    done = xsoar_fetch("new", str(tmp_path / "pack"), "--template", str(template))

    assert done.returncode == 2
    line = one_line(done)
    assert "uncommitted changes" in line and "--allow-dirty" in line
    assert "README" in line
    assert not (tmp_path / "pack").exists()


def test_unknown_recorded_commit_is_explained_and_fixed_with_from_ref(
    tmp_path: Path,
) -> None:
    """
    Given a pack rendered with --allow-dirty from uncommitted template changes
    When update runs, then again with --from-ref naming the real base commit
    Then the first warns at render time, the update explains the unknown commit
    (what, where, the fixing command), and the second updates
    """
    template = template_repo(tmp_path / "tpl")
    base = git(template, "rev-parse", "--short", "HEAD").strip()
    change_readme(template, "work in progress")
    pack = tmp_path / "pack"

    rendered = xsoar_fetch(
        "new", str(pack), "--template", str(template), "--allow-dirty"
    )
    assert rendered.returncode == 0, rendered.stderr
    assert "will not exist" in rendered.stderr
    recorded = answers_of(pack)["_commit"]
    git(pack, "init", "-q")
    commit_all(pack, "Generated pack")
    commit_all(template, "Work in progress, committed")

    done = xsoar_fetch("update", str(pack))

    assert done.returncode == 2
    line = one_line(done)
    assert recorded in line and str(template) in line
    assert f"xsoar-fetch update {pack} --from-ref REF" in line

    fixed = xsoar_fetch("update", str(pack), "--from-ref", base)
    assert fixed.returncode == 0, fixed.stderr
    assert git(pack, "log", "-1", "--format=%s").startswith("Record the template")


def test_update_without_tags_takes_head_and_says_so_once(tmp_path: Path) -> None:
    """
    Given a pack rendered from an untagged template that then gains a commit
    When update runs
    Then the change arrives, HEAD is named once, and Copier's warning is not shown
    """
    template = template_repo(tmp_path / "tpl")
    pack = tmp_path / "pack"
    assert xsoar_fetch("new", str(pack), "--template", str(template)).returncode == 0
    git(pack, "init", "-q")
    commit_all(pack, "Generated pack")
    change_readme(template, "A newer template line.")
    commit_all(template, "Newer")

    done = xsoar_fetch("update", str(pack))

    assert done.returncode == 0, done.stderr
    assert done.stderr.count("no release tags") == 1
    assert COPIER_NO_TAGS not in done.stderr
    assert "Updated" in done.stdout
    assert "A newer template line." in (pack / "README.md").read_text("utf-8")


def test_update_with_nothing_to_do_says_already_up_to_date(tmp_path: Path) -> None:
    """
    Given a pack at the template's newest tag
    When update runs
    Then it says the pack is already up to date and changes nothing
    """
    template = template_repo(tmp_path / "tpl", ("v0.1.0",))
    pack = tmp_path / "pack"
    assert xsoar_fetch("new", str(pack), "--template", str(template)).returncode == 0
    git(pack, "init", "-q")
    commit_all(pack, "Generated pack")

    done = xsoar_fetch("update", str(pack))

    assert done.returncode == 0, done.stderr
    assert "already up to date with template v0.1.0" in done.stdout
    assert "Updated" not in done.stdout
    assert git(pack, "status", "--porcelain") == ""


@pytest.fixture
def relative_pack(tmp_path: Path) -> tuple[Path, Path]:
    """Plain `copier copy ../tpl Packs/Acme` run at the top of a content repository."""
    template = template_repo(tmp_path / "tpl", ("v0.1.0",))
    content = tmp_path / "content"
    content.mkdir()
    git(content, "init", "-q")
    subprocess.run(
        [COPIER, "copy", "--defaults", "--quiet", "../tpl", "Packs/Acme"],
        cwd=content,
        check=True,
        capture_output=True,
        timeout=300,
    )
    commit_all(content, "Generated pack")
    pack = content / "Packs" / "Acme"
    assert answers_of(pack)["_src_path"] == "../tpl"
    return pack, template


def test_relative_source_is_resolved_where_it_was_meant(
    relative_pack: tuple[Path, Path], tmp_path: Path
) -> None:
    """
    Given a pack whose answers record the relative template path ../tpl
    When update runs from an unrelated folder
    Then the path is resolved against the content repository's top, the update
    runs, and the absolute path is recorded
    """
    pack, template = relative_pack
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    done = xsoar_fetch("update", str(pack), cwd=elsewhere)

    assert done.returncode == 0, done.stderr
    assert "relative template path '../tpl'" in done.stderr
    assert str(template) in done.stderr
    assert "already up to date" in done.stdout
    assert answers_of(pack)["_src_path"] == str(template)


def test_relative_source_that_resolves_nowhere_is_explained(
    relative_pack: tuple[Path, Path], tmp_path: Path
) -> None:
    """
    Given the relative template path no longer leads to the template (it moved)
    When update runs
    Then one line says what was recorded, where it looked and the fixing command
    """
    pack, template = relative_pack
    template.rename(tmp_path / "moved")

    done = xsoar_fetch("update", str(pack), cwd=tmp_path)

    assert done.returncode == 2
    line = one_line(done)
    assert "'../tpl'" in line and str(template) in line
    assert f"xsoar-fetch update {pack} --template" in line
    assert git(pack, "status", "--porcelain") == ""


def test_missing_source_is_explained(tmp_path: Path) -> None:
    """
    Given a pack whose answers file lost its _src_path
    When update runs
    Then one line says so and names the --template command
    """
    template = template_repo(tmp_path / "tpl", ("v0.1.0",))
    pack = tmp_path / "pack"
    assert xsoar_fetch("new", str(pack), "--template", str(template)).returncode == 0
    answers = pack / ".copier-answers.yml"
    answers.write_text(
        "".join(
            line
            for line in answers.read_text("utf-8").splitlines(keepends=True)
            if not line.startswith("_src_path")
        ),
        "utf-8",
    )
    git(pack, "init", "-q")
    commit_all(pack, "Generated pack")

    done = xsoar_fetch("update", str(pack))

    assert done.returncode == 2
    line = one_line(done)
    assert "_src_path" in line and f"xsoar-fetch update {pack} --template" in line


def test_template_that_moved_is_pointed_at_again(tmp_path: Path) -> None:
    """
    Given a pack whose absolute template path no longer exists (the clone moved)
    When update runs, then with --template naming the new place
    Then the first names the missing path and the command; the second works
    """
    template = template_repo(tmp_path / "tpl", ("v0.1.0",))
    pack = tmp_path / "pack"
    assert xsoar_fetch("new", str(pack), "--template", str(template)).returncode == 0
    git(pack, "init", "-q")
    commit_all(pack, "Generated pack")
    moved = tmp_path / "moved"
    template.rename(moved)

    done = xsoar_fetch("update", str(pack))
    assert done.returncode == 2
    line = one_line(done)
    assert str(template) in line and "--template" in line

    fixed = xsoar_fetch("update", str(pack), "--template", str(moved))
    assert fixed.returncode == 0, fixed.stderr
    assert "already up to date" in fixed.stdout
    assert answers_of(pack)["_src_path"] == str(moved)


def test_environment_is_not_needed_for_help() -> None:
    """`update --help` lists the options that fix a pack's recorded template."""
    done = xsoar_fetch("update", "--help")
    for option in ("--template", "--from-ref", "--allow-dirty", "--conflict"):
        assert option in done.stdout
    assert os.environ.get(TEMPLATE_ENV_VAR) is None
