"""BaseClient._http_request behaves as the server's CommonServerPython does."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import requests_mock as rm
from CommonServerPython import BaseClient, DemistoException

BASE = "https://api.example.com/v1"


@pytest.fixture
def client() -> BaseClient:
    return BaseClient(
        BASE, verify=True, proxy=False, headers={"X-API-Key": "secret"}, timeout=30
    )


# ---------------------------------------------------------------- URL, headers, auth


@pytest.mark.parametrize(
    ("base", "suffix", "expected"),
    [
        (BASE, "/events", f"{BASE}/events"),
        (BASE, "events", f"{BASE}/events"),
        (f"{BASE}/", "/events", f"{BASE}/events"),
        (f"{BASE}/", "events?x=1", f"{BASE}/events?x=1"),
    ],
)
def test_base_url_and_suffix_are_joined_with_one_slash(
    requests_mock: rm.Mocker, base: str, suffix: str, expected: str
) -> None:
    requests_mock.get(expected, json={"ok": True})
    assert BaseClient(base)._http_request("GET", suffix) == {"ok": True}
    assert requests_mock.last_request.url == expected


def test_full_url_replaces_the_base(requests_mock: rm.Mocker, client) -> None:
    requests_mock.get("https://other.example.com/x", json=[1])
    assert client._http_request("GET", full_url="https://other.example.com/x") == [1]


def test_params_and_json_body_are_sent(requests_mock: rm.Mocker, client) -> None:
    requests_mock.post(f"{BASE}/search", json={})
    client._http_request(
        "POST", "/search", params={"from": "2024-01-01T00:00:00Z"}, json_data={"q": 1}
    )
    request = requests_mock.last_request
    assert request.qs == {"from": ["2024-01-01t00:00:00z"]}
    assert "from=2024-01-01T00%3A00%3A00Z" in request.url
    assert request.json() == {"q": 1}


def test_client_headers_are_sent_and_call_headers_replace_them(
    requests_mock: rm.Mocker, client
) -> None:
    requests_mock.get(f"{BASE}/events", json=[])
    client._http_request("GET", "/events")
    assert requests_mock.last_request.headers["X-API-Key"] == "secret"
    client._http_request("GET", "/events", headers={"Authorization": "Bearer t"})
    assert requests_mock.last_request.headers["Authorization"] == "Bearer t"
    assert "X-API-Key" not in requests_mock.last_request.headers


def test_basic_auth_from_client_or_call(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/events", json=[])
    BaseClient(BASE, auth=("user", "pass"))._http_request("GET", "/events")
    assert requests_mock.last_request.headers["Authorization"] == "Basic dXNlcjpwYXNz"
    BaseClient(BASE)._http_request("GET", "/events", auth=("a", "b"))
    assert requests_mock.last_request.headers["Authorization"] == "Basic YTpi"


@pytest.mark.parametrize("verify", [True, False])
def test_verify_is_passed_to_requests(requests_mock: rm.Mocker, verify: bool) -> None:
    requests_mock.get(f"{BASE}/events", json=[])
    BaseClient(BASE, verify=verify)._http_request("GET", "/events")
    assert requests_mock.last_request.verify is verify


def test_timeout_defaults_to_the_clients_and_can_be_overridden(
    requests_mock: rm.Mocker, client
) -> None:
    requests_mock.get(f"{BASE}/events", json=[])
    client._http_request("GET", "/events")
    assert requests_mock.last_request.timeout == 30
    client._http_request("GET", "/events", timeout=5)
    assert requests_mock.last_request.timeout == 5
    BaseClient(BASE)._http_request("GET", "/events")
    assert requests_mock.last_request.timeout == 60


def test_proxy_false_ignores_environment_proxies(
    requests_mock: rm.Mocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    requests_mock.get(f"{BASE}/events", json=[])
    BaseClient(BASE, proxy=False)._http_request("GET", "/events")
    assert not requests_mock.last_request.proxies.get("https")
    BaseClient(BASE, proxy=True)._http_request("GET", "/events")
    assert requests_mock.last_request.proxies["https"] == "http://proxy.invalid:3128"


# ---------------------------------------------------------------- status codes and errors


def test_error_status_raises_with_status_reason_body_and_response(
    requests_mock: rm.Mocker, client
) -> None:
    requests_mock.get(
        f"{BASE}/events",
        status_code=401,
        reason="Unauthorized",
        json={"error": "bad key"},
    )
    with pytest.raises(DemistoException) as caught:
        client._http_request("GET", "/events")
    assert (
        str(caught.value)
        == 'Error in API call [401] - Unauthorized\n{"error": "bad key"}'
    )
    assert caught.value.res is not None
    assert caught.value.res.status_code == 401


def test_error_with_text_body_keeps_the_text(requests_mock: rm.Mocker, client) -> None:
    requests_mock.get(
        f"{BASE}/events", status_code=500, reason="Server Error", text="boom"
    )
    with pytest.raises(
        DemistoException, match=r"^Error in API call \[500\] - Server Error\nboom$"
    ):
        client._http_request("GET", "/events")


def test_ok_codes_of_the_client_and_of_the_call(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/events", status_code=201, json={"created": True})
    strict = BaseClient(BASE, ok_codes=(200,))
    with pytest.raises(DemistoException, match=r"\[201\]"):
        strict._http_request("GET", "/events")
    assert strict._http_request("GET", "/events", ok_codes=(201,)) == {"created": True}


def test_ok_codes_can_accept_an_error_status(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/events", status_code=404, json={"items": []})
    assert BaseClient(BASE)._http_request("GET", "/events", ok_codes=(200, 404)) == {
        "items": []
    }


def test_error_handler_takes_over(requests_mock: rm.Mocker, client) -> None:
    requests_mock.get(f"{BASE}/events", status_code=429)
    seen: list[int] = []

    def handler(res: requests.Response) -> None:
        seen.append(res.status_code)
        raise ValueError("rate limited")

    with pytest.raises(ValueError, match="rate limited"):
        client._http_request("GET", "/events", error_handler=handler)
    assert seen == [429]


# Every exception path of _http_request: tests/test_runtime_client_errors.py.


# ---------------------------------------------------------------- response types


def test_resp_type_variants(requests_mock: rm.Mocker, client) -> None:
    requests_mock.get(f"{BASE}/j", json={"a": [1]})
    requests_mock.get(f"{BASE}/x", text="<root><item id='1'/></root>")
    assert client._http_request("GET", "/j") == {"a": [1]}
    assert client._http_request("GET", "/j", resp_type="text") == '{"a": [1]}'
    assert client._http_request("GET", "/j", resp_type="content") == b'{"a": [1]}'
    response = client._http_request("GET", "/j", resp_type="response")
    assert isinstance(response, requests.Response)
    assert response.status_code == 200
    # xml is checked to parse, then the Response is returned; so is an unknown type
    xml = client._http_request("GET", "/x", resp_type="xml")
    assert isinstance(xml, requests.Response)
    assert ET.fromstring(xml.content).find("item").get("id") == "1"
    assert isinstance(
        client._http_request("GET", "/j", resp_type="raw"), requests.Response
    )


def test_unparsable_json_raises_demisto_exception(
    requests_mock: rm.Mocker, client
) -> None:
    requests_mock.get(f"{BASE}/events", text="<html>oops</html>")
    with pytest.raises(DemistoException, match="Failed to parse json object") as caught:
        client._http_request("GET", "/events")
    assert caught.value.res is not None


def test_empty_response_is_returned_when_asked(
    requests_mock: rm.Mocker, client
) -> None:
    requests_mock.delete(f"{BASE}/events/1", status_code=204)
    response = client._http_request("DELETE", "/events/1", return_empty_response=True)
    assert isinstance(response, requests.Response)
    assert response.status_code == 204
    with pytest.raises(DemistoException, match="Failed to parse json"):
        client._http_request("DELETE", "/events/1")


# ---------------------------------------------------------------- real sockets: retries, proxy


class _Handler(BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` requests, then 200 with a JSON body."""

    failures = 0
    hits = 0
    delay = 0.0

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).hits += 1
        if self.delay:
            time.sleep(self.delay)
        if type(self).hits <= self.failures:
            self.send_response(503, "Service Unavailable")
            body = b'{"error": "busy"}'
        else:
            self.send_response(200)
            body = json.dumps({"hits": type(self).hits}).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"failures": 0, "hits": 0, "delay": 0.0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.handle_error = lambda request, address: None  # a client gone after a timeout
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate and key for 127.0.0.1 (made with openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def https_server(
    certificate: tuple[str, str],
) -> Iterator[tuple[str, type[_Handler]]]:
    """The same server over TLS: the retrying adapter is mounted for https:// only."""
    handler = type("Handler", (_Handler,), {"failures": 0, "hits": 0, "delay": 0.0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.handle_error = lambda request, address: None  # a client gone after a timeout
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_no_retries_unless_asked(server) -> None:
    url, handler = server
    handler.failures = 1
    with pytest.raises(DemistoException, match=r"\[503\]"):
        BaseClient(url)._http_request("GET", "/events")
    assert handler.hits == 1


def test_retries_with_backoff_recover(https_server) -> None:
    url, handler = https_server
    handler.failures = 2
    client = BaseClient(url, verify=False)
    answer = client._http_request(
        "GET", "/events", retries=2, status_list_to_retry=[503], backoff_factor=0
    )
    assert answer == {"hits": 3}


def test_the_retrying_adapter_stays_on_the_session(https_server) -> None:
    """
    Given a client that made one request with retries=2
    When it makes a later request without retries
    Then that request is retried too: the adapter stays mounted, as on the server
    """
    url, handler = https_server
    client = BaseClient(url, verify=False)
    client._http_request(
        "GET", "/events", retries=2, status_list_to_retry=[503], backoff_factor=0
    )
    handler.failures, handler.hits = 1, 0
    assert client._http_request("GET", "/events") == {"hits": 2}


def test_retries_are_mounted_for_https_only(server) -> None:
    """
    Given an http:// API answering 503 once
    When a request asks for 2 retries on 503
    Then it is not retried: the retrying adapter serves https:// only
    """
    url, handler = server
    handler.failures = 1
    with pytest.raises(DemistoException, match=r"\[503\]"):
        BaseClient(url)._http_request(
            "GET", "/events", retries=2, status_list_to_retry=[503], backoff_factor=0
        )
    assert handler.hits == 1


def test_exhausted_retries_report_the_last_status(https_server) -> None:
    url, handler = https_server
    handler.failures = 10
    with pytest.raises(DemistoException, match=r"\[503\] - Service Unavailable"):
        BaseClient(url, verify=False)._http_request(
            "GET", "/events", retries=1, status_list_to_retry=[503], backoff_factor=0
        )
    assert handler.hits == 2


def test_exhausted_retries_raising_on_status(https_server) -> None:
    url, handler = https_server
    handler.failures = 10
    with pytest.raises(DemistoException, match="^Max Retries Error- ") as caught:
        BaseClient(url, verify=False)._http_request(
            "GET",
            "/events",
            retries=1,
            status_list_to_retry=[503],
            backoff_factor=0,
            raise_on_status=True,
        )
    assert isinstance(caught.value.exception, requests.exceptions.RetryError)


def test_read_timeout_propagates_as_requests_raised_it(server) -> None:
    """
    Given an API slower than the client's timeout, and no retries
    When a request is sent
    Then requests' ReadTimeout arrives unwrapped, as on the server
    """
    url, handler = server
    handler.delay = 0.5
    with pytest.raises(requests.exceptions.ReadTimeout):
        BaseClient(url, timeout=0.1)._http_request("GET", "/events")


def test_exhausted_read_timeout_retries_arrive_as_a_connection_error(
    https_server,
) -> None:
    """
    Given an https API slower than the client's timeout
    When a request with retries=1 times out twice
    Then it arrives as DemistoException wrapping a ConnectionError (the retrying
        adapter turns the read timeout into one), with the server URL advice
    """
    url, handler = https_server
    handler.delay = 0.5
    with pytest.raises(DemistoException) as caught:
        BaseClient(url, verify=False, timeout=0.1)._http_request(
            "GET", "/events", retries=1, backoff_factor=0
        )
    assert type(caught.value.exception) is requests.exceptions.ConnectionError
    assert str(caught.value).startswith("Verify that the server URL parameter")
    assert handler.hits == 2


def test_environment_proxy_is_ignored_with_proxy_false(
    server, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = server
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert BaseClient(url, proxy=False)._http_request("GET", "/events") == {"hits": 1}
    with pytest.raises(DemistoException):
        BaseClient(url, proxy=True)._http_request("GET", "/events")


def test_refused_connection_is_reported() -> None:
    with pytest.raises(DemistoException, match="^Verify that the server URL") as caught:
        BaseClient("http://127.0.0.1:9", timeout=2)._http_request("GET", "/events")
    assert "Error Type: <ConnectionError>" in str(caught.value)
