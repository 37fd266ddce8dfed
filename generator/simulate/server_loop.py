"""The server's fetch loop on a simulated clock: one fetch run per interval."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

import time_machine

from generator.instance import run_fetch
from generator.kinds import INCIDENT_KIND, FetchKind


@contextmanager
def simulated_clock(start: datetime) -> Iterator[time_machine.Traveller]:
    """Stop every clock the integration reads at ``start``; move it with ``move_to``.

    time-machine moves the clocks themselves, so ``datetime`` objects stay real ones
    and formatting them costs what it costs in production.
    """
    with time_machine.travel(start, tick=False) as clock:
        yield clock


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
    requests: int = 0  # HTTP requests the run made to the API
    saved_last_run: Any = None
    logs: list[tuple[str, str]] = field(default_factory=list)
    kind: FetchKind = INCIDENT_KIND
    records_json: str | None = None  # ``incidents`` as the JSON the server received
    ended: str = (
        "returned"  # how main() ended: "returned", "exit <status>", "exception"
    )
    # the integration context after the run, every Fetch History message of the run,
    # and the next-page URLs on another host the API sent it (api.next_links)
    integration_context: dict[str, Any] = field(default_factory=dict)
    health_messages: list[str] = field(default_factory=list)
    foreign_links: int = 0

    @property
    def ok(self) -> bool:
        """Whether the run succeeded (and so saved its state)."""
        return self.error is None

    @property
    def source_ids(self) -> list[str]:
        """The source event IDs of what the run emitted (incidents or sent events)."""
        return [self.kind.source_id(record) for record in self.incidents]


class ServerLoop:
    """The server's side of fetching for one instance: saved state and the run history."""

    def __init__(
        self,
        module: ModuleType,
        params: Mapping[str, Any],
        kind: FetchKind = INCIDENT_KIND,
    ) -> None:
        self.module = module
        self.params = dict(params)
        self.kind = kind
        self.last_run: Any = None
        self.integration_context: dict[str, Any] = {}
        self.runs: list[RunRecord] = []

    def edit_instance(self, changes: Mapping[str, Any]) -> None:
        """Change parameters as a user saving the instance does: lastRun and context stay."""
        self.params.update(changes)

    def run(self, now: datetime, injected: list[str] | None = None) -> RunRecord:
        """Run the fetch command once at ``now`` (the clock must already show ``now``)."""
        outcome = run_fetch(
            self.module,
            self.params,
            self.last_run,
            self.integration_context,
            command=self.kind.fetch_command,
        )
        if outcome.ok and outcome.last_run is not None:
            saved = json.dumps(outcome.last_run)
            self.last_run = json.loads(saved)
            size = len(saved.encode())
        else:
            size = last_run_size(self.last_run)
        self.integration_context = outcome.integration_context
        record = RunRecord(
            number=len(self.runs) + 1,
            time=now,
            incidents=outcome.incidents,
            error=outcome.error,
            message=outcome.health,
            last_run_bytes=size,
            injected=list(injected or []),
            saved_last_run=outcome.last_run,
            logs=outcome.logs,
            kind=self.kind,
            records_json=outcome.records_json,
            ended=outcome.ended,
            integration_context=outcome.integration_context,
            health_messages=outcome.health_messages,
        )
        self.runs.append(record)
        return record


def last_run_size(last_run: Any) -> int:
    """Bytes of the saved lastRun as JSON (0 when nothing is saved)."""
    if last_run is None:
        return 0
    return len(json.dumps(last_run).encode())
