"""Each rendered pack's own unit tests pass, run as a user runs them (``python -m pytest``
in the integration folder, the stand-in runtime provided by this project's pytest plugin).

The suites run in subprocesses, two at a time, started together on first use; under
pytest-xdist each worker runs only the suites of its own tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from answer_sets import ANSWER_SETS
from conftest import RenderedPacks

NAMES = sorted(ANSWER_SETS)
TIMEOUT_SECONDS = 300
# Plugins of this project's environment that a pack's tests do not use (hypothesis alone
# costs most of a run's start-up); the stand-in runtime's plugin stays on.
PLUGINS_OFF = ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:hypothesispytest"]


def run_suite(rendered: RenderedPacks, name: str) -> subprocess.CompletedProcess[str]:
    """Run one pack's generated tests."""
    folder = rendered.integration(name)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *PLUGINS_OFF],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


class SuiteRuns:
    """Results of the generated suites, run in a small thread pool."""

    def __init__(self, rendered: RenderedPacks) -> None:
        self.rendered = rendered
        self.pool = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1))
        self.futures: dict[str, Future[subprocess.CompletedProcess[str]]] = {}
        # One xdist worker sees only part of the tests: start suites on demand there.
        self.prefetch = "PYTEST_XDIST_WORKER" not in os.environ

    def result(self, name: str) -> subprocess.CompletedProcess[str]:
        """The finished run of the named set's suite."""
        for wanted in NAMES if self.prefetch else [name]:
            if wanted not in self.futures:
                self.futures[wanted] = self.pool.submit(
                    run_suite, self.rendered, wanted
                )
        return self.futures[name].result()


@pytest.fixture(scope="session")
def suite_runs(rendered: RenderedPacks) -> SuiteRuns:
    runs = SuiteRuns(rendered)
    yield runs
    runs.pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize("name", NAMES)
def test_generated_unit_tests_pass(suite_runs: SuiteRuns, name: str) -> None:
    """The pack's tests all pass, none skipped, and there are at least 15 of them."""
    result = suite_runs.result(name)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"(\d+) passed", output)
    assert summary and int(summary.group(1)) >= 15, output
    assert not re.search(r"\d+ (failed|skipped|error)", output), output
