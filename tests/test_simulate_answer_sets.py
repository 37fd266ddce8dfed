"""Every answer set of the template passes every scenario that applies to it.

Each pack is rendered once per session; the built-in scenarios run at a reduced size
(the benchmark and the CLI run them at full size).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from answer_sets import ANSWER_SETS, render_pack

from generator.pack import Pack, load_pack
from generator.simulate import resolve_scenarios
from generator.simulate.runner import run_scenario
from generator.simulate.scenarios import BUILTINS

SCALE = 0.05
# The backlog is worked off at one Fetch Limit per run: keep it to a few dozen runs.
SCALES = {"backlog": 0.005}


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


@pytest.mark.parametrize("scenario_name", list(BUILTINS))
@pytest.mark.parametrize("answer_set", list(ANSWER_SETS))
def test_answer_set_passes_scenario(
    packs: dict[str, Pack], answer_set: str, scenario_name: str
) -> None:
    """
    Given a pack rendered from one answer set
    When a built-in scenario is simulated against it
    Then it is skipped with a reason, or nothing is missed, duplicated or invalid
    """
    pack = packs[answer_set]
    scale = SCALES.get(scenario_name, SCALE)
    (scenario,) = resolve_scenarios(pack, [scenario_name], seed=7, scale=scale)
    result = run_scenario(pack, scenario, seed=7)
    if result.skipped_reason is not None:
        assert result.cycles == 0 and result.incidents == 0
        return
    problems = [error for error in result.errors if "(injected" not in error]
    assert (result.missed, result.duplicates, result.invalid) == (0, 0, 0), (
        result.missed_ids[:10],
        result.duplicate_ids[:10],
        problems[:5],
    )
    assert result.incidents > 0
    assert result.cycles >= scenario.cycles
    if scenario.failures:
        assert any(not run.ok for run in result.runs)
    else:
        assert problems == []


EXPECTED_TO_RUN = {
    # scenario: an answer set it must apply to (so the matrix really exercises it)
    "index-lag": "time_range_lookback_epoch_millis_nested",
    "late-match": "time_range_lookback_epoch_millis_nested",
    "timezone": "time_range_lookback_offset_pattern",
    "no-next-cursor": "cursor_iso_no_auth_nested",
}
EXPECTED_SKIPS = {
    ("index-lag", "defaults"): "look-back",
    ("late-match", "time_range_lookback_offset_pattern"): "query filter",
    ("timezone", "id_greater_than_epoch_seconds"): "UTC offset",
    ("no-next-cursor", "defaults"): "cursor",
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
