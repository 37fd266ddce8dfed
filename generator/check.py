"""``xsoar-fetch check``: static checks and unit tests of a generated pack, in one table."""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UserError
from generator.pack import Pack, load_pack
from generator.pytest_report import failed_tests

IMAGE_SIZE = (120, 50)
IMAGE_MAX_BYTES = 10 * 1024
MAX_FETCH_LIMIT = 200
MAX_EVENTS_PER_FETCH = 50000
TEST_TIMEOUT_SECONDS = 600
SHOWN_FAILED_TESTS = 3
# Commands the server itself runs: dispatched in the code, never declared in the YAML.
BUILTIN_COMMANDS = frozenset(
    {
        "test-module",
        "fetch-incidents",
        "fetch-events",
        "fetch-indicators",
        "fetch-assets",
        "long-running-execution",
    }
)
REQUIRED_COMMANDS = ("test-module", "fetch-incidents")
COLLECTOR_REQUIRED_COMMANDS = ("test-module", "fetch-events")
SKIPPED_DIRS = frozenset(
    {".git", "__pycache__", ".pytest_cache", ".hypothesis", ".venv", "node_modules"}
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class CheckResult:
    """One row of the results table."""

    name: str
    ok: bool
    detail: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` sub-command."""
    parser = subparsers.add_parser(
        "check",
        help="check a generated pack: static checks and its unit tests",
        description=(
            "Check a generated pack: YAML and JSON parse, fetch parameters match the "
            "answers, commands in the code and the YAML agree, black-clean, compiles, "
            "the image is a 120x50 PNG, and the unit tests pass on the stand-in "
            "runtime. --sdk also runs demisto-sdk's own checks offline."
        ),
    )
    parser.add_argument(
        "pack_dir", metavar="PACK_DIR", help="the pack (or its integration) folder"
    )
    parser.add_argument(
        "--sdk",
        action="store_true",
        help="also run demisto-sdk validate, prepare-content, xsoar-lint and format "
        "offline (creates a cached environment on first use)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run every check, print the table and return 1 when any failed."""
    pack = load_pack(args.pack_dir)
    results = run_checks(pack)
    if args.sdk:
        results.extend(sdk_results(pack))
    print_results(pack, results)
    return 0 if all(result.ok for result in results) else 1


def run_checks(pack: Pack) -> list[CheckResult]:
    """All checks that need nothing but this environment, in table order."""
    if not pack.yml_path.is_file() or not pack.py_path.is_file():
        raise UserError(
            f"{pack.root}: no {pack.py_path.name} and {pack.yml_path.name} in "
            f"Integrations/{pack.integration_id}; is this the pack folder?"
        )
    checks: list[tuple[str, Callable[[Pack], CheckResult]]] = [
        ("YAML files parse", check_yaml_files),
        ("JSON files parse", check_json_files),
        ("fetch parameters match the answers", check_fetch_parameters),
        ("commands: code and YAML agree", check_commands),
        ("Python compiles", check_compiles),
        ("black --check", check_black),
        ("image is a 120x50 PNG", check_image),
        ("unit tests (stand-in runtime)", check_unit_tests),
    ]
    # black and the unit tests are subprocesses: run the checks side by side.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(_timed, name, check, pack) for name, check in checks]
        return [future.result() for future in futures]


def _timed(name: str, check: Callable[[Pack], CheckResult], pack: Pack) -> CheckResult:
    started = time.monotonic()
    result = check(pack)
    result.name = name
    result.seconds = time.monotonic() - started
    return result


def pack_files(pack: Pack, *suffixes: str) -> list[Path]:
    """Files of the pack with one of ``suffixes``, skipping caches and VCS folders."""
    found = []
    for folder, subfolders, files in os.walk(pack.root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_DIRS)
        found.extend(
            Path(folder) / name for name in sorted(files) if name.endswith(suffixes)
        )
    return found


def _relative(pack: Pack, path: Path) -> str:
    return str(path.relative_to(pack.root))


def _result(problems: list[str], detail: str) -> CheckResult:
    return CheckResult("", not problems, detail if not problems else "", problems)


def check_yaml_files(pack: Pack) -> CheckResult:
    """Every YAML file parses."""
    files = pack_files(pack, ".yml", ".yaml")
    problems = []
    for path in files:
        try:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            problems.append(f"{_relative(pack, path)}: {_first_line(error)}")
    return _result(problems, _count(len(files), "file"))


def check_json_files(pack: Pack) -> CheckResult:
    """Every JSON file (pack metadata, test data) parses."""
    files = pack_files(pack, ".json")
    problems = []
    for path in files:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problems.append(f"{_relative(pack, path)}: {_first_line(error)}")
    return _result(problems, _count(len(files), "file"))


def _parameters(config: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(config, list):
        return {}
    return {
        str(item["name"]): item
        for item in config
        if isinstance(item, dict) and "name" in item
    }


def expected_parameters(
    answers: dict[str, Any], collector: bool = False
) -> dict[str, Any]:
    """Parameter name -> expected default (None: present, any default).

    An event collector has the events maximum and interval instead of the incident
    parameters, and no look-back.
    """
    expected: dict[str, Any] = {"url": None, "insecure": None, "proxy": None}
    if collector:
        expected["max_events_per_fetch"] = answers.get("fetch_limit_default")
    else:
        expected["isFetch"] = None
        expected["incidentType"] = None
        expected["max_fetch"] = answers.get("fetch_limit_default")
    expected["first_fetch"] = answers.get("first_fetch_default")
    expected["eventFetchInterval" if collector else "incidentFetchInterval"] = None
    if answers.get("auth_type", "none") != "none":
        expected["credentials"] = None
    if answers.get("use_lookback") and not collector:
        expected["look_back"] = answers.get("look_back_default")
    if answers.get("query_filter"):
        expected["query"] = None
    return expected


def check_fetch_parameters(pack: Pack) -> CheckResult:
    """The YAML's fetch parameters exist and agree with the answers file."""
    try:
        data = pack.load_yml()
    except UserError as error:
        return _result([error.message], "")
    answers = pack.answers
    collector = pack.integration_kind == "events"
    params = _parameters(data.get("configuration"))
    expected = expected_parameters(answers, collector)
    problems = []
    for name, default in expected.items():
        if name not in params:
            problems.append(f"parameter {name} is missing")
        elif default is not None and str(params[name].get("defaultvalue")) != str(
            default
        ):
            problems.append(
                f"parameter {name} defaults to {params[name].get('defaultvalue')!r}, "
                f"the answers say {default!r}"
            )
    for name in ("credentials", "look_back", "query"):
        if name in params and name not in expected:
            problems.append(f"parameter {name} is present but the answers exclude it")
    if collector:
        problems.extend(
            _fetch_limit_problems(
                params.get("max_events_per_fetch"), MAX_EVENTS_PER_FETCH
            )
        )
        problems += [
            f"parameter {name} is for incidents, not an event collector"
            for name in ("isFetch", "incidentType", "incidentFetchInterval")
            if name in params
        ]
    else:
        problems.extend(_fetch_limit_problems(params.get("max_fetch")))
    script = data.get("script") if isinstance(data.get("script"), dict) else {}
    flag = "isfetchevents" if collector else "isfetch"
    if script.get(flag) is not True:
        problems.append(f"script.{flag} is not true")
    image = str(script.get("dockerimage", ""))
    if not image or image.endswith(":latest") or ":" not in image:
        problems.append(f"script.dockerimage {image!r} is not a pinned image tag")
    if answers.get("docker_image") and image != str(answers["docker_image"]):
        problems.append(
            f"script.dockerimage {image!r} differs from the answer "
            f"{answers['docker_image']!r}"
        )
    commonfields = data.get("commonfields") or {}
    if str(commonfields.get("id")) != pack.integration_id:
        problems.append(
            f"commonfields.id {commonfields.get('id')!r} is not {pack.integration_id!r}"
        )
    return _result(problems, _count(len(expected), "parameter"))


def _fetch_limit_problems(
    param: dict[str, Any] | None, maximum: int = MAX_FETCH_LIMIT
) -> list[str]:
    if param is None:
        return []
    name = param.get("name", "max_fetch")
    try:
        limit = int(str(param.get("defaultvalue")))
    except ValueError:
        return [f"{name} default {param.get('defaultvalue')!r} is not a number"]
    if not 1 <= limit <= maximum:
        return [f"{name} default {limit} is outside 1..{maximum}"]
    return []


def check_commands(pack: Pack) -> CheckResult:
    """Every command the code dispatches is declared in the YAML, and the reverse."""
    try:
        data = pack.load_yml()
        tree = ast.parse(pack.py_path.read_text(encoding="utf-8"), str(pack.py_path))
    except UserError as error:
        return _result([error.message], "")
    except (OSError, SyntaxError, ValueError) as error:
        return _result([f"{pack.py_path.name}: {_first_line(error)}"], "")
    script = data.get("script") if isinstance(data.get("script"), dict) else {}
    declared = {
        str(command.get("name"))
        for command in script.get("commands") or []
        if isinstance(command, dict)
    }
    dispatched = dispatched_commands(tree)
    required = (
        COLLECTOR_REQUIRED_COMMANDS
        if pack.integration_kind == "events"
        else REQUIRED_COMMANDS
    )
    problems = [
        f"{name} is not dispatched" for name in required if name not in dispatched
    ]
    problems += [
        f"{name} is dispatched in the code but not declared in the YAML"
        for name in sorted(dispatched - declared - BUILTIN_COMMANDS)
    ]
    problems += [
        f"{name} is declared in the YAML but never dispatched in the code"
        for name in sorted(declared - dispatched)
    ]
    return _result(problems, f"{len(declared)} declared, {len(dispatched)} dispatched")


def dispatched_commands(tree: ast.Module) -> set[str]:
    """Command names the code compares ``command`` with, or maps to handlers.

    Recognises ``command == "x"``, ``command in ("x", "y")``, ``match command:
    case "x"`` and a dict of handlers assigned to a name containing "command".
    f-strings over module-level string constants are resolved.
    """
    constants = _module_constants(tree)
    found: set[str] = set()

    def strings(node: ast.AST) -> list[str]:
        value = _string_value(node, constants)
        if value is not None:
            return [value]
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return [s for element in node.elts for s in strings(element)]
        return []

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = node.left, node.comparators[0]
            if isinstance(node.ops[0], ast.Eq):
                if _is_command_name(left):
                    found.update(strings(right))
                elif _is_command_name(right):
                    found.update(strings(left))
            elif isinstance(node.ops[0], ast.In) and _is_command_name(left):
                found.update(strings(right))
        elif isinstance(node, ast.Match) and _is_command_name(node.subject):
            for case in node.cases:
                found.update(_match_values(case.pattern, constants))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(
            node.value, ast.Dict
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_command_name(target) for target in targets):
                for key in node.value.keys:
                    if key is not None:
                        found.update(strings(key))
    return found


def _is_command_name(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return "command" in node.id.lower()
    if isinstance(node, ast.Call):  # demisto.command()
        func = node.func
        return isinstance(func, ast.Attribute) and func.attr == "command"
    return False


def _match_values(pattern: ast.pattern, constants: dict[str, str]) -> list[str]:
    if isinstance(pattern, ast.MatchValue):
        value = _string_value(pattern.value, constants)
        return [value] if value is not None else []
    if isinstance(pattern, ast.MatchOr):
        return [v for sub in pattern.patterns for v in _match_values(sub, constants)]
    return []


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            value = _string_value(node.value, constants)
            if value is not None:
                constants[node.targets[0].id] = value
    return constants


def _string_value(node: ast.AST, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                if value.format_spec is not None or value.conversion != -1:
                    return None
                part = _string_value(value.value, constants)
            else:
                part = _string_value(value, constants)
            if part is None:
                return None
            parts.append(part)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _string_value(node.left, constants)
        right = _string_value(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def check_compiles(pack: Pack) -> CheckResult:
    """Every Python file compiles."""
    files = pack_files(pack, ".py")
    problems = []
    for path in files:
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            line = getattr(error, "lineno", None)
            where = f":{line}" if line else ""
            problems.append(f"{_relative(pack, path)}{where}: {_first_line(error)}")
    return _result(problems, _count(len(files), "file"))


def check_black(pack: Pack) -> CheckResult:
    """Every Python file is formatted as black leaves it."""
    files = pack_files(pack, ".py")
    if not files:
        return _result(["no Python files"], "")
    completed = subprocess.run(
        [sys.executable, "-m", "black", "--check", *map(str, files)],
        cwd=pack.root,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode == 0:
        return _result([], _count(len(files), "file"))
    problems = []
    for line in completed.stderr.splitlines():
        match = re.match(r"(would reformat|error: cannot format) (.+?)(?::|$)", line)
        if match:
            verb = (
                "would be reformatted" if match.group(1)[0] == "w" else "cannot parse"
            )
            problems.append(f"{_relative(pack, Path(match.group(2)))} {verb}")
    fallback = f"black exited with status {completed.returncode}"
    return _result(problems or [_first_line(completed.stderr) or fallback], "")


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header; ValueError when it is not a PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def check_image(pack: Pack) -> CheckResult:
    """The integration image is a PNG of 120x50 pixels, at most 10 KB."""
    path = pack.image_path
    rel = _relative(pack, path)
    if not path.is_file():
        return _result([f"{rel} is missing"], "")
    try:
        size = png_size(path)
    except (OSError, ValueError) as error:
        return _result([f"{rel}: {error}"], "")
    problems = []
    if size != IMAGE_SIZE:
        problems.append(f"{rel} is {size[0]}x{size[1]}, expected 120x50")
    if path.stat().st_size > IMAGE_MAX_BYTES:
        problems.append(f"{rel} is {path.stat().st_size} bytes, at most 10 KB")
    return _result(problems, f"{size[0]}x{size[1]}, {path.stat().st_size} bytes")


def check_unit_tests(pack: Pack) -> CheckResult:
    """The integration's unit tests pass on the stand-in runtime."""
    folder = pack.integration_dir
    environ = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    environ.pop("PYTEST_ADDOPTS", None)
    with tempfile.TemporaryDirectory(prefix="xsoar-fetch-check-") as scratch:
        report = Path(scratch) / "junit.xml"
        try:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--rootdir",
                    str(folder),
                    f"--junitxml={report}",
                    str(folder),
                ],
                cwd=folder,
                env=environ,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=TEST_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _result([f"tests ran longer than {TEST_TIMEOUT_SECONDS} s"], "")
        failures = failed_tests(report)
    summary = _pytest_summary(completed.stdout)
    if completed.returncode == 0:
        return _result([], summary)
    failed = [failure.describe() for failure in failures[:SHOWN_FAILED_TESTS]]
    if len(failures) > SHOWN_FAILED_TESTS:
        failed.append(
            f"... and {len(failures) - SHOWN_FAILED_TESTS} more failed; see them with "
            f"python -m pytest {_relative(pack, folder)}"
        )
    if failed and summary:
        failed.append(summary)
    if completed.returncode == 5:
        failed = ["no tests were collected"]
    fallback = f"pytest exited with status {completed.returncode}"
    return _result(failed or [summary or _first_line(completed.stderr) or fallback], "")


def _pytest_summary(stdout: str) -> str:
    for line in reversed(stdout.strip().splitlines()):
        if re.search(r"\b(passed|failed|error|no tests ran)\b", line):
            return line.strip("= ").strip()
    return ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def sdk_results(pack: Pack) -> list[CheckResult]:
    """demisto-sdk's checks as table rows (creates the SDK environment when needed)."""
    from generator.sdk_env import ensure_sdk_env, run_sdk_checks

    steps = run_sdk_checks(pack, ensure_sdk_env())
    return [
        CheckResult(
            step.name,
            step.ok,
            "" if not step.ok else "passed",
            step.details,
            step.seconds,
        )
        for step in steps
    ]


def print_results(pack: Pack, results: list[CheckResult]) -> None:
    """Print the results as a table, then a one-line verdict."""
    from rich.console import Console
    from rich.table import Table

    # Without a terminal (CI logs, pipes) use a width that keeps messages whole.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    table = Table(title=f"xsoar-fetch check: {pack.root}", title_justify="left")
    table.add_column("check")
    table.add_column("result")
    table.add_column("time", justify="right")
    table.add_column("details", overflow="fold")
    for result in results:
        status = "[green]PASS[/]" if result.ok else "[bold red]FAIL[/]"
        detail = result.detail if result.ok else "\n".join(result.problems)
        table.add_row(result.name, status, f"{result.seconds:.1f}s", _escape(detail))
    console.print(table)
    failed = [result.name for result in results if not result.ok]
    if failed:
        console.print(
            f"[bold red]{len(failed)} of {len(results)} checks failed:[/] "
            + _escape(", ".join(failed))
        )
    else:
        console.print(f"[green]All {len(results)} checks passed.[/]")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
