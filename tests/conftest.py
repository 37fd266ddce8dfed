"""Shared fixtures: the answer sets rendered once per test session."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from answer_sets import ANSWER_SETS, integration_dir, render_pack


class RenderedPacks:
    """Renders each answer set on first use and keeps the pack for the whole session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._packs: dict[str, Path] = {}
        self._lock = threading.Lock()

    def pack(self, name: str) -> Path:
        """The rendered pack of the named answer set."""
        with self._lock:
            if name not in self._packs:
                self._packs[name] = render_pack(ANSWER_SETS[name], self.root / name)
            return self._packs[name]

    def integration(self, name: str) -> Path:
        """The integration folder of the named answer set's pack."""
        return integration_dir(self.pack(name))

    def answers(self, name: str) -> dict:
        """Every answer Copier recorded for the named set (defaults included)."""
        return yaml.safe_load(
            (self.pack(name) / ".copier-answers.yml").read_text("utf-8")
        )


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> RenderedPacks:
    """The answer sets of tests/answer_sets.py, each rendered at most once."""
    return RenderedPacks(tmp_path_factory.mktemp("packs"))
