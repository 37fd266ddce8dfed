"""Copier and git steps shared by ``new`` and ``update``.

Which template and ref to render, the refusal of a dirty local template, rendering into
a staging folder moved into place whole, the private answers (``_src_path``,
``_commit``) written into a pack's answers file, and running git.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator import __version__, template_source
from generator.errors import UserError, copier_errors, one_line
from generator.invocation import command_name
from generator.pack import ANSWERS_FILE
from generator.template_source import TemplateNotFound, TemplateSource, is_url


def parse_data(items: list[str]) -> dict[str, str]:
    """Parse ``KEY=VALUE`` items; Copier casts each value to its question's type."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--data {item!r}: expected KEY=VALUE, e.g. pack_name=Acme")
        data[key] = value
    return data


def resolve_source(template: str | None) -> TemplateSource:
    """The template to render, in order: --template, $XSOAR_FETCH_TEMPLATE, the
    checkout this package runs from, the copy shipped inside the package."""
    try:
        return template_source.resolve(template)
    except TemplateNotFound as error:
        raise UserError(str(error)) from None


def resolve_template(template: str | None) -> str:
    """The template source as an absolute path or a URL (Copier records it for updates)."""
    return resolve_source(template).src


def choose_ref(
    source: TemplateSource,
    vcs_ref: str | None,
    *,
    allow_dirty: bool,
    notes: list[str],
) -> str | None:
    """The git ref to render: the given one, else the newest release tag, else HEAD.

    Adds one note to ``notes`` when HEAD is taken for want of tags; refuses a template
    with uncommitted changes at HEAD unless ``allow_dirty`` (then adds a warning).
    """
    if source.is_shipped:
        if vcs_ref:
            raise UserError(
                f"--vcs-ref {vcs_ref}: the template shipped in the package is not a git "
                "repository; give --template PATH_OR_URL of a git clone of the template"
            )
        return None
    path = None if is_url(source.src) else Path(source.src)
    if (
        path is not None
        and template_source.git_output(path, "rev-parse", "--is-inside-work-tree")
        is None
    ):
        if vcs_ref:
            raise UserError(
                f"--vcs-ref {vcs_ref}: the template at {source.src} is not a git "
                "repository; drop --vcs-ref or give a git template"
            )
        notes.append(
            f"note: the template at {source.src} is not a git repository: the pack "
            "records no template commit, so it cannot be updated until it is pointed "
            "at a git template (xsoar-fetch update --help)"
        )
        return None
    if vcs_ref is None:
        tags = template_source.release_tags(source.src)
        if tags:
            return tags[0]
        vcs_ref = "HEAD"
        head = template_source.head_commit(path) if path else None
        notes.append(
            f"note: the template at {source.src} has no release tags; used its newest "
            f"commit (HEAD{', ' + head if head else ''})"
        )
    if vcs_ref == "HEAD" and path is not None:
        notes += check_uncommitted(path, allow_dirty)
    return vcs_ref


def check_uncommitted(path: Path, allow_dirty: bool) -> list[str]:
    """Refuse uncommitted changes of a local git template, or, allowed, warn of them."""
    changed = template_source.uncommitted_changes(path)
    if not changed:
        return []
    shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
    if not allow_dirty:
        raise UserError(
            f"the template at {path} has uncommitted changes ({shown}); a pack rendered "
            "from them records a commit that exists nowhere and cannot be updated. "
            "Commit them, choose a commit with --vcs-ref REF, or pass --allow-dirty"
        )
    return [
        f"warning: rendered uncommitted changes of the template at {path} ({shown}); "
        "the pack's recorded _commit will not exist in the template, so a later "
        "update needs 'xsoar-fetch update DEST --from-ref REF' naming the commit it "
        "really came from"
    ]


def render(
    src: str,
    dest: Path,
    answers: dict[str, Any],
    *,
    defaults: bool,
    vcs_ref: str | None,
) -> None:
    """Render the template into a temporary sibling of ``dest``, then move it there."""
    import copier

    anchor = _nearest_existing(dest.parent)
    holder = Path(tempfile.mkdtemp(prefix=".xsoar-fetch-new-", dir=anchor))
    staging = holder / "pack"
    try:
        staging.mkdir()  # normal permissions (umask), unlike mkdtemp's 0700
        try:
            with copier_errors() as notes:
                copier.run_copy(
                    src,
                    staging,
                    data=answers,
                    defaults=defaults,
                    vcs_ref=vcs_ref,
                    overwrite=True,
                    quiet=True,
                )
        except FileNotFoundError as error:
            raise UserError(f"template {src}: {one_line(error)}") from error
        _check_recorded_source(staging)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_dir():  # an existing DEST is empty (checked before): keep its mode
            shutil.copymode(dest, staging)
        os.replace(staging, dest)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def _check_recorded_source(staging: Path) -> None:
    answers_path = staging / ANSWERS_FILE
    if not answers_path.is_file():
        raise UserError(
            f"the template wrote no {ANSWERS_FILE}; it is not an xsoar-fetch template"
        )
    recorded = (yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}).get(
        "_src_path", ""
    )
    if not (is_url(str(recorded)) or Path(str(recorded)).is_absolute()):
        raise UserError(
            f"the template recorded a relative source {recorded!r}; updates need an "
            "absolute path or a URL"
        )


def _nearest_existing(path: Path) -> Path:
    while not path.is_dir():
        if path.exists():
            raise UserError(f"{path}: is a file, not a folder")
        path = path.parent
    return path


def pointing_command(dest: str, commit: str | None) -> str:
    """The command that points a pack at a git template (and its version, if unknown)."""
    url = template_source.project_url() or "GIT_URL_OR_PATH_OF_THE_TEMPLATE"
    command = f"{command_name()} update {shlex.quote(dest)} --template {url}"
    if not commit:
        command += f" --from-ref v{__version__}"
    return command


def record_commit(answers_path: Path, commit: str) -> None:
    """Set ``_commit`` in a Copier answers file, keeping its other lines as they are."""
    _set_private_answer(answers_path, "_commit", commit)


def record_source(answers_path: Path, src: str) -> None:
    """Set ``_src_path`` in a Copier answers file, keeping its other lines as they are."""
    _set_private_answer(answers_path, "_src_path", src)


def _set_private_answer(answers_path: Path, key: str, value: str) -> None:
    lines = answers_path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(f"{key}:")]
    at = next((i for i, line in enumerate(kept) if not line.startswith("#")), len(kept))
    if key == "_src_path" and any(line.startswith("_commit:") for line in kept):
        at = next(i for i, line in enumerate(kept) if line.startswith("_commit:")) + 1
    kept.insert(
        at, f"{key}: {yaml.safe_dump(value, default_style=None).splitlines()[0]}"
    )
    answers_path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` and return its output; a user error when git fails."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise UserError("git is not installed; update needs git") from error
    if result.returncode != 0:
        detail = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
        raise UserError(f"git {args[0]} failed in {root}: {detail}")
    return result.stdout
