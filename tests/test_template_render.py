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
from answer_sets import ANSWER_SETS, INCIDENT_SETS, REPO_ROOT, VENDOR_AUTH_SETS
from conftest import RenderedPacks
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from jinja2_ansible_filters import AnsibleCoreFiltersExtension

NAMES = sorted(ANSWER_SETS)
INCIDENT_NAMES = sorted(INCIDENT_SETS)
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


@pytest.mark.parametrize("name", sorted(VENDOR_AUTH_SETS))
def test_vendor_auth_sets_are_in_the_matrix(name: str) -> None:
    """Every vendor set is rendered, tested and simulated like the others."""
    assert name in ANSWER_SETS


@pytest.mark.parametrize("name", NAMES)
def test_python_is_black_clean_as_rendered(rendered: RenderedPacks, name: str) -> None:
    """Black (the project's pinned version, default settings) changes nothing, and no
    line is longer than black's 88 characters, even with answers at their longest: black
    never has to split a line an answer lands in."""
    for path in python_files(rendered.integration(name)):
        source = path.read_text("utf-8")
        assert black.format_str(source, mode=black.Mode()) == source, path.name
        long_lines = [line for line in source.splitlines() if len(line) > 88]
        assert not long_lines, long_lines


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
def test_module_health_is_reported_as_both_runtimes_accept(
    rendered: RenderedPacks, name: str
) -> None:
    """Every demisto.updateModuleHealth call passes one positional argument: the
    reference demistomock takes only that (is_error= raises TypeError there)."""
    for path in python_files(rendered.integration(name)):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "updateModuleHealth"
            ):
                assert (
                    len(node.args) == 1 and not node.keywords
                ), f"{path.name}:{node.lineno}: {ast.unparse(node)}"


@pytest.mark.parametrize("name", NAMES)
def test_integration_code_holds_only_the_chosen_style(
    rendered: RenderedPacks, name: str
) -> None:
    """No code for styles, lookback, auth types or kinds the answers did not choose."""
    answers = rendered.answers(name)
    collector = ANSWER_SETS[name].get("integration_kind") == "events"
    folder = rendered.integration(name)
    code = (folder / f"{folder.name}.py").read_text("utf-8")
    style = answers["query_style"]
    lookback = answers.get("use_lookback", False) and not collector
    assert ("def minute_of(" in code) == lookback
    assert "get_fetch_run_time_range" not in code
    assert ('"last_ids": ids' in code) == (style == "time_range" and not lookback)
    assert ('"last_id"' in code) == (style == "id_greater_than")
    paging = answers.get("pagination") or (
        "next_cursor" if style == "cursor" else "offset"
    )
    paged_by = style != "id_greater_than"
    assert ('last_run.get("cursor")' in code) == (style == "cursor")
    assert ("NEXT_CURSOR_PATH" in code) == (paged_by and paging == "next_cursor")
    assert ("offset" in code) == (style == "time_range" and paging == "offset")
    assert ("PAGE_PARAM" in code) == (paged_by and paging == "page_number")
    assert ("NEXT_URL_PATH" in code) == (paged_by and paging == "next_url")
    assert ("response.links" in code) == (paged_by and paging == "link_header")
    assert ("request_body" in code) == (answers.get("http_method") == "POST")
    assert ("FILTER_TEMPLATE" in code) == (answers.get("time_filter") == "expression")
    assert ("EXTRA_PARAMS" in code) == bool(answers.get("extra_params"))
    assert ("more_pages" in code) == bool(answers.get("has_more_path"))
    assert ("PAGE_SIZE_MAX" in code) == bool(answers.get("page_size_max"))
    unordered = answers.get("sort_order", "ascending") != "ascending"
    assert ("MAX_WINDOW_EVENTS" in code) == unordered
    codecs = ("iso8601", "epoch_seconds", "epoch_millis")
    assert ("\nTIME_FORMAT" in code) == (answers["time_format"] not in codecs)
    request_format = answers.get("request_time_format") or answers["time_format"]
    assert ("REQUEST_TIME_FORMAT" in code) == (
        request_format != answers["time_format"] and request_format not in codecs
    )
    assert ("SEVERITY_FIELD" in code) == (
        bool(answers["severity_field"]) and not collector
    )
    assert ("def fetch_events(" in code) == collector
    assert ("send_events_to_xsiam" in code) == collector
    assert ("def fetch_incidents(" in code) == (not collector)
    assert ("incident" in code.lower()) == (not collector)
    assert ("query: str | None" in code) == answers["query_filter"]
    auth = answers["auth_type"]
    oauth2 = auth == "oauth2_client_credentials"
    assert ("API_KEY_HEADER" in code) == (auth == "api_key_header")
    assert ("API_KEY_PREFIX" in code) == bool(answers.get("api_key_prefix"))
    assert ("API_KEY_PARAM" in code) == (auth == "api_key_query")
    assert ("Bearer" in code) == (auth == "bearer_token" or oauth2)
    assert ("get_integration_context" in code) == oauth2
    assert ("OAUTH_SCOPE" in code) == bool(answers.get("oauth_scope"))
    assert ('credentials.get("identifier"' in code) == (auth == "basic" or oauth2)
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
    if ANSWER_SETS[name].get("integration_kind") == "events":
        assert constants["VENDOR"] == ANSWER_SETS[name]["vendor"]
        assert constants["PRODUCT"] == ANSWER_SETS[name]["product"]
        assert "SEVERITY_FIELD" not in constants  # mapped by the modeling rule
    else:
        assert constants.get("SEVERITY_FIELD", "") == answers["severity_field"]
    if "TIME_FORMAT" in constants:
        assert constants["TIME_FORMAT"] == answers["time_format"]
    if answers["auth_type"] == "api_key_header":
        assert constants["API_KEY_HEADER"] == answers["api_key_header_name"]
    if answers.get("api_key_prefix"):
        assert constants["API_KEY_PREFIX"] == answers["api_key_prefix"]
    if answers["auth_type"] == "api_key_query":
        assert constants["API_KEY_PARAM"] == answers.get("api_key_param", "api_key")
    if answers["auth_type"] == "oauth2_client_credentials":
        token_url = answers["token_url"]
        name = "TOKEN_PATH" if token_url.startswith("/") else "TOKEN_URL"
        assert constants[name] == token_url
        assert constants.get("OAUTH_SCOPE", "") == answers.get("oauth_scope", "")


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


@pytest.mark.parametrize("name", INCIDENT_NAMES)
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
        named = answers["auth_type"] in ("basic", "oauth2_client_credentials")
        assert hidden == (not named)


@pytest.mark.parametrize("name", INCIDENT_NAMES)
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


PATH_PART = r"[A-Za-z0-9_$@-]{1,21}"
DOTTED_PATH = st.from_regex(rf"{PATH_PART}(\.{PATH_PART}){{0,2}}", fullmatch=True)
PARAM_NAME = st.from_regex(r"[A-Za-z0-9_.\[\]-]{1,40}", fullmatch=True)
PATTERN_FILLER = st.lists(
    st.sampled_from(list("Tt0 ,./:_+-") + ["%S", "%f", "%z", "%p", "%Z"]), max_size=40
).map("".join)


@st.composite
def code_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Any answers the validators accept, as far as they reach the Python code."""
    style = draw(st.sampled_from(["time_range", "id_greater_than", "cursor"]))
    time_format = draw(
        st.sampled_from(["iso8601", "epoch_seconds", "epoch_millis"])
        | PATTERN_FILLER.map(lambda filler: f"%d/%m/%Y %H:%M{filler}"[:64])
    )
    return {
        "integration_kind": draw(st.sampled_from(["incidents", "events"])),
        "vendor": draw(st.from_regex(r"[a-z][a-z0-9_]{0,19}", fullmatch=True)),
        "product": draw(st.from_regex(r"[a-z][a-z0-9_]{0,19}", fullmatch=True)),
        "integration_id": draw(
            st.from_regex(r"[A-Z][A-Za-z0-9]{1,49}", fullmatch=True)
        ),
        "command_prefix": draw(
            st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,2}", fullmatch=True)
        ),
        "auth_type": draw(
            st.sampled_from(["api_key_header", "bearer_token", "basic", "none"])
        ),
        "api_key_header_name": draw(
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", fullmatch=True)
        ),
        "events_endpoint": draw(
            st.from_regex(r"/[A-Za-z0-9._~%:@+/-]{0,63}", fullmatch=True)
        ),
        "events_path": draw(
            DOTTED_PATH if style == "cursor" else st.just("") | DOTTED_PATH
        ),
        "query_style": style,
        "id_field": draw(DOTTED_PATH),
        "time_field": draw(DOTTED_PATH),
        "name_field": draw(DOTTED_PATH),
        "severity_field": draw(st.just("") | DOTTED_PATH),
        "time_format": time_format,
        "use_lookback": style == "time_range" and draw(st.booleans()),
        "first_fetch_default": draw(
            st.from_regex(r"[1-9][0-9]{0,3} (minute|hour|day|week)s?", fullmatch=True)
        ),
        "query_filter": draw(st.booleans()),
        **{
            key: draw(PARAM_NAME)
            for key in (
                "limit_param",
                "since_param",
                "until_param",
                "offset_param",
                "id_param",
                "cursor_param",
                "query_param",
            )
        },
        "next_cursor_path": draw(DOTTED_PATH),
    }


JINJA = SandboxedEnvironment(
    loader=FileSystemLoader(str(REPO_ROOT)),
    extensions=[AnsibleCoreFiltersExtension],
    keep_trailing_newline=True,
)
CODE_TEMPLATES = [
    "template/Integrations/{{integration_id}}/{{integration_id}}.py.jinja",
    "template/Integrations/{{integration_id}}/{{integration_id}}_test.py.jinja",
]


@settings(max_examples=25, deadline=None)
@given(answers=code_answers())
def test_any_valid_answers_give_black_clean_code(answers: dict[str, Any]) -> None:
    """Whatever the validators let through, the code compiles and is black-clean."""
    for name in CODE_TEMPLATES:
        source = JINJA.get_template(name).render(answers)
        compile(source, name, "exec")
        assert black.format_str(source, mode=black.Mode()) == source, answers
