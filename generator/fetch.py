"""``xsoar-fetch fetch``: one real fetch run against the API, like debug mode.

It runs the integration's fetch-incidents (or, for an XSIAM event collector,
fetch-events) on the stand-in runtime with the YAML defaults plus ``--param`` values,
prints the incidents (or the events the run would send to XSIAM) and the next lastRun,
and saves that lastRun to the ``--last-run`` file only with ``--save-last-run``.
``--command`` runs the Test button (``test-module``) or a command of the YAML instead;
``--context FILE`` keeps the integration context (an OAuth2 token) between invocations,
as a server keeps it between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import UserError
from generator.pack import BOOLEAN_TYPE, CREDENTIALS_TYPE, Pack, load_pack

if TYPE_CHECKING:
    from rich.table import Table

    from generator.instance import CommandOutcome
    from generator.kinds import FetchKind

CREDENTIAL_PARTS = ("identifier", "password")
TEST_MODULE = "test-module"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` sub-command."""
    parser = subparsers.add_parser(
        "fetch",
        help="run one real fetch against the API and print what it fetched",
        description=(
            "Run fetch-incidents (fetch-events for an event collector) once against the "
            "real API given in the parameters, print the incidents (or the events it "
            "would send) and the next lastRun. State is saved only with --save-last-run."
        ),
    )
    parser.add_argument(
        "path", metavar="INTEGRATION_DIR", help="the integration (or pack) folder"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=(
            "an instance parameter (repeatable), e.g. url=https://api.example.com, "
            "credentials=TOKEN (or credentials.identifier=USER), max_fetch=10"
        ),
    )
    parser.add_argument(
        "--last-run",
        metavar="FILE",
        help="JSON file holding the lastRun to start from (missing: a first run)",
    )
    parser.add_argument(
        "--save-last-run",
        action="store_true",
        help="write the next lastRun to the --last-run file after a successful run",
    )
    parser.add_argument(
        "--context",
        metavar="FILE",
        help=(
            "JSON file holding the integration context (e.g. a cached OAuth2 token), "
            "read before the run and written after it, as a server keeps it"
        ),
    )
    parser.add_argument(
        "--command",
        metavar="NAME",
        help=(
            "run this command instead of the fetch: test-module (the Test button), or "
            "a command of the integration's YAML, such as get-events (the prefix may "
            "be left out)"
        ),
    )
    parser.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an argument of --command (repeatable), e.g. limit=5",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Fetch once (or run ``--command``); 1 when it failed (no lastRun saved)."""
    if args.command and (args.last_run or args.save_last_run):
        raise UserError(
            "--last-run and --save-last-run are for the fetch, not --command"
        )
    if args.arg and not args.command:
        raise UserError("--arg is for --command; a fetch takes --param only")
    if args.save_last_run and not args.last_run:
        raise UserError("--save-last-run needs --last-run FILE (where to save it)")
    if args.save_last_run and not Path(args.last_run).expanduser().parent.is_dir():
        raise UserError(f"--last-run {args.last_run}: its folder does not exist")
    from rich.console import Console

    from generator.instance import (
        configuration,
        default_params,
        load_integration,
        run_command,
        run_fetch,
    )
    from generator.kinds import kind_of

    pack = load_pack(args.path)
    if not pack.py_path.is_file():
        raise UserError(f"{pack.py_path} not found: the pack has no integration code")
    entries = configuration(pack)
    params = default_params(pack, entries)
    apply_params(params, entries, args.param)
    refuse_missing_required(params, entries)
    context_file = Path(args.context).expanduser() if args.context else None
    if context_file and not context_file.parent.is_dir():
        raise UserError(f"--context {args.context}: its folder does not exist")
    context = (
        read_json_object(context_file, "--context") if context_file else None
    ) or {}
    if args.command:
        command = command_of(pack, args.command)
        command_args = parse_args(pack, command, args.arg)
        done = run_command(
            load_integration(pack.py_path), params, command, command_args, context
        )
        if context_file:
            write_json_atomically(context_file, done.integration_context)
        return _print_command(command, done, args.json)
    state_file = Path(args.last_run) if args.last_run else None
    last_run = read_last_run(state_file) if state_file else None
    kind = kind_of(pack)
    outcome = run_fetch(
        load_integration(pack.py_path),
        params,
        last_run,
        integration_context=context,
        command=kind.fetch_command,
    )
    if context_file:
        write_json_atomically(context_file, outcome.integration_context)
    console = Console()
    if not outcome.ok:
        if args.json:
            print(json.dumps({"error": outcome.error, "logs": outcome.logs}, indent=2))
        Console(stderr=True).print(
            f"{kind.fetch_command} failed; nothing saved:\n{outcome.error}",
            markup=False,
            highlight=False,
        )
        return 1
    next_run = outcome.last_run if outcome.last_run is not None else last_run
    saved = False
    if args.save_last_run and state_file and outcome.last_run is not None:
        write_json_atomically(state_file, outcome.last_run)
        saved = True
    if args.json:
        print(
            json.dumps(
                {
                    kind.record_noun: outcome.incidents,
                    "last_run": next_run,
                    "last_run_saved": saved,
                    "logs": outcome.logs,
                },
                indent=2,
            )
        )
        return 0
    console.print(_record_table(kind, outcome.incidents))
    console.print("Next lastRun:", style="bold")
    console.print_json(json.dumps(next_run if next_run is not None else {}))
    if saved:
        console.print(f"saved to {state_file}")
    elif outcome.last_run is None:
        console.print("the run saved no lastRun (unchanged)")
    else:
        console.print("not saved (use --last-run FILE --save-last-run to keep it)")
    return 0


def apply_params(
    params: dict[str, Any], entries: list[dict[str, Any]], pairs: list[str]
) -> None:
    """Set ``KEY=VALUE`` pairs on ``params``, checked against the YAML's parameters."""
    types = {str(item["name"]): item.get("type") for item in entries}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--param {pair!r}: use KEY=VALUE, e.g. max_fetch=10")
        name, _, part = key.partition(".")
        if name not in types:
            raise UserError(
                f"--param {key}: unknown parameter; the integration has "
                f"{', '.join(sorted(types))}"
            )
        kind = types[name]
        if kind == CREDENTIALS_TYPE:
            part = part or "password"
            if part not in CREDENTIAL_PARTS:
                raise UserError(
                    f"--param {key}: use {name}=SECRET, {name}.password=SECRET or "
                    f"{name}.identifier=USER"
                )
            credentials = dict(params.get(name) or {})
            credentials[part] = value
            params[name] = credentials
        elif part:
            raise UserError(f"--param {key}: {name} has no parts; use {name}=VALUE")
        elif kind == BOOLEAN_TYPE:
            if value.lower() not in ("true", "false"):
                raise UserError(f"--param {key}: use true or false, got {value!r}")
            params[name] = value.lower() == "true"
        else:
            params[name] = value


def refuse_missing_required(
    params: dict[str, Any], entries: list[dict[str, Any]]
) -> None:
    """Refuse to run when a required parameter is empty, naming it as the YAML shows it."""
    missing: list[str] = []
    for item in entries:
        if not item.get("required"):
            continue
        name = str(item["name"])
        value = params.get(name)
        if item.get("type") == CREDENTIALS_TYPE:
            value = value or {}
            if not item.get("hiddenusername") and not value.get("identifier"):
                missing.append(
                    f"'{item.get('display') or name}' (--param {name}.identifier=USER)"
                )
            if not value.get("password"):
                label = item.get("displaypassword") or item.get("display") or name
                missing.append(f"'{label}' (--param {name}=SECRET)")
        elif value is None or (isinstance(value, str) and not value.strip()):
            missing.append(f"'{item.get('display') or name}' (--param {name}=VALUE)")
    if missing:
        raise UserError(
            "missing required parameter"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(missing)
            + "; nothing was sent"
        )


def read_last_run(path: Path) -> dict[str, Any] | None:
    """The lastRun saved in ``path``; None when the file does not exist yet."""
    return read_json_object(path, "--last-run")


def read_json_object(path: Path, option: str) -> dict[str, Any] | None:
    """The JSON object saved in ``path`` (for ``option``); None when there is no file."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(
            f"{option} {path}: not a readable JSON file ({error})"
        ) from error
    if not isinstance(data, dict):
        raise UserError(f"{option} {path}: must hold a JSON object")
    return data


def declared_commands(pack: Pack) -> dict[str, list[dict[str, Any]]]:
    """The commands of the integration's YAML, each with its arguments."""
    script = pack.load_yml().get("script") or {}
    return {
        str(command["name"]): list(command.get("arguments") or [])
        for command in script.get("commands") or []
        if isinstance(command, dict) and command.get("name")
    }


def command_of(pack: Pack, name: str) -> str:
    """The command ``--command NAME`` means: test-module, or a YAML command (its name
    with or without the integration's prefix)."""
    if name == TEST_MODULE:
        return name
    commands = declared_commands(pack)
    matches = [
        command
        for command in commands
        if command == name or command.endswith(f"-{name}")
    ]
    if len(matches) != 1:
        accepted = ", ".join([TEST_MODULE, *sorted(commands)])
        raise UserError(f"--command {name}: unknown command; use one of {accepted}")
    return matches[0]


def parse_args(pack: Pack, command: str, pairs: list[str]) -> dict[str, str]:
    """``--arg KEY=VALUE`` pairs, checked against the command's arguments in the YAML."""
    known = [str(arg.get("name")) for arg in declared_commands(pack).get(command, [])]
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--arg {pair!r}: use KEY=VALUE, e.g. limit=5")
        if key.strip() not in known:
            accepted = ", ".join(sorted(known)) or "none"
            raise UserError(
                f"--arg {key.strip()}: {command} has no such argument; it takes {accepted}"
            )
        parsed[key.strip()] = value
    return parsed


def write_json_atomically(path: Path, value: Any) -> None:
    """Write ``value`` as JSON to ``path`` so a reader never sees half a file."""
    path = path.expanduser()
    handle, temporary = tempfile.mkstemp(
        dir=path.parent or ".", prefix=f".{path.name}."
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(value, stream, indent=2)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _print_command(command: str, done: CommandOutcome, as_json: bool) -> int:
    """Show what a command sent to the war room (or its error); 1 when it failed."""
    from rich.console import Console

    error = done.error
    if done.ok and command == TEST_MODULE and done.results != ["ok"]:
        # The Test button passes only on the string "ok"; anything else is its message.
        error = "\n".join(str(result) for result in done.results) or "no result"
    if as_json:
        print(
            json.dumps(
                {"command": command, "error": error, "results": done.results},
                indent=2,
                default=str,
            )
        )
    if error is not None:
        Console(stderr=True).print(
            f"{command} failed:\n{error}", markup=False, highlight=False
        )
        return 1
    if not as_json:
        for result in done.results:
            shown = result.get("HumanReadable") if isinstance(result, dict) else result
            print(shown if isinstance(shown, str) else json.dumps(result, indent=2))
    return 0


def _record_table(kind: FetchKind, records: list[dict[str, Any]]) -> Table:
    """Incidents by name, time, ID and severity; a collector's events by ID and _time."""
    from rich.table import Table

    if kind.is_collector:
        title = f"{len(records)} event(s) to send to XSIAM"
        columns = (kind.id_field, "_time")
        rows = [
            (kind.source_id(event), str(event.get("_time", ""))) for event in records
        ]
    else:
        title = f"{len(records)} incident(s)"
        columns = ("name", "occurred", "dbotMirrorId", "severity")
        rows = [
            tuple(str(record.get(key, "")) for key in columns) for record in records
        ]
    table = Table(title=title, title_justify="left")
    for name in columns:
        table.add_column(name)
    for row in rows:
        table.add_row(*row)
    return table
