"""Every exception path of BaseClient._http_request, as the server's runtime takes it
(primer, section 1b): exactly five ``requests`` failures are wrapped in
DemistoException, a non-JSON body with resp_type json is one too, every other failure
propagates as ``requests`` raised it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import requests
import requests_mock as rm
from CommonServerPython import BaseClient, DemistoException

BASE = "https://api.example.com/v1"
URL = f"{BASE}/events"


def client(verify: bool = True) -> BaseClient:
    return BaseClient(BASE, verify=verify, proxy=False)


@pytest.mark.parametrize(
    ("failure", "start"),
    [
        (
            requests.exceptions.ConnectTimeout,
            "Connection Timeout Error - potential reasons might be that the Server URL",
        ),
        (requests.exceptions.SSLError, "SSL Certificate Verification Failed - "),
        (requests.exceptions.ProxyError, "Proxy Error - if the 'Use system proxy'"),
        (
            requests.exceptions.ConnectionError,
            "Verify that the server URL parameter is correct and that you have "
            "access to the server from your host.\nError Type: <ConnectionError>",
        ),
        (requests.exceptions.RetryError, "Max Retries Error- Request attempts with"),
    ],
)
def test_the_five_wrapped_failures(
    requests_mock: rm.Mocker, failure: type[Exception], start: str
) -> None:
    """
    Given a request failing with one of the five failures the server wraps
    When _http_request sends it (certificates checked)
    Then DemistoException is raised with the server's message, holding the failure
    """
    raised = failure("boom")
    requests_mock.get(URL, exc=raised)
    with pytest.raises(DemistoException) as caught:
        client()._http_request("GET", "/events")
    assert str(caught.value).startswith(start)
    assert caught.value.exception is raised
    assert caught.value.res is None


def test_an_ssl_error_is_raised_as_is_when_any_certificate_is_trusted(
    requests_mock: rm.Mocker,
) -> None:
    """
    Given an instance that trusts any certificate (verify off)
    When a request fails with SSLError
    Then the SSLError itself propagates, unwrapped
    """
    raised = requests.exceptions.SSLError("handshake failed")
    requests_mock.get(URL, exc=raised)
    with pytest.raises(requests.exceptions.SSLError) as caught:
        client(verify=False)._http_request("GET", "/events")
    assert caught.value is raised


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout,
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
        requests.exceptions.TooManyRedirects,
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidHeader,
        requests.exceptions.RequestException,
    ],
)
def test_every_other_failure_propagates_as_requests_raised_it(
    requests_mock: rm.Mocker, failure: type[Exception]
) -> None:
    """
    Given a request failing with any other requests exception (a read timeout, a
        broken chunked body, too many redirects, ...)
    When _http_request sends it
    Then that very exception propagates: not a DemistoException
    """
    raised = failure("boom")
    requests_mock.get(URL, exc=raised)
    with pytest.raises(failure) as caught:
        client()._http_request("GET", "/events")
    assert caught.value is raised
    assert not isinstance(caught.value, DemistoException)


@pytest.mark.parametrize(
    ("base", "failure"),
    [
        ("api.example.com/v1", requests.exceptions.MissingSchema),
        ("https://example.com:notaport/v1", requests.exceptions.InvalidURL),
    ],
)
def test_a_bad_url_propagates_as_requests_raised_it(
    base: str, failure: type[Exception]
) -> None:
    """
    Given a server URL without a scheme, or with a port that is not a number
    When a request is sent
    Then requests' own MissingSchema / InvalidURL propagates
    """
    with pytest.raises(failure):
        BaseClient(base)._http_request("GET", "/events")


def test_a_body_that_is_not_json_is_a_demisto_exception(
    requests_mock: rm.Mocker,
) -> None:
    """
    Given an HTTP 200 answer that is an HTML page
    When it is read with resp_type json (the default)
    Then DemistoException says it failed to parse it, quoting the body, and holds
        the JSONDecodeError and the response
    """
    requests_mock.get(URL, text="<html>oops</html>")
    with pytest.raises(DemistoException) as caught:
        client()._http_request("GET", "/events")
    assert str(caught.value) == (
        "Failed to parse json object from response: b'<html>oops</html>'"
    )
    assert isinstance(caught.value.exception, json.JSONDecodeError)
    assert caught.value.res is not None and caught.value.res.status_code == 200


@pytest.mark.parametrize("resp_type", ["text", "content", "response"])
def test_other_response_types_do_not_parse_json(
    requests_mock: rm.Mocker, resp_type: str
) -> None:
    """An HTML body read as text, content or response is returned without error."""
    requests_mock.get(URL, text="<html>oops</html>")
    assert client()._http_request("GET", "/events", resp_type=resp_type)


def test_invalid_xml_raises_a_plain_parse_error(requests_mock: rm.Mocker) -> None:
    """
    Given a body that is not XML
    When it is read with resp_type xml
    Then xml.etree's ParseError propagates, unwrapped
    """
    requests_mock.get(URL, text="not <xml")
    with pytest.raises(ET.ParseError) as caught:
        client()._http_request("GET", "/events", resp_type="xml")
    assert not isinstance(caught.value, DemistoException)


def test_a_status_error_comes_before_any_parsing(requests_mock: rm.Mocker) -> None:
    """
    Given an HTTP 502 answer with an HTML body
    When it is read with resp_type json
    Then the status error is raised, with the body, not a parse error
    """
    requests_mock.get(URL, status_code=502, reason="Bad Gateway", text="<h1>down</h1>")
    with pytest.raises(DemistoException) as caught:
        client()._http_request("GET", "/events")
    assert str(caught.value) == "Error in API call [502] - Bad Gateway\n<h1>down</h1>"
    assert caught.value.res.status_code == 502
