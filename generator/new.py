"""``xsoar-fetch new``: render a new content pack from the template, all or nothing."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator.answers import TEMPLATE_CONFIG, check_answers, read_data_file
from generator.errors import UserError, copier_errors, one_line
from generator.pack import ANSWERS_FILE

URL_PREFIXES = (
    "https://",
    "http://",
    "git@",
    "git+",
    "ssh://",
    "file://",
    "gh:",
    "gl:",
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
        help="template folder or git URL (default: the installed template)",
    )
    parser.add_argument(
        "--vcs-ref",
        metavar="REF",
        help="template git tag, branch or commit (default: the latest release tag)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate the request, render into a temporary folder, then move it into place."""
    dest = Path(args.dest).expanduser().absolute()
    _check_dest(dest, args.dest)
    src = resolve_template(args.template)
    answers = read_data_file(args.data_file) if args.data_file else {}
    answers.update(parse_data(args.data))
    if not is_url(src):
        answers = check_answers(
            Path(src), answers, defaults=args.defaults or not sys.stdin.isatty()
        )
    render(
        src,
        dest,
        answers,
        defaults=args.defaults or not sys.stdin.isatty(),
        vcs_ref=args.vcs_ref,
    )
    _print_next_steps(dest, args.dest)
    return 0


def default_template() -> Path:
    """The template shipped with this package: the folder holding copier.yml."""
    root = Path(__file__).resolve().parent.parent
    if not (root / TEMPLATE_CONFIG).is_file():
        raise UserError(
            f"no {TEMPLATE_CONFIG} next to the generator package in {root}; "
            "give the template with --template PATH_OR_URL"
        )
    return root


def is_url(src: str) -> bool:
    """Whether ``src`` names a remote git repository rather than a local folder."""
    return src.startswith(URL_PREFIXES)


def resolve_template(template: str | None) -> str:
    """The template source as an absolute path or a URL (Copier records it for updates)."""
    if template is None:
        return str(default_template())
    if is_url(template):
        return template
    path = Path(template).expanduser()
    if not (path / TEMPLATE_CONFIG).is_file():
        raise UserError(
            f"--template {template}: no {TEMPLATE_CONFIG} there; give a template "
            "folder or a git URL (https://, git@, gh:...)"
        )
    return str(path.resolve())


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
    staging = Path(tempfile.mkdtemp(prefix=".xsoar-fetch-new-", dir=anchor))
    try:
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
        os.replace(staging, dest)  # an existing DEST is empty: checked before
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


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


def _nearest_existing(path: Path) -> Path:
    while not path.is_dir():
        if path.exists():
            raise UserError(f"{path}: is a file, not a folder")
        path = path.parent
    return path


def _print_next_steps(dest: Path, given: str) -> None:
    answers = yaml.safe_load((dest / ANSWERS_FILE).read_text(encoding="utf-8")) or {}
    integration_id = answers.get("integration_id", "<IntegrationId>")
    print(f"Created pack in {dest}")
    print(
        "\nNext steps:\n"
        f"  1. cd {given} && git init && git add -A && git commit -m 'Generated pack'"
        "\n     (updates from the template need a git history)\n"
        f"  2. xsoar-fetch check {given}          static checks and unit tests\n"
        f"  3. xsoar-fetch simulate {given}       replay fetches against a fake API\n"
        f"  4. edit Integrations/{integration_id}/{integration_id}.py to map your "
        "events, then re-run check\n"
        f"  5. later: xsoar-fetch update {given}  take in template improvements"
    )
