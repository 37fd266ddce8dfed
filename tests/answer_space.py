"""The template's answer space: which answer sets are valid, and what a valid one must do.

Validity comes from copier.yml alone: each question's ``choices``, ``when`` and
``validator`` are rendered with the Jinja environment Copier builds for the template
(the same extensions, options and loader, so ``questions/checks.jinja`` imports), in
copier.yml order, each seeing the answers before it. Nothing here restates a rule.

Two generators draw from it: a pairwise covering array (allpairspy) over the answer
dimensions below, and a hypothesis strategy that walks the questions in order and draws
each applicable answer among the values copier.yml accepts at that point. Every set is
rendered, checked (``xsoar-fetch check``) and simulated (every built-in scenario at
SCALE): it must pass, or be refused at answer time with a one-line reason.
"""

from __future__ import annotations

import json
import random
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from answer_sets import REPO_ROOT, render_pack

from generator.answers import _cast, to_bool
from generator.errors import UserError

SCALE = 0.2
SEED = 0


class _NotApplicable:
    """A dimension's value where its questions do not apply (their ``when`` is false)."""

    def __repr__(self) -> str:
        return "n/a"


NA = _NotApplicable()


class _Unknown:
    """The answer of a dimension a partial row has not chosen yet."""


UNKNOWN = _Unknown()


# ------------------------------------------------------------------ copier.yml, evaluated


@cache
def questions() -> dict[str, dict[str, Any]]:
    """copier.yml's questions, in order."""
    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text("utf-8"))
    return {
        key: value if isinstance(value, dict) else {"default": value}
        for key, value in config.items()
        if not key.startswith("_")
    }


@cache
def _env() -> Any:
    """The sandboxed Jinja environment Copier renders copier.yml with."""
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import SandboxedEnvironment

    config = yaml.safe_load((REPO_ROOT / "copier.yml").read_text("utf-8"))
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(REPO_ROOT)),
        extensions=[
            "jinja2_ansible_filters.AnsibleCoreFiltersExtension",
            *config.get("_jinja_extensions", []),
        ],
        **dict(config.get("_envops") or {}),
    )


@cache
def _compiled(text: str) -> Any:
    from jinja2 import meta

    env = _env()
    return env.from_string(text), meta.find_undeclared_variables(env.parse(text))


def _render(value: Any, context: Mapping[str, Any]) -> Any:
    """A copier.yml value rendered with the answers so far; UNKNOWN if it needs more."""
    if not isinstance(value, str) or "{" not in value:
        return value
    template, names = _compiled(value)
    if any(context.get(name) is UNKNOWN for name in names):
        return UNKNOWN
    # checks.jinja's macros are imported without context: Copier's _copier_conf
    # (the raw answers) reaches them as a global, as it does in Copier
    _env().globals["_copier_conf"] = context.get("_copier_conf", {"data": {}})
    try:
        return template.render(dict(context))
    except TypeError:  # a rule reached an answer not chosen yet (a partial row)
        return UNKNOWN


def choice_values(question: Mapping[str, Any]) -> list[Any] | None:
    """The values a question with ``choices`` accepts (None: it has no choices)."""
    choices = question.get("choices")
    if choices is None:
        return None
    return list(choices.values()) if isinstance(choices, dict) else list(choices)


def applies(name: str, context: Mapping[str, Any]) -> bool | None:
    """Whether a question is asked, given the answers before it (None: not known yet)."""
    rendered = _render(questions()[name].get("when", True), context)
    return None if rendered is UNKNOWN else to_bool(rendered)


def default(name: str, context: Mapping[str, Any]) -> Any:
    """A question's default, given the answers before it."""
    question = questions()[name]
    rendered = _render(question.get("default"), context)
    return rendered if rendered is UNKNOWN else _cast(question, rendered)


def refusal(name: str, value: Any, context: Mapping[str, Any]) -> str | None:
    """Copier's one-line reason to refuse ``value`` for a question, or None."""
    question = questions()[name]
    allowed = choice_values(question)
    if allowed is not None and value not in allowed:
        return f"{name}: {value!r} is not one of {allowed}"
    validator = question.get("validator")
    if not validator:
        return None
    message = _render(validator, {**context, name: value})
    if message is UNKNOWN:
        return None
    message = " ".join(str(message).split())
    return f"{name}: {message}" if message else None


def judge(answers: Mapping[str, Any], unknown: Sequence[str] = ()) -> str | None:
    """Why copier.yml refuses these answers (one line), or None when it accepts them.

    An answer given to a question that does not apply counts as refused here: the
    generators only build sets whose every answer is used. Questions named in
    ``unknown`` are not answered yet (a partial row): rules that need them wait.
    """
    context: dict[str, Any] = {"_copier_conf": {"data": dict(answers)}}
    for name in questions():
        if name in unknown:
            context[name] = UNKNOWN
            continue
        asked = applies(name, context)
        if asked is None:
            context[name] = UNKNOWN
            continue
        if not asked:
            if name in answers:
                return f"{name} does not apply to these answers"
            context[name] = default(name, context)
            continue
        value = (
            _cast(questions()[name], answers[name])
            if name in answers
            else default(name, context)
        )
        if value is UNKNOWN:
            context[name] = UNKNOWN
            continue
        problem = refusal(name, value, context)
        if problem:
            return problem
        context[name] = value
    return None


# ------------------------------------------------------------------ the answer dimensions


@dataclass(frozen=True)
class Dimension:
    """One axis of the covering array: named values, each a few answers (NA: none)."""

    name: str
    keys: tuple[str, ...]  # the questions its values answer
    values: dict[str, Any]  # label -> answers dict, or NA

    def labels(self) -> list[str]:
        return list(self.values)


FETCH_LIMIT_LABELS = ("default", "1", "max")
NESTED = {
    "events_path": "result.items",
    "id_field": "attributes.id",
    "time_field": "attributes.createdAt",
    "name_field": "attributes.summary.title",
    "severity_field": "attributes.level",
}

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "integration_kind",
        ("integration_kind",),
        {kind: {"integration_kind": kind} for kind in ("incidents", "events")},
    ),
    Dimension(
        "auth",
        (
            "auth_type",
            "api_key_prefix",
            "api_key_header_name",
            "api_key_param",
            "token_url",
            "oauth_scope",
            "token_auth_method",
        ),
        {
            "api_key_header": {"auth_type": "api_key_header"},
            "api_key_header_prefixed": {
                "auth_type": "api_key_header",
                "api_key_prefix": "SSWS ",
                "api_key_header_name": "Authorization",
            },
            "api_key_query": {"auth_type": "api_key_query", "api_key_param": "token"},
            "bearer_token": {"auth_type": "bearer_token"},
            "basic": {"auth_type": "basic"},
            "oauth2_post": {"auth_type": "oauth2_client_credentials"},
            "oauth2_basic_scope": {
                "auth_type": "oauth2_client_credentials",
                "token_url": "https://login.example.com/oauth2/v2.0/token",
                "oauth_scope": "https://api.example.com/.default",
                "token_auth_method": "client_secret_basic",
            },
            "none": {"auth_type": "none"},
        },
    ),
    Dimension(
        "http_method",
        ("http_method",),
        {method: {"http_method": method} for method in ("GET", "POST")},
    ),
    Dimension(
        "path_shape",
        tuple(NESTED),
        {
            "flat": {"events_path": "data"},
            "nested": dict(NESTED),
            "top_level_list": {"events_path": "", "severity_field": ""},
        },
    ),
    Dimension(
        "query_style",
        ("query_style",),
        {
            style: {"query_style": style}
            for style in ("time_range", "id_greater_than", "cursor")
        },
    ),
    Dimension(
        "time_format",
        ("time_format",),
        {
            label: {"time_format": value}
            for label, value in {
                "iso8601": "iso8601",
                "epoch_seconds": "epoch_seconds",
                "epoch_millis": "epoch_millis",
                "day_first": "%d/%m/%Y %H:%M:%S",
                "offset": "%Y-%m-%dT%H:%M:%S%z",
            }.items()
        },
    ),
    Dimension(
        "request_time_format",
        ("request_time_format",),
        {
            "same": {},
            "iso8601": {"request_time_format": "iso8601"},
            "epoch_seconds": {"request_time_format": "epoch_seconds"},
            "minutes_pattern": {"request_time_format": "%Y-%m-%d %H:%M"},
        },
    ),
    Dimension(
        "time_filter",
        ("time_filter", "filter_param", "filter_template"),
        {
            "params": {"time_filter": "params"},
            "expression": {
                "time_filter": "expression",
                "filter_param": "$filter",
                "filter_template": "createdDateTime ge {since}",
            },
            "expression_until": {
                "time_filter": "expression",
                "filter_template": "created >= {since} and created <= {until}",
            },
            "expression_quotes": {
                "time_filter": "expression",
                "filter_param": "jql",
                "filter_template": "status = \"open\" and created >= '{since}'",
            },
        },
    ),
    Dimension(
        "pagination",
        ("pagination", "next_url_path", "first_page"),
        {
            "n/a": NA,
            "offset": {"pagination": "offset"},
            "page_number": {"pagination": "page_number", "first_page": 0},
            "next_cursor": {"pagination": "next_cursor"},
            "next_url": {"pagination": "next_url", "next_url_path": "links.next"},
            "link_header": {"pagination": "link_header"},
            "none": {"pagination": "none"},
        },
    ),
    Dimension(
        "has_more_path",
        ("has_more_path",),
        {
            "n/a": NA,
            "none": {"has_more_path": ""},
            "has_more": {"has_more_path": "has_more"},
            "negated": {"has_more_path": "!end_of_stream"},
        },
    ),
    Dimension(
        "sort_order",
        ("sort_order",),
        {"n/a": NA}
        | {order: {"sort_order": order} for order in ("ascending", "descending")}
        | {"unordered": {"sort_order": "unordered"}},
    ),
    Dimension(
        "max_window_minutes",
        ("max_window_minutes",),
        {"n/a": NA} | {str(m): {"max_window_minutes": m} for m in (0, 15, 1440)},
    ),
    Dimension(
        "page_size_max",
        ("page_size_max",),
        {str(size): {"page_size_max": size} for size in (0, 100)},
    ),
    Dimension(
        "use_lookback",
        ("use_lookback", "look_back_default"),
        {
            "n/a": NA,
            "off": {"use_lookback": False},
            "on": {"use_lookback": True, "look_back_default": 5},
        },
    ),
    Dimension(
        "fetch_limit_default",
        ("fetch_limit_default",),
        {label: {} for label in FETCH_LIMIT_LABELS},
    ),
    Dimension(
        "query_filter",
        ("query_filter", "query_param"),
        {"off": {"query_filter": False}, "on": {"query_filter": True}},
    ),
    Dimension(
        "extra_params",
        ("extra_params",),
        {
            "none": {"extra_params": {}},
            "scalar": {"extra_params": {"sortOrder": "ASCENDING", "verbose": True}},
            "nested": {"extra_params": {"filter": {"types": ["alert", "audit"]}}},
        },
    ),
)


def _fetch_limit(label: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The Fetch Limit answer of a label: the kind's default, 1, or the most accepted."""
    if label == "default":
        return {}
    if label == "1":
        return {"fetch_limit_default": 1}
    # the most the validator accepts for this kind: found by asking it
    high = 1
    for candidate in (50000, 10000, 5000, 1000, 500, 200, 100, 50):
        if refusal("fetch_limit_default", candidate, context) is None:
            high = candidate
            break
    return {"fetch_limit_default": high}


def row_answers(labels: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The answers of a (partial) row of labels, and the questions still unknown."""
    answers: dict[str, Any] = {}
    unknown: list[str] = []
    na_keys: list[str] = []
    for position, dimension in enumerate(DIMENSIONS):
        if position >= len(labels):
            unknown.extend(dimension.keys)
            continue
        label = labels[position]
        if dimension.name == "fetch_limit_default":
            kind = answers.get("integration_kind", "incidents")
            answers.update(_fetch_limit(label, {"integration_kind": kind}))
            continue
        value = dimension.values[label]
        if value is NA:
            na_keys.extend(dimension.keys)
        else:
            answers.update(value)
    return answers, unknown + [f"!{key}" for key in na_keys]


def row_refusal(labels: Sequence[str]) -> str | None:
    """Why a (partial) row cannot be answered, or None.

    A dimension labelled n/a must have no applicable question; any other label's
    questions must all be asked (else that pair of values cannot co-occur).
    """
    answers, marks = row_answers(labels)
    unknown = [mark for mark in marks if not mark.startswith("!")]
    not_applicable = {mark[1:] for mark in marks if mark.startswith("!")}
    problem = judge(answers, unknown)
    if problem:
        return problem
    context: dict[str, Any] = {"_copier_conf": {"data": answers}}
    for name in questions():
        if name in unknown:
            context[name] = UNKNOWN
            continue
        asked = applies(name, context)
        if name in not_applicable and asked is True and _primary(name):
            return f"{name} applies but the row leaves it out"
        if asked is False or name not in answers:
            value = default(name, context) if asked is not None else UNKNOWN
        else:
            value = _cast(questions()[name], answers[name])
        context[name] = value
    return None


def _primary(name: str) -> bool:
    """A dimension's first question: the one whose applying the n/a label denies."""
    return any(dimension.keys[0] == name for dimension in DIMENSIONS)


ARRAY_FILE = REPO_ROOT / "tests" / "data" / "answer_space_array.json"


def stored_array() -> dict[str, Any]:
    """The covering array as benchmarks/answer_space.py --write-array last wrote it."""
    return json.loads(ARRAY_FILE.read_text("utf-8"))


def write_array() -> dict[str, Any]:
    """Build the covering array and store it (rows and excluded pairs) in ARRAY_FILE."""
    array = {
        "dimensions": {d.name: d.labels() for d in DIMENSIONS},
        "rows": covering_rows(),
        "excluded_pairs": [list(map(list, pair)) for pair in excluded_pairs()],
    }
    ARRAY_FILE.write_text(json.dumps(array, indent=1) + "\n", "utf-8")
    return array


def covering_rows() -> list[list[str]]:
    """The pairwise covering array, as rows of labels (deterministic).

    allpairspy builds the array; with a filter it can leave pairs out, so each pair
    of values still uncovered gets a row of its own, completed greedily toward the
    pairs left (a pair no completion within the search budget accepts is left out).
    """
    return list(_covering()[0])


def excluded_pairs() -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """The pairs of values no accepted answer set was found to hold."""
    return list(_covering()[1])


Pair = tuple[tuple[int, str], tuple[int, str]]
CANDIDATES = 4  # rows built per row kept
ATTEMPTS = 8  # random completions tried for a pair no greedy row covered


@cache
def _covering() -> tuple[tuple[list[str], ...], tuple[Any, ...]]:
    """allpairspy's array, then greedy rows (AETG-like, seeded) for the pairs it left.

    Each new row is the best of CANDIDATES built value by value, each value the one
    accepted with the most uncovered pairs; a pair still uncovered after that gets
    ATTEMPTS random completions, and is left out (excluded) if none is accepted.
    """
    from allpairspy import AllPairs

    parameters = [dimension.labels() for dimension in DIMENSIONS]
    rows = [
        list(row)
        for row in AllPairs(parameters, filter_func=lambda row: _valid(tuple(row)))
    ]
    uncovered = _all_pairs() - {pair for row in rows for pair in _pairs(row)}
    chance = random.Random(SEED)
    while True:
        built = [_greedy_row(uncovered, chance) for _ in range(CANDIDATES)]
        best = max(
            (row for row in built if row), key=lambda row: len(_pairs(row) & uncovered)
        )
        if not _pairs(best) & uncovered:
            break
        rows.append(best)
        uncovered -= _pairs(best)
    excluded = []
    for pair in sorted(uncovered):
        if pair not in uncovered:
            continue
        (first, a), (second, b) = pair
        row = _patched(rows, first, a, second, b) or next(
            (
                found
                for _ in range(ATTEMPTS)
                if (found := _greedy_row(set(), chance, {first: a, second: b}))
            ),
            None,
        )
        if row is None:
            excluded.append(((DIMENSIONS[first].name, a), (DIMENSIONS[second].name, b)))
            uncovered.discard(pair)
            continue
        rows.append(row)
        uncovered -= _pairs(row)
    return tuple(rows), tuple(excluded)


def _patched(
    rows: Sequence[list[str]], first: int, a: str, second: int, b: str
) -> list[str] | None:
    """An accepted row made from one already built by setting the two values in it."""
    for row in rows:
        if row[first] == a or row[second] == b:
            candidate = list(row)
            candidate[first], candidate[second] = a, b
            if _valid(tuple(candidate)):
                return candidate
    return None


def _greedy_row(
    wanted: set[Pair], chance: random.Random, fixed: Mapping[int, str] | None = None
) -> list[str] | None:
    """An accepted row, value by value the one covering most of ``wanted`` (ties at
    random); None when a position has no accepted value."""
    row: tuple[str, ...] = ()
    for position, dimension in enumerate(DIMENSIONS):
        options = (
            [fixed[position]] if fixed and position in fixed else dimension.labels()
        )
        scored = [
            (
                sum(
                    ((i, row[i]), (position, label)) in wanted for i in range(position)
                ),
                chance.random(),
                label,
            )
            for label in options
            if _valid((*row, label))
        ]
        if not scored:
            return None
        row = (*row, max(scored)[2])
    return list(row)


def _all_pairs() -> set[Pair]:
    return {
        ((i, a), (j, b))
        for i in range(len(DIMENSIONS))
        for j in range(i + 1, len(DIMENSIONS))
        for a in DIMENSIONS[i].labels()
        for b in DIMENSIONS[j].labels()
    }


def _pairs(row: Sequence[str]) -> set[Pair]:
    return {
        ((i, row[i]), (j, row[j]))
        for i in range(len(row))
        for j in range(i + 1, len(row))
    }


@cache
def _valid(labels: tuple[str, ...]) -> bool:
    return row_refusal(labels) is None


def row_name(labels: Sequence[str]) -> str:
    """A short, stable test ID for a row."""
    return "-".join(
        f"{label}"
        for dimension, label in zip(DIMENSIONS, labels, strict=True)
        if label not in ("n/a",)
    )


# ------------------------------------------------------------------ random draws


# Candidate values of the free-text and number questions the strategy draws among;
# copier.yml's validators decide which are accepted where (choices come from it).
DRAW_POOLS: dict[str, list[Any]] = {
    "api_key_prefix": ["", "SSWS ", "Token token="],
    "api_key_header_name": ["X-API-Key", "Authorization", "Api-Key"],
    "api_key_param": ["api_key", "token"],
    "token_url": ["/oauth2/token", "https://login.example.com/oauth2/v2.0/token"],
    "oauth_scope": ["", "https://api.example.com/.default", "read:alerts audit"],
    "events_path": ["data", "result.items", ""],
    "id_field": ["id", "attributes.id", "uuid"],
    "time_field": ["created_at", "attributes.createdAt", "event.time"],
    "name_field": ["title", "attributes.summary.title", "message"],
    "severity_field": ["severity", "attributes.level", ""],
    "time_format": [
        "iso8601",
        "epoch_seconds",
        "epoch_millis",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%z",
        "%b %d %Y %I:%M:%S %p",
    ],
    "request_time_format": [
        "iso8601",
        "epoch_seconds",
        "epoch_millis",
        "%Y-%m-%d %H:%M",
    ],
    "filter_param": ["filter", "$filter", "jql"],
    "filter_template": [
        "createdDateTime ge {since}",
        "created >= {since} and created <= {until}",
        "status = \"open\" and created >= '{since}'",
    ],
    "limit_param": ["limit", "page_size", ""],
    "since_param": ["from", "start_time"],
    "until_param": ["to", "end_time", ""],
    "offset_param": ["offset", "skip"],
    "page_param": ["page", "p"],
    "first_page": [0, 1],
    "id_param": ["since_id", "after"],
    "cursor_param": ["cursor", "page_token"],
    "next_cursor_path": ["next_cursor", "meta.next"],
    "next_url_path": ["links.next", "@odata.nextLink"],
    "has_more_path": ["", "has_more", "!end_of_stream"],
    "max_window_minutes": [0, 1, 15, 60, 1440],
    "page_size_max": [0, 1, 7, 100, 1000],
    "look_back_default": [0, 5, 60],
    "fetch_limit_default": [1, 2, 10, 50, 200, 1000, 5000, 50000],
    "first_fetch_default": ["3 days", "12 hours"],
    "query_param": ["query", "q"],
    "extra_params": [{}, {"sortOrder": "ASCENDING"}, {"filter": {"types": ["alert"]}}],
}
# Answers drawn as copier.yml's default only: identity, pack details, names.
DEFAULT_ONLY = {
    "integration_name",
    "integration_id",
    "pack_name",
    "command_prefix",
    "vendor",
    "product",
    "integration_description",
    "category",
    "author",
    "docker_image",
    "base_url",
    "events_endpoint",
}


def draw_answers(choose: Callable[[list[Any]], Any]) -> dict[str, Any]:
    """A valid answer set, each applicable question answered by ``choose`` among the
    values copier.yml accepts for it at that point (its default among them)."""
    answers: dict[str, Any] = {}
    context: dict[str, Any] = {"_copier_conf": {"data": answers}}
    for name, question in questions().items():
        if not applies(name, context):
            context[name] = default(name, context)
            continue
        fallback = default(name, context)
        if name in DEFAULT_ONLY:
            context[name] = fallback
            continue
        if question.get("type") == "bool":
            pool: list[Any] = [False, True]
        else:
            pool = choice_values(question) or DRAW_POOLS.get(name, [])
        accepted = [
            value
            for value in _unique([fallback, *pool])
            if refusal(name, value, _with_raw(context, name, value)) is None
        ]
        value = choose(accepted) if accepted else fallback
        context[name] = value
        if value != fallback:
            answers[name] = value
    return answers


def _with_raw(context: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    """The context with ``value`` as the raw answer validators read (_copier_conf.data)."""
    data = {**context["_copier_conf"]["data"], name: value}
    return {**context, "_copier_conf": {"data": data}}


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


# ------------------------------------------------------------------ render, check, simulate


@dataclass
class Verdict:
    """What became of one answer set."""

    answers: dict[str, Any]
    refused: str | None = None
    failed_checks: list[str] = field(default_factory=list)
    failed_scenarios: list[str] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed_checks and not self.failed_scenarios

    def line(self) -> str:
        """One line: the outcome and the answers."""
        if self.refused:
            outcome = f"refused ({self.refused})"
        elif self.ok:
            outcome = "pass" + (
                f" (limitation: {', '.join(self.limitations)})"
                if self.limitations
                else ""
            )
        else:
            outcome = "FAIL " + "; ".join(self.failed_checks + self.failed_scenarios)
        data = " ".join(f"{key}={value!r}" for key, value in self.answers.items())
        return f"{outcome} | {data or '(defaults)'}"


def verify(
    answers: dict[str, Any], root: Path | None = None, simulate: bool = True
) -> Verdict:
    """Render ``answers``, run the pack's checks and simulate every built-in scenario."""
    from generator.check import run_checks
    from generator.pack import load_pack

    verdict = Verdict(dict(answers))
    with tempfile.TemporaryDirectory(dir=root) as scratch:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                folder = render_pack(answers, Path(scratch) / "pack")
        except ValueError as error:  # copier's refusal of an answer
            verdict.refused = " ".join(str(error).split())
            return verdict
        pack = load_pack(folder)
        for result in run_checks(pack):
            if not result.ok:
                first = result.problems[0] if result.problems else result.detail
                verdict.failed_checks.append(f"{result.name}: {first}"[:300])
        if simulate:
            try:
                _simulate(pack, verdict)
            except UserError as error:  # the simulator cannot model this API shape
                verdict.failed_scenarios.append(str(error).splitlines()[0][:300])
    return verdict


def _simulate(pack: Any, verdict: Verdict) -> None:
    from generator.simulate import resolve_scenarios
    from generator.simulate.runner import run_scenario

    for scenario in resolve_scenarios(pack, ["all"], seed=SEED, scale=SCALE):
        result = run_scenario(pack, scenario, seed=SEED)
        if result.skipped_reason is not None:
            continue
        if result.limitation is not None and result.duplicates == 0:
            verdict.limitations.append(scenario.name)
            continue
        counts = (
            result.missed,
            result.duplicates,
            result.invalid,
            result.over_limit_runs,
        )
        if counts != (0, 0, 0, 0):
            verdict.failed_scenarios.append(
                f"{scenario.name}: missed {counts[0]}, duplicated {counts[1]}, "
                f"invalid {counts[2]}, runs over the limit {counts[3]}"
            )


def iter_rows() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each covering-array row: its name and its answers."""
    for labels in covering_rows():
        answers, _ = row_answers(labels)
        yield row_name(labels), answers
