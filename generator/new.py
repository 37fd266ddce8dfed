"""``xsoar-fetch new``: render a new content pack from the template, all or nothing."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator import __version__, template_source
from generator.answers import accepted_alone, check_answers, read_data_file
from generator.errors import UserError, copier_errors, one_line
from generator.invocation import command_name
from generator.pack import ANSWERS_FILE
from generator.template_source import (
    TEMPLATE_ENV_VAR,
    TemplateNotFound,
    TemplateSource,
    is_url,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``new`` sub-command."""
    parser = subparsers.add_parser(
        "new",
        help="render a new content pack from the template",
        description=(
            "Render a new content pack into DEST (a new or empty folder). Answers come "
            "from --data and --data-file; questions left unanswered are asked "
            "interactively, or take their defaults with --defaults or without a "
            "terminal."
        ),
    )
    parser.add_argument("dest", metavar="DEST", help="folder to create the pack in")
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer one question (repeatable)",
    )
    parser.add_argument(
        "--data-file",
        metavar="FILE",
        help="YAML file of answers (KEY: VALUE); --data wins over it",
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="use the default of every question not answered by --data",
    )
    parser.add_argument(
        "--template",
        metavar="SRC",
        help=(
            f"template folder or git URL (default: ${TEMPLATE_ENV_VAR}, else the "
            "checkout xsoar-fetch runs from, else the copy shipped in the package)"
        ),
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help=(
            "template git tag, branch or commit (default: the newest release tag "
            "vX.Y.Z; a template without release tags gives its newest commit, HEAD, "
            "and says so)"
        ),
    )
    parser.add_argument(
        "--allow-dirty",
        action="store_true",
        help=(
            "render a git template's uncommitted changes (refused otherwise: the pack "
            "would record a commit that exists nowhere, which updates cannot use)"
        ),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate the request, render into a temporary folder, then move it into place."""
    dest = Path(args.dest).expanduser().absolute()
    _check_dest(dest, args.dest)
    source = resolve_source(args.template)
    _check_dest_outside_template(dest, args.dest, source)
    answers = read_data_file(args.data_file) if args.data_file else {}
    answers.update(parse_data(args.data))
    notes: list[str] = []
    if not is_url(source.src):
        _name_pack_after_folder(Path(source.src), answers, dest, notes)
        answers = check_answers(
            Path(source.src), answers, defaults=args.defaults or not sys.stdin.isatty()
        )
    vcs_ref = choose_ref(
        source, args.vcs_ref, allow_dirty=args.allow_dirty, notes=notes
    )
    render(
        source.src,
        dest,
        answers,
        defaults=args.defaults or not sys.stdin.isatty(),
        vcs_ref=vcs_ref,
    )
    for note in notes:
        print(note, file=sys.stderr)
    if source.is_shipped:
        _note_shipped_copy(dest, args.dest, Path(source.src))
    _print_next_steps(dest)
    return 0


def _name_pack_after_folder(
    template_root: Path, answers: dict, dest: Path, notes: list[str]
) -> None:
    """``pack_name`` is DEST's folder name (Packs/<pack_name> in the content repository)
    unless answered; a note says when the two differ."""
    if "pack_name" not in answers and accepted_alone(
        template_root, "pack_name", dest.name
    ):
        answers["pack_name"] = dest.name
    elif answers.get("pack_name", dest.name) != dest.name:
        notes.append(
            f"note: pack_name is {answers['pack_name']!r} but the pack's folder is "
            f"{dest.name!r}; the content repository expects Packs/<pack_name>"
        )
    elif "pack_name" not in answers:
        notes.append(
            f"note: the folder name {dest.name!r} is not a valid pack name; pack_name "
            "is derived from the integration ID (rename the folder to match it)"
        )


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


def _check_dest(dest: Path, given: str) -> None:
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{given}: exists and is not a folder; give a new folder")
    if dest.is_dir() and any(dest.iterdir()):
        raise UserError(
            f"{given}: folder is not empty; give a new or empty folder "
            "(use 'xsoar-fetch update' for an existing pack)"
        )


def _check_dest_outside_template(
    dest: Path, given: str, source: TemplateSource
) -> None:
    """Refuse a DEST inside the template's folder or its git working tree.

    A pack there makes the template's tree dirty (every later ``new`` is refused for
    uncommitted changes) and, under ``template/``, is rendered into later packs.
    """
    if is_url(source.src):
        return
    root = Path(source.src).resolve()
    top = template_source.git_output(root, "rev-parse", "--show-toplevel")
    folders = [root] + ([Path(top.strip()).resolve()] if top else [])
    target = dest.resolve()
    for folder in folders:
        if target == folder or folder in target.parents:
            raise UserError(
                f"{given}: inside the template at {folder}, which would render it "
                "into later packs and block later 'new' runs; give a folder outside "
                "it (e.g. ~/packs/NAME)"
            )


def _nearest_existing(path: Path) -> Path:
    while not path.is_dir():
        if path.exists():
            raise UserError(f"{path}: is a file, not a folder")
        path = path.parent
    return path


def _note_shipped_copy(dest: Path, given: str, shipped: Path) -> None:
    """Record the shipped copy's commit in the pack and say once how to update it."""
    commit = template_source.build_info(shipped).get("commit")
    if commit:
        record_commit(dest / ANSWERS_FILE, commit)
    print(
        "note: rendered from the template copy shipped inside xsoar-fetch, which is "
        "not a git repository, so Copier cannot update this pack as it is; before "
        f"the first update run: {pointing_command(given, commit)}",
        file=sys.stderr,
    )


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


def _print_next_steps(dest: Path) -> None:
    """Steps that can be pasted in order: the first enters the pack, the rest use '.'."""
    answers = yaml.safe_load((dest / ANSWERS_FILE).read_text(encoding="utf-8")) or {}
    integration_id = answers.get("integration_id", "<IntegrationId>")
    tool = command_name()
    print(f"Created pack in {dest}")
    print(
        "\nNext steps (paste them in order):\n"
        f"  cd {shlex.quote(str(dest))}\n"
        "  git init -q && git add -A && git commit -q -m 'Generated pack'"
        "   # updates need a git history\n"
        f"  {tool} check .          # static checks and unit tests\n"
        f"  {tool} simulate .       # hours of fetching against a fake API\n"
        f"Then edit Integrations/{integration_id}/{integration_id}.py to map your "
        "events, re-run check and simulate, and later take template improvements "
        f"with '{tool} update .'."
    )
