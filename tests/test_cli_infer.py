"""``xsoar-fetch infer``: answers read off OpenAPI documents and sample responses.

The documents under tests/data/openapi/ were written here from the vendors' public API
references; each is compared with the answers a person wrote for the same API from the
same references (examples/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from answer_sets import render_answers, render_pack

from generator.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "tests" / "data" / "openapi"
SAMPLES = DOCS / "samples"
HEAD = ["--vcs-ref", "HEAD", "--allow-dirty"]

# OpenAPI document -> the person-written answers of examples/ for the same API, and the
# answers infer leaves to the person (with the reason the document cannot tell).
VENDORS: dict[str, tuple[str, set[str]]] = {
    "okta-system-log": ("okta-system-log", set()),
    "onepassword-events": ("onepassword-events", set()),
    # The token URL holds {tenant}; OpenAPI has no field for the client-secret method.
    "graph-security-alerts": (
        "microsoft-graph-alerts",
        {"token_url", "token_auth_method"},
    ),
    # Its title-like field is alert_name, a vendor-specific name.
    "netskope-alerts": ("netskope-alerts", {"name_field"}),
    "slack-audit-logs": ("slack-audit-logs", set()),
}


def infer(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["infer", *args])
    out, err = capsys.readouterr()
    return status, out, err


def inferred(capsys: pytest.CaptureFixture[str], document: str) -> tuple[dict, str]:
    status, out, err = infer(capsys, "--openapi", str(DOCS / f"{document}.yml"))
    assert status == 0, err
    return yaml.safe_load(out), out


def person_answers(example: str) -> dict:
    answers = yaml.safe_load((REPO_ROOT / "examples" / f"{example}.yml").read_text())
    answers.pop("integration_name")
    return answers


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("xsoar-fetch infer: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize("document", sorted(VENDORS))
def test_inferred_answers_agree_with_the_person_written_ones(
    capsys: pytest.CaptureFixture[str], document: str
) -> None:
    """
    Given an OpenAPI document written from a vendor's public reference
    When infer reads it without naming an operation
    Then every answer the person wrote for that API is inferred with the same value,
        except the ones the document cannot tell, which are listed as not inferred
    """
    example, left_out = VENDORS[document]
    answers, text = inferred(capsys, document)
    person = person_answers(example)

    wrong = {
        key: (answers[key], value)
        for key, value in person.items()
        if key in answers and answers[key] != value
    }
    missing = {key for key in person if key not in answers}
    assert wrong == {}
    assert missing == left_out
    for key in left_out:
        assert f"#   {key}: " in text


@pytest.mark.parametrize("document", sorted(VENDORS))
def test_every_answer_names_its_evidence(
    capsys: pytest.CaptureFixture[str], document: str
) -> None:
    """
    Given an OpenAPI document
    When infer writes its answers
    Then every answer line ends with a '# from: ' comment, and the header names the
        chosen operation and why it was chosen
    """
    answers, text = inferred(capsys, document)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(lines) == len(answers) > 10
    assert all("  # from: " in line for line in lines)
    assert "operation " in text and ": the only operation that returns" in text


@pytest.mark.slow
@pytest.mark.parametrize("document", sorted(VENDORS))
def test_inferred_answers_render_a_pack_that_checks_and_simulates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: str
) -> None:
    """
    Given the answers inferred from an OpenAPI document
    When they render a pack, which is checked and simulated at a fifth of the size
    Then the checks and every simulated scenario pass
    """
    answers, _ = inferred(capsys, document)
    pack = render_pack(answers, tmp_path / "pack")

    assert main(["check", str(pack)]) == 0, capsys.readouterr().out
    status = main(["simulate", str(pack), "--scale", "0.2", "--json"])
    out, err = capsys.readouterr()
    assert status == 0, out[-2000:] + err


def test_answers_file_is_accepted_by_new(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given the answers infer writes with --out
    When `xsoar-fetch new --data-file` renders them
    Then the pack records every inferred answer
    """
    out_file = tmp_path / "answers.yml"
    status, _, err = infer(
        capsys,
        "--openapi",
        str(DOCS / "onepassword-events.yml"),
        "--out",
        str(out_file),
    )
    assert status == 0, err
    dest = tmp_path / "OnePassword"
    assert main(["new", str(dest), "--data-file", str(out_file), *HEAD]) == 0
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text("utf-8"))
    for key, value in yaml.safe_load(out_file.read_text("utf-8")).items():
        assert recorded[key] == value, key


def test_samples_alone_give_the_response_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """
    Given a first and a last page of an Okta-like API, without a document
    When infer reads them
    Then the event list, fields, Link-header paging and order come from the samples,
        and what samples cannot show is listed as not inferred
    """
    status, out, err = infer(
        capsys,
        "--sample",
        str(SAMPLES / "okta-first-page.json"),
        "--sample",
        str(SAMPLES / "okta-last-page.json"),
    )
    assert status == 0, err
    answers = yaml.safe_load(out)
    assert answers == {
        "events_path": "",
        "id_field": "uuid",
        "time_field": "published",
        "time_format": "iso8601",
        "name_field": "displayMessage",
        "severity_field": "severity",
        "pagination": "link_header",
        "sort_order": "ascending",
    }
    assert (
        'pagination: link_header  # from: the Link header rel="next" in sample-1' in out
    )
    assert "#   base_url: samples alone do not show it" in out


def test_next_url_in_a_sample_body(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given a sample whose body holds the events and links.next, a URL
    When infer reads it
    Then pagination is next_url with next_url_path links.next, and a descending page
        gives sort_order descending
    """
    sample = tmp_path / "page.json"
    events = [
        {"id": 3, "created_at": 1714521800},
        {"id": 2, "created_at": 1714521700},
        {"id": 1, "created_at": 1714521600},
    ]
    body = {"data": events, "links": {"next": "https://api.example.com/v1/x?p=2"}}
    sample.write_text(json.dumps({"status": 200, "headers": {}, "body": body}))

    status, out, err = infer(capsys, "--sample", str(sample))

    assert status == 0, err
    answers = yaml.safe_load(out)
    assert answers["events_path"] == "data"
    assert answers["pagination"] == "next_url"
    assert answers["next_url_path"] == "links.next"
    assert answers["time_format"] == "epoch_seconds"
    assert answers["sort_order"] == "descending"
    assert "# from: sample-1 body.links.next" in out


def test_operation_and_path_choose_among_several(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given a document with two operations that could list events
    When infer runs without naming one, then with --operation, then with --path
    Then it first lists both and asks for --operation, then infers from the one named
    """
    document = yaml.safe_load((DOCS / "slack-audit-logs.yml").read_text())
    document["paths"]["/audit/v1/other"] = {
        "get": {**document["paths"]["/audit/v1/logs"]["get"], "operationId": "other"}
    }
    path = tmp_path / "two.json"
    path.write_text(json.dumps(document))

    status, out, err = infer(capsys, "--openapi", str(path))
    assert status == 2 and out == ""
    assert_one_line_error(err, "auditLogs (GET /audit/v1/logs)", "other", "--operation")

    status, out, err = infer(capsys, "--openapi", str(path), "--operation", "other")
    assert status == 0, err
    assert yaml.safe_load(out)["events_endpoint"] == "/audit/v1/other"

    status, out, err = infer(capsys, "--openapi", str(path), "--path", "/audit/v1/logs")
    assert status == 0, err
    assert yaml.safe_load(out)["events_endpoint"] == "/audit/v1/logs"


@pytest.mark.parametrize(
    ("content", "args", "fragments"),
    [
        (
            {"swagger": "2.0", "paths": {}},
            [],
            ["not an OpenAPI 3.x document (swagger 2.0)"],
        ),
        ("just: [text", [], ["not valid YAML or JSON"]),
        (None, ["--operation", "nope"], ["--operation nope: no such operationId"]),
        (None, ["--path", "/nope"], ["--path /nope: no GET or POST operation"]),
    ],
)
def test_bad_documents_are_one_line_errors(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: object,
    args: list[str],
    fragments: list[str],
) -> None:
    """
    Given a document that is not OpenAPI 3, not YAML, or an operation it lacks
    When infer runs
    Then it fails with one line naming the problem and writes nothing
    """
    if content is None:
        document = DOCS / "okta-system-log.yml"
    else:
        document = tmp_path / "doc.yml"
        text = content if isinstance(content, str) else yaml.safe_dump(content)
        document.write_text(text)
    out_file = tmp_path / "answers.yml"

    status, out, err = infer(
        capsys, "--openapi", str(document), *args, "--out", str(out_file)
    )

    assert status == 2 and out == ""
    assert_one_line_error(err, *fragments)
    assert not out_file.exists()


@pytest.mark.parametrize(
    ("sample", "fragment"),
    [
        ([{"id": 1}], "not a response (found list)"),
        ({"body": []}, "not a response (found ['body'])"),
        ({"status": "200", "headers": {}, "body": []}, "status must be a number"),
        ({"status": 500, "headers": {}, "body": {}}, "status 500 is not a successful"),
    ],
)
def test_bad_samples_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sample: object, fragment: str
) -> None:
    """
    Given a sample file that is not a successful response
    When infer reads it
    Then it fails with one line naming the file and what a sample is
    """
    path = tmp_path / "sample.json"
    path.write_text(json.dumps(sample))

    status, out, err = infer(capsys, "--sample", str(path))

    assert status == 2 and out == ""
    assert_one_line_error(err, str(path), fragment)


def test_nothing_to_read_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given neither --openapi nor --sample, When infer runs, Then one line says so."""
    status, _, err = infer(capsys)
    assert status == 2
    assert_one_line_error(err, "give --openapi FILE and/or --sample FILE")


def test_openapi_31_type_lists_star_content_and_cyclic_refs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given an OpenAPI 3.1 document with [type, "null"] lists, a */* response and a
        schema that refers to itself, paged by page number with a nested has-more flag
    When infer reads it
    Then the answers follow those shapes, and the template accepts them
    """
    answers, _ = inferred(capsys, "openapi31-page-number")

    assert {key: answers[key] for key in answers} == {
        "base_url": "https://api.acme.example/v2",
        "auth_type": "api_key_query",
        "api_key_param": "token",
        "http_method": "GET",
        "events_endpoint": "/things",
        "events_path": "results",
        "id_field": "id",
        "time_field": "createdAt",
        "time_format": "iso8601",
        "severity_field": "",
        "time_filter": "params",
        "since_param": "created_after",
        "until_param": "",
        "request_time_format": "iso8601",
        "page_param": "page",
        "first_page": 1,
        "pagination": "page_number",
        "query_style": "time_range",
        "has_more_path": "meta.has_more",
        "limit_param": "per_page",
        "page_size_max": 100,
    }
    recorded = yaml.safe_load(
        (render_answers(answers, tmp_path / "pack") / ".copier-answers.yml").read_text()
    )
    assert {key: recorded[key] for key in answers} == answers


def test_events_beside_other_arrays_sort_by_field_and_start_rows_paging(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given a JSON:API-style document: events under data beside included records, a sort
        parameter offering created_at and -created_at, start/rows paging
    When infer reads it
    Then data is the events (the only array with an ID and a time), the sort asks for
        created_at oldest first, start is the offset and rows the page size, and the
        template accepts the answers
    """
    answers, text = inferred(capsys, "jsonapi-sorted-offset")

    assert answers["events_path"] == "data"
    assert "not included" in text
    assert answers["since_param"] == "filter[created_at][gte]"
    assert answers["until_param"] == "filter[created_at][lte]"
    assert answers["extra_params"] == {"sort": "created_at"}
    assert answers["sort_order"] == "ascending"
    assert "(a leading - sorts newest first)" in text
    assert (answers["pagination"], answers["offset_param"]) == ("offset", "start")
    assert (answers["limit_param"], answers["page_size_max"]) == ("rows", 500)
    assert answers["auth_type"] == "basic"
    recorded = yaml.safe_load(
        (render_answers(answers, tmp_path / "pack") / ".copier-answers.yml").read_text()
    )
    assert {key: recorded[key] for key in answers} == answers


def test_an_unquoted_link_rel_next_in_a_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given a sample whose Link header says rel=next without quotes
    When infer reads it
    Then pagination is link_header
    """
    sample = tmp_path / "page.json"
    headers = {"Link": "<https://api.example.com/v1/x?page=2>; rel=next"}
    body = [{"id": "1", "created_at": "2024-05-01T00:00:00Z"}]
    sample.write_text(json.dumps({"status": 200, "headers": headers, "body": body}))

    status, out, err = infer(capsys, "--sample", str(sample))

    assert status == 0, err
    assert yaml.safe_load(out)["pagination"] == "link_header"


def test_loosely_written_parts_are_read_or_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given a JSON document with a parameter described by content, one without a name, a
        schema of true, a null response, a path-level $ref parameter, allOf items and a
        maximum above the template's largest page
    When infer reads it
    Then it reads what it can, skips the rest, caps page_size_max at 10000 saying so,
        and the template accepts the answers
    """
    status, out, err = infer(capsys, "--openapi", str(DOCS / "loose-shapes.json"))
    assert status == 0, err
    answers = yaml.safe_load(out)

    assert answers["base_url"] == "https://eu.api.acme.example"
    assert (answers["since_param"], answers["until_param"]) == ("startTime", "endTime")
    assert answers["time_field"] == "detectedAt"
    assert (answers["cursor_param"], answers["next_cursor_path"]) == (
        "pageToken",
        "nextPageToken",
    )
    assert answers["page_size_max"] == 10000
    assert "maximum 20000 (capped to the answer's 10000)" in out
    assert "#   auth_type: " in out
    recorded = yaml.safe_load(
        (render_answers(answers, tmp_path / "pack") / ".copier-answers.yml").read_text()
    )
    assert {key: recorded[key] for key in answers} == answers


def test_an_id_parameter_without_other_paging_is_the_id_style(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """
    Given a document whose list takes since_id, a start time and a page size, and no
        other paging
    When infer reads it
    Then the query style is id_greater_than with id_param since_id (since_id is not
        taken for a time), the start time is since_param, and the template accepts it
    """
    answers, _ = inferred(capsys, "since-id")

    assert answers["query_style"] == "id_greater_than"
    assert answers["id_param"] == "since_id"
    assert answers["since_param"] == "created_after"
    assert answers["has_more_path"] == "more"
    assert not {"pagination", "until_param", "sort_order"} & set(answers)
    recorded = yaml.safe_load(
        (render_answers(answers, tmp_path / "pack") / ".copier-answers.yml").read_text()
    )
    assert {key: recorded[key] for key in answers} == answers
