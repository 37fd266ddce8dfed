"""Shared fixtures: the answer sets rendered once per template tree, for every worker."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import yaml
from answer_sets import ANSWER_SETS, REPO_ROOT, integration_dir, render_pack
from render_cache import ENV, prune, template_hash

SLOW_TIERS = ("sdk", "git", "wheel", "answer_space")
"""Markers of the slow tiers: each also gets ``slow``, which the README's command skips."""


def pytest_configure(config: pytest.Config) -> None:
    """Put the render cache in pytest's cache folder, shared by every xdist worker.

    The controller (the only process without ``workerinput``) first drops the packs of
    other template trees, so the folder holds one tree's packs at a time.
    """
    if os.environ.get(ENV) or config.cache is None:
        return
    root = config.cache.mkdir("render-cache")
    if not hasattr(config, "workerinput"):
        prune(root, keep=template_hash(REPO_ROOT))
    os.environ[ENV] = str(root)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of a slow tier is also marked ``slow``."""
    for item in items:
        if any(item.get_closest_marker(tier) for tier in SLOW_TIERS):
            item.add_marker(pytest.mark.slow)


class RenderedPacks:
    """Each answer set's pack, copied once per session from the shared render cache."""

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
