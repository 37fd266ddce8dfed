"""Run one scenario against a pack: fake API, simulated clock, server loop, verdict."""

from __future__ import annotations

import gc
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import dateparser

from generator.errors import UserError
from generator.instance import (
    configuration,
    default_params,
    load_integration,
    unload_integration,
)
from generator.kinds import FetchKind, kind_of
from generator.pack import Pack
from generator.simulate.api_quirks import FOREIGN_HOST
from generator.simulate.events import SimEvent, index_events
from generator.simulate.fake_api import ERROR_OBJECT, ApiShape, FakeApi
from generator.simulate.fake_auth import ApiAuth, AuthShape, Credential, serve_tokens
from generator.simulate.kinds import problems_reader
from generator.simulate.scenarios import (
    REQUIRES_LOOKBACK,
    PackTraits,
    Scenario,
    query_of,
)
from generator.simulate.server_loop import (
    RunRecord,
    ServerLoop,
    simulated_clock,
)

# Draining ends after this many runs in a row bring nothing new, or, with a look-back,
# after as many runs as the window can still revisit an event and its ID be forgotten
# (see quiet_runs_to_drain).
DRAIN_EMPTY_RUNS = 3
MAX_ERRORS = 50
# Why a served event is not due: no incident or sent event may come from it.
MALFORMED = "malformed (no usable ID or time)"
BEFORE_FIRST_FETCH = "older than the first fetch"
UNMATCHED = "never matching the query"
AFTER_LAST_RUN = "served after the last run"
SIM_USERNAME = "sim-analyst"
SIM_QUERY = "status=New"
FAKE_API_HOST = "fake-api"
# A collection count that no scenario reaches: no full collection while one runs.
FULL_COLLECTION_PAUSED = 10**9
ProgressCallback = Callable[[int, int], None]


@dataclass
class ScenarioResult:
    """A scenario's verdict and its run history."""

    scenario: str
    description: str
    events: int = 0
    incidents: int = 0
    missed: int = 0
    duplicates: int = 0
    cycles: int = 0
    max_latency_minutes: float | None = None
    max_last_run_bytes: int = 0
    errors: list[str] = field(default_factory=list)
    skipped_reason: str | None = None
    invalid: int = 0
    over_limit_runs: int = 0
    max_requests_per_run: int = 0
    limitation: str | None = None
    missed_ids: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    served_at: dict[str, datetime] = field(default_factory=dict)
    fetched_in: dict[str, int] = field(default_factory=dict)
    duplicated_in: list[tuple[str, int]] = field(default_factory=list)
    # Events served that the integration must not fetch, by reason (see NOT_DUE).
    not_due: dict[str, int] = field(default_factory=dict)

    def run_that_missed(self, source_id: str) -> RunRecord | None:
        """The first run after a missed event was served: the one that should have
        fetched it (None when no run came after)."""
        served = self.served_at.get(source_id)
        if served is None:
            return None
        return next((run for run in self.runs if run.time >= served), None)

    requests: int = 0
    token_requests: int = 0
    kind: str = "incidents"
    # the secrets check: places where a credential or token appeared (lastRun, context,
    # incidents, Fetch History, errors, logs) and requests that reached another host
    leaks: int = 0
    # with api.next_links: runs given a next-page URL on another host that neither
    # failed nor said so naming it, and a scenario whose API never had to send a URL
    link_problems: int = 0
    # why missed events are this scenario's expected outcome (the API keeps them behind
    # a next-page URL on another host), or None
    held_back: str | None = None

    @property
    def passed(self) -> bool:
        """Skipped, or nothing missed (unless held back by the API), duplicated or
        invalid, no run over its limit, no secret leaked, no run silent on a refusal."""
        missed = self.missed if self.held_back is None else 0
        return self.skipped_reason is not None or not (
            missed
            or self.duplicates
            or self.invalid
            or self.over_limit_runs
            or self.leaks
            or self.link_problems
        )

    def to_json(self) -> dict[str, Any]:
        """The report entry for ``--json``."""
        return {
            "scenario": self.scenario,
            "events": self.events,
            "incidents": self.incidents,
            "kind": self.kind,
            "missed": self.missed,
            "duplicates": self.duplicates,
            "cycles": self.cycles,
            "max_latency_minutes": self.max_latency_minutes,
            "max_last_run_bytes": self.max_last_run_bytes,
            "max_requests_per_run": self.max_requests_per_run,
            "over_limit_runs": self.over_limit_runs,
            "requests": self.requests,
            "token_requests": self.token_requests,
            "errors": self.errors,
            "skipped_reason": self.skipped_reason,
            "limitation": self.limitation,
            "leaks": self.leaks,
            "link_problems": self.link_problems,
            "held_back": self.held_back,
            "not_due": self.not_due,
        }


def traits_for(pack: Pack, params: dict[str, Any], start: datetime) -> PackTraits:
    """The facts about a pack and its instance parameters that shape the scenarios.

    An event collector never looks back (the template gives collectors no look-back).
    """
    answers = pack.answers
    style = str(answers.get("query_style", ""))
    kind = kind_of(pack)
    return PackTraits(
        query_style=style,
        time_format=str(answers.get("time_format", "iso8601")),
        use_lookback=bool(answers.get("use_lookback"))
        and style == "time_range"
        and not kind.is_collector,
        query=query_of(params),
        max_fetch=_positive_int(params.get(kind.limit_param), kind.limit_param),
        look_back=_positive_int(params.get("look_back") or 0, "look_back", low=0),
        first_fetch=first_fetch_time(str(params.get("first_fetch") or "3 days"), start),
        auth_type=str(answers.get("auth_type", "")),
        pagination=str(answers.get("pagination") or ""),
        page_size_max=int(answers.get("page_size_max") or 0),
    )


def first_fetch_time(text: str, now: datetime) -> datetime:
    """Where the first fetch starts: ``text`` ("3 days", an ISO time) read at ``now``."""
    parsed = dateparser.parse(
        text,
        settings={
            "RELATIVE_BASE": now.astimezone(UTC).replace(tzinfo=None),
            "TIMEZONE": "UTC",
            "TO_TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": True,
        },
    )
    if parsed is None:
        raise UserError(
            f"first_fetch {text!r} is not a time; use e.g. '3 days' or an ISO 8601 time"
        )
    return parsed.astimezone(UTC)


def instance_params(
    pack: Pack, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The YAML defaults with a scenario's overrides.

    An integration with a query parameter is simulated with the query ``status=New``
    unless the overrides set another.
    """
    entries = configuration(pack)
    params = default_params(pack, entries)
    if any(item["name"] == "query" for item in entries) and not params.get("query"):
        params["query"] = SIM_QUERY
    params.update(overrides or {})
    return params


def params_in_force(
    params: Mapping[str, Any], changes: Mapping[int, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Every parameter set the instance runs with, in order: ``params``, then each change."""
    sets = [dict(params)]
    for _, overrides in sorted(changes.items()):
        sets.append({**sets[-1], **overrides})
    return sets


def run_scenario(
    pack: Pack,
    scenario: Scenario,
    *,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> ScenarioResult:
    """Simulate ``scenario`` against the pack's integration and judge what it fetched."""
    with _full_collections_paused():
        return _simulate(pack, scenario, seed=seed, progress=progress)


@contextmanager
def _full_collections_paused() -> Iterator[None]:
    """Let the garbage collector scan only young objects while a scenario runs.

    A scenario holds its events and every run's output for its whole length; full
    collections would scan them again and again. Young cycles (a failed run's
    traceback) are still collected.
    """
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_PAUSED)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


def _simulate(
    pack: Pack,
    scenario: Scenario,
    *,
    seed: int,
    progress: ProgressCallback | None,
) -> ScenarioResult:
    changes = dict(scenario.param_changes)
    params = instance_params(pack, {**scenario.params, **changes.pop(1, {})})
    # Every parameter set in force is checked up front; the first run's decides the first
    # fetch time and which scenarios apply, the smallest Fetch Limit how long to drain.
    every = [
        traits_for(pack, each, scenario.start)
        for each in params_in_force(params, changes)
    ]
    traits = every[0]
    kind = kind_of(pack)
    result = ScenarioResult(
        scenario=scenario.name, description=scenario.description, kind=kind.name
    )
    reason = traits.skip_reason(scenario)
    if reason and kind.is_collector and REQUIRES_LOOKBACK in scenario.requires:
        reason = "event collectors have no look-back (docs/collectors.md)"
    if reason:
        result.skipped_reason = reason
        return result
    shape = ApiShape.from_answers(pack.answers)
    events = index_events(
        scenario.events, shape.time_format, scenario.id_type, scenario.ids_at
    )
    secret = f"sim-{random.Random(f'{seed}:secret').getrandbits(64):016x}"
    credential = Credential(username=SIM_USERNAME, secret=secret)
    try:
        auth = ApiAuth(AuthShape.from_answers(pack.answers), credential)
    except ValueError as error:
        raise UserError(f"cannot simulate {pack.root}: {error}") from error
    if "credentials" in params:
        params["credentials"] = auth.credentials_param()
    interval = _positive_int(params.get(kind.interval_param) or 1, kind.interval_param)
    try:
        api = FakeApi(
            shape,
            events,
            credential,
            page_size=scenario.page_size,
            utc_offset=scenario.utc_offset,
            path_prefix=urlsplit(str(params.get("url") or "")).path,
            query=query_of(params),
            next_cursor=scenario.next_cursor,
            quirks=scenario.quirks,
            auth=auth,
        )
    except ValueError as error:
        raise UserError(f"cannot simulate {pack.root}: {error}") from error
    step = timedelta(minutes=interval)
    end = scenario.start + step * (scenario.cycles - 1)
    query = query_of(params)
    expected, served_at, result.not_due = _expected(
        events, end, traits.first_fetch, query is not None
    )
    smallest_limit = min(each.max_fetch for each in every)
    quiet_needed = quiet_runs_to_drain(every, interval)
    drain_cap = math.ceil(len(expected) / smallest_limit) + 10 + quiet_needed
    planned = scenario.cycles + drain_cap
    with (
        api,
        serve_tokens(auth, api.base_url),
        simulated_clock(scenario.start) as clock,
    ):
        params["url"] = api.base_url
        api_address = urlsplit(api.base_url).netloc
        loop = ServerLoop(load_integration(pack.py_path), params, kind)
        limits: list[int] = []  # the Fetch Limit in force at each run
        try:
            empty_runs = 0
            number = 0
            while number < scenario.cycles or (
                empty_runs < quiet_needed and number < planned
            ):
                now = scenario.start + step * number
                number += 1
                clock.move_to(now)
                if number in changes:
                    loop.edit_instance(changes[number])
                if number in scenario.restarts:
                    unload_integration(loop.module)
                    loop.module = load_integration(pack.py_path)
                before = len(api.stats.injected)
                requests_before = api.stats.requests
                links_before = api.stats.foreign_links
                api.begin_cycle(now, scenario.failures.get(number))
                auth.begin_cycle(now, revoke=number in scenario.revoke_tokens)
                record = loop.run(now)
                record.injected = api.stats.injected[before:]
                record.requests = api.stats.requests - requests_before
                record.foreign_links = api.stats.foreign_links - links_before
                limits.append(
                    _positive_int(loop.params.get(kind.limit_param), kind.limit_param)
                )
                quiet = record.ok and not record.incidents
                empty_runs = empty_runs + 1 if quiet else 0
                if progress:
                    progress(number, planned)
        finally:
            unload_integration(loop.module)
    for run in loop.runs:
        if run.error is not None:  # the port differs between APIs; reports should not
            run.error = _without_address(run.error, api_address)
    _judge(
        result,
        loop.runs,
        events,
        expected,
        served_at,
        auth.secrets(),
        query is not None,
        kind,
    )
    _judge_limits(result, loop.runs, limits)
    if scenario.quirks.next_links:
        _judge_next_links(result, loop.runs, api, scenario.quirks.next_links)
    if result.missed and not (
        result.duplicates or result.invalid or result.over_limit_runs
    ):
        result.limitation = scenario.limitations.get(traits.fetch_core)
    result.requests = api.stats.requests
    result.token_requests = auth.stats.requests
    return result


def quiet_runs_to_drain(every: list[PackTraits], interval: int) -> int:
    """Quiet runs in a row after which draining may stop.

    Without a look-back nothing comes back once fetched: three quiet runs. With one,
    a run revisits its window (look-back plus one interval) and the lookback helpers
    remember an ID for twice the window, so a duplicate can still appear up to two
    windows after the last run that fetched something: draining waits that long.
    """
    look_back = max((each.look_back for each in every if each.use_lookback), default=0)
    if not look_back:
        return DRAIN_EMPTY_RUNS
    window = look_back + interval
    return max(DRAIN_EMPTY_RUNS, math.ceil(2 * window / interval) + 1)


def _judge_limits(
    result: ScenarioResult, runs: list[RunRecord], limits: list[int]
) -> None:
    """Runs that created more incidents than the Fetch Limit in force, and requests."""
    over = []
    for run, limit in zip(runs, limits, strict=True):
        if len(run.incidents) > limit:
            over.append(
                f"run {run.number} at {run.time.strftime('%Y-%m-%dT%H:%M:%SZ')}: "
                f"{len(run.incidents)} incidents, more than the Fetch Limit {limit}"
            )
    result.over_limit_runs = len(over)
    result.max_requests_per_run = max((run.requests for run in runs), default=0)
    room = max(0, MAX_ERRORS - len(result.errors))
    result.errors.extend(over[:room])


def _expected(
    events: list[SimEvent], end: datetime, first_fetch: datetime, has_query: bool
) -> tuple[dict[str, SimEvent], dict[str, datetime], dict[str, int]]:
    """Events the integration must fetch (well formed, served by ``end``, after first
    fetch) by ID, when each became visible to it (visible and matching), and how many
    of the others there are for each reason of NOT_DUE."""
    expected = {}
    served_at = {}
    not_due: Counter[str] = Counter()
    for event in events:
        if not event.well_formed:
            not_due[MALFORMED] += 1
            continue
        if event.time < first_fetch:
            not_due[BEFORE_FIRST_FETCH] += 1
            continue
        served = event.served_from() if has_query else event.visible_at
        if served is None:
            not_due[UNMATCHED] += 1
        elif served > end:
            not_due[AFTER_LAST_RUN] += 1
        else:
            key = str(event.id)
            expected[key] = event
            # With a query, ``served`` is already when it was visible and matching.
            served_at[key] = (
                served if has_query or event.match_at is None else event.served_from()
            )
    return expected, served_at, dict(not_due)


def _judge(
    result: ScenarioResult,
    runs: list[RunRecord],
    events: list[SimEvent],
    expected: dict[str, SimEvent],
    served_at: dict[str, datetime],
    secrets: list[str],
    has_query: bool,
    kind: FetchKind,
) -> None:
    by_id = {str(event.id): event for event in events}
    source_id_of, problems_of = kind.source_id_reader, problems_reader(kind)
    fetched_at: dict[str, datetime] = {}
    fetched_in: dict[str, int] = {}
    errors: list[str] = []
    forms = secret_forms(secrets)
    for run in runs:
        stamp = f"run {run.number} at {run.time.strftime('%Y-%m-%dT%H:%M:%SZ')}"
        if run.error is not None:
            cause = f" (injected {', '.join(run.injected)})" if run.injected else ""
            errors.append(f"{stamp}{cause}: {_first_line(run.error)}")
        elif ERROR_OBJECT in run.injected:
            result.invalid += 1
            errors.append(
                f"{stamp}: the API answered an error object (HTTP 200) and the run "
                "neither failed nor said so"
            )
        for place, text in _leak_places(run):
            if any(secret in text for secret in forms):
                result.leaks += 1
                errors.append(f"{stamp}: a credential or token appears in {place}")
        result.incidents += len(run.incidents)
        for incident in run.incidents:
            source_id = source_id_of(incident)
            event = by_id.get(source_id)
            for problem in problems_of(incident, event):
                result.invalid += 1
                errors.append(f"{stamp}: incident {source_id or '?'}: {problem}")
            if (
                event is None
                or not event.well_formed
                or (has_query and event.match_at is None)
            ):
                result.invalid += 1
                errors.append(
                    f"{stamp}: incident {source_id or '?'} matches no event the API "
                    "should have served"
                )
            if source_id in fetched_at:
                result.duplicates += 1
                result.duplicate_ids.append(source_id)
                result.duplicated_in.append((source_id, run.number))
            else:
                fetched_at[source_id] = run.time
                fetched_in[source_id] = run.number
    latencies = [
        (fetched_at[key] - served).total_seconds()
        for key, served in served_at.items()
        if key in fetched_at
    ]
    result.events = len(events)
    result.missed_ids = [key for key in expected if key not in fetched_at]
    result.missed = len(result.missed_ids)
    result.cycles = len(runs)
    result.max_latency_minutes = round(max(latencies) / 60, 2) if latencies else None
    result.max_last_run_bytes = max((run.last_run_bytes for run in runs), default=0)
    if len(errors) > MAX_ERRORS:
        errors = errors[:MAX_ERRORS] + [f"... and {len(errors) - MAX_ERRORS} more"]
    result.errors = errors
    result.runs = runs
    result.served_at = served_at
    result.fetched_in = fetched_in


def secret_forms(secrets: list[str]) -> set[str]:
    """Each secret as given and URL-encoded (as a query string carries it)."""
    return {
        form
        for secret in secrets
        for form in (secret, quote(secret, safe=""), quote_plus(secret))
        if form
    }


# The integration context keys of the OAuth2 token cache: the one place a token may stay.
TOKEN_CACHE_KEYS = ("access_token", "valid_until")


def _leak_places(run: RunRecord) -> list[tuple[str, str]]:
    """Where a run's output must never hold a secret: error, incidents, lastRun, the
    integration context outside the token cache, Fetch History, logs."""
    context = {
        key: value
        for key, value in run.integration_context.items()
        if key not in TOKEN_CACHE_KEYS
    }
    return [
        ("the error message", run.error or ""),
        (
            f"the {run.kind.record_noun}",
            (
                json.dumps(run.incidents)
                if run.records_json is None
                else run.records_json
            ),
        ),
        ("lastRun", json.dumps(run.saved_last_run)),
        ("the integration context", json.dumps(context)),
        ("Fetch History", json.dumps(run.health_messages)),
        ("the logs", json.dumps(run.logs)),
    ]


FOREIGN_HELD_BACK = (
    "the API sends the next pages on another host; the fetch must refuse them, so the "
    "events behind them are not fetched"
)


def _judge_next_links(
    result: ScenarioResult, runs: list[RunRecord], api: FakeApi, links: str
) -> None:
    """Next-page URLs written another way (api.next_links): the API must have had to
    send some. On another host: no request reaches it (a credential least of all), and
    every run given such a URL fails naming that host or says so in Fetch History; the
    events behind the URLs count as held back."""
    problems = []
    if not api.stats.links_written:
        result.link_problems += 1
        problems.append("the API never had to send a next-page URL: nothing was proved")
    if links != FOREIGN_HOST:
        result.errors.extend(problems)
        return
    result.held_back = FOREIGN_HELD_BACK
    host = api.foreign_netloc
    if api.stats.foreign_requests:
        result.leaks += api.stats.foreign_requests
        problems.append(
            f"{api.stats.foreign_requests} requests went to the other host, "
            f"{api.stats.foreign_credentialed} of them with the credential"
        )
    for run in runs:
        said = [run.error or "", *run.health_messages]
        if run.foreign_links and not any(host in text for text in said):
            result.link_problems += 1
            stamp = f"run {run.number} at {run.time.strftime('%Y-%m-%dT%H:%M:%SZ')}"
            problems.append(
                f"{stamp}: given a next-page URL on {host}, it "
                f"{'failed' if run.error else 'succeeded'} without naming that host"
            )
    room = max(0, MAX_ERRORS - len(result.errors))
    result.errors.extend(problems[:room])


def _without_address(text: str, address: str) -> str:
    port = address.rpartition(":")[2]
    return text.replace(address, FAKE_API_HOST).replace(f"port={port}", "port=0")


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[:3])[:300] if lines else text


def _positive_int(value: Any, name: str, low: int = 1) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UserError(
            f"parameter {name}={value!r} is not a whole number >= {low}"
        ) from None
    if number < low:
        raise UserError(f"parameter {name}={value!r} must be {low} or more")
    return number
