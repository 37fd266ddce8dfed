"""``xsoar-fetch check --sdk``: demisto-sdk's checks offline in an isolated environment.

The first tests drive the orchestration with a stand-in ``demisto-sdk`` executable, so
they are fast and always run. The last one runs the real demisto-sdk over every pack
of the answer-set matrix; it needs about a minute to build the environment once
and runs only when CI=true or XSOAR_FETCH_SDK=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, render_pack

from generator import sdk_env
from generator.cli import main
from generator.errors import UserError
from generator.pack import load_pack
from generator.sdk_env import (
    READY_MARKER,
    SdkEnv,
    ensure_sdk_env,
    prepare_workspace,
    problem_lines,
    run_sdk_checks,
    sdk_pack_name,
    validation_config,
    venv_path,
)

FAKE_SDK = textwrap.dedent("""\
    #!/usr/bin/env bash
    # Stand-in for demisto-sdk: behaviour chosen by the file "mode" beside it.
    here=$(dirname "$0")
    mode=$(cat "$here/mode" 2>/dev/null)
    echo "$1 HOME=$HOME CWD=$PWD" >> "$here/calls"
    case "$1" in
      validate)
        [ "$mode" = noparse ] || echo "Parsed Integration: Fake"
        if [ "$mode" = invalid ]; then
          echo "Could not get repository properties: offline"
          echo "[IN145] - Packs/Fake/Integrations/Fake/Fake.yml: the error text"
          exit 1
        fi ;;
      prepare-content) mkdir -p out && echo unified > out/unified.yml ;;
      xsoar-lint) shift; printf '%s\\n' "$@" > "$here/linted" ;;
      format) [ "$mode" = reformat ] && echo "# reformatted" >> "$3/Integrations/Fake/Fake.yml" ;;
    esac
    exit 0
    """)


def make_pack(root: Path) -> Path:
    """A minimal generated-pack layout (no template needed)."""
    folder = root / "Integrations" / "Fake"
    folder.mkdir(parents=True)
    (root / ".copier-answers.yml").write_text(
        "_src_path: /somewhere\nintegration_id: Fake\npack_name: Fake Pack\n", "utf-8"
    )
    (root / "pack_metadata.json").write_text('{"name": "Fake Pack"}\n', "utf-8")
    (folder / "Fake.yml").write_text("commonfields:\n  id: Fake\n", "utf-8")
    (folder / "Fake.py").write_text("x = 1\n", "utf-8")
    (folder / "Fake_test.py").write_text("def test_x():\n    pass\n", "utf-8")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "Fake.cpython-311.pyc").write_bytes(b"\0")
    return root


def make_fake_env(path: Path, mode: str = "") -> SdkEnv:
    """A ready 'environment' whose demisto-sdk is the stand-in script."""
    (path / "bin").mkdir(parents=True)
    script = path / "bin" / "demisto-sdk"
    script.write_text(FAKE_SDK, "utf-8")
    script.chmod(0o755)
    (path / "bin" / "mode").write_text(mode, "utf-8")
    facts = {
        "categories": ["Analytics & SIEM", "Utilities"],
        "ignorable_errors": ["BA101"],
        "path_based": ["BA100", "DO103", "GR100", "IN145", "PA100"],
        "uses_graph": ["GR100"],
    }
    (path / READY_MARKER).write_text(json.dumps(facts), "utf-8")
    env = ensure_sdk_env(path)
    return env


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    return make_pack(tmp_path / "pack")


def test_ready_environment_is_reused_with_offline_validators_only(
    tmp_path: Path,
) -> None:
    env = make_fake_env(tmp_path / "venv")
    assert env.path == tmp_path / "venv"
    assert env.offline_validators == ["BA100", "IN145", "PA100"]
    assert env.categories == ["Analytics & SIEM", "Utilities"]


def test_validation_config_selects_offline_validators(tmp_path: Path) -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    env = make_fake_env(tmp_path / "venv")
    config = tomllib.loads(validation_config(env))
    assert config["path_based_validations"]["select"] == ["BA100", "IN145", "PA100"]
    assert config["use_git"]["select"] == ["BA100", "IN145", "PA100"]
    assert config["ignorable_errors"] == ["BA101"]


def test_venv_path_follows_override_then_xdg(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("XSOAR_FETCH_SDK_VENV", raising=False)
    assert venv_path() == tmp_path / "cache" / "xsoar-fetch" / "demisto-sdk-1.39.13"
    monkeypatch.setenv("XSOAR_FETCH_SDK_VENV", str(tmp_path / "mine"))
    assert venv_path() == tmp_path / "mine"


def test_environment_is_built_once_then_cached(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Given no environment, ensure builds it (once) and records it as ready."""
    installs: list[Path] = []

    def fake_install(path: Path) -> None:
        installs.append(path)
        (path / "bin").mkdir(parents=True)
        (path / "bin" / "demisto-sdk").write_text("", "utf-8")

    facts = {
        "categories": ["Utilities"],
        "ignorable_errors": [],
        "path_based": ["BA100", "DO106"],
        "uses_graph": [],
    }
    monkeypatch.setattr(sdk_env, "_install", fake_install)
    monkeypatch.setattr(sdk_env, "_inspect", lambda path: facts)
    target = tmp_path / "venv"
    logged: list[str] = []

    first = ensure_sdk_env(target, log=logged.append)
    second = ensure_sdk_env(target, log=logged.append)

    assert installs == [target]
    assert len(logged) == 1 and "demisto-sdk 1.39.13" in logged[0]
    assert first == second
    assert first.offline_validators == ["BA100"]


def test_failed_build_leaves_nothing_and_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def failing_install(path: Path) -> None:
        (path / "bin").mkdir(parents=True)
        raise UserError("could not install demisto-sdk 1.39.13: no network")

    monkeypatch.setattr(sdk_env, "_install", failing_install)
    target = tmp_path / "venv"
    with pytest.raises(UserError, match="no network"):
        ensure_sdk_env(target, log=lambda line: None)
    assert not target.exists()


def test_workspace_looks_like_a_content_repository(
    tmp_path: Path, pack_dir: Path
) -> None:
    env = make_fake_env(tmp_path / "venv")
    workspace = tmp_path / "ws"
    pack = load_pack(pack_dir)
    name = sdk_pack_name(pack)
    assert name == "FakePack"

    prepare_workspace(workspace, pack, name, env)

    copied = workspace / "Packs" / "FakePack"
    assert (copied / "Integrations" / "Fake" / "Fake.py").is_file()
    assert not (copied / "Integrations" / "Fake" / "__pycache__").exists()
    categories = json.loads(
        (workspace / "Config" / "approved_categories.json").read_text()
    )
    assert categories == {"approved_list": ["Analytics & SIEM", "Utilities"]}
    for name in ("approved_usecases.json", "approved_tags.json"):
        assert "approved_list" in json.loads((workspace / "Config" / name).read_text())
    assert not (workspace / ".private-repo-settings").exists()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=workspace, capture_output=True, text=True
    )
    assert status.returncode == 0 and status.stdout == ""


def test_all_steps_pass_with_a_passing_sdk(tmp_path: Path, pack_dir: Path) -> None:
    env = make_fake_env(tmp_path / "venv")
    results = run_sdk_checks(load_pack(pack_dir), env)
    assert [r.name for r in results] == [
        "sdk validate",
        "sdk validate read the integration",
        "sdk prepare-content",
        "sdk xsoar-lint",
        "sdk format is a no-op",
    ]
    assert all(r.ok for r in results), results
    linted = (env.bin_dir / "linted").read_text().split()
    assert linted == ["Packs/FakePack/Integrations/Fake/Fake.py"]
    calls = (env.bin_dir / "calls").read_text().splitlines()
    assert [line.split()[0] for line in calls] == [
        "validate",
        "prepare-content",
        "xsoar-lint",
        "format",
    ]
    homes = {line.split()[1] for line in calls}
    assert len(homes) == 1
    home = homes.pop().removeprefix("HOME=")
    assert "xsoar-fetch-sdk-" in home and home.endswith("/home")  # not the user's
    assert not Path(home).exists()  # the workspace is removed afterwards


def test_validate_that_parsed_nothing_fails(tmp_path: Path, pack_dir: Path) -> None:
    env = make_fake_env(tmp_path / "venv", mode="noparse")
    results = {r.name: r for r in run_sdk_checks(load_pack(pack_dir), env)}
    assert results["sdk validate"].ok
    assert not results["sdk validate read the integration"].ok


def test_validate_errors_are_reported_without_noise(
    tmp_path: Path, pack_dir: Path
) -> None:
    env = make_fake_env(tmp_path / "venv", mode="invalid")
    results = {r.name: r for r in run_sdk_checks(load_pack(pack_dir), env)}
    validate = results["sdk validate"]
    assert not validate.ok
    assert any("[IN145]" in line for line in validate.details)
    assert not any("repository properties" in line for line in validate.details)


def test_format_that_changes_files_fails_naming_them(
    tmp_path: Path, pack_dir: Path
) -> None:
    env = make_fake_env(tmp_path / "venv", mode="reformat")
    results = {r.name: r for r in run_sdk_checks(load_pack(pack_dir), env)}
    fmt = results["sdk format is a no-op"]
    assert not fmt.ok
    assert fmt.details == [
        "format changed Packs/FakePack/Integrations/Fake/Fake.yml",
        "+# reformatted",
    ]


def test_problem_lines_keep_error_codes_and_drop_noise() -> None:
    output = "\n".join(
        [
            "Starting execution for validate",
            "Could not get repository properties",
            "[BA102] - something is wrong",
            "plain line",
        ]
    )
    assert problem_lines(output) == ["[BA102] - something is wrong"]
    assert problem_lines("a\nb\n") == ["a", "b"]


def test_problem_lines_of_a_traceback_are_its_exceptions() -> None:
    output = textwrap.dedent("""\
        Traceback (most recent call last):
          File "/sdk/pack.py", line 758, in dump
            logger.exception(f"Failed dumping pack {self.name}")
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ValueError: Tag "<Alerts>" is not a color

        During handling of the above exception, another exception occurred:

        Traceback (most recent call last):
          File "/sdk/_logger.py", line 2099, in exception
            __self._log("ERROR", False, options, __message, args, kwargs)
        ValueError: Tag "<Alerts>" is not a color
        """)
    assert problem_lines(output) == ['ValueError: Tag "<Alerts>" is not a color']


def test_problem_lines_keep_lint_codes() -> None:
    output = "linting\nFake.py:3:0: W0611: Unused import os (unused-import)\ndone\n"
    assert problem_lines(output) == [
        "Fake.py:3:0: W0611: Unused import os (unused-import)"
    ]


# The real demisto-sdk over every pack of the answer-set matrix.

RUN_REAL_SDK = (
    os.environ.get("CI") == "true" or os.environ.get("XSOAR_FETCH_SDK") == "1"
)


@pytest.fixture(scope="session")
def real_sdk() -> SdkEnv:
    """The real demisto-sdk environment, made once (about a minute the first time)."""
    return ensure_sdk_env()


@pytest.mark.sdk
@pytest.mark.skipif(
    not RUN_REAL_SDK,
    reason="real demisto-sdk checks need CI=true or XSOAR_FETCH_SDK=1 "
    "(about a minute to build the environment once, then ~20 s a pack)",
)
@pytest.mark.parametrize("name", sorted(ANSWER_SETS))
def test_answer_set_passes_the_real_sdk(
    name: str, tmp_path: Path, real_sdk: SdkEnv
) -> None:
    """The answer set's pack passes demisto-sdk validate, prepare-content, xsoar-lint
    and format (as a no-op), offline (one test per set: select sets with -k)."""
    root = render_pack(ANSWER_SETS[name], tmp_path / name)

    steps = run_sdk_checks(load_pack(root), real_sdk)

    failures = [
        f"{step.name}: {'; '.join(step.details)}" for step in steps if not step.ok
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.sdk
@pytest.mark.skipif(not RUN_REAL_SDK, reason="needs CI=true or XSOAR_FETCH_SDK=1")
def test_check_sdk_cli_on_default_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`xsoar-fetch check --sdk` prints the SDK rows and exits 0 on a default pack."""
    dest = tmp_path / "pack"
    assert (
        main(["new", str(dest), "--defaults", "--vcs-ref", "HEAD", "--allow-dirty"])
        == 0
    )
    capsys.readouterr()
    assert main(["check", str(dest), "--sdk"]) == 0
    out = capsys.readouterr().out
    assert "sdk validate" in out and "sdk format is a no-op" in out
