"""``xsoar-fetch new``: render a pack, reject bad answers cleanly, never half-write DEST."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import copier_steps
from generator.cli import main
from generator.errors import answer_error

REPO_ROOT = Path(__file__).resolve().parents[1]
# The working tree's template (Copier would otherwise take the latest release tag),
# uncommitted changes included while the project is being developed.
HEAD = ["--vcs-ref", "HEAD", "--allow-dirty"]


def run_new(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["new", *args])
    out, err = capsys.readouterr()
    return status, out, err


def answers_of(pack: Path) -> dict:
    return yaml.safe_load((pack / ".copier-answers.yml").read_text("utf-8"))


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("xsoar-fetch new: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


def test_new_with_defaults_renders_a_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given only --defaults, When new runs, Then a full pack exists, the template
    source is recorded as an absolute path, and next steps are printed."""
    dest = tmp_path / "AcmeAlerts"
    status, out, err = run_new(capsys, str(dest), "--defaults", *HEAD)

    assert status == 0, err
    answers = answers_of(dest)
    integration_id = answers["integration_id"]
    folder = dest / "Integrations" / integration_id
    for name in (f"{integration_id}.yml", f"{integration_id}_image.png"):
        assert (folder / name).is_file()
    assert (dest / "pack_metadata.json").is_file()
    assert Path(answers["_src_path"]).is_absolute()
    assert Path(answers["_src_path"]) == REPO_ROOT
    assert "Next steps" in out and f"cd {dest}" in out and "xsoar-fetch check ." in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".xsoar-fetch-new")]


def test_data_and_data_file_answers_are_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given answers in a file and on the command line, When new runs,
    Then both are recorded and --data wins over the file."""
    data_file = tmp_path / "answers.yml"
    data_file.write_text(
        "integration_name: Globex Events\nquery_style: cursor\nfetch_limit_default: 20\n",
        "utf-8",
    )
    dest = tmp_path / "deep" / "folder" / "pack"
    status, _, err = run_new(
        capsys,
        str(dest),
        "--data-file",
        str(data_file),
        "--data",
        "fetch_limit_default=75",
        "--data",
        "auth_type=bearer_token",
        *HEAD,
    )

    assert status == 0, err
    answers = answers_of(dest)
    assert answers["integration_name"] == "Globex Events"
    assert answers["integration_id"] == "GlobexEvents"
    assert answers["query_style"] == "cursor"
    assert answers["fetch_limit_default"] == 75
    assert answers["auth_type"] == "bearer_token"


def test_existing_empty_dest_is_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    status, _, err = run_new(capsys, str(dest), "--defaults", *HEAD)
    assert status == 0, err
    assert (dest / ".copier-answers.yml").is_file()


@pytest.mark.parametrize(
    ("data", "fragments"),
    [
        ("integration_id=bad_id", ["'integration_id'", "PascalCase"]),
        ("auth_type=oauth", ["'auth_type'", "'oauth'", "bearer_token", "none"]),
        ("fetch_limit_default=500", ["'fetch_limit_default'", "1 to 200"]),
        ("fetch_limit_default=many", ["'fetch_limit_default'", "not a number"]),
        ("use_lookback=maybe", ["'use_lookback'", "true or false"]),
        ("base_url=ftp://x", ["'base_url'", "http://"]),
        ("no_such_question=1", ["'no_such_question'", "integration_id", "query_style"]),
        ("missing-equals-sign", ["KEY=VALUE"]),
    ],
)
def test_bad_answer_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: str, fragments: list
) -> None:
    """Given one bad --data answer, When new runs, Then exit 2 with one line naming
    the key and what is accepted, and DEST does not exist."""
    dest = tmp_path / "pack"
    status, out, err = run_new(capsys, str(dest), "--defaults", "--data", data, *HEAD)

    assert status == 2
    assert_one_line_error(err, *fragments)
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_answer_leaves_existing_empty_dest_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    status, _, err = run_new(
        capsys, str(dest), "--defaults", "--data", "query_style=pages", *HEAD
    )
    assert status == 2
    assert_one_line_error(err, "'query_style'", "time_range")
    assert dest.is_dir() and list(dest.iterdir()) == []


def test_bad_answer_in_data_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text("first_fetch_default: yesterday\n", "utf-8")
    dest = tmp_path / "pack"
    status, _, err = run_new(
        capsys, str(dest), "--defaults", "--data-file", str(data_file), *HEAD
    )
    assert status == 2
    assert_one_line_error(err, "'first_fetch_default'", "3 days")
    assert not dest.exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("key: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_unreadable_data_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, fragment: str
) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text(content, "utf-8")
    status, _, err = run_new(
        capsys, str(tmp_path / "pack"), "--data-file", str(data_file), *HEAD
    )
    assert status == 2
    assert_one_line_error(err, "--data-file", fragment)


def test_missing_data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_new(
        capsys, str(tmp_path / "pack"), "--data-file", str(tmp_path / "nope.yml")
    )
    assert status == 2
    assert_one_line_error(err, "nope.yml")


def test_non_empty_dest_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "mine.txt").write_text("keep me\n", "utf-8")
    status, _, err = run_new(capsys, str(dest), "--defaults", *HEAD)
    assert status == 2
    assert_one_line_error(err, "not empty", "update")
    assert [p.name for p in dest.iterdir()] == ["mine.txt"]
    assert (dest / "mine.txt").read_text("utf-8") == "keep me\n"


def test_dest_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "file"
    dest.write_text("x", "utf-8")
    status, _, err = run_new(capsys, str(dest), "--defaults")
    assert status == 2
    assert_one_line_error(err, "not a folder")


@pytest.fixture
def template_clone(tmp_path: Path) -> Path:
    """A git repository holding a copy of the template in its folder tpl."""
    from generator.template_source import TEMPLATE_FILES

    repo = tmp_path / "clone"
    for name in TEMPLATE_FILES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / "tpl" / name)
        else:
            (repo / "tpl").mkdir(parents=True, exist_ok=True)
            shutil.copy(source, repo / "tpl" / name)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "template"], check=True)
    return repo


@pytest.mark.parametrize(
    "inside", ["tpl/Packs/AcmeAlerts", "tpl/template/AcmeAlerts", "Packs/X"]
)
def test_dest_inside_the_template_checkout_is_refused(
    template_clone: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    inside: str,
) -> None:
    """Given a template in a git clone, When new is asked to render into the template's
    folder or anywhere in its clone, Then it is refused in one line and the clone stays
    clean."""
    monkeypatch.chdir(template_clone)
    status, _, err = run_new(
        capsys, inside, "--defaults", "--template", "tpl", "--vcs-ref", "HEAD"
    )

    assert status == 2
    assert_one_line_error(err, f"{inside}: inside the template at", "outside it")
    changed = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=template_clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert changed == ""


def test_template_that_is_not_a_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_new(
        capsys, str(tmp_path / "pack"), "--template", str(tmp_path), "--defaults"
    )
    assert status == 2
    assert_one_line_error(err, "copier.yml", "--template")


def test_unknown_vcs_ref_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "pack"
    status, _, err = run_new(
        capsys, str(dest), "--defaults", "--vcs-ref", "no-such-ref-v9"
    )
    assert status == 2
    assert "Traceback" not in err
    assert not dest.exists()


def test_failure_while_rendering_leaves_nothing_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a render that writes files and then fails,
    When new runs, Then DEST and the staging folder are both gone."""
    import copier

    def half_render(src, dst, **kwargs):
        Path(dst, "half.txt").write_text("partial", "utf-8")
        raise ValueError("Validation error for question 'pack_name': Use letters.")

    monkeypatch.setattr(copier, "run_copy", half_render)
    dest = tmp_path / "pack"
    status, _, err = run_new(capsys, str(dest), "--defaults", *HEAD)

    assert status == 2
    assert_one_line_error(err, "'pack_name'", "Use letters.")
    assert list(tmp_path.iterdir()) == []


def test_relative_template_is_recorded_absolute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given --template as a relative path, Then _src_path is absolute."""
    monkeypatch.chdir(REPO_ROOT / "generator")
    dest = tmp_path / "pack"
    status, _, err = run_new(capsys, str(dest), "--template", "..", "--defaults", *HEAD)
    assert status == 0, err
    assert answers_of(dest)["_src_path"] == str(REPO_ROOT)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Validation error for question 'base_url': Use an http:// or\n  https:// URL.",
            "invalid answer for 'base_url': Use an http:// or https:// URL.",
        ),
        (
            'Question "pack_name" is required',
            "invalid answer for 'pack_name': a value is required "
            "(give it with --data or --data-file)",
        ),
        (
            'Invalid answer "None" of type "<class \'NoneType\'>" to question '
            '"fetch_limit_default" of type "int"',
            "invalid answer for 'fetch_limit_default': expected a value of type int",
        ),
    ],
)
def test_copier_answer_messages_become_one_line(message: str, expected: str) -> None:
    error = answer_error(ValueError(message))
    assert error is not None and error.message == expected
    assert error.exit_code == 2


def test_other_copier_messages_are_not_answer_errors() -> None:
    assert answer_error(ValueError("Local template must be a directory.")) is None


def test_resolve_template_keeps_urls() -> None:
    url = "https://example.com/acme/xsoar-fetch-template.git"
    assert copier_steps.resolve_template(url) == url
    assert copier_steps.resolve_template("gh:acme/template") == "gh:acme/template"


def test_without_a_terminal_defaults_fill_unanswered_questions(
    tmp_path: Path,
) -> None:
    """Given no --defaults and stdin that is not a terminal,
    When new runs as a command, Then it uses the defaults instead of prompting."""
    dest = tmp_path / "pack"
    completed = subprocess.run(
        [sys.executable, "-m", "generator", "new", str(dest), *HEAD]
        + ["--data", "integration_name=Initech Alerts"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    answers = answers_of(dest)
    assert answers["integration_id"] == "InitechAlerts"
    assert answers["query_style"] == "time_range"


@pytest.mark.parametrize(
    ("folder", "answers", "pack_name", "note"),
    [
        ("SophosCentral", [], "SophosCentral", None),
        ("x", [], "AcmeEventCollector", "'x' is not a valid pack name"),
        (
            "SophosCentral",
            ["--data", "pack_name=Sophos"],
            "Sophos",
            "pack_name is 'Sophos' but the pack's folder is 'SophosCentral'",
        ),
    ],
)
def test_pack_name_follows_the_folder(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    folder: str,
    answers: list[str],
    pack_name: str,
    note: str | None,
) -> None:
    """
    Given DEST's folder name (Packs/<pack_name> in the content repository)
    When new renders without a pack_name, or with one that differs
    Then pack_name is the folder's name when valid; otherwise one note says why not
    """
    dest = tmp_path / "Packs" / folder
    status, _, err = run_new(
        capsys,
        str(dest),
        "--defaults",
        *HEAD,
        "--data",
        "integration_kind=events",
        *answers,
    )
    assert status == 0, err
    assert answers_of(dest)["pack_name"] == pack_name
    notes = [line for line in err.splitlines() if "pack_name" in line]
    assert len(notes) == (1 if note else 0), err
    assert not note or note in notes[0]
