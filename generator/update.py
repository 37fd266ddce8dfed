"""``xsoar-fetch update``: take in template changes and fail loudly on any conflict."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import template_source
from generator.answers import check_update_answers
from generator.copier_steps import (
    check_uncommitted,
    git,
    parse_data,
    pointing_command,
    record_commit,
    record_source,
)
from generator.errors import ConflictError, UserError, copier_errors
from generator.invocation import command_name
from generator.pack import ANSWERS_FILE, Pack, load_pack
from generator.release_notes import changelog_at, write_release_notes
from generator.template_source import TEMPLATE_CONFIG, is_url

CONFLICT_MARKER = re.compile(rb"^(?:<{7}|>{7})(?: |$)", re.MULTILINE)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``update`` sub-command."""
    parser = subparsers.add_parser(
        "update",
        help="update a generated pack to a newer template version",
        description=(
            "Re-render a generated pack from a newer template version, keeping your "
            "edits. The pack must be committed to git. Exits non-zero naming every "
            "file left with a conflict."
        ),
    )
    parser.add_argument("dest", metavar="DEST", help="the generated pack's folder")
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help=(
            "template git tag, branch or commit to update to (default: the newest "
            "release tag; a template without release tags gives its newest commit, "
            "HEAD, and says so)"
        ),
    )
    parser.add_argument(
        "--template",
        metavar="SRC",
        help=(
            "point the pack at this git template (folder or URL) first: rewrites "
            "_src_path and commits that one change; for a pack rendered from the copy "
            "shipped in the package, or whose recorded template moved"
        ),
    )
    parser.add_argument(
        "--from-ref",
        metavar="REF",
        help=(
            "the template version the pack was really rendered from, when its "
            "recorded _commit is missing or unknown: rewrites _commit and commits it"
        ),
    )
    parser.add_argument(
        "--allow-dirty",
        action="store_true",
        help="update to a local template's uncommitted changes (refused otherwise)",
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="answer new questions with their defaults instead of asking",
    )
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change one answer while updating (repeatable)",
    )
    parser.add_argument(
        "--new-position",
        action="store_true",
        help=(
            "accept an answer change after which the fetch cannot read the position "
            "its instances saved (query_style, or the cursor style's pagination): "
            "their next fetch starts again from the first fetch time"
        ),
    )
    parser.add_argument(
        "--no-release-notes",
        action="store_true",
        help=(
            "do not write ReleaseNotes/<next version>.md nor raise currentVersion in "
            "pack_metadata.json (for a pack outside the content repository)"
        ),
    )
    parser.add_argument(
        "--conflict",
        choices=("inline", "rej"),
        default="inline",
        help="how to leave conflicts: markers in the file (default) or *.rej files",
    )
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class RecordedTemplate:
    """The template a pack records, located on this machine."""

    src: str  # as Copier will read it from the answers file
    commit: str
    base: Path | None = None  # folder a relative _src_path is resolved against
    absolute: str | None = None  # what a relative _src_path resolves to


def run(args: argparse.Namespace) -> int:
    """Check the tree is clean, run Copier's update, then look for conflicts."""
    pack = load_pack(args.dest)
    root = pack.root
    data = parse_data(args.data)
    refuse_kind_change(pack, data)
    if not args.new_position:
        refuse_position_change(pack.answers, data)
    _require_clean_tree(root, args.dest)
    if args.template or args.from_ref:
        pack = repoint(pack, args.dest, args.template, args.from_ref)
    recorded = locate_recorded_template(pack, args.dest)
    data = check_update_answers(
        {**pack.answers, "_src_path": recorded.absolute or recorded.src},
        data,
        defaults=args.defaults or not sys.stdin.isatty(),
    )
    notes: list[str] = []
    vcs_ref = _target_ref(recorded, args.vcs_ref, args.allow_dirty, notes)
    with contextlib.chdir(recorded.base) if recorded.base else contextlib.nullcontext():
        _run_copier_update(
            root,
            data=data,
            vcs_ref=vcs_ref,
            defaults=args.defaults or not sys.stdin.isatty(),
            conflict=args.conflict,
            recorded=recorded,
            given=args.dest,
        )
    for note in notes:
        print(note, file=sys.stderr)
    conflicts = find_conflicts(root)
    if conflicts:
        raise ConflictError(
            f"update left conflicts in {len(conflicts)} file(s): "
            + ", ".join(conflicts)
            + "; resolve the <<<<<<< / >>>>>>> blocks (and *.rej files), then commit"
        )
    after = load_pack(root).answers.get("_commit")
    unchanged = not git(
        root, "status", "--porcelain", "--untracked-files=all", "--", "."
    )
    if recorded.absolute:
        record_source(root / ANSWERS_FILE, recorded.absolute)
        print(
            f"note: the pack recorded the relative template path {recorded.src!r}; "
            f"it was found at {recorded.absolute} (relative to {recorded.base}) and "
            f"is now recorded as that absolute path in {ANSWERS_FILE}: commit it",
            file=sys.stderr,
        )
    if unchanged:
        print(f"{args.dest} is already up to date with template {after}.")
        return 0
    if not args.no_release_notes:
        template = recorded.absolute or recorded.src
        notes_path = write_release_notes(
            root,
            str(pack.answers.get("integration_name", pack.integration_id)),
            str(recorded.commit),
            str(after),
            None if is_url(template) else changelog_at(Path(template), str(after)),
        )
        print(
            f"Wrote {notes_path.relative_to(root)} and raised currentVersion in "
            f"pack_metadata.json (--no-release-notes for a pack outside the content "
            "repository)."
        )
    print(
        f"Updated {args.dest} from template {recorded.commit} to {after}. "
        f"Review with 'git diff', run '{command_name()} check', then commit."
    )
    return 0


def _fix_command(given: str, *options: str) -> str:
    return " ".join([f"{command_name()} update", shlex.quote(given), *options])


def locate_recorded_template(pack: Pack, given: str) -> RecordedTemplate:
    """Find the template the pack records, or explain what is wrong and how to fix it."""
    src = str(pack.answers.get("_src_path") or "")
    commit = str(pack.answers.get("_commit") or "")
    point = _fix_command(given, "--template GIT_URL_OR_PATH")
    if not src:
        raise UserError(
            f"{given}: {ANSWERS_FILE} records no template (_src_path); point the pack "
            f"at its template: {point}"
        )
    if is_url(src):
        return _with_commit(RecordedTemplate(src, commit), given, None)
    path = Path(src).expanduser()
    if path.is_absolute():
        recorded = RecordedTemplate(str(path), commit)
        if not (path / TEMPLATE_CONFIG).is_file():
            raise UserError(_missing_template(given, src, point))
        if not template_source.is_git_repository(path):
            raise UserError(_not_git(given, src, commit))
        return _with_commit(recorded, given, path)
    return _with_commit(_resolve_relative(pack, given, src, commit), given, None)


def _missing_template(given: str, src: str, point: str) -> str:
    if template_source.is_shipped_copy(src):
        return (
            f"{given}: rendered from a template copy shipped inside xsoar-fetch ({src}), "
            f"which is gone or not a git repository; point the pack at the git template: {point}"
        )
    return (
        f"{given}: the recorded template {src} does not exist or holds no "
        f"{TEMPLATE_CONFIG} (moved or deleted?); point the pack at it: {point}"
    )


def _not_git(given: str, src: str, commit: str) -> str:
    what = (
        "the template copy shipped inside xsoar-fetch"
        if template_source.is_shipped_copy(src)
        else "a template folder"
    )
    return (
        f"{given}: rendered from {what} ({src}), which is not a git repository, so "
        f"Copier cannot update it as it is; point it at the git template: "
        f"{pointing_command(given, commit or None)}"
    )


def _resolve_relative(
    pack: Pack, given: str, src: str, commit: str
) -> RecordedTemplate:
    """Resolve a relative _src_path against the folders it can have been meant from.

    Copier records the path as typed, relative to where ``copier copy`` ran: the
    current folder, the pack's git top level (a content repository), the pack itself
    or a folder between. It is used only when exactly one of them holds a git
    template that has the recorded commit.
    """
    top = git(pack.root, "rev-parse", "--show-toplevel").strip()
    bases = [Path.cwd(), pack.root]
    folder = pack.root
    while folder != Path(top) and folder.parent != folder:
        folder = folder.parent
        bases.append(folder)
    bases.append(Path(top))
    found: dict[Path, Path] = {}
    looked: list[str] = []
    for base in bases:
        candidate = (base / src).resolve()
        if str(candidate) in looked:
            continue
        looked.append(str(candidate))
        if (
            (candidate / TEMPLATE_CONFIG).is_file()
            and template_source.is_git_repository(candidate)
            and (not commit or template_source.has_commit(candidate, commit))
        ):
            found.setdefault(candidate, base)
    point = _fix_command(given, "--template /ABSOLUTE/PATH/OF/THE/TEMPLATE")
    if len(found) != 1:
        what = (
            "several templates: " + ", ".join(map(str, found))
            if found
            else "no git template holding commit " + (commit or "(none recorded)")
        )
        raise UserError(
            f"{given}: {ANSWERS_FILE} records the relative template path {src!r}; "
            f"looked at {', '.join(looked)} and found {what}; record the absolute "
            f"path: {point}"
        )
    (absolute, base), *_ = found.items()
    return RecordedTemplate(src, commit, base=base, absolute=str(absolute))


def _with_commit(
    recorded: RecordedTemplate, given: str, path: Path | None
) -> RecordedTemplate:
    if not recorded.commit:
        raise UserError(
            f"{given}: {ANSWERS_FILE} records no template commit (_commit): the pack "
            f"was rendered from a folder that is not a git repository; name the "
            f"version it came from: {_fix_command(given, '--from-ref REF')}"
        )
    path = path or (Path(recorded.absolute) if recorded.absolute else None)
    if path is not None and not template_source.has_commit(path, recorded.commit):
        raise UserError(_unknown_commit(given, recorded.commit, str(path)))
    return recorded


def _unknown_commit(given: str, commit: str, where: str) -> str:
    return (
        f"{given}: the pack records template commit {commit}, which the template at "
        f"{where} does not hold (it was rendered from uncommitted template changes, "
        "or that history was rewritten or not fetched); name the version it really "
        f"came from: {_fix_command(given, '--from-ref REF')} (a tag or commit of the "
        "template)"
    )


def repoint(pack: Pack, given: str, template: str | None, from_ref: str | None) -> Pack:
    """Record another template source and/or version in the answers file, committed."""
    answers_path = pack.root / ANSWERS_FILE
    src = str(pack.answers.get("_src_path") or "")
    if template:
        src = (
            template if is_url(template) else str(Path(template).expanduser().resolve())
        )
        if not is_url(src):
            if not (Path(src) / TEMPLATE_CONFIG).is_file():
                raise UserError(
                    f"--template {template}: no {TEMPLATE_CONFIG} there; give a git "
                    "clone of the template or its git URL"
                )
            if not template_source.is_git_repository(Path(src)):
                raise UserError(
                    f"--template {template}: not a git repository; updates need the "
                    "template's git history (clone it, or give its git URL)"
                )
    commit = from_ref or str(pack.answers.get("_commit") or "")
    if src and not is_url(src) and Path(src).is_absolute() and commit:
        if not template_source.has_commit(Path(src), commit):
            option = (
                f"--from-ref {from_ref}" if from_ref else f"recorded _commit {commit}"
            )
            raise UserError(
                f"{option}: the template at {src} has no such tag, branch or commit; "
                f"name the version the pack came from with --from-ref REF"
            )
    if template:
        record_source(answers_path, src)
    if from_ref:
        record_commit(answers_path, from_ref)
    changes = ", ".join(
        part
        for part in (
            f"source {src}" if template else "",
            f"version {from_ref}" if from_ref else "",
        )
        if part
    )
    git(pack.root, "add", "--", ANSWERS_FILE)
    git(
        pack.root,
        "commit",
        "-q",
        "--no-verify",
        "-m",
        f"Record the template {changes}",
        "--",
        ANSWERS_FILE,
    )
    print(f"Recorded the template {changes} in {ANSWERS_FILE} (committed).")
    return load_pack(pack.root)


def _target_ref(
    recorded: RecordedTemplate, vcs_ref: str | None, allow_dirty: bool, notes: list[str]
) -> str:
    """The version to update to: the given one, else the newest release tag, else HEAD."""
    src = recorded.absolute or recorded.src
    local = None if is_url(src) else Path(src)
    if vcs_ref is None:
        tags = template_source.release_tags(src)
        if tags:
            return tags[0]
        vcs_ref = "HEAD"
        head = template_source.head_commit(local) if local else None
        notes.append(
            f"note: the template at {src} has no release tags; updated to its newest "
            f"commit (HEAD{', ' + head if head else ''})"
        )
    elif local is not None and not template_source.has_commit(local, vcs_ref):
        tags = template_source.release_tags(src)
        raise UserError(
            f"--vcs-ref {vcs_ref}: the template at {src} has no such tag, branch or "
            f"commit (release tags: {', '.join(tags) or 'none; use HEAD or a commit'})"
        )
    if vcs_ref == "HEAD" and local is not None:
        notes += check_uncommitted(local, allow_dirty)
    return vcs_ref


def refuse_kind_change(pack: Pack, data: dict[str, str]) -> None:
    """Refuse an update that changes ``integration_kind``: incidents and event collector
    are different integrations (command, parameters, marketplace), not two versions."""
    wanted = data.get("integration_kind")
    current = pack.integration_kind
    if wanted is not None and wanted != current:
        raise UserError(
            f"integration_kind cannot change on update: this pack is {current!r}, "
            f"not {wanted!r}; generate the {wanted} integration as a new pack with "
            "xsoar-fetch new"
        )


def saved_position(answers: Mapping[str, Any]) -> str:
    """Name the lastRun layout that the fetch of these answers saves and reads.

    Every time_range variant (with or without look-back, in any sort order) reads the
    others' lastRun; the other styles and the cursor style's two kinds of next-page
    reference (a cursor value, a URL) do not.
    """
    style = str(answers.get("query_style") or "time_range")
    if style != "cursor":
        return style
    pagination = str(answers.get("pagination") or "next_cursor")
    return "cursor value" if pagination == "next_cursor" else "next-page URL"


def refuse_position_change(
    recorded: Mapping[str, Any], data: Mapping[str, Any]
) -> None:
    """Refuse, before anything changes, an update after which running instances
    cannot read their saved position (they would fetch from the first fetch again)."""
    before = saved_position(recorded)
    after = saved_position({**recorded, **data})
    if before != after:
        changed = "query_style" if "query_style" in data else "pagination"
        raise UserError(
            f"{changed} cannot change on update without losing the fetch position: "
            f"instances saved a {before} position, which the {after} fetch cannot "
            "read, so their next fetch would start from First fetch time and create "
            "its incidents again; pass --new-position to change it anyway (then reset "
            "each instance's last run), or keep the answer"
        )


def _require_clean_tree(root: Path, given: str) -> None:
    try:
        git(root, "rev-parse", "--show-toplevel")
    except UserError:
        raise UserError(
            f"{given}: not in a git repository; commit the pack first "
            "(git init && git add -A && git commit -m 'Generated pack')"
        ) from None
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", ".")
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    if changed:
        shown = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
        raise UserError(
            f"{given}: the git tree has uncommitted changes ({shown}); "
            "commit or stash them, then run update again"
        )


def _run_copier_update(
    root: Path,
    *,
    data: dict[str, str],
    vcs_ref: str | None,
    defaults: bool,
    conflict: str,
    recorded: RecordedTemplate,
    given: str,
) -> None:
    import copier

    try:
        with copier_errors() as notes:
            copier.run_update(
                root,
                data=data,
                vcs_ref=vcs_ref,
                defaults=defaults,
                overwrite=True,
                skip_answered=True,
                conflict=conflict,
                quiet=True,
            )
    except UserError as error:
        if error.message == f"Unknown revision: {recorded.commit!r}":
            raise UserError(
                _unknown_commit(given, recorded.commit, recorded.src)
            ) from error
        if error.message == f"Unknown revision: {vcs_ref!r}":
            raise UserError(
                f"--vcs-ref {vcs_ref}: the template at {recorded.src} has no such "
                "tag, branch or commit"
            ) from error
        raise
    for note in dict.fromkeys(notes):
        print(f"note: {note}", file=sys.stderr)


def find_conflicts(root: Path) -> list[str]:
    """Files under ``root`` left conflicted: unmerged in git, with markers, or *.rej."""
    found: set[str] = set()
    for line in git(root, "ls-files", "--unmerged", "-z", "--", ".").split("\0"):
        if "\t" in line:
            found.add(line.split("\t", 1)[1])
    listed = git(
        root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."
    )
    for name in filter(None, listed.split("\0")):
        path = root / name
        if path.is_file() and not path.is_symlink() and _has_markers(path):
            found.add(name)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != ".git"]
        for name in files:
            if name.endswith(".rej"):
                found.add(str((Path(folder) / name).relative_to(root)))
    return sorted(found)


def _has_markers(path: Path) -> bool:
    try:
        return CONFLICT_MARKER.search(path.read_bytes()) is not None
    except OSError:
        return False
