"""The pytest plugin activates the stand-ins only when the real runtime is missing.

Each situation runs a separate pytest in a subprocess, with the plugin loaded through
its ``pytest11`` entry point, exactly as in a generated pack or a content repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.runtime import RUNTIME_DIR

FAKE_REAL_RUNTIME = {
    "demistomock.py": """
        MARKER = "real"

        def getLastRun():
            return {"canned": True}

        def setLastRun(obj):
            pass
    """,
    "CommonServerPython.py": """
        import demistomock as demisto

        MARKER = "real"
    """,
    "CommonServerUserPython.py": """
        MARKER = "real"
    """,
}

STANDIN_TESTS = f"""
    import sys

    import CommonServerPython
    import CommonServerUserPython
    import demistomock as demisto

    RUNTIME_DIR = {str(RUNTIME_DIR)!r}


    def test_standins_are_imported_from_the_end_of_the_path():
        assert CommonServerPython.__file__.startswith(RUNTIME_DIR)
        assert demisto.__file__.startswith(RUNTIME_DIR)
        assert CommonServerUserPython.__file__.startswith(RUNTIME_DIR)
        assert sys.path[-1] == RUNTIME_DIR
        assert CommonServerPython.demisto is demisto


    def test_first_run_leaves_state():
        demisto.reset(command="fetch-incidents", params={{"max_fetch": "5"}})
        demisto.setLastRun({{"last_id": "9"}})
        demisto.incidents([{{"name": "x"}}])


    def test_state_is_reset_before_the_next_test():
        assert demisto.command() == ""
        assert demisto.params() == {{}}
        assert demisto.getLastRun() == {{}}
        assert demisto.server_state().incidents == []
"""

REAL_TESTS = f"""
    import sys

    import CommonServerPython
    import CommonServerUserPython
    import demistomock as demisto

    RUNTIME_DIR = {str(RUNTIME_DIR)!r}


    def test_real_modules_are_imported():
        assert CommonServerPython.MARKER == "real"
        assert CommonServerUserPython.MARKER == "real"
        assert demisto.MARKER == "real"
        assert not hasattr(demisto, "reset")


    def test_real_last_run_is_untouched_between_tests():
        assert demisto.getLastRun() == {{"canned": True}}
"""


# Plugins the runs do not need (hypothesis alone takes seconds to import).
QUIET_PLUGINS = (
    "-p",
    "no:cacheprovider",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:xdist",
)


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")


def _run_pytest(
    cwd: Path, pythonpath: Path | None = None, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *QUIET_PLUGINS, *extra, "."],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_passed(result: subprocess.CompletedProcess[str], count: int) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} passed" in result.stdout, result.stdout


def test_standins_activate_when_the_real_runtime_is_missing(tmp_path: Path) -> None:
    _write(tmp_path / "pack", {"test_standin.py": STANDIN_TESTS})
    _assert_passed(_run_pytest(tmp_path / "pack"), 3)


def test_standins_come_from_the_entry_point(tmp_path: Path) -> None:
    _write(tmp_path / "pack", {"test_standin.py": STANDIN_TESTS})
    result = _run_pytest(tmp_path / "pack", None, "-p", "no:xsoar_fetch_runtime")
    assert result.returncode != 0
    assert "No module named 'CommonServerPython'" in result.stdout


def test_real_runtime_on_pythonpath_is_never_shadowed(tmp_path: Path) -> None:
    _write(tmp_path / "real", FAKE_REAL_RUNTIME)
    _write(
        tmp_path / "pack",
        {
            "test_real.py": REAL_TESTS
            + f"""

    def test_standin_folder_not_on_path():
        assert {str(RUNTIME_DIR)!r} not in sys.path
"""
        },
    )
    _assert_passed(_run_pytest(tmp_path / "pack", tmp_path / "real"), 3)


def test_real_runtime_beside_the_tests_is_never_shadowed(tmp_path: Path) -> None:
    """Content-repository layout: the real modules sit in the tested folder itself."""
    files = dict(FAKE_REAL_RUNTIME)
    files["test_real.py"] = REAL_TESTS
    _write(tmp_path / "Integrations" / "Acme", files)
    _assert_passed(_run_pytest(tmp_path / "Integrations" / "Acme"), 2)


@pytest.mark.parametrize("real_first", [True, False])
def test_use_standins_takes_over_from_a_real_runtime(
    tmp_path: Path, real_first: bool
) -> None:
    _write(tmp_path / "real", FAKE_REAL_RUNTIME)
    script = textwrap.dedent(f"""
        if {real_first}:
            import CommonServerPython
            assert CommonServerPython.MARKER == "real"
        from generator.runtime import is_standin, use_standins
        demisto = use_standins()
        import CommonServerPython
        assert is_standin(demisto) and is_standin(CommonServerPython)
        assert CommonServerPython.demisto is demisto
        demisto.reset(command="fetch-incidents")
        print("ok", demisto.command())
    """)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "real"))
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok fetch-incidents"
