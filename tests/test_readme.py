"""The integration README says how the integration queries the API: the request, the time
window, the paging, the order and what a cursor fetch saves, for the chosen answers only.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from answer_sets import ANSWER_SETS, integration_dir, render_pack
from conftest import RenderedPacks
from markdown_it import MarkdownIt

NAMES = sorted(ANSWER_SETS)
MARKDOWN = MarkdownIt("commonmark")
SECTION = "## How the integration queries the API"
# The words that name each paging in the README; exactly the chosen one appears.
PAGING_WORDS = {
    "offset": "by offset:",
    "page_number": "by page number:",
    "next_cursor": "by cursor:",
    "next_url": "by next URL:",
    "link_header": "by Link header:",
    "none": "none: the API answers a window with one page",
    "after_id": "by ID:",
}


def visible(markdown: str) -> str:
    """The text a reader sees: Markdown rendered, tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", MARKDOWN.render(markdown)))


def queries_section(folder: Path) -> str:
    """The visible text of the README's section on how the API is queried."""
    readme = (folder / "README.md").read_text("utf-8")
    assert readme.count(SECTION) == 1
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return visible(section)


def chosen(answers: dict[str, Any]) -> dict[str, Any]:
    """The request and paging answers as the generated code applies them."""
    style = answers["query_style"]
    lookback = answers.get("use_lookback", False) and (
        answers.get("integration_kind", "incidents") == "incidents"
    )
    paging = answers.get("pagination") or (
        "next_cursor" if style == "cursor" else "offset"
    )
    return {
        "style": style,
        "lookback": lookback,
        "paging": "after_id" if style == "id_greater_than" else paging,
        "method": answers.get("http_method", "GET"),
        "expression": answers.get("time_filter", "params") == "expression",
        "sort_order": answers.get("sort_order", "ascending"),
        "windowed": bool(answers.get("max_window_minutes")) and not lookback,
        "has_more": bool(answers.get("has_more_path")) and style != "id_greater_than",
        "page_cap": bool(answers.get("page_size_max")) and style == "time_range",
    }


@pytest.mark.parametrize("name", NAMES)
def test_readme_names_only_the_chosen_request_and_paging(
    rendered: RenderedPacks, name: str
) -> None:
    """Given an answer set
    When its pack is rendered
    Then the README's query section names the chosen method, time filter, paging, order
    and window, and none of the values not chosen."""
    answers = rendered.answers(name)
    shape = chosen(answers)
    text = queries_section(rendered.integration(name))

    assert (f"{shape['method']} {answers['events_endpoint']}") in text
    assert ("GET " if shape["method"] == "POST" else "POST ") + "/" not in text
    assert ("POST" in text) == (shape["method"] == "POST")
    for paging, words in PAGING_WORDS.items():
        assert (words in text) == (paging == shape["paging"]), paging
    assert ("carries the filter" in text or "with the filter" in text) == shape[
        "expression"
    ]
    if shape["expression"]:
        assert answers["filter_param"] in text
        assert answers["filter_template"] in text
    else:
        assert answers["since_param"] in text
    assert ("Fixed parameters" in text) == bool(answers.get("extra_params"))
    for key in answers.get("extra_params") or {}:
        assert key in text
    assert ("Saved between runs" in text) == (
        shape["style"] == "cursor" or shape["lookback"]
    )
    assert ("next-page URL the API sent" in text) == (
        shape["style"] == "cursor" and shape["paging"] in ("next_url", "link_header")
    )
    assert ("the API's largest page" in text) == shape["page_cap"]
    if shape["has_more"]:
        flag = answers["has_more_path"].lstrip("!")
        negated = answers["has_more_path"].startswith("!")
        assert f"{flag} is {'true' if negated else 'false'}" in text
    else:
        assert " is false" not in text and " is true" not in text
    ordered = shape["style"] == "time_range"
    unordered = ordered and not shape["lookback"] and shape["sort_order"] != "ascending"
    assert ("oldest first, so a fetch takes them" in text) == (
        ordered and not unordered
    )
    assert ("newest first" in text) == (
        unordered and shape["sort_order"] == "descending"
    )
    assert ("no stated order" in text) == (
        unordered and shape["sort_order"] == "unordered"
    )
    assert ("reads its window whole" in text) == unordered
    assert ("Longest window" in text) == (ordered and shape["windowed"])
    if ordered and shape["windowed"]:
        assert f"at most {answers['max_window_minutes']} minutes" in text


@pytest.mark.parametrize("name", NAMES)
def test_readme_writes_request_times_as_the_code_does(
    rendered: RenderedPacks, name: str
) -> None:
    """Given an answer set
    When its pack is rendered
    Then the README says how request times are written: the request_time_format
    pattern, or the named codec."""
    answers = rendered.answers(name)
    written = answers.get("request_time_format") or answers["time_format"]
    text = queries_section(rendered.integration(name))
    codecs = {
        "iso8601": "ISO 8601 in UTC",
        "epoch_seconds": "seconds since 1970-01-01 UTC",
        "epoch_millis": "milliseconds since 1970-01-01 UTC",
    }
    assert f"Request times: written {'as ' if written in codecs else ''}" in text
    assert codecs.get(written, f"in UTC with the pattern {written}") in text


# What the README of a set modelled on a real API says, word for word.
STATEMENTS = {
    "defaults": [
        "Request: GET /api/v1/events on the Server URL, with the parameters in the"
        " query string.",
        "Time window: the start of the window goes in from and its end in to.",
        "Page size: limit asks for the Fetch Limit.",
        "Paging stops at an empty page or at the second page in a row with nothing"
        " new; a shorter page does not stop it",
    ],
    "graph_like_alerts": [
        "every list request also sends $orderby=createdDateTime asc.",
        "Time window: $filter carries the filter createdDateTime ge {since} and"
        " createdDateTime le {until}, with {since} replaced by the start of the window"
        " and {until} by its end.",
        "Page size: top asks for the Fetch Limit.",
        "each next page is asked for with GET at the URL found at @odata.nextLink in"
        " the response, as given",
    ],
    "okta_like_system_log": [
        "every list request also sends sortOrder=ASCENDING.",
        "Page size: limit asks for the Fetch Limit, at most 1000 (the API's largest"
        " page).",
        'each next page is asked for with GET at the rel="next" URL of the'
        " response's Link header, as given",
    ],
    "onepassword_like_signins": [
        "Request: POST /api/v1/signinattempts on the Server URL, with the parameters"
        " in a JSON body",
        "the First fetch timestamp in start_time; later requests send the cursor",
        "a page without a next cursor or whose has_more is false ends it.",
        "Saved between runs: the last next cursor the API sent, also the one sent"
        " with a page after which no page follows.",
    ],
    "post_nested_window_cursor": [
        'every list request also sends filters: {"types": ["alert", "audit"]},'
        " verbose: false.",
        "the start of the window goes in time_range.start and its end in"
        " time_range.end.",
        "with page.cursor set to the value at meta.next_cursor of the page before",
    ],
    "slack_like_audit_logs": [
        "Request times: written as seconds since 1970-01-01 UTC",
        "Page size: limit asks for 1001 (a window is read whole, up to 1000 events).",
        "the API sends the events of a window newest first, so a fetch reads its"
        " window whole and takes the oldest events.",
    ],
    "abnormal_like_threats": [
        "with pageNumber counting up from 1.",
    ],
    "zero_based_pages_end_of_stream": [
        "with page counting up from 0. Paging stops at an empty page, at the second"
        " page in a row with nothing new, or when the response's end_of_stream is"
        " true.",
    ],
    "pagerduty_like_log_entries": [
        "when the response's more is false, or, when the response does not say, at a"
        " page shorter than asked for.",
    ],
    "proofpoint_like_siem": [
        "Time window: interval carries the filter {since}/{until}",
        "Page size: limit asks for 200, as no page follows.",
        "Longest window: a request spans at most 60 minutes.",
    ],
    "jira_like_issues": [
        "Request times: written in UTC with the pattern %Y-%m-%d %H:%M.",
        "Page size: maxResults asks for the Fetch Limit, at most 100",
    ],
    "okta_like_polling_cursor": [
        "Saved between runs: the last next-page URL the API sent.",
    ],
    "id_greater_than_epoch_seconds": [
        "each page request sends after set to the ID of the last event before it",
    ],
}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_readme_states_the_shape_of_a_vendor_like_set(
    rendered: RenderedPacks, name: str
) -> None:
    """Given a set modelled on a real API (or the defaults)
    When its pack is rendered
    Then the README states its request and paging in these words."""
    text = " ".join(queries_section(rendered.integration(name)).split())
    for statement in STATEMENTS[name]:
        assert statement in text


def test_readme_shows_awkward_answers_literally(tmp_path: Path) -> None:
    """Given a filter template and parameter names holding backticks, braces, stars
    and underscores
    When the pack is rendered
    Then the README shows each of them as it was answered."""
    answers = {
        "time_filter": "expression",
        "filter_param": "$q_filter",
        "filter_template": "ts >= `{since}` and *x* <= {until} | `` y",
        "limit_param": "page_size",
        "extra_params": {"a_b": "*c*"},
    }
    pack = render_pack(answers, tmp_path / "pack")
    text = queries_section(integration_dir(pack))
    assert "$q_filter carries the filter ts >= `{since}` and *x* <= {until}" in text
    assert "| `` y" in text
    assert "page_size asks for" in text
    assert "a_b=*c*" in text
