"""One on-disk cache of rendered packs, shared by every test file and every xdist worker.

A pack is rendered once per (template tree, answers, excluded paths): the key hashes the
bytes of every template file (copier.yml, questions/, parts/, template/), Copier's
version and the answers, so an edit to the template or to an answer set is a new key,
never a stale pack. Entries are rendered into a scratch folder and renamed into place
under a file lock, so two processes never render the same set twice and none ever reads
half a pack. The cache lives in pytest's cache folder when the tests run (kept between
runs of the same checkout), else in a temporary folder removed when the process exits.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import copier
from filelock import FileLock

from generator.template_source import TEMPLATE_FILES

SKIPPED = {"__pycache__", ".pytest_cache", ".DS_Store"}
ENV = "XSOAR_FETCH_RENDER_CACHE"
"""Environment variable naming the cache folder (set for the tests by conftest.py)."""


def _files(root: Path) -> Iterable[Path]:
    """Every template file under ``root``, in a stable order."""
    for name in TEMPLATE_FILES:
        source = root / name
        if source.is_file():
            yield source
            continue
        for path in sorted(source.rglob("*")):
            if path.is_file() and not SKIPPED.intersection(path.parts):
                yield path


@cache
def template_hash(root: Path) -> str:
    """A digest of the template tree at ``root`` and the Copier that renders it."""
    digest = hashlib.sha256(f"copier {copier.__version__}\n".encode())
    for path in _files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:20]


def answers_key(answers: dict[str, Any], exclude: tuple[str, ...]) -> str:
    """A digest of the answers and the excluded paths of one render."""
    text = json.dumps([answers, sorted(exclude)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@cache
def _scratch_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="xsoar-fetch-render-cache-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def cache_root() -> Path:
    """The folder the cache lives in: $XSOAR_FETCH_RENDER_CACHE, else a temporary one."""
    configured = os.environ.get(ENV)
    return Path(configured) if configured else _scratch_root()


class RenderCache:
    """Rendered packs of one template tree, keyed by their answers."""

    def __init__(self, template: Path, root: Path | None = None) -> None:
        self.template = template
        self.folder = (root or cache_root()) / template_hash(template)

    def _publish(self, final: Path, build: Any) -> Path:
        """Create ``final`` once (``build`` fills a scratch folder), under a lock."""
        if final.is_dir():
            return final
        self.folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(final) + ".lock"):
            if final.is_dir():
                return final
            scratch = Path(tempfile.mkdtemp(prefix=final.name + ".", dir=self.folder))
            try:
                build(scratch)
                os.replace(scratch, final)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        return final

    def template_copy(self) -> Path:
        """A plain copy of the template (no git), so renders take the tree as it is."""

        def build(scratch: Path) -> None:
            for name in TEMPLATE_FILES:
                source = self.template / name
                if source.is_dir():
                    shutil.copytree(
                        source, scratch / name, ignore=shutil.ignore_patterns(*SKIPPED)
                    )
                else:
                    shutil.copy2(source, scratch / name)

        return self._publish(self.folder / "template", build)

    def pack(self, answers: dict[str, Any], exclude: tuple[str, ...] = ()) -> Path:
        """The shared rendered pack of ``answers``: read it, never write into it.

        A render Copier refuses raises as it does and caches nothing.
        """
        source = self.template_copy()

        def build(scratch: Path) -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                copier.run_copy(
                    str(source),
                    scratch / "pack",
                    data=answers,
                    defaults=True,
                    unsafe=False,
                    quiet=True,
                    exclude=list(exclude),
                )

        entry = self._publish(self.folder / answers_key(answers, exclude), build)
        return entry / "pack"

    def copy(
        self, answers: dict[str, Any], dest: Path, exclude: tuple[str, ...] = ()
    ) -> Path:
        """A private copy of the rendered pack of ``answers`` at ``dest``."""
        shutil.copytree(
            self.pack(answers, exclude),
            dest,
            ignore=shutil.ignore_patterns(*SKIPPED),
            dirs_exist_ok=True,
        )
        return dest


def prune(root: Path, keep: str, idle_seconds: float = 600) -> None:
    """Remove the cached trees of template hashes other than ``keep`` under ``root``.

    A tree that gained a pack in the last ``idle_seconds`` stays: another run of the
    same checkout may be reading it.
    """
    if not root.is_dir():
        return
    for entry in root.iterdir():
        idle = time.time() - entry.stat().st_mtime
        if entry.is_dir() and entry.name != keep and idle > idle_seconds:
            shutil.rmtree(entry, ignore_errors=True)
