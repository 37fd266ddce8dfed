"""Next-page URLs in rendered packs: read against their page, followed only on the
instance's own server, never holding the query API key; and the key masked in every
message that leaves an api_key_query integration (docs/architecture.md, "Decisions by
situation" 10-13)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests_mock as requests_mock_module
from answer_sets import ANSWER_SETS, integration_dir, render_pack

from generator.instance import load_integration, run_fetch, runtime

BASE_URL = "https://api.example.test"
KEY = "k+y/=&1 2"  # changed by URL encoding


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The .py of a query-key cursor pack and of a bearer Link-header pack."""
    root = tmp_path_factory.mktemp("page-urls")
    names = ("query_key_next_url_cursor", "okta_like_system_log")
    found = {}
    for name in names:
        folder = integration_dir(render_pack(ANSWER_SETS[name], root / name))
        found[name] = folder / f"{folder.name}.py"
    return found


def module_of(packs: dict[str, Path], name: str) -> ModuleType:
    runtime()
    return load_integration(packs[name])


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("/api/v1/events?page=2", f"{BASE_URL}/api/v1/events?page=2"),
        ("?page=2", f"{BASE_URL}/api/v1/events?page=2"),
        ("events?page=2", f"{BASE_URL}/api/v1/events?page=2"),
        (
            "https://API.example.test:443/api/v1/events?page=2",
            "https://API.example.test:443/api/v1/events?page=2",
        ),
        ("//api.example.test/api/v1/events?page=2", f"{BASE_URL}/api/v1/events?page=2"),
    ],
)
def test_relative_and_equivalent_urls_are_read_against_the_page(
    packs: dict[str, Path], reference: str, expected: str
) -> None:
    """
    Given a next-page reference relative to the page, or naming the same server in
        another spelling (host case, default port, scheme-relative)
    When next_page_url reads it
    Then it is the page's URL resolved by RFC 3986, on the instance's server
    """
    module = module_of(packs, "okta_like_system_log")
    sent_from = f"{BASE_URL}/api/v1/events?since=x&limit=2"

    url = module.next_page_url(reference, sent_from, BASE_URL)

    assert url == expected
    assert module.server_of(url) == BASE_URL


@pytest.mark.parametrize(
    "reference",
    [
        "https://collector.example.net/api/v1/events?page=2",
        "http://api.example.test/api/v1/events?page=2",  # another scheme
        "https://api.example.test:8443/api/v1/events?page=2",  # another port
        "https://api.example.test.evil.net/api/v1/events",
        "https://api.example.test@evil.net/api/v1/events",
    ],
)
def test_url_on_another_server_is_an_error_naming_both(
    packs: dict[str, Path], reference: str
) -> None:
    """
    Given a next-page URL on another scheme, host or port
    When next_page_url reads it
    Then it raises DemistoException naming the URL's server and the instance's
    """
    module = module_of(packs, "okta_like_system_log")

    with pytest.raises(module.DemistoException) as raised:
        module.next_page_url(reference, f"{BASE_URL}/api/v1/events", BASE_URL)

    message = str(raised.value)
    assert module.server_of(reference) in message and BASE_URL in message


def test_query_key_is_taken_out_of_next_page_urls(packs: dict[str, Path]) -> None:
    """
    Given a query-key pack and a next-page URL repeating the request's query, the key
        (written URL-encoded) among its parameters
    When next_page_url reads it
    Then the key parameter is gone and every other parameter stays as written
    """
    module = module_of(packs, "query_key_next_url_cursor")
    reference = "/api/v1/events?since=2024-03-10T00%3A00%3AZ&token=k%2By&page=2&t=1+2"

    url = module.next_page_url(reference, f"{BASE_URL}/api/v1/events", BASE_URL)

    assert url == f"{BASE_URL}/api/v1/events?since=2024-03-10T00%3A00%3AZ&page=2&t=1+2"


def params(url: str) -> dict[str, Any]:
    return {
        "url": url,
        "credentials": {"identifier": "", "password": KEY},
        "max_fetch": "10",
        "first_fetch": "1 day",
        "isFetch": True,
    }


@pytest.mark.parametrize("command", ["test-module", "fetch-incidents"])
def test_key_echoed_by_an_html_page_never_leaves_the_integration(
    packs: dict[str, Path], command: str
) -> None:
    """
    Given a query-key pack behind a proxy that answers HTTP 200 with an HTML page quoting
        the request URL
    When the Test button or a fetch runs, on the stand-in server
    Then the error reaching the user holds the key neither as given nor URL-encoded
    """
    module = module_of(packs, "query_key_next_url_cursor")
    with requests_mock_module.Mocker() as mock:
        mock.get(
            f"{BASE_URL}/api/v1/events",
            text=lambda request, context: f"<html>Blocked: {request.url}</html>",
        )
        outcome = run_fetch(module, params(BASE_URL), None, command=command)

    assert outcome.error is not None and "<API key>" in outcome.error
    assert "k%2By" not in outcome.error and KEY not in outcome.error
