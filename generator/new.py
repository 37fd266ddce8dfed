"""``xsoar-fetch new``: render a new content pack from the template, all or nothing."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import yaml

from generator import template_source
from generator.answers import accepted_alone, check_answers, read_data_file
from generator.copier_steps import (
    choose_ref,
    parse_data,
    pointing_command,
    record_commit,
    render,
    resolve_source,
)
from generator.errors import UserError
from generator.invocation import command_name
from generator.pack import ANSWERS_FILE
from generator.template_source import (
    TEMPLATE_ENV_VAR,
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
