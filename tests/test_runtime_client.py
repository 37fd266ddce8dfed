"""BaseClient._http_request behaves as the server's CommonServerPython does."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize(
    ("failure", "pattern"),
    [
        (requests.exceptions.ConnectTimeout, "Timed out reaching"),
        (requests.exceptions.ReadTimeout, "Timed out reaching"),
        (requests.exceptions.SSLError, "SSL certificate check failed"),
        (requests.exceptions.ProxyError, "Proxy error"),
        (requests.exceptions.ConnectionError, "Could not connect to"),
    ],
)
def test_transport_failures_become_readable_demisto_exceptions(
    requests_mock: rm.Mocker, client, failure: type[Exception], pattern: str
) -> None:
    requests_mock.get(f"{BASE}/events", exc=failure)
    with pytest.raises(DemistoException, match=pattern) as caught:
        client._http_request("GET", "/events")
    assert f"{BASE}/events" in str(caught.value)
    assert isinstance(caught.value.exception, failure)


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
    root = client._http_request("GET", "/x", resp_type="xml")
    assert isinstance(root, ET.Element)
    assert root.find("item").get("id") == "1"


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
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_no_retries_unless_asked(server) -> None:
    url, handler = server
    handler.failures = 1
    with pytest.raises(DemistoException, match=r"\[503\]"):
        BaseClient(url)._http_request("GET", "/events")
    assert handler.hits == 1


def test_retries_with_backoff_recover(server) -> None:
    url, handler = server
    handler.failures = 2
    client = BaseClient(url)
    answer = client._http_request(
        "GET", "/events", retries=2, status_list_to_retry=[503], backoff_factor=0
    )
    assert answer == {"hits": 3}
    # The retrying adapter is for that call only.
    handler.failures, handler.hits = 1, 0
    with pytest.raises(DemistoException, match=r"\[503\]"):
        client._http_request("GET", "/events")
    assert handler.hits == 1


def test_exhausted_retries_report_the_last_status(server) -> None:
    url, handler = server
    handler.failures = 10
    with pytest.raises(DemistoException, match=r"\[503\] - Service Unavailable"):
        BaseClient(url)._http_request(
            "GET", "/events", retries=1, status_list_to_retry=[503], backoff_factor=0
        )
    assert handler.hits == 2


def test_exhausted_retries_raising_on_status(server) -> None:
    url, handler = server
    handler.failures = 10
    with pytest.raises(DemistoException, match="after 1 retries"):
        BaseClient(url)._http_request(
            "GET",
            "/events",
            retries=1,
            status_list_to_retry=[503],
            backoff_factor=0,
            raise_on_status=True,
        )


def test_read_timeout_is_reported(server) -> None:
    url, handler = server
    handler.delay = 0.5
    with pytest.raises(DemistoException, match="Timed out reaching"):
        BaseClient(url, timeout=0.1)._http_request("GET", "/events")


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
    with pytest.raises(DemistoException, match="Could not connect to"):
        BaseClient("http://127.0.0.1:9", timeout=2)._http_request("GET", "/events")
