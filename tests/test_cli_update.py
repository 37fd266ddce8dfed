"""``xsoar-fetch update``: versioned template updates keep user edits and fail on conflicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.update import find_conflicts

# Each test builds git template repositories and updates through them: the git tier.
pytestmark = pytest.mark.git
REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_MARKER = "# Template 0.2.0: this line arrives with the update."
USER_TOP_EDIT = "# Local note: keep this line across template updates."
USER_BOTTOM_EDIT = "# Local trailing note that collides with the template's."
CHANGELOG_0_1_0 = "## 0.1.0\n\n### Template\n\n- The first template.\n"
CHANGELOG_0_2_0 = (
    "# Changelog\n\n## 0.2.0\n\n### Template\n\n- The code ends with a note\n"
    "  from the template.\n\n### Command\n\n- A command change packs do not see.\n\n"
)


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits need an identity; CI machines may have none configured."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "--no-gpg-sign", "-m", message)


def integration_template(root: Path) -> Path:
    """The template's integration code file (a .py.jinja or plain .py)."""
    folder = root / "template" / "Integrations" / "{{integration_id}}"
    for name in ("{{integration_id}}.py.jinja", "{{integration_id}}.py"):
        if (folder / name).is_file():
            return folder / name
    raise AssertionError(f"no integration code template in {folder}")


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's template as a git repository tagged v0.1.0, then v0.2.0.

    v0.2.0 appends one line to the integration's code.
    """
    with pytest.MonkeyPatch.context() as patch:
        for role in ("AUTHOR", "COMMITTER"):
            patch.setenv(f"GIT_{role}_NAME", "Template Author")
            patch.setenv(f"GIT_{role}_EMAIL", "author@example.com")
        repo = tmp_path_factory.mktemp("template-repo")
        shutil.copy2(REPO_ROOT / "copier.yml", repo / "copier.yml")
        for folder in ("questions", "parts", "template"):
            shutil.copytree(REPO_ROOT / folder, repo / folder)
        (repo / "CHANGELOG.md").write_text(CHANGELOG_0_1_0, "utf-8")
        git(repo, "init", "-q", "-b", "main")
        commit_all(repo, "Template 0.1.0")
        git(repo, "tag", "v0.1.0")
        code = integration_template(repo)
        text = code.read_text(encoding="utf-8")
        code.write_text(text.rstrip("\n") + "\n" + TEMPLATE_MARKER + "\n", "utf-8")
        (repo / "CHANGELOG.md").write_text(CHANGELOG_0_2_0 + CHANGELOG_0_1_0, "utf-8")
        commit_all(repo, "Template 0.2.0")
        git(repo, "tag", "v0.2.0")
    return repo


@pytest.fixture
def project(template_repo: Path, tmp_path: Path) -> Path:
    """A pack generated at v0.1.0 and committed to a new git repository."""
    dest = tmp_path / "pack"
    assert (
        main(
            ["new", str(dest), "--template", str(template_repo), "--vcs-ref", "v0.1.0"]
            + ["--defaults"]
        )
        == 0
    )
    git(dest, "init", "-q", "-b", "main")
    commit_all(dest, "Generated pack")
    return dest


def code_file(pack: Path) -> Path:
    answers = yaml.safe_load((pack / ".copier-answers.yml").read_text("utf-8"))
    integration_id = answers["integration_id"]
    return pack / "Integrations" / integration_id / f"{integration_id}.py"


def test_update_keeps_user_edit_and_brings_template_change(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a pack at v0.1.0 with a committed user edit at the top of the code,
    When it is updated to the latest tag,
    Then the edit is still there, the template's new line arrived, and exit is 0."""
    code = code_file(project)
    assert TEMPLATE_MARKER not in code.read_text("utf-8")
    code.write_text(USER_TOP_EDIT + "\n" + code.read_text("utf-8"), "utf-8")
    commit_all(project, "Local edit")

    assert main(["update", str(project)]) == 0

    text = code.read_text("utf-8")
    assert text.startswith(USER_TOP_EDIT + "\n")
    assert text.rstrip("\n").endswith(TEMPLATE_MARKER)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    assert answers["_commit"] == "v0.2.0"
    assert "v0.2.0" in capsys.readouterr().out
    assert find_conflicts(project) == []


def test_conflicting_edit_fails_naming_the_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a user edit on the very lines the template changes,
    When the pack is updated,
    Then update exits 1 and names the conflicted file."""
    code = code_file(project)
    code.write_text(
        code.read_text("utf-8").rstrip("\n") + "\n" + USER_BOTTOM_EDIT + "\n", "utf-8"
    )
    commit_all(project, "Local edit at the end")

    assert main(["update", str(project)]) == 1

    err = capsys.readouterr().err
    relative = str(code.relative_to(project))
    assert relative in err
    assert "conflict" in err
    assert len(err.strip().splitlines()) == 1
    assert "<<<<<<<" in code.read_text("utf-8")


def test_conflict_as_rej_file_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a conflicting edit and --conflict rej,
    When the pack is updated,
    Then update exits 1 and names the .rej file Copier left."""
    code = code_file(project)
    code.write_text(
        code.read_text("utf-8").rstrip("\n") + "\n" + USER_BOTTOM_EDIT + "\n", "utf-8"
    )
    commit_all(project, "Local edit at the end")

    assert main(["update", str(project), "--conflict", "rej"]) == 1

    err = capsys.readouterr().err
    assert ".rej" in err
    assert any(name.endswith(".rej") for name in find_conflicts(project))


def test_update_can_change_an_answer_keeping_edits(project: Path) -> None:
    """Given a committed user edit,
    When update re-renders the same version with a new Fetch Limit default,
    Then the YAML carries the new default and the edit survives."""
    code = code_file(project)
    code.write_text(USER_TOP_EDIT + "\n" + code.read_text("utf-8"), "utf-8")
    commit_all(project, "Local edit")

    assert (
        main(
            ["update", str(project), "--vcs-ref", "v0.1.0"]
            + ["--data", "fetch_limit_default=120"]
        )
        == 0
    )

    yml = yaml.safe_load(code.with_suffix(".yml").read_text("utf-8"))
    (max_fetch,) = [p for p in yml["configuration"] if p["name"] == "max_fetch"]
    assert max_fetch["defaultvalue"] == "120"
    assert code.read_text("utf-8").startswith(USER_TOP_EDIT + "\n")
    assert TEMPLATE_MARKER not in code.read_text("utf-8")


def test_bad_answer_on_update_is_one_line_and_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["update", str(project), "--data", "fetch_limit_default=999"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "'fetch_limit_default'" in err and "1 to 200" in err
    assert git(project, "status", "--porcelain") == ""


def run_update(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``xsoar-fetch update`` as a user runs it, without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "update", str(project), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )


def test_update_answer_that_does_not_apply_is_ignored_with_a_warning(
    project: Path,
) -> None:
    """Given a time_range pack with offset paging, When update gets a cursor-only
    answer, Then it warns naming the recorded answers, updates, records no cursor_param.
    """
    result = run_update(project, "--vcs-ref", "v0.1.0", "--data", "cursor_param=c")

    assert result.returncode == 0, result.stderr
    assert (
        "warning: answer cursor_param=c ignored: it applies only when "
        "query_style != 'id_greater_than' and pagination == 'next_cursor' "
        "(pagination is 'offset', query_style is 'time_range')"
    ) in result.stderr.splitlines()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    assert "cursor_param" not in answers


def test_update_refuses_a_query_style_its_instances_cannot_resume(
    project: Path,
) -> None:
    """Given a time_range pack, When update is asked for query_style=id_greater_than,
    Then it refuses before changing anything, saying the saved position is lost and
    how to go ahead anyway."""
    result = run_update(
        project, "--vcs-ref", "v0.1.0", "--data", "query_style=id_greater_than"
    )

    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert (
        "query_style cannot change on update without losing the fetch position" in line
    )
    assert "--new-position" in line
    assert git(project, "status", "--porcelain") == ""
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    assert answers["query_style"] == "time_range"


def test_update_switches_look_back_on_a_running_pack(project: Path) -> None:
    """Given a time_range pack without look-back, When update turns it on, Then it
    updates without a refusal: each variant reads the other's lastRun."""
    result = run_update(project, "--vcs-ref", "v0.1.0", "--data", "use_lookback=true")

    assert result.returncode == 0, result.stderr
    code = code_file(project).read_text("utf-8")
    assert '"taken"' in code and "def read_position(" in code


def test_update_misspelled_answer_gets_a_suggestion(project: Path) -> None:
    result = run_update(project, "--data", "fetch_limt_default=20")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "xsoar-fetch update: error: unknown answer 'fetch_limt_default'; "
        "did you mean 'fetch_limit_default'?"
    ]
    assert git(project, "status", "--porcelain") == ""


def test_dirty_tree_is_refused_and_left_alone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given an uncommitted change in the pack,
    When update runs,
    Then it exits 2 with a one-line message and changes nothing."""
    code = code_file(project)
    code.write_text(code.read_text("utf-8") + "# not committed\n", "utf-8")
    before = code.read_text("utf-8")

    assert main(["update", str(project)]) == 2

    err = capsys.readouterr().err
    assert "uncommitted changes" in err
    assert str(code.relative_to(project)) in err
    assert len(err.strip().splitlines()) == 1
    assert code.read_text("utf-8") == before
    assert TEMPLATE_MARKER not in before


def test_untracked_file_counts_as_dirty(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a new file not yet added to git, When update runs, Then it refuses."""
    (project / "notes.txt").write_text("draft\n", "utf-8")

    assert main(["update", str(project)]) == 2
    assert "notes.txt" in capsys.readouterr().err


def test_pack_outside_git_is_refused(
    template_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a generated pack never committed to git,
    When update runs, Then it exits 2 explaining git is needed."""
    dest = tmp_path / "loose"
    assert main(["new", str(dest), "--template", str(template_repo), "--defaults"]) == 0
    capsys.readouterr()

    assert main(["update", str(dest)]) == 2

    err = capsys.readouterr().err
    assert "not in a git repository" in err
    assert "Traceback" not in err


def test_folder_without_answers_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a folder that is no generated pack, When update runs, Then exit 2."""
    assert main(["update", str(tmp_path)]) == 2
    assert ".copier-answers.yml" in capsys.readouterr().err


def test_update_to_unknown_ref_is_a_clean_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a ref the template does not have, When update runs, Then one-line error."""
    assert main(["update", str(project), "--vcs-ref", "v9.9.9"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# find_conflicts on hand-made repositories: each kind of conflict on its own.


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "a.txt").write_text("one\ntwo\nthree\n", "utf-8")
    (root / ".gitignore").write_text("ignored/\n", "utf-8")
    commit_all(root, "base")
    return root


def test_find_conflicts_clean_repo(repo: Path) -> None:
    assert find_conflicts(repo) == []


def test_find_conflicts_markers_in_tracked_and_untracked_files(repo: Path) -> None:
    (repo / "a.txt").write_text(
        "<<<<<<< before updating\nold\n=======\nnew\n>>>>>>> after updating\n",
        "utf-8",
    )
    (repo / "new.py").write_text("x = 1\n>>>>>>> after updating\n", "utf-8")
    (repo / "fine.md").write_text("text with <<<<<<< inside a line\n", "utf-8")
    assert find_conflicts(repo) == ["a.txt", "new.py"]


def test_find_conflicts_rej_files_even_when_ignored(repo: Path) -> None:
    (repo / "ignored").mkdir()
    (repo / "ignored" / "x.py.rej").write_text("@@ hunk\n", "utf-8")
    (repo / "b.yml.rej").write_text("@@ hunk\n", "utf-8")
    assert find_conflicts(repo) == ["b.yml.rej", "ignored/x.py.rej"]


def test_find_conflicts_unmerged_paths(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "a.txt").write_text("one\nTWO-other\nthree\n", "utf-8")
    commit_all(repo, "other")
    git(repo, "checkout", "-q", "main")
    (repo / "a.txt").write_text("one\nTWO-main\nthree\n", "utf-8")
    commit_all(repo, "main")
    subprocess.run(["git", "merge", "-q", "other"], cwd=repo, capture_output=True)
    # Resolve the markers in the file but leave the index unmerged.
    (repo / "a.txt").write_text("one\nTWO\nthree\n", "utf-8")
    assert "a.txt" in git(repo, "ls-files", "-u")
    assert find_conflicts(repo) == ["a.txt"]


def test_update_writes_release_notes_and_raises_the_version(project: Path) -> None:
    """
    Given a pack at template v0.1.0, version 1.0.0
    When it is updated to v0.2.0
    Then ReleaseNotes/1_0_1.md names the integration, both template versions and the
        template's changes between them (not the command's), and currentVersion is 1.0.1
    """
    assert main(["update", str(project)]) == 0

    metadata = json.loads((project / "pack_metadata.json").read_text("utf-8"))
    assert metadata["currentVersion"] == "1.0.1"
    notes = (project / "ReleaseNotes" / "1_0_1.md").read_text("utf-8")
    assert notes.splitlines() == [
        "",
        "#### Integrations",
        "",
        "##### Acme Alerts",
        "",
        "- Updated the integration to template version v0.2.0 (from v0.1.0).",
        "- The code ends with a note from the template.",
    ]


def test_no_release_notes_leaves_the_version(project: Path) -> None:
    """
    Given a pack outside the content repository
    When it is updated with --no-release-notes
    Then no release notes are written and currentVersion stays 1.0.0
    """
    assert main(["update", str(project), "--no-release-notes"]) == 0

    metadata = json.loads((project / "pack_metadata.json").read_text("utf-8"))
    assert metadata["currentVersion"] == "1.0.0"
    assert not (project / "ReleaseNotes").exists()
