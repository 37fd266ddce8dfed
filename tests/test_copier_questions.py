"""The template's questions: defaults, derived identity answers, validators, plain Copier."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from answer_sets import REPO_ROOT, integration_dir, render_answers, render_pack

NEW_KEYS_OF_REAL_APIS = [
    "api_key_prefix",
    "api_key_param",
    "token_url",
    "oauth_scope",
    "token_auth_method",
    "http_method",
    "extra_params",
    "time_filter",
    "filter_param",
    "filter_template",
    "request_time_format",
    "pagination",
    "page_param",
    "first_page",
    "next_url_path",
    "has_more_path",
    "sort_order",
    "max_window_minutes",
    "page_size_max",
]
# Nine levels of YAML aliases, nine uses each: 9**8 copies of one word once expanded.
EXPANDING_ALIASES = (
    "{a0: &a0 [xxxxxxxxxx], "
    + ", ".join(
        f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]"
        for level in range(1, 9)
    )
    + "}"
)
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
    "integration_kind",
    "vendor",
    "product",
    *NEW_KEYS_OF_REAL_APIS,
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
        ("O'Reilly's alerts", "OReillysAlerts", "oreillys-alerts"),
        ("GitLab Audit Events", "GitLabAuditEvents", "gitlab-audit-events"),
        ("3Com 2024 Alerts", "ThreeCom2024Alerts", "threecom-2024-alerts"),
        ("Café Überwachung – Süd", "CafeUberwachungSud", "cafe-uberwachung-sud"),
        ("acme   cloud/audit", "AcmeCloudAudit", "acme-cloud-audit"),
        ("7" + "x" * 49, "Seven" + "x" * 45, "seven" + "x" * 35),
        ("Abc " * 12 + "Ab", "Abc" * 12 + "Ab", "abc-" * 9 + "abc"),
    ],
)
def test_identity_is_derived_from_the_name(
    tmp_path: Path, name: str, integration_id: str, command_prefix: str
) -> None:
    """The ID is PascalCase ASCII (a leading digit spelled out); the prefix is the name's
    words in kebab-case, spelled as the name spells them."""
    answers = answers_of(render_answers({"integration_name": name}, tmp_path / "pack"))

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
        render_answers(answers, dest)

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


# ---------------------------------------------------------------- answers for real vendor APIs

NEW_API_KEYS = {
    # key: (answers that make it apply, its default)
    "api_key_prefix": ({}, ""),
    "api_key_param": ({"auth_type": "api_key_query"}, "api_key"),
    "token_url": ({"auth_type": "oauth2_client_credentials"}, "/oauth2/token"),
    "oauth_scope": ({"auth_type": "oauth2_client_credentials"}, ""),
    "token_auth_method": (
        {"auth_type": "oauth2_client_credentials"},
        "client_secret_post",
    ),
    "http_method": ({}, "GET"),
    "extra_params": ({}, {}),
    "time_filter": ({}, "params"),
    "filter_param": (
        {"time_filter": "expression", "filter_template": "t ge {since}"},
        "filter",
    ),
    "request_time_format": ({}, "iso8601"),
    "pagination": ({}, "offset"),
    "page_param": ({"pagination": "page_number"}, "page"),
    "first_page": ({"pagination": "page_number"}, 1),
    "has_more_path": ({}, ""),
    "sort_order": ({}, "ascending"),
    "max_window_minutes": ({}, 0),
    "page_size_max": ({}, 0),
}


def test_new_api_answers_have_defaults_that_keep_the_default_pack(
    tmp_path: Path,
) -> None:
    """Every new answer that applies to the default pack records today's behaviour."""
    answers = answers_of(render_answers({}, tmp_path / "pack"))

    assert answers["integration_kind"] == "incidents"
    for key, (condition, default) in NEW_API_KEYS.items():
        if not condition:
            assert answers[key] == default, key
    for key in (
        "api_key_param",
        "token_url",
        "oauth_scope",
        "token_auth_method",
        "filter_param",
        "filter_template",
        "page_param",
        "first_page",
        "next_url_path",
        "cursor_param",
        "next_cursor_path",
        "vendor",
        "product",
    ):
        assert key not in answers, key


@pytest.mark.parametrize("key", sorted(NEW_API_KEYS))
def test_each_new_api_answer_has_its_default_where_it_applies(
    tmp_path: Path, key: str
) -> None:
    """Given the answers that make a question apply, its default is recorded."""
    condition, default = NEW_API_KEYS[key]
    answers = answers_of(render_answers(condition, tmp_path / "pack"))

    assert answers[key] == default


NOT_APPLICABLE = [
    ({"auth_type": "basic"}, ["api_key_prefix", "api_key_header_name", "token_url"]),
    ({"auth_type": "api_key_header"}, ["api_key_param", "oauth_scope"]),
    ({"time_filter": "expression", "filter_template": "a>{since}"}, ["since_param"]),
    (
        {"time_filter": "expression", "filter_template": "a>{since}"},
        ["until_param"],
    ),
    ({}, ["filter_param", "filter_template", "page_param", "first_page"]),
    (
        {"query_style": "id_greater_than"},
        ["pagination", "sort_order", "max_window_minutes", "offset_param"],
    ),
    ({"query_style": "cursor"}, ["sort_order", "max_window_minutes", "offset_param"]),
    ({"pagination": "none"}, ["has_more_path", "offset_param"]),
    (
        {"query_style": "cursor", "pagination": "link_header"},
        ["cursor_param", "next_cursor_path", "next_url_path"],
    ),
]


@pytest.mark.parametrize(("answers", "absent"), NOT_APPLICABLE)
def test_questions_that_do_not_apply_are_not_recorded(
    tmp_path: Path, answers: dict, absent: list[str]
) -> None:
    """A question whose `when` is false is neither asked nor written to the answers file."""
    recorded = answers_of(render_answers(answers, tmp_path / "pack"))

    for key in absent:
        assert key not in recorded, key


GOOD_API_ANSWERS = [
    {"api_key_prefix": "SSWS ", "api_key_header_name": "Authorization"},
    {"api_key_prefix": "Token token="},
    {"auth_type": "api_key_query", "api_key_param": "$key"},
    {
        "auth_type": "oauth2_client_credentials",
        "token_url": "https://login.example.com/tenant/oauth2/v2.0/token",
        "oauth_scope": "https://graph.example.com/.default",
        "token_auth_method": "client_secret_basic",
    },
    {"auth_type": "oauth2_client_credentials", "token_url": "/oauth/token"},
    {"http_method": "POST", "extra_params": {"filter": {"types": ["a", "b"]}}},
    {
        "http_method": "POST",
        "since_param": "time_range.start",
        "until_param": "time_range.end",
        "extra_params": {"time_range": {"zone": "UTC"}},
    },
    {"extra_params": {"from.x": 1}},
    {"extra_params": {"$orderby": "createdDateTime asc", "sortOrder": "ASCENDING"}},
    {"extra_params": {"includeDeleted": False, "version": 2}},
    {
        "time_filter": "expression",
        "filter_param": "$filter",
        "filter_template": "createdDateTime ge {since} and createdDateTime le {until}",
        "limit_param": "$top",
        "pagination": "next_url",
        "events_path": "value",
        "next_url_path": "@odata.nextLink",
    },
    {
        "time_filter": "expression",
        "filter_param": "sysparm_query",
        "filter_template": "sys_created_on>={since}^ORDERBYsys_created_on",
        "request_time_format": "%Y-%m-%d %H:%M:%S",
        "limit_param": "sysparm_limit",
        "offset_param": "sysparm_offset",
    },
    {"time_filter": "expression", "filter_template": "{since}/{until}"},
    {"until_param": "", "limit_param": ""},
    {"pagination": "page_number", "page_param": "page", "first_page": 0},
    {"pagination": "link_header", "has_more_path": "!end_of_stream"},
    {"pagination": "next_cursor", "has_more_path": "meta.has_more"},
    {"query_style": "cursor", "pagination": "next_url", "next_url_path": "links.next"},
    {"query_style": "id_greater_than", "has_more_path": "has_more"},
    {"sort_order": "descending", "max_window_minutes": 10080, "page_size_max": 10000},
    {"sort_order": "unordered", "max_window_minutes": 60, "page_size_max": 1},
]


@pytest.mark.parametrize("answers", GOOD_API_ANSWERS)
def test_real_api_answers_are_accepted_and_recorded(
    tmp_path: Path, answers: dict
) -> None:
    """Answers modelled on real vendor APIs are accepted and recorded as given."""
    recorded = answers_of(render_answers(answers, tmp_path / "pack"))

    for key, value in answers.items():
        assert recorded[key] == value, key


NEXT_URL = {"pagination": "next_url", "next_url_path": "links.next"}
EXPRESSION = {"time_filter": "expression", "filter_template": "t ge {since}"}
BAD_API_ANSWERS = [
    ({"api_key_prefix": " SSWS"}, "api_key_prefix", "printable ASCII"),
    ({"api_key_prefix": "Bearer\n"}, "api_key_prefix", "printable ASCII"),
    (
        {"auth_type": "api_key_query", "api_key_param": "api key"},
        "api_key_param",
        "query-string parameter name",
    ),
    (
        {"auth_type": "oauth2_client_credentials", "token_url": "oauth/token"},
        "token_url",
        "path starting with /",
    ),
    (
        {"auth_type": "oauth2_client_credentials", "token_url": "ftp://x.example/t"},
        "token_url",
        "http:// or https://",
    ),
    (
        {"auth_type": "oauth2_client_credentials", "oauth_scope": "a  b"},
        "oauth_scope",
        "single spaces",
    ),
    (
        {"auth_type": "oauth2_client_credentials", "token_auth_method": "jwt"},
        "token_auth_method",
        "Invalid choice",
    ),
    ({"http_method": "PUT"}, "http_method", "Invalid choice"),
    ({"extra_params": ["a", "b"]}, "extra_params", "YAML mapping"),
    ({"extra_params": {1: "a"}}, "extra_params", "YAML mapping"),
    ({"extra_params": {"a b": "x"}}, "extra_params", "parameter names"),
    ({"extra_params": {"sort": None}}, "extra_params", "a value"),
    (
        {"extra_params": {"types": ["a", "b"]}},
        "extra_params",
        "With http_method GET",
    ),
    ({"extra_params": {"limit": 5}}, "extra_params", "limit_param is also limit"),
    ({"time_filter": "sql"}, "time_filter", "Invalid choice"),
    (
        {**EXPRESSION, "filter_param": "from to"},
        "filter_param",
        "query-string parameter name",
    ),
    (
        {**EXPRESSION, "filter_param": "limit", "limit_param": "limit"},
        "limit_param",
        "filter_param is also limit",
    ),
    (
        {"time_filter": "expression", "filter_template": "t ge {until}"},
        "filter_template",
        "must contain {since}",
    ),
    ({"time_filter": "expression"}, "filter_template", "1 to 500 printable"),
    (
        {"time_filter": "expression", "filter_template": "t ge {since} {start}"},
        "filter_template",
        "only the placeholders",
    ),
    (
        {
            "query_style": "cursor",
            "time_filter": "expression",
            "filter_template": "{since}/{until}",
        },
        "filter_template",
        "query_style time_range",
    ),
    ({"request_time_format": "%Q"}, "request_time_format", "strptime pattern"),
    ({"request_time_format": "%H:%M"}, "request_time_format", "needs a year"),
    ({"pagination": "pages"}, "pagination", "Invalid choice"),
    (
        {"query_style": "cursor", "pagination": "offset"},
        "pagination",
        "With query_style cursor",
    ),
    (
        {"query_style": "id_greater_than", "pagination": "offset"},
        "pagination",
        "query_style id_greater_than",
    ),
    (
        {"pagination": "page_number", "page_param": "offset", "limit_param": "offset"},
        "page_param",
        "limit_param is also offset",
    ),
    ({"pagination": "page_number", "first_page": 2}, "first_page", "Use 0 or 1"),
    ({"pagination": "next_url"}, "next_url_path", "set next_url_path"),
    ({**NEXT_URL, "events_path": ""}, "next_url_path", "set events_path"),
    ({**NEXT_URL, "next_url_path": "data.next"}, "next_url_path", "inside one"),
    ({**NEXT_URL, "next_url_path": "links..next"}, "next_url_path", "dotted path"),
    (
        {"pagination": "none", "has_more_path": "has_more"},
        "has_more_path",
        "with pagination none",
    ),
    ({"has_more_path": "!!more"}, "has_more_path", "dotted path"),
    ({"has_more_path": "data.more"}, "has_more_path", "inside one another"),
    (
        {"events_path": "", "has_more_path": "more"},
        "has_more_path",
        "set events_path",
    ),
    ({"sort_order": "newest"}, "sort_order", "Invalid choice"),
    ({"max_window_minutes": -1}, "max_window_minutes", "from 0 to 10080"),
    ({"max_window_minutes": 10081}, "max_window_minutes", "from 0 to 10080"),
    ({"page_size_max": 10001}, "page_size_max", "from 0 to 10000"),
    ({"page_size_max": -1}, "page_size_max", "from 0 to 10000"),
    ({"until_param": "a b"}, "until_param", "leave it empty for none"),
    (
        {"pagination": "next_cursor", "cursor_param": "to"},
        "cursor_param",
        "until_param is also to",
    ),
    (
        {"auth_type": "api_key_query", "api_key_param": "from"},
        "since_param",
        "api_key_param is also from",
    ),
    (
        {"query_filter": True, "query_param": "offset"},
        "query_param",
        "offset_param is also offset",
    ),
    # POST nests dotted names: a fixed value where a generated name needs an object
    # (every request raised TypeError), or a fixed name the generated one overwrites.
    (
        {
            "http_method": "POST",
            "since_param": "time_range.start",
            "extra_params": {"time_range": "last_24_hours"},
        },
        "extra_params",
        "since_param (time_range.start)",
    ),
    (
        {"http_method": "POST", "extra_params": {"from.x": 1}},
        "extra_params",
        "extra_params from.x and since_param (from)",
    ),
    (
        {
            "http_method": "POST",
            "since_param": "range.start",
            "extra_params": {"range": {"start": "now-1d"}},
        },
        "extra_params",
        "extra_params range.start and since_param",
    ),
    (
        {"http_method": "POST", "extra_params": {"a": 1, "a.b": 2}},
        "extra_params",
        "extra_params a and a.b",
    ),
    (
        {"http_method": "POST", "since_param": "t", "until_param": "t.end"},
        "until_param",
        "inside the start-time parameter (since_param is t)",
    ),
    ({"fetch_limit_default": 50.7}, "fetch_limit_default", "whole number from 1"),
    ({"fetch_limit_default": True}, "fetch_limit_default", "whole number from 1"),
    ({"max_window_minutes": True}, "max_window_minutes", "whole number of minutes"),
    ({"page_size_max": 99.5}, "page_size_max", "whole number from 0"),
    ({"pagination": "page_number", "first_page": True}, "first_page", "Use 0 or 1"),
    (
        {"use_lookback": True, "look_back_default": 2.5},
        "look_back_default",
        "whole number of minutes",
    ),
    (
        {"http_method": "POST", "extra_params": "{a: " + "[" * 21 + "]" * 21 + "}"},
        "extra_params",
        "nested at most 20 levels deep",
    ),
    (
        {"http_method": "POST", "extra_params": EXPANDING_ALIASES},
        "extra_params",
        "at most 10,000 characters",
    ),
]


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    BAD_API_ANSWERS,
    ids=[f"{case[1]}-{index}" for index, case in enumerate(BAD_API_ANSWERS)],
)
def test_bad_api_answers_are_rejected_with_what_is_accepted(
    tmp_path: Path, answers: dict, key: str, message: str
) -> None:
    """Each bad answer or impossible combination fails on its question, naming what is
    accepted (combinations name both keys); nothing is rendered."""
    dest = tmp_path / "pack"
    with pytest.raises(ValueError) as caught:
        render_answers(answers, dest)

    assert f"'{key}'" in str(caught.value)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value).strip()
    assert not (dest / "Integrations").exists()


def test_authorization_header_needs_a_prefix(tmp_path: Path) -> None:
    """Without a prefix, Authorization is refused naming both ways out."""
    with pytest.raises(ValueError) as caught:
        render_answers({"api_key_header_name": "Authorization"}, tmp_path / "pack")

    assert "bearer_token" in str(caught.value)
    assert "api_key_prefix" in str(caught.value)


def test_request_time_format_follows_time_format(tmp_path: Path) -> None:
    """request_time_format defaults to the answered time_format."""
    answers = answers_of(
        render_answers({"time_format": "epoch_millis"}, tmp_path / "pack")
    )

    assert answers["request_time_format"] == "epoch_millis"


def test_pagination_default_follows_the_query_style(tmp_path: Path) -> None:
    """Cursor style pages with the next cursor; its parameter and path keep their defaults."""
    answers = answers_of(render_answers({"query_style": "cursor"}, tmp_path / "pack"))

    assert answers["pagination"] == "next_cursor"
    assert answers["cursor_param"] == "cursor"
    assert answers["next_cursor_path"] == "next_cursor"
    assert answers["has_more_path"] == ""


# ---------------------------------------------------------------- event collectors


def test_integration_kind_is_asked_first_and_frozen() -> None:
    """integration_kind is the first question and, like the identity, asked only once."""
    questions = [key for key in COPIER_YML if not key.startswith("_")]

    assert questions[0] == "integration_kind"
    for key in ("integration_kind", "vendor", "product"):
        assert COPIER_YML[key]["ask"] == f"{{{{ {key} is not defined }}}}"


@pytest.mark.parametrize(
    ("kind", "name", "description"),
    [
        ("incidents", "Acme Alerts", "Fetches Acme Alerts events as XSOAR incidents."),
        (
            "incidents",
            "GitLab Audit Events",
            "Fetches GitLab Audit events as XSOAR incidents.",
        ),
        (
            "events",
            "Sophos Central Event Collector",
            "Collects Sophos Central events into Cortex XSIAM.",
        ),
        ("events", "Okta Collector", "Collects Okta events into Cortex XSIAM."),
        ("incidents", "Events", "Fetches Events events as XSOAR incidents."),
    ],
)
def test_default_description_names_the_source_once(
    tmp_path: Path, kind: str, name: str, description: str
) -> None:
    """
    Given a display name that may end with Events or Event Collector
    When the description takes its default
    Then it does not say "events" twice, nor "Event Collector events"
    """
    answers = answers_of(
        render_answers(
            {"integration_kind": kind, "integration_name": name}, tmp_path / "p"
        )
    )
    assert answers["integration_description"] == description


def test_collector_defaults(tmp_path: Path) -> None:
    """Given integration_kind events, the derived identity follows collector naming."""
    answers = answers_of(render_answers({"integration_kind": "events"}, tmp_path / "p"))

    assert answers["integration_kind"] == "events"
    assert answers["integration_name"] == "Acme Event Collector"
    assert answers["integration_id"] == "AcmeEventCollector"
    assert answers["command_prefix"] == "acme-event-collector"
    assert answers["vendor"] == "acme"
    assert answers["product"] == "acme"
    assert answers["fetch_limit_default"] == 1000
    assert answers["integration_description"].endswith(".")


@pytest.mark.parametrize(
    ("name", "integration_id", "vendor", "product"),
    [
        ("Acme Alerts", "AcmeAlertsEventCollector", "acme", "alerts"),
        (
            "Okta System Log Event Collector",
            "OktaSystemLogEventCollector",
            "okta",
            "system_log",
        ),
        ("Café Überwachung", "CafeUberwachungEventCollector", "cafe", "uberwachung"),
        ("Abc " * 12 + "Ab", "Abc" * 12 + "EventCollector", "abc", "abc_" * 9 + "abc"),
    ],
)
def test_collector_identity_is_derived_from_the_name(
    tmp_path: Path, name: str, integration_id: str, vendor: str, product: str
) -> None:
    """The collector ID ends with EventCollector; vendor and product come from the name
    without its "Event Collector" suffix."""
    answers = answers_of(
        render_answers(
            {"integration_kind": "events", "integration_name": name}, tmp_path / "p"
        )
    )

    assert answers["integration_id"] == integration_id
    assert len(answers["integration_id"]) <= 50
    assert answers["vendor"] == vendor
    assert answers["product"] == product


def test_collector_limits(tmp_path: Path) -> None:
    """A collector accepts up to 50000 events a run; incidents keep 1 to 200."""
    events = {"integration_kind": "events"}
    answers = answers_of(
        render_answers({**events, "fetch_limit_default": 50000}, tmp_path / "a")
    )
    assert answers["fetch_limit_default"] == 50000
    with pytest.raises(ValueError, match="from 1 to 50000"):
        render_answers({**events, "fetch_limit_default": 50001}, tmp_path / "b")
    with pytest.raises(ValueError, match="from 1 to 200"):
        render_answers({"fetch_limit_default": 1000}, tmp_path / "c")


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"integration_kind": "events", "vendor": "Acme"}, "vendor"),
        ({"integration_kind": "events", "vendor": "_acme"}, "vendor"),
        ({"integration_kind": "events", "product": "alerts-v2"}, "product"),
        ({"integration_kind": "events", "product": ""}, "product"),
    ],
)
def test_bad_vendor_or_product_is_rejected(
    tmp_path: Path, answers: dict, key: str
) -> None:
    """vendor and product are lowercase identifiers."""
    with pytest.raises(ValueError) as caught:
        render_answers(answers, tmp_path / "pack")

    assert f"'{key}'" in str(caught.value)
    assert "lowercase ASCII letters, digits or underscores" in str(caught.value)


def test_kind_is_a_choice(tmp_path: Path) -> None:
    """integration_kind accepts incidents or events only."""
    with pytest.raises(ValueError, match="Invalid choice"):
        render_answers({"integration_kind": "alerts"}, tmp_path / "pack")
