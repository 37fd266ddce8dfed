"""``xsoar-fetch check``: every static check passes on a generated pack and catches breakage."""

from __future__ import annotations

import ast
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
import yaml

from generator import check
from generator.cli import main
from generator.pack import Pack, load_pack
from generator.pytest_report import failed_tests

REPO_ROOT = Path(__file__).resolve().parents[1]


def png_bytes(width: int, height: int) -> bytes:
    """A valid, tiny grayscale PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        check.PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default pack, rendered once from the working tree's template."""
    from answer_sets import render_pack

    return render_pack({}, tmp_path_factory.mktemp("rendered") / "pack")


@pytest.fixture
def pack(rendered: Path, tmp_path: Path) -> Pack:
    """A private copy of the default pack that a test may break."""
    copy = tmp_path / "pack"
    shutil.copytree(rendered, copy)
    return load_pack(copy)


def edit_yml(pack: Pack, change) -> None:
    data = yaml.safe_load(pack.yml_path.read_text("utf-8"))
    change(data)
    pack.yml_path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")


# The whole command.


def test_check_passes_on_a_generated_pack(
    pack: Pack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a freshly generated pack, When check runs, Then every row passes."""
    status = main(["check", str(pack.root)])
    out = capsys.readouterr().out
    assert status == 0, out
    for name in (
        "YAML files parse",
        "JSON files parse",
        "fetch parameters match the answers",
        "commands: code and YAML agree",
        "Python compiles",
        "black --check",
        "image is a 120x50 PNG",
        "unit tests (stand-in runtime)",
    ):
        assert name in out
    assert "FAIL" not in out
    assert "All 8 checks passed" in out


def test_check_accepts_the_integration_folder(pack: Pack) -> None:
    assert load_pack(pack.integration_dir).root == pack.root


def test_check_fails_with_exit_1_naming_the_broken_row(
    pack: Pack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a pack whose test file gains a failing test and whose image is wrong,
    When check runs, Then it exits 1 and the table names both failures."""
    with pack.test_path.open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef test_always_fails():\n    assert 1 == 2\n")
    image = pack.image_path
    image.write_bytes(png_bytes(64, 64))

    status = main(["check", str(pack.root)])

    out = capsys.readouterr().out
    assert status == 1
    assert "test_always_fails" in out
    assert "64x64, expected 120x50" in out
    assert "2 of 8 checks failed" in out


def test_check_shows_the_first_failing_assertion_whole(pack: Pack) -> None:
    """Given a generated test that fails on a long comparison after passing asserts,
    When check runs as a user runs it, Then the row names the test and its line, the
    failing statement and the differing values, not a cut-off AssertionError."""
    with pack.test_path.open("a", encoding="utf-8") as handle:
        handle.write(textwrap.dedent("""


                def test_incident_fields():
                    incident = {"name": "Acme event with a long title", "severity": 2}
                    assert incident["name"]
                    assert incident == {"name": "Acme event with a long title", "severity": 3}
                """))
    line = (
        pack.test_path.read_text("utf-8")
        .splitlines()
        .index(
            '    assert incident == {"name": "Acme event with a long title", "severity": 3}'
        )
    )

    result = subprocess.run(
        [sys.executable, "-m", "generator", "check", str(pack.root)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200"},
        check=False,
    )

    assert result.returncode == 1
    out = result.stdout
    assert f"test_incident_fields ({pack.test_path.name}:{line + 1})" in out
    assert '> assert incident == {"name": "Acme event with a long title"' in out
    assert "{'severity': 2} != {'severity': 3}" in out
    assert "AssertionError..." not in out
    assert "Use -v" not in out
    assert "1 failed" in out


def test_failed_tests_read_from_pytest_report(tmp_path: Path) -> None:
    """A failure raised in a helper names the test line and where it raised; a
    fixture error is marked as an error."""
    (tmp_path / "sample_test.py").write_text(
        textwrap.dedent("""
            import pytest

            def parse(value):
                assert value > 5, "too small"
                return value

            @pytest.fixture
            def client():
                raise RuntimeError("no client")

            def test_nested():
                assert parse(3) == 3

            def test_uses_client(client):
                pass
            """),
        "utf-8",
    )
    report = tmp_path / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [f"--junitxml={report}", str(tmp_path)],
        capture_output=True,
        check=False,
        cwd=tmp_path,
    )

    nested, errored = failed_tests(report)

    assert nested.test == "test_nested"
    assert nested.location == "sample_test.py:13, raised at sample_test.py:5"
    assert nested.statement == "assert parse(3) == 3"
    assert nested.explanation == ["too small", "assert 3 > 5"]
    assert errored.test == "test_uses_client (error)"
    assert "no client" in errored.explanation[0]


def test_check_on_a_folder_that_is_no_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and ".copier-answers.yml" in err


def test_check_on_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


# Each check on its own, against one kind of breakage.


def test_yaml_syntax_error_is_named(pack: Pack) -> None:
    assert check.check_yaml_files(pack).ok
    pack.yml_path.write_text("script: [unclosed\n", "utf-8")
    result = check.check_yaml_files(pack)
    assert not result.ok
    assert result.problems[0].startswith(
        f"Integrations/{pack.integration_id}/{pack.yml_path.name}:"
    )


def test_invalid_test_data_json_is_named(pack: Pack) -> None:
    assert check.check_json_files(pack).ok
    data_dir = pack.integration_dir / "test_data"
    data_dir.mkdir(exist_ok=True)
    (data_dir / "broken.json").write_text('{"events": [1, 2,]}', "utf-8")
    result = check.check_json_files(pack)
    assert not result.ok
    assert any("test_data/broken.json" in p for p in result.problems)


def test_missing_fetch_parameter_is_reported(pack: Pack) -> None:
    assert check.check_fetch_parameters(pack).ok
    edit_yml(
        pack,
        lambda d: d.__setitem__(
            "configuration",
            [p for p in d["configuration"] if p["name"] != "first_fetch"],
        ),
    )
    result = check.check_fetch_parameters(pack)
    assert result.problems == ["parameter first_fetch is missing"]


def test_fetch_limit_default_must_match_the_answers(pack: Pack) -> None:
    def change(data: dict) -> None:
        for param in data["configuration"]:
            if param["name"] == "max_fetch":
                param["defaultvalue"] = "500"

    edit_yml(pack, change)
    problems = check.check_fetch_parameters(pack).problems
    expected = pack.answers["fetch_limit_default"]
    assert f"parameter max_fetch defaults to '500', the answers say {expected!r}" in (
        problems
    )
    assert "max_fetch default 500 is outside 1..200" in problems


def test_parameter_the_answers_exclude_is_reported(pack: Pack) -> None:
    assert not pack.answers.get("use_lookback")

    def change(data: dict) -> None:
        data["configuration"].append({"name": "look_back", "type": 0})

    edit_yml(pack, change)
    problems = check.check_fetch_parameters(pack).problems
    assert problems == ["parameter look_back is present but the answers exclude it"]


def test_unpinned_docker_image_and_isfetch_off(pack: Pack) -> None:
    def change(data: dict) -> None:
        data["script"]["dockerimage"] = "demisto/python3:latest"
        data["script"]["isfetch"] = False

    edit_yml(pack, change)
    problems = check.check_fetch_parameters(pack).problems
    assert "script.isfetch is not true" in problems
    assert any("not a pinned image tag" in p for p in problems)


def test_command_declared_but_not_dispatched(pack: Pack) -> None:
    assert check.check_commands(pack).ok

    def change(data: dict) -> None:
        data["script"]["commands"].append({"name": "acme-close-alert"})

    edit_yml(pack, change)
    assert check.check_commands(pack).problems == [
        "acme-close-alert is declared in the YAML but never dispatched in the code"
    ]


def test_command_dispatched_but_not_declared(pack: Pack) -> None:
    def change(data: dict) -> None:
        data["script"]["commands"] = []

    edit_yml(pack, change)
    prefix = pack.answers["command_prefix"]
    assert check.check_commands(pack).problems == [
        f"{prefix}-get-events is dispatched in the code but not declared in the YAML"
    ]


def test_syntax_error_fails_compile_and_black(pack: Pack) -> None:
    assert check.check_compiles(pack).ok
    with pack.py_path.open("a", encoding="utf-8") as handle:
        handle.write("\ndef broken(:\n")
    compiled = check.check_compiles(pack)
    assert not compiled.ok
    assert compiled.problems[0].startswith(
        f"Integrations/{pack.integration_id}/{pack.py_path.name}:"
    )
    assert not check.check_black(pack).ok


def test_unformatted_code_fails_black_naming_the_file(pack: Pack) -> None:
    assert check.check_black(pack).ok
    with pack.py_path.open("a", encoding="utf-8") as handle:
        handle.write("\nx = {  'a':1 }\n")
    result = check.check_black(pack)
    assert result.problems == [
        f"Integrations/{pack.integration_id}/{pack.py_path.name} would be reformatted"
    ]


def test_image_checks(pack: Pack) -> None:
    image = pack.image_path
    assert check.check_image(pack).ok
    image.write_bytes(png_bytes(120, 50))
    assert check.check_image(pack).ok
    image.write_bytes(b"GIF89a not a png at all")
    assert "not a PNG file" in check.check_image(pack).problems[0]
    image.unlink()
    assert "is missing" in check.check_image(pack).problems[0]


def test_png_size_reads_the_header(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(png_bytes(7, 3))
    assert check.png_size(path) == (7, 3)


# Which commands the code dispatches.


def commands_in(source: str) -> set[str]:
    return check.dispatched_commands(ast.parse(textwrap.dedent(source)))


def test_dispatch_by_comparison_and_membership() -> None:
    assert commands_in("""
        command = demisto.command()
        if command == "test-module":
            pass
        elif command in ("acme-a", "acme-b"):
            pass
        elif "acme-c" == command:
            pass
        if demisto.command() == "fetch-incidents":
            pass
        if other == "not-a-command":
            pass
        """) == {"test-module", "acme-a", "acme-b", "acme-c", "fetch-incidents"}


def test_dispatch_by_dict_match_and_fstring_constants() -> None:
    assert (
        commands_in("""
        PREFIX = "acme"
        COMMANDS = {f"{PREFIX}-get-events": get_events, "test-module": test}
        match command:
            case "fetch-incidents":
                pass
            case "acme-x" | "acme-y":
                pass
        if command == PREFIX + "-z":
            pass
        """)
        == {
            "acme-get-events",
            "test-module",
            "fetch-incidents",
            "acme-x",
            "acme-y",
            "acme-z",
        }
    )


def test_pack_files_include_pack_metadata(pack: Pack) -> None:
    """pack_metadata.json is among the JSON files checked."""
    names = [p.name for p in check.pack_files(pack, ".json")]
    assert "pack_metadata.json" in names
