"""The template's questions: defaults, derived identity answers, validators, plain Copier."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from answer_sets import REPO_ROOT, integration_dir, render_pack

COPIER_YML = yaml.safe_load((REPO_ROOT / "copier.yml").read_text("utf-8"))
PUBLIC_KEYS = [
    "integration_name",
    "integration_id",
    "pack_name",
    "command_prefix",
    "base_url",
    "auth_type",
    "events_endpoint",
    "events_path",
    "query_style",
    "time_field",
    "id_field",
    "name_field",
    "severity_field",
    "time_format",
    "use_lookback",
    "look_back_default",
    "fetch_limit_default",
    "first_fetch_default",
    "query_filter",
]


def answers_of(pack: Path) -> dict:
    return yaml.safe_load((pack / ".copier-answers.yml").read_text("utf-8"))


def test_template_needs_no_trust() -> None:
    """Plain `copier copy` works: no tasks, migrations or Jinja extensions."""
    assert COPIER_YML["_subdirectory"] == "template"
    assert COPIER_YML["_min_copier_version"] == "9.19.0"
    for setting in ("_tasks", "_migrations", "_jinja_extensions"):
        assert setting not in COPIER_YML
    assert (REPO_ROOT / "template" / "{{_copier_conf.answers_file}}.jinja").is_file()


def test_every_public_key_is_a_question_with_a_default() -> None:
    """The documented answer keys all exist, and every question has a default."""
    questions = {key: value for key, value in COPIER_YML.items() if key[0] != "_"}
    assert set(PUBLIC_KEYS) <= set(questions)
    assert all("default" in question for question in questions.values())


def test_identity_answers_are_frozen_after_the_first_copy() -> None:
    """integration_name, integration_id and pack_name are asked only while unanswered."""
    for key in ("integration_name", "integration_id", "pack_name"):
        assert COPIER_YML[key]["ask"] == f"{{{{ {key} is not defined }}}}"


def test_defaults_render_the_documented_pack(tmp_path: Path) -> None:
    """Given no answers, the pack is Acme Alerts, a time_range ISO 8601 integration."""
    pack = render_pack({}, tmp_path / "pack")
    answers = answers_of(pack)

    assert answers["integration_id"] == "AcmeAlerts"
    assert answers["pack_name"] == "AcmeAlerts"
    assert answers["command_prefix"] == "acme-alerts"
    assert answers["query_style"] == "time_range"
    assert answers["time_format"] == "iso8601"
    assert answers["use_lookback"] is False
    assert answers["docker_image"] == "demisto/python3:3.12.12.6947692"
    assert answers["category"] == "Analytics & SIEM"
    assert answers["integration_description"].endswith(".")
    assert (integration_dir(pack) / "AcmeAlerts.py").is_file()


def test_lookback_is_not_recorded_for_other_styles(tmp_path: Path) -> None:
    """use_lookback and the time_range parameter names are asked for time_range only."""
    answers = answers_of(
        render_pack({"query_style": "cursor", "use_lookback": True}, tmp_path / "p")
    )

    assert answers["query_style"] == "cursor"
    for key in ("use_lookback", "look_back_default", "until_param", "offset_param"):
        assert key not in answers
    assert answers["cursor_param"] == "cursor"
    folder = integration_dir(tmp_path / "p")
    assert "get_fetch_run_time_range" not in (folder / f"{folder.name}.py").read_text()


@pytest.mark.parametrize(
    ("name", "integration_id", "command_prefix"),
    [
        ("Acme Alerts", "AcmeAlerts", "acme-alerts"),
        ("HTTP Log Feed", "HTTPLogFeed", "http-log-feed"),
        ("O'Reilly's alerts", "OReillysAlerts", "o-reillys-alerts"),
        ("3Com 2024 Alerts", "ThreeCom2024Alerts", "three-com2024-alerts"),
        ("Café Überwachung – Süd", "CafeUberwachungSud", "cafe-uberwachung-sud"),
        ("acme   cloud/audit", "AcmeCloudAudit", "acme-cloud-audit"),
        ("7" + "x" * 49, "Seven" + "x" * 45, "seven" + "x" * 35),
        ("Abc " * 12 + "Ab", "Abc" * 12 + "Ab", "abc-" * 9 + "abc"),
    ],
)
def test_identity_is_derived_from_the_name(
    tmp_path: Path, name: str, integration_id: str, command_prefix: str
) -> None:
    """The ID is PascalCase ASCII (a leading digit spelled out), the prefix kebab-case."""
    answers = answers_of(render_pack({"integration_name": name}, tmp_path / "pack"))

    assert answers["integration_name"] == name
    assert answers["integration_id"] == integration_id
    assert answers["pack_name"] == integration_id
    assert answers["command_prefix"] == command_prefix


BAD_ANSWERS = [
    ({"integration_name": "A"}, "integration_name", "2 to 50 printable characters"),
    ({"integration_name": "Acme\nAlerts"}, "integration_name", "printable"),
    ({"integration_name": " Acme"}, "integration_name", "leading or trailing"),
    ({"integration_name": "Alerts \U0001f6a8"}, "integration_name", "emoji"),
    ({"integration_name": "Acme <Alerts>"}, "integration_name", "< and >"),
    ({"integration_name": "警报警报"}, "integration_name", "ASCII letter or digit"),
    ({"integration_id": "acmeAlerts"}, "integration_id", "PascalCase"),
    ({"integration_id": "Acme-Alerts"}, "integration_id", "PascalCase"),
    ({"pack_name": "Acme Pack"}, "pack_name", "letters, digits or underscores"),
    ({"command_prefix": "Acme_Alerts"}, "command_prefix", "kebab-case"),
    ({"command_prefix": "acme--alerts"}, "command_prefix", "kebab-case"),
    (
        {"integration_description": "Fetches alerts"},
        "integration_description",
        "period",
    ),
    ({"author": "X"}, "author", "2 to 60 printable"),
    ({"docker_image": "demisto/python3:latest"}, "docker_image", "never latest"),
    ({"docker_image": "python:3.12"}, "docker_image", "demisto/python3"),
    ({"base_url": "ftp://example.com"}, "base_url", "http:// or https://"),
    ({"base_url": "https://example.com/a?b=c"}, "base_url", "http:// or https://"),
    ({"base_url": "https://"}, "base_url", "host name"),
    ({"api_key_header_name": "X API Key"}, "api_key_header_name", "HTTP header name"),
    ({"api_key_header_name": "Authorization"}, "api_key_header_name", "bearer_token"),
    ({"events_endpoint": "api/v1/alerts"}, "events_endpoint", "starting with /"),
    ({"events_endpoint": '/a"b'}, "events_endpoint", "URL path"),
    ({"events_path": "data..items"}, "events_path", "dotted path"),
    ({"id_field": ""}, "id_field", "dotted path"),
    ({"id_field": "event id"}, "id_field", "dotted path"),
    ({"time_field": "id"}, "time_field", "differ from the ID field"),
    ({"id_field": "a", "time_field": "a.b"}, "time_field", "inside one another"),
    ({"name_field": "created_at"}, "name_field", "differ"),
    ({"severity_field": "title"}, "severity_field", "differ"),
    ({"time_format": "%Q"}, "time_format", "strptime pattern"),
    ({"time_format": "iso"}, "time_format", "iso8601, epoch_seconds, epoch_millis"),
    ({"time_format": "%H:%M:%S"}, "time_format", "needs a year"),
    ({"time_format": "%d/%m/%Y %I:%M"}, "time_format", "%p"),
    ({"time_format": '%Y-%m-%d"%H:%M'}, "time_format", "strptime pattern"),
    ({"limit_param": "page size"}, "limit_param", "query-string parameter name"),
    ({"since_param": "limit"}, "since_param", "differ"),
    ({"until_param": "from"}, "until_param", "differ"),
    ({"offset_param": "to"}, "offset_param", "differ"),
    ({"query_style": "id_greater_than", "id_param": "limit"}, "id_param", "differ"),
    ({"query_style": "cursor", "cursor_param": "from"}, "cursor_param", "differ"),
    (
        {"query_style": "cursor", "events_path": ""},
        "next_cursor_path",
        "set events_path",
    ),
    (
        {"query_style": "cursor", "next_cursor_path": "data.next"},
        "next_cursor_path",
        "inside one another",
    ),
    (
        {"use_lookback": True, "look_back_default": -1},
        "look_back_default",
        "0 to 10080",
    ),
    ({"fetch_limit_default": 0}, "fetch_limit_default", "from 1 to 200"),
    ({"fetch_limit_default": 201}, "fetch_limit_default", "from 1 to 200"),
    ({"first_fetch_default": "3 dayz"}, "first_fetch_default", "<number> <time unit>"),
    ({"first_fetch_default": "0 days"}, "first_fetch_default", "from 1 to 9999"),
    ({"query_filter": True, "query_param": "limit"}, "query_param", "differ"),
    ({"category": "Games"}, "category", "Invalid choice"),
    ({"auth_type": "oauth"}, "auth_type", "Invalid choice"),
    ({"query_style": "pages"}, "query_style", "Invalid choice"),
]


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    BAD_ANSWERS,
    ids=[f"{case[1]}-{index}" for index, case in enumerate(BAD_ANSWERS)],
)
def test_bad_answers_are_rejected_with_what_is_accepted(
    tmp_path: Path, answers: dict, key: str, message: str
) -> None:
    """Each bad answer fails on its own question with a message saying what is accepted;
    nothing is rendered."""
    dest = tmp_path / "pack"
    with pytest.raises(ValueError) as caught:
        render_pack(answers, dest)

    assert f"'{key}'" in str(caught.value)
    assert message in str(caught.value)
    assert not (dest / "Integrations").exists()


def test_copier_cli_copy_with_defaults(tmp_path: Path) -> None:
    """`copier copy --defaults --vcs-ref HEAD` renders the default pack without --trust."""
    dest = tmp_path / "AcmeAlerts"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--defaults",
            "--quiet",
            "--vcs-ref",
            "HEAD",
            str(REPO_ROOT),
            str(dest),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    answers = answers_of(dest)
    assert answers["_src_path"] == str(REPO_ROOT)
    assert answers["_commit"]
    assert (dest / "Integrations" / "AcmeAlerts" / "AcmeAlerts_test.py").is_file()
