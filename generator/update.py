"""``xsoar-fetch update``: take in template changes and fail loudly on any conflict."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from generator.errors import ConflictError, UserError, copier_errors
from generator.new import parse_data
from generator.pack import Pack, load_pack

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
        help="template git tag, branch or commit to update to (default: latest tag)",
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
        "--conflict",
        choices=("inline", "rej"),
        default="inline",
        help="how to leave conflicts: markers in the file (default) or *.rej files",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the tree is clean, run Copier's update, then look for conflicts."""
    pack = load_pack(args.dest)
    root = pack.root
    for key in ("_src_path", "_commit"):
        if not pack.answers.get(key):
            raise UserError(
                f"{args.dest}: the answers file has no {key}; only packs rendered from "
                "a tagged git template can be updated"
            )
    data = parse_data(args.data)
    refuse_kind_change(pack, data)
    _require_clean_tree(root, args.dest)
    _run_copier_update(
        root,
        data=data,
        vcs_ref=args.vcs_ref,
        defaults=args.defaults or not sys.stdin.isatty(),
        conflict=args.conflict,
    )
    conflicts = find_conflicts(root)
    if conflicts:
        raise ConflictError(
            f"update left conflicts in {len(conflicts)} file(s): "
            + ", ".join(conflicts)
            + "; resolve the <<<<<<< / >>>>>>> blocks (and *.rej files), then commit"
        )
    after = load_pack(root).answers.get("_commit")
    print(
        f"Updated {args.dest} from template {pack.answers['_commit']} to {after}. "
        "Review with 'git diff', run 'xsoar-fetch check', then commit."
    )
    return 0


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
) -> None:
    import copier

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
    for note in notes:
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
