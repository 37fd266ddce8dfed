"""`xsoar-fetch fetch` refuses to send a request without a required parameter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, render_pack

BASIC = "time_range_day_first_basic_top_level_list"


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("required")
    return {
        name: render_pack(ANSWER_SETS[name], root / name)
        for name in ("defaults", BASIC)
    }


def fetch(pack: Path, *params: str) -> subprocess.CompletedProcess:
    args = [arg for param in params for arg in ("--param", param)]
    return subprocess.run(
        [sys.executable, "-m", "generator", "fetch", str(pack), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_api_key_is_refused_by_its_display_name(
    packs: dict[str, Path],
) -> None:
    """
    Given the default pack (an API key header) and no credentials parameter
    When fetch runs
    Then one line names 'API Key' and how to give it, exit 2, and no request is made
    """
    done = fetch(packs["defaults"], "url=http://127.0.0.1:9")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "missing required parameter 'API Key'" in lines[0]
    assert "--param credentials=SECRET" in lines[0]
    assert "nothing was sent" in lines[0]
    assert done.stdout == ""


def test_empty_required_url_is_refused(packs: dict[str, Path]) -> None:
    """
    Given an empty Server URL
    When fetch runs
    Then the Server URL is named as missing too
    """
    done = fetch(packs["defaults"], "url=", "credentials=")
    assert done.returncode == 2
    assert "'Server URL'" in done.stderr and "'API Key'" in done.stderr


def test_basic_auth_needs_both_parts(packs: dict[str, Path]) -> None:
    """
    Given a basic-auth pack with only a password
    When fetch runs
    Then the user name is named as missing
    """
    done = fetch(packs[BASIC], "url=http://127.0.0.1:9", "credentials=pw")
    assert done.returncode == 2
    assert "credentials.identifier=USER" in done.stderr
