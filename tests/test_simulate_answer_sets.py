"""Every answer set of the template passes every scenario that applies to it.

Each pack is rendered once per session; the built-in scenarios run at a reduced size
(the benchmark and the CLI run them at full size). Where the generated code is known to
fail a scenario today, the case is a strict xfail whose reason holds the measured counts
(benchmarks/situations.py at the same scale and seed): a fix turns it into an unexpected
pass, which fails until the entry is removed. A documented limitation of a fetch core
(the scenario names it) is asserted as such.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, integration_dir, render_pack

from generator.errors import UserError
from generator.pack import Pack, load_pack
from generator.simulate import resolve_scenarios
from generator.simulate.events import EventSpec
from generator.simulate.runner import instance_params, run_scenario, traits_for
from generator.simulate.scenarios import BUILTINS, DEFAULT_START, PackTraits, Scenario

SCALE = 0.05
SEED = 7
# The backlog is worked off at one Fetch Limit per run: keep it to a few dozen runs.
SCALES = {"backlog": 0.005}
# (scenario, answer set) -> what the generated code does today, measured at SCALE and
# SEED: missed/duplicated incidents and runs over the Fetch Limit.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}


def matrix() -> list[object]:
    """Every (answer set, scenario), the known failures marked as strict xfails."""
    cases: list[object] = []
    for answer_set in ANSWER_SETS:
        for scenario_name in BUILTINS:
            known = KNOWN_FAILURES.get((scenario_name, answer_set))
            marks = (
                [
                    pytest.mark.xfail(
                        reason=f"known failure, before a fix: {known}",
                        strict=True,
                        raises=AssertionError,
                    )
                ]
                if known
                else []
            )
            cases.append(pytest.param(answer_set, scenario_name, marks=marks))
    return cases


@pytest.fixture(scope="session")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pack]:
    """Every answer set, rendered lazily once per session."""
    root = tmp_path_factory.mktemp("simulated-packs")

    class Lazy(dict):
        def __missing__(self, name: str) -> Pack:
            pack = load_pack(render_pack(ANSWER_SETS[name], Path(root) / name))
            self[name] = pack
            return pack

    return Lazy()


@pytest.mark.parametrize(("answer_set", "scenario_name"), matrix())
def test_answer_set_passes_scenario(
    packs: dict[str, Pack], answer_set: str, scenario_name: str
) -> None:
    """
    Given a pack rendered from one answer set
    When a built-in scenario is simulated against it
    Then it is skipped with a reason; or it fails only by missing events, with the
        documented limitation of its fetch core; or nothing is missed, duplicated or
        invalid and no run goes over the Fetch Limit
    """
    pack = packs[answer_set]
    scale = SCALES.get(scenario_name, SCALE)
    (scenario,) = resolve_scenarios(pack, [scenario_name], seed=SEED, scale=scale)
    result = run_scenario(pack, scenario, seed=SEED)
    if result.skipped_reason is not None:
        assert result.cycles == 0 and result.incidents == 0
        return
    if result.limitation is not None:
        assert result.missed > 0 and result.duplicates == result.invalid == 0
        assert result.limitation == scenario.limitations[traits_of(pack).fetch_core]
        return
    problems = [error for error in result.errors if "(injected" not in error]
    if result.held_back is not None:  # foreign-next-link: refused, said, nothing sent
        assert result.passed, problems[:5]
        assert any(not run.ok or run.health_messages for run in result.runs)
        return
    counts = (
        result.missed,
        result.duplicates,
        result.invalid,
        result.over_limit_runs,
        result.leaks,
        result.link_problems,
    )
    assert counts == (0, 0, 0, 0, 0, 0), (
        result.missed_ids[:10],
        result.duplicate_ids[:10],
        problems[:5],
    )
    assert result.incidents > 0
    assert result.cycles >= scenario.cycles
    if scenario.failures:
        assert any(not run.ok for run in result.runs)
    elif not scenario.quirks.rate_limit:  # a run refused with 429 fails; it may retry
        assert problems == []


def traits_of(pack: Pack) -> PackTraits:
    return traits_for(pack, instance_params(pack), DEFAULT_START)


EXPECTED_TO_RUN = {
    # scenario: an answer set it must apply to (so the matrix really exercises it)
    "index-lag": "time_range_lookback_epoch_millis_nested",
    "late-match": "time_range_lookback_epoch_millis_nested",
    "timezone": "time_range_lookback_offset_pattern",
    "no-next-cursor": "cursor_iso_no_auth_nested",
    "look-back-raised": "time_range_lookback_iso_zero_look_back",
    "outage-lag": "time_range_lookback_iso_zero_look_back",
    "late-flood": "time_range_lookback_epoch_millis_nested",
    "duplicate-rows": "id_greater_than_epoch_seconds",
    "constant-delay": "defaults",
    "rate-limit": "cursor_iso_no_auth_nested",
    # the last page says no page follows and carries the cursor for the next run
    "start-time-limit": "onepassword_like_signins",
    "echoed-query": "query_key_next_url_cursor",
    "relative-links": "okta_like_system_log",
    "foreign-next-link": "box_like_next_url_cursor",
}
EXPECTED_SKIPS = {
    ("index-lag", "defaults"): "look-back",
    ("late-match", "time_range_lookback_offset_pattern"): "query filter",
    ("timezone", "id_greater_than_epoch_seconds"): "UTC offset",
    ("no-next-cursor", "defaults"): "cursor",
    ("look-back-raised", "defaults"): "look-back",
    ("outage-lag", "cursor_iso_no_auth_nested"): "look-back",
    ("late-flood", "id_greater_than_epoch_seconds"): "look-back",
    ("cursor-expiry", "defaults"): "cursor",
    ("late-ids", "cursor_iso_no_auth_nested"): "by ID",
    ("echoed-query", "defaults"): "next-page URL",
    ("foreign-next-link", "cursor_iso_no_auth_nested"): "next-page URL",
}
LIMITED = {
    # scenario: a pack whose fetch core cannot pass it, and a word of the reason
    "late-match": ("id_greater_than_epoch_seconds", "IDs only rise"),
    "late-ids": ("id_greater_than_iso_basic_top_level_list", "numbered earlier"),
}


@pytest.mark.parametrize(("scenario_name", "answer_set"), EXPECTED_TO_RUN.items())
def test_conditional_scenarios_run_where_they_apply(
    packs: dict[str, Pack], scenario_name: str, answer_set: str
) -> None:
    """
    Given a pack with look-back, a query filter or offset-carrying times
    When the scenario that needs it is simulated
    Then it runs rather than being skipped
    """
    pack = packs[answer_set]
    (scenario,) = resolve_scenarios(pack, [scenario_name], seed=1, scale=SCALE)
    result = run_scenario(pack, scenario, seed=1)
    assert result.skipped_reason is None
    assert result.passed


@pytest.mark.parametrize(("scenario_name", "limited"), LIMITED.items())
def test_limitations_fail_with_their_reason(
    packs: dict[str, Pack], scenario_name: str, limited: tuple[str, str]
) -> None:
    """
    Given a pack whose fetch core cannot catch what a scenario does (late matches,
        IDs numbered before events show)
    When that scenario is simulated
    Then it runs and fails, missing events, with the documented reason, never skipped
    """
    answer_set, words = limited
    pack = packs[answer_set]
    (scenario,) = resolve_scenarios(pack, [scenario_name], seed=1, scale=SCALE)
    result = run_scenario(pack, scenario, seed=1)
    assert result.skipped_reason is None and not result.passed
    assert result.missed > 0 and result.duplicates == 0
    assert result.limitation is not None and words in result.limitation
    assert result.to_json()["limitation"] == result.limitation


@pytest.mark.parametrize(("key", "reason"), EXPECTED_SKIPS.items())
def test_inapplicable_scenarios_say_why(
    packs: dict[str, Pack], key: tuple[str, str], reason: str
) -> None:
    """
    Given a pack that lacks what a scenario needs
    When that scenario is simulated
    Then it is skipped with a reason naming what is missing
    """
    scenario_name, answer_set = key
    pack = packs[answer_set]
    (scenario,) = resolve_scenarios(pack, [scenario_name], scale=SCALE)
    result = run_scenario(pack, scenario)
    assert result.skipped_reason is not None and reason in result.skipped_reason
    assert result.to_json()["skipped_reason"] == result.skipped_reason


LOOKBACK_PACK = "time_range_lookback_epoch_millis_nested"
# The floor that keeps a raised look-back from reaching past the IDs kept, and the
# mutation that lets the window take the raised look-back at once.
GROWN = "next_start = max(last_fetch, min(reached, look_back_start))"
JUMPS = "next_start = min(reached, look_back_start)"


def test_look_back_raised_catches_a_window_that_jumps_at_once(
    packs: dict[str, Pack], tmp_path: Path
) -> None:
    """
    Given a copy of a look-back pack whose window takes a raised look-back at once
    When look-back-raised is simulated against it
    Then events whose IDs were already forgotten are created again
    """
    folder = shutil.copytree(packs[LOOKBACK_PACK].root, tmp_path / "jumps")
    (code,) = [
        path
        for path in integration_dir(folder).glob("*.py")
        if not path.stem.endswith("_test")
    ]
    text = code.read_text("utf-8")
    assert GROWN in text
    code.write_text(text.replace(GROWN, JUMPS), "utf-8")
    pack = load_pack(folder)
    (scenario,) = resolve_scenarios(pack, ["look-back-raised"], seed=7, scale=SCALE)
    assert run_scenario(pack, scenario, seed=7).duplicates > 0
    fixed = load_pack(packs[LOOKBACK_PACK].root)
    assert run_scenario(fixed, scenario, seed=7).duplicates == 0


def test_look_back_raised_needs_the_raise(packs: dict[str, Pack]) -> None:
    """
    Given look-back-raised without its parameter change (the look-back stays 2 minutes)
    When it is simulated
    Then the events more than 2 minutes late are missed: the change is what catches them
    """
    pack = packs[LOOKBACK_PACK]
    (scenario,) = resolve_scenarios(pack, ["look-back-raised"], seed=7, scale=SCALE)
    result = run_scenario(pack, replace(scenario, param_changes={}), seed=7)
    assert result.missed > 0 and result.duplicates == 0


def test_param_changes_apply_from_their_run(packs: dict[str, Pack]) -> None:
    """
    Given 30 events waiting and a Fetch Limit of 5 lowered to 2 from run 3
    When the scenario is simulated
    Then runs 1-2 create 5 incidents each, later runs at most 2, nothing missed
    """
    pack = packs["defaults"]
    events = [
        EventSpec(time=DEFAULT_START - timedelta(minutes=10, seconds=second))
        for second in range(30)
    ]
    scenario = Scenario(
        name="limit-lowered",
        description="max_fetch 5, then 2",
        cycles=12,
        events=events,
        params={"max_fetch": "5"},
        param_changes={3: {"max_fetch": "2"}},
    )
    result = run_scenario(pack, scenario)
    counts = [len(run.incidents) for run in result.runs]
    assert counts[:2] == [5, 5]
    assert max(counts[2:]) == 2
    assert (result.missed, result.duplicates, result.incidents) == (0, 0, 30)


def test_bad_value_in_a_param_change_is_refused_before_running(
    packs: dict[str, Pack],
) -> None:
    """A changed parameter the simulator cannot use is a one-line error up front."""
    scenario = Scenario(
        name="bad-change",
        description="max_fetch becomes text",
        cycles=5,
        events=[EventSpec(time=DEFAULT_START)],
        param_changes={4: {"max_fetch": "many"}},
    )
    with pytest.raises(UserError, match="max_fetch='many' is not a whole number"):
        run_scenario(packs["defaults"], scenario)
