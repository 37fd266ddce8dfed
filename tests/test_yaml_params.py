"""The integration YAML declares every instance parameter the generated code reads, with the
right type, nothing for answers not chosen, and a Fetch Limit text that tells the admin
what the chosen request and paging answers mean for it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from answer_sets import ANSWER_SETS
from conftest import RenderedPacks

NAMES = sorted(ANSWER_SETS)
# XSOAR's type codes: 0 short text, 8 checkbox, 9 credentials, 13 incident type,
# 19 fetch interval.
TYPES = {
    "url": 0,
    "credentials": 9,
    "insecure": 8,
    "proxy": 8,
    "isFetch": 8,
    "incidentType": 13,
    "max_fetch": 0,
    "max_events_per_fetch": 0,
    "first_fetch": 0,
    "query": 0,
    "look_back": 0,
    "incidentFetchInterval": 19,
    "eventFetchInterval": 19,
}
# Set by the server, never declared: a collector's fetch switch.
SERVER_PARAMS = {"isFetchEvents"}
# Declared for the server's own use; the code need not read them.
PLATFORM_PARAMS = {
    "isFetch",
    "incidentType",
    "incidentFetchInterval",
    "eventFetchInterval",
}
READ = re.compile(r"""params\.get\(\s*"([^"]+)"|params\["([^"]+)"\]""")


def integration_yml(rendered: RenderedPacks, name: str) -> dict[str, Any]:
    folder = rendered.integration(name)
    return yaml.safe_load((folder / f"{folder.name}.yml").read_text("utf-8"))


def read_params(rendered: RenderedPacks, name: str) -> set[str]:
    """The instance parameters the integration's code reads."""
    folder = rendered.integration(name)
    code = (folder / f"{folder.name}.py").read_text("utf-8")
    return {first or second for first, second in READ.findall(code)}


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_the_code_reads_is_declared(
    rendered: RenderedPacks, name: str
) -> None:
    """Given an answer set
    When its pack is rendered
    Then each parameter its code reads is in the YAML with its type code and a
    display, and each declared one is read by the code or used by the server."""
    configuration = integration_yml(rendered, name)["configuration"]
    declared = {param["name"]: param for param in configuration}
    read = read_params(rendered, name)

    assert "url" in read and "first_fetch" in read
    assert read - SERVER_PARAMS <= set(declared)
    assert set(declared) - read <= PLATFORM_PARAMS
    for param_name, param in declared.items():
        assert param["type"] == TYPES[param_name], param_name
        assert param["display"].strip(), param_name


# The Fetch Limit's text without a note, for incidents and for a collector.
LIMIT_TEXTS = (
    "Maximum number of incidents to create per fetch, from 1 to 200.",
    "The most events one fetch sends to Cortex XSIAM, from 1 to 50000. The API is"
    " asked for them page by page.",
)


def limit_note(info: str) -> str:
    """What the Fetch Limit's additional info says beyond the limit's range."""
    (base,) = [text for text in LIMIT_TEXTS if info.startswith(text)]
    return info[len(base) :].strip()


def limit_info(rendered: RenderedPacks, name: str) -> str:
    params = {p["name"]: p for p in integration_yml(rendered, name)["configuration"]}
    limit = params.get("max_fetch") or params["max_events_per_fetch"]
    return limit["additionalinfo"]


@pytest.mark.parametrize("name", NAMES)
def test_fetch_limit_says_what_the_paging_answers_mean(
    rendered: RenderedPacks, name: str
) -> None:
    """Given an answer set
    When its pack is rendered
    Then the Fetch Limit's additional info names the API's largest page, the longest
    window and a whole-window read exactly when the fetch code applies them."""
    answers = rendered.answers(name)
    info = limit_info(rendered, name)
    time_range = answers["query_style"] == "time_range"
    lookback = answers.get("use_lookback", False) and (
        answers.get("integration_kind", "incidents") == "incidents"
    )
    page_size_max = answers.get("page_size_max", 0) if time_range else 0
    window = answers.get("max_window_minutes", 0) if time_range and not lookback else 0
    whole = time_range and not lookback and answers["sort_order"] != "ascending"

    if page_size_max and answers.get("pagination") == "none":
        assert f"asks for {page_size_max} events, the API's largest page" in info
    elif page_size_max:
        assert f"at most {page_size_max} events a request" in info
    assert ("largest page" in info or "events a request" in info) == bool(page_size_max)
    assert (f"at most {window} minutes" in info) == bool(window)
    assert ("reads its time window whole" in info) == whole
    assert bool(limit_note(info)) == bool(page_size_max or window or whole)


@pytest.mark.parametrize("name", NAMES)
def test_description_names_the_credentials_of_the_auth_type(
    rendered: RenderedPacks, name: str
) -> None:
    """Given an answer set
    When its pack is rendered
    Then the description's Connect section names the credentials the YAML asks for
    (and says none are needed only without credentials), and repeats the Fetch
    Limit's note."""
    answers = rendered.answers(name)
    folder = rendered.integration(name)
    text = (folder / f"{folder.name}_description.md").read_text("utf-8")
    credentials = {
        p["name"]: p for p in integration_yml(rendered, name)["configuration"]
    }.get("credentials")
    assert ("needs no credentials" in text) == (credentials is None)
    if credentials is not None:
        assert f"**{credentials['display']}**" in text
    if answers["auth_type"] == "api_key_query":
        assert answers["api_key_param"].replace("_", "\\_") in text
    assert limit_note(limit_info(rendered, name)) in text
