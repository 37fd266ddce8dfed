"""Every answer set renders a pack whose code is black-clean, compiles, lints clean and
whose integration YAML declares the fetch parameters its answers call for."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import black
import pytest
import yaml
from answer_sets import ANSWER_SETS
from conftest import RenderedPacks

NAMES = sorted(ANSWER_SETS)
# What a generated .py must not contain: unused imports, names or variables and the
# like (pyflakes), pycodestyle errors and bugbear findings. Star imports of the XSOAR
# runtime are the convention, so F403/F405 are off; black owns the line length.
RUFF_RULES = ["--select", "F,E,W,B", "--ignore", "F403,F405,E501"]


def python_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.py"))
    assert len(files) == 2, files
    return files


def yml_of(rendered: RenderedPacks, name: str) -> dict[str, Any]:
    folder = rendered.integration(name)
    path = folder / f"{folder.name}.yml"
    if not path.is_file():
        pytest.skip("the integration YAML is not in the template yet")
    return yaml.safe_load(path.read_text("utf-8"))


def params_by_name(integration_yml: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {param["name"]: param for param in integration_yml["configuration"]}


@pytest.mark.parametrize("name", NAMES)
def test_python_is_black_clean_as_rendered(rendered: RenderedPacks, name: str) -> None:
    """Black (the project's pinned version, default settings) changes nothing."""
    for path in python_files(rendered.integration(name)):
        source = path.read_text("utf-8")
        assert black.format_str(source, mode=black.Mode()) == source, path.name


@pytest.mark.parametrize("name", NAMES)
def test_python_compiles_and_has_no_dead_code(
    rendered: RenderedPacks, name: str
) -> None:
    """Both .py files parse, and ruff finds nothing unused or suspicious in them."""
    files = python_files(rendered.integration(name))
    for path in files:
        ast.parse(path.read_text("utf-8"), filename=str(path))
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"]
        + RUFF_RULES
        + [str(path) for path in files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_integration_code_holds_only_the_chosen_style(
    rendered: RenderedPacks, name: str
) -> None:
    """No code for styles, lookback or auth types the answers did not choose."""
    answers = rendered.answers(name)
    folder = rendered.integration(name)
    code = (folder / f"{folder.name}.py").read_text("utf-8")
    style = answers["query_style"]
    lookback = answers.get("use_lookback", False)
    assert ("get_fetch_run_time_range" in code) == lookback
    assert ('"last_ids"' in code) == (style == "time_range" and not lookback)
    assert ('"last_id"' in code) == (style == "id_greater_than")
    assert ('"cursor"' in code) == (style == "cursor")
    assert ("NEXT_CURSOR_PATH" in code) == (style == "cursor")
    assert ("offset" in code) == (style == "time_range")
    assert ("TIME_FORMAT" in code) == (
        answers["time_format"] not in ("iso8601", "epoch_seconds", "epoch_millis")
    )
    assert ("SEVERITY_FIELD" in code) == bool(answers["severity_field"])
    assert ("query" in code) == answers["query_filter"]
    auth = answers["auth_type"]
    assert ("API_KEY_HEADER" in code) == (auth == "api_key_header")
    assert ("Bearer" in code) == (auth == "bearer_token")
    assert ('credentials.get("identifier"' in code) == (auth == "basic")
    assert ("credentials" in code) == (auth != "none")


@pytest.mark.parametrize("name", NAMES)
def test_answers_reach_the_code_unchanged(rendered: RenderedPacks, name: str) -> None:
    """The constants of the generated module equal the answers, however awkward."""
    answers = rendered.answers(name)
    folder = rendered.integration(name)
    tree = ast.parse((folder / f"{folder.name}.py").read_text("utf-8"))
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert constants["EVENTS_ENDPOINT"] == answers["events_endpoint"]
    assert constants["ID_FIELD"] == answers["id_field"]
    assert constants["TIME_FIELD"] == answers["time_field"]
    assert constants["NAME_FIELD"] == answers["name_field"]
    assert constants["FIRST_FETCH_DEFAULT"] == answers["first_fetch_default"]
    assert constants["GET_EVENTS_COMMAND"] == f"{answers['command_prefix']}-get-events"
    assert constants["OUTPUT_PREFIX"] == f"{answers['integration_id']}.Event"
    assert constants.get("EVENTS_PATH", "") == answers["events_path"]
    assert constants.get("SEVERITY_FIELD", "") == answers["severity_field"]
    if "TIME_FORMAT" in constants:
        assert constants["TIME_FORMAT"] == answers["time_format"]
    if answers["auth_type"] == "api_key_header":
        assert constants["API_KEY_HEADER"] == answers["api_key_header_name"]


@pytest.mark.parametrize("name", NAMES)
def test_sample_response_has_the_configured_shape(
    rendered: RenderedPacks, name: str
) -> None:
    """test_data holds a JSON response with the events at events_path."""
    answers = rendered.answers(name)
    response = json.loads(
        (rendered.integration(name) / "test_data" / "events_page.json").read_text()
    )
    events = response
    for key in filter(None, answers["events_path"].split(".")):
        events = events[key]
    assert isinstance(events, list) and len(events) == 5


@pytest.mark.parametrize("name", NAMES)
def test_yaml_declares_the_fetch_parameters(rendered: RenderedPacks, name: str) -> None:
    """isFetch, incidentType, Fetch Limit with its default, first fetch, fetch interval,
    look-back and query exactly when chosen, the credential as type 9."""
    answers = rendered.answers(name)
    integration_yml = yml_of(rendered, name)
    params = params_by_name(integration_yml)

    assert params["isFetch"]["type"] == 8
    assert params["incidentType"]["type"] == 13
    assert params["max_fetch"]["display"] == "Fetch Limit"
    assert str(params["max_fetch"]["defaultvalue"]) == str(
        answers["fetch_limit_default"]
    )
    assert params["first_fetch"]["defaultvalue"] == answers["first_fetch_default"]
    assert params["incidentFetchInterval"]["type"] == 19
    assert ("look_back" in params) == answers.get("use_lookback", False)
    if "look_back" in params:
        assert str(params["look_back"]["defaultvalue"]) == str(
            answers["look_back_default"]
        )
    assert ("query" in params) == answers["query_filter"]
    for flag in ("insecure", "proxy"):
        assert str(params[flag]["defaultvalue"]).lower() == "false"
    if answers["auth_type"] == "none":
        assert "credentials" not in params
    else:
        assert params["credentials"]["type"] == 9
        hidden = params["credentials"].get("hiddenusername", False)
        assert hidden == (answers["auth_type"] != "basic")


@pytest.mark.parametrize("name", NAMES)
def test_yaml_script_runs_the_fetch_and_get_events(
    rendered: RenderedPacks, name: str
) -> None:
    """A python3 fetch script in a pinned image, with the get-events command."""
    answers = rendered.answers(name)
    script = yml_of(rendered, name)["script"]

    assert script["isfetch"] is True
    assert script["subtype"] == "python3"
    assert script["dockerimage"] == answers["docker_image"]
    commands = {command["name"]: command for command in script["commands"]}
    get_events = commands[f"{answers['command_prefix']}-get-events"]
    assert {argument["name"] for argument in get_events["arguments"]} >= {
        "limit",
        "start_time",
    }
