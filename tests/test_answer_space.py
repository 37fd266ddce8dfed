"""The answer space as a test tier (marker ``answer_space``; CI runs it apart).

Two outcomes only: an answer set copier.yml accepts renders a pack that passes its own
checks and every applicable built-in scenario (0 missed, 0 duplicated, no run over the
Fetch Limit; a ``limitation`` verdict only where the simulator names one for the fetch
core), or copier.yml refuses it at answer time with a one-line reason.

- ``test_covering_row``: every row of the pairwise covering array (tests/answer_space.py).
- ``test_random_answer_set``: hypothesis draws valid answer sets from copier.yml; the
  seed is printed (ANSWER_SPACE_SEED=N reproduces a run), ANSWER_SPACE_DRAWS sets the
  number of draws (DRAWS_PER_CI_RUN by default).
- ``test_regression``: the combinations issue 18 found, kept as explicit cases.

Every slow run checks the stored array against copier.yml; the sets themselves are
rendered, checked and simulated with ANSWER_SPACE_FULL=1 (or benchmarks/answer_space.py).

Known failures that other work fixes are strict xfails naming their issue item: a fix
turns them into unexpected passes, which fail until the mark is removed.
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from answer_space import (
    DIMENSIONS,
    draw_answers,
    judge,
    row_answers,
    row_name,
    stored_array,
    verify,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.answer_space

# Rendering, checking and simulating a set takes 15-40 s: the sets run when
# ANSWER_SPACE_FULL=1 (the covering array's structure is checked in every slow run).
FULL = os.environ.get("ANSWER_SPACE_FULL") == "1"
needs_full = pytest.mark.skipif(
    not FULL, reason="renders and simulates packs: set ANSWER_SPACE_FULL=1"
)
DRAWS_PER_CI_RUN = 4
DRAWS = int(os.environ.get("ANSWER_SPACE_DRAWS", DRAWS_PER_CI_RUN))
DRAW_SEED = int(os.environ.get("ANSWER_SPACE_SEED", random.randrange(2**32)))

# Issue 18's combinations, each as `xsoar-fetch new --defaults --data ...` answers.
REGRESSIONS: dict[str, dict[str, Any]] = {
    "1_id_greater_than_post": {"query_style": "id_greater_than", "http_method": "POST"},
    "2_cursor_page_size_max": {"query_style": "cursor", "page_size_max": 100},
    "2_id_greater_than_page_size_max": {
        "query_style": "id_greater_than",
        "page_size_max": 100,
        "fetch_limit_default": 200,
    },
    "2_cursor_next_url_small_page_events": {
        "integration_kind": "events",
        "query_style": "cursor",
        "pagination": "next_url",
        "next_url_path": "links.next",
        "http_method": "POST",
        "page_size_max": 7,
    },
    "3_events_defaults": {"integration_kind": "events"},
    "4_events_oauth2": {
        "integration_kind": "events",
        "auth_type": "oauth2_client_credentials",
    },
    "5_descending_window_post_next_cursor": {
        "sort_order": "descending",
        "max_window_minutes": 60,
        "http_method": "POST",
        "pagination": "next_cursor",
    },
    "6_unordered_window_limit_1_events": {
        "integration_kind": "events",
        "sort_order": "unordered",
        "max_window_minutes": 15,
        "fetch_limit_default": 1,
    },
    "7_unpaged_unordered_query_key_limit_1": {
        "pagination": "none",
        "sort_order": "unordered",
        "auth_type": "api_key_query",
        "fetch_limit_default": 1,
    },
    "8_day_window_link_header_events": {
        "integration_kind": "events",
        "max_window_minutes": 1440,
        "pagination": "link_header",
    },
    "9_descending_next_url": {
        "sort_order": "descending",
        "pagination": "next_url",
        "next_url_path": "links.next",
    },
    "10_filter_template_quotes": {
        "time_filter": "expression",
        "filter_template": "status eq \"open\" and name ne 'x' and created ge {since}",
    },
    "11_cursor_has_more": {"query_style": "cursor", "has_more_path": "has_more"},
    "id_greater_than_without_page_size": {
        "query_style": "id_greater_than",
        "limit_param": "",
    },
}

# (case or covering-row name) -> the issue item that fixes it; strict xfails.
KNOWN_FAILURES: dict[str, str] = {}


def _marks(name: str) -> list[Any]:
    known = KNOWN_FAILURES.get(name)
    return [pytest.mark.xfail(reason=known, strict=True)] if known else []


def _assert_two_outcomes(answers: dict[str, Any]) -> None:
    verdict = verify(answers)
    print(verdict.line())
    if verdict.refused:
        assert "\n" not in verdict.refused and verdict.refused
        return
    assert verdict.ok, verdict.line()


ARRAY = stored_array()
ROWS: list[list[str]] = ARRAY["rows"]


def test_covering_array_holds_every_pair() -> None:
    """
    Given the stored covering array (benchmarks/answer_space.py --write-array)
    When it is read against today's dimensions and copier.yml's rules
    Then every row is accepted, and each pair of values of two dimensions is in a
        row or listed among the pairs no accepted answer set was found to hold
    """
    assert ARRAY["dimensions"] == {d.name: d.labels() for d in DIMENSIONS}
    covered = set()
    for labels in ROWS:
        answers, _ = row_answers(labels)
        assert judge(answers) is None, row_name(labels)
        covered |= {
            ((DIMENSIONS[i].name, labels[i]), (DIMENSIONS[j].name, labels[j]))
            for i in range(len(labels))
            for j in range(i + 1, len(labels))
        }
    excluded = {tuple(map(tuple, pair)) for pair in ARRAY["excluded_pairs"]}
    every = {
        ((DIMENSIONS[i].name, a), (DIMENSIONS[j].name, b))
        for i in range(len(DIMENSIONS))
        for j in range(i + 1, len(DIMENSIONS))
        for a in DIMENSIONS[i].labels()
        for b in DIMENSIONS[j].labels()
    }
    assert covered | excluded == every and not covered & excluded
    print(f"covering array: {len(ROWS)} sets, {len(excluded)} pairs never co-occur")


@needs_full
@pytest.mark.parametrize(
    "labels",
    [
        pytest.param(labels, id=row_name(labels), marks=_marks(row_name(labels)))
        for labels in ROWS
    ],
)
def test_covering_row(labels: list[str]) -> None:
    """
    Given one row of the pairwise covering array
    When it is rendered, checked and simulated
    Then the pack passes everything, or the answers are refused in one line
    """
    answers, _ = row_answers(labels)
    _assert_two_outcomes(answers)


@needs_full
@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=_marks(name)) for name in REGRESSIONS],
)
def test_regression(name: str) -> None:
    """
    Given a combination issue 18 found broken
    When it is rendered, checked and simulated
    Then the pack passes everything, or the answers are refused in one line
    """
    _assert_two_outcomes(REGRESSIONS[name])


@needs_full
@pytest.mark.skipif(DRAWS < 1, reason="ANSWER_SPACE_DRAWS is 0")
@seed(DRAW_SEED)
@settings(
    max_examples=DRAWS,
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
)
@given(st.data())
def test_random_answer_set(data: st.DataObject) -> None:
    """
    Given an answer set drawn from copier.yml (seed printed; ANSWER_SPACE_SEED=N
        reproduces it)
    When it is rendered, checked and simulated
    Then the pack passes everything, or the answers are refused in one line
    """
    answers = draw_answers(lambda values: data.draw(st.sampled_from(values)))
    print(f"ANSWER_SPACE_SEED={DRAW_SEED}")
    _assert_two_outcomes(answers)
