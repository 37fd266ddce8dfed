"""The server's fetch loop on a simulated clock: one fetch-incidents run per interval."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any
from unittest import mock

import requests
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from generator.simulate.fake_api import FakeApi
from generator.simulate.instance import run_fetch


@contextmanager
def simulated_clock(start: datetime) -> Iterator[FrozenDateTimeFactory]:
    """Freeze every clock the integration reads at ``start``; move it with ``move_to``."""
    freezer = freeze_time(start)
    clock = freezer.start()
    try:
        yield clock
    finally:
        freezer.stop()


@contextmanager
def client_timeouts(api: FakeApi) -> Iterator[None]:
    """Give a request the API is about to time out a tiny client timeout (no real wait)."""
    original = requests.Session.request

    def request(self: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        timeout = api.client_timeout_for_next()
        if timeout is not None:
            kwargs["timeout"] = timeout
        return original(self, method, url, **kwargs)

    with mock.patch.object(requests.Session, "request", request):
        yield


@dataclass
class RunRecord:
    """One fetch run, as Fetch History shows it."""

    number: int
    time: datetime
    incidents: list[dict[str, Any]]
    error: str | None
    message: str | None
    last_run_bytes: int
    injected: list[str] = field(default_factory=list)
    requests: int = 0  # API requests the run made

    @property
    def ok(self) -> bool:
        """Whether the run succeeded (and so saved its state)."""
        return self.error is None

    @property
    def source_ids(self) -> list[str]:
        """The incidents' ``dbotMirrorId`` values."""
        return [str(incident.get("dbotMirrorId", "")) for incident in self.incidents]


class ServerLoop:
    """The server's side of fetching for one instance: saved state and the run history."""

    def __init__(self, module: ModuleType, params: Mapping[str, Any]) -> None:
        self.module = module
        self.params = dict(params)
        self.last_run: Any = None
        self.integration_context: dict[str, Any] = {}
        self.runs: list[RunRecord] = []

    def edit_instance(self, changes: Mapping[str, Any]) -> None:
        """Change parameters as a user saving the instance does: lastRun and context stay."""
        self.params.update(changes)

    def run(self, now: datetime, injected: list[str] | None = None) -> RunRecord:
        """Run fetch-incidents once at ``now`` (the clock must already show ``now``)."""
        outcome = run_fetch(
            self.module, self.params, self.last_run, self.integration_context
        )
        if outcome.ok:
            if outcome.last_run is not None:
                self.last_run = json.loads(json.dumps(outcome.last_run))
            self.integration_context = outcome.integration_context
        record = RunRecord(
            number=len(self.runs) + 1,
            time=now,
            incidents=outcome.incidents,
            error=outcome.error,
            message=outcome.health,
            last_run_bytes=last_run_size(self.last_run),
            injected=list(injected or []),
        )
        self.runs.append(record)
        return record


def last_run_size(last_run: Any) -> int:
    """Bytes of the saved lastRun as JSON (0 when nothing is saved)."""
    if last_run is None:
        return 0
    return len(json.dumps(last_run).encode())
