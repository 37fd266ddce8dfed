"""Benchmark: mutation testing of a rendered pack's fetch core.

Renders a pack, mutates its integration's fetch core (fetch_incidents or fetch_events
and every function or method of the module it reaches by name) one small change at a
time: a comparison flipped, ``and``/``or`` swapped, an integer constant +-1, an ``if``
or ``while`` condition forced True or False, a ``not`` dropped, a ``continue``/``break``
dropped, a collection update call (update, add, append, extend, discard, pop...)
removed. A seeded sample of the mutants runs against the pack's own unit tests (pytest
in the integration folder); with --simulate, the survivors also run through
``xsoar-fetch simulate --scale 0.2``. A mutant is killed when the tests (or the
simulation) fail or time out.

Prints per pack the mutants, those killed by the tests and by the simulation, and each
survivor with its unified diff; --json prints the same as JSON.

    .venv/bin/python benchmarks/mutation.py [--pack defaults|collector|cursor-oauth2]...
        [--answers FILE.yml]... [--sample N] [--seed N] [--timeout S] [--simulate]
        [--json]
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from answer_sets import integration_dir, render_pack  # noqa: E402

from generator.errors import one_line  # noqa: E402

PACKS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "collector": {
        "integration_kind": "events",
        "integration_name": "Acme Alerts Event Collector",
        "vendor": "acme",
        "product": "alerts",
    },
    "cursor-oauth2": {
        "query_style": "cursor",
        "auth_type": "oauth2_client_credentials",
    },
}
FETCH_ENTRY_POINTS = ("fetch_incidents", "fetch_events")
COLLECTION_UPDATES = frozenset(
    {"update", "add", "append", "extend", "discard", "remove", "pop", "setdefault"}
)
PYTEST_FLAGS = [
    "-x",
    "-q",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:xdist",
    "-p",
    "no:hypothesispytest",
]
COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}


class BenchmarkError(Exception):
    """Bad input or an unusable pack: reported as one line."""


@dataclass(frozen=True)
class Mutant:
    """One change to the module's source: the span it replaces and the new text."""

    function: str
    line: int
    description: str
    start: int
    end: int
    replacement: str

    def apply(self, source: str) -> str:
        """The source with this mutant's change."""
        return source[: self.start] + self.replacement + source[self.end :]


@dataclass
class MutantResult:
    """What became of one mutant."""

    function: str
    line: int
    description: str
    verdict: str  # "tests", "simulation" or "survived"
    diff: str = ""


@dataclass
class PackResult:
    """The mutation figures of one pack."""

    pack: str
    module: str
    candidates: int
    mutants: int
    killed_by_tests: int = 0
    killed_by_simulation: int = 0
    simulated: bool = False
    results: list[MutantResult] = field(default_factory=list)

    @property
    def survivors(self) -> list[MutantResult]:
        return [result for result in self.results if result.verdict == "survived"]


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Every module-level function and class method by name (methods by bare name)."""
    found: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found.setdefault(item.name, item)
    return found


def _called_name(call: ast.Call) -> str | None:
    """The bare name a call calls (``f`` of ``f()`` and of ``client.f()``)."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def fetch_core(tree: ast.Module) -> list[ast.FunctionDef]:
    """The fetch entry point, the parsers of its arguments, and the module's functions
    they reach by name."""
    functions = _functions(tree)
    todo = [name for name in FETCH_ENTRY_POINTS if name in functions]
    if not todo:
        raise BenchmarkError("the integration has no fetch_incidents or fetch_events")
    # The parsers of the arguments a fetch call is given (the Fetch Limit...) too.
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and _called_name(call) in FETCH_ENTRY_POINTS:
            for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
                for node in ast.walk(argument):
                    name = _called_name(node) if isinstance(node, ast.Call) else None
                    if name is not None and name in functions:
                        todo.append(name)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            used = None
            if isinstance(node, ast.Name):
                used = node.id
            elif isinstance(node, ast.Attribute):
                used = node.attr
            if used in functions and used not in seen:
                todo.append(used)
    return sorted((functions[name] for name in seen), key=lambda node: node.lineno)


class _Offsets:
    """Character offsets of (line, column) positions; columns are UTF-8 byte offsets."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def __call__(self, line: int, column: int) -> int:
        text = self.lines[line - 1].encode("utf-8")[:column].decode("utf-8")
        return self.starts[line - 1] + len(text)


def _docstrings(function: ast.FunctionDef) -> set[int]:
    """ids of the docstring constants of a function and the functions within it."""
    found = set()
    for node in ast.walk(function):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _variants(node: ast.AST, docstrings: set[int]) -> Iterator[tuple[str, str]]:
    """(description, replacement text) of each mutation of ``node`` itself."""
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            for swap in COMPARE_SWAPS.get(type(op), ()):
                ops = list(node.ops)
                ops[index] = swap()
                new = ast.Compare(node.left, ops, node.comparators)
                yield f"{type(op).__name__} -> {swap.__name__}", f"({ast.unparse(new)})"
    elif isinstance(node, ast.BoolOp):
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        new = ast.BoolOp(swap(), node.values)
        yield f"{type(node.op).__name__} -> {swap.__name__}", f"({ast.unparse(new)})"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not dropped", f"({ast.unparse(node.operand)})"
    elif (
        isinstance(node, ast.Constant)
        and type(node.value) is int
        and id(node) not in docstrings
    ):
        yield f"{node.value} -> {node.value + 1}", repr(node.value + 1)
        yield f"{node.value} -> {node.value - 1}", f"({node.value - 1})"
    elif isinstance(node, (ast.Continue, ast.Break)):
        yield f"{type(node).__name__.lower()} dropped", "pass"
    elif (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr in COLLECTION_UPDATES
    ):
        yield f".{node.value.func.attr}() call removed", "pass"


def _conditions(node: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """The condition of an if/while/conditional expression, to force True or False."""
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        yield type(node).__name__.lower(), node.test


def mutants(source: str) -> list[Mutant]:
    """Every mutant of the fetch core of ``source``, in source order."""
    tree = ast.parse(source)
    offset = _Offsets(source)
    found: list[Mutant] = []

    def add(name: str, span: ast.AST, description: str, text: str) -> None:
        start = offset(span.lineno, span.col_offset)  # type: ignore[attr-defined]
        end = offset(span.end_lineno, span.end_col_offset)  # type: ignore[attr-defined]
        found.append(Mutant(name, span.lineno, description, start, end, text))  # type: ignore[attr-defined]

    for function in fetch_core(tree):
        docstrings = _docstrings(function)
        for node in ast.walk(function):
            if node is function:
                continue
            for description, text in _variants(node, docstrings):
                add(function.name, node, description, text)
            for kind, test in _conditions(node):
                for forced in ("True", "False"):
                    add(function.name, test, f"{kind} condition -> {forced}", forced)
    unique: dict[str, Mutant] = {}
    for mutant in sorted(found, key=lambda m: (m.start, m.end, m.description)):
        changed = mutant.apply(source)
        try:
            compile(changed, "<mutant>", "exec")
        except SyntaxError:
            continue
        if ast.dump(ast.parse(changed)) != ast.dump(tree):
            unique.setdefault(changed, mutant)
    return list(unique.values())


def _run(command: list[str], cwd: Path, timeout: float) -> bool:
    """True when ``command`` exits 0 within ``timeout`` seconds."""
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def tests_pass(folder: Path, timeout: float) -> bool:
    """Whether the pack's own unit tests pass."""
    return _run([sys.executable, "-m", "pytest", *PYTEST_FLAGS], folder, timeout)


def simulation_passes(pack: Path, timeout: float) -> bool:
    """Whether ``xsoar-fetch simulate --scale 0.2`` finds nothing wrong."""
    command = [sys.executable, "-m", "generator", "simulate", str(pack)]
    return _run([*command, "--scale", "0.2"], REPO_ROOT, timeout)


def mutate_pack(
    name: str,
    answers: dict[str, Any],
    root: Path,
    options: argparse.Namespace,
    progress: Callable[[str], None],
) -> PackResult:
    """Render the pack, run the sampled mutants, and return the figures."""
    try:
        pack = render_pack(answers, root / name)
    except Exception as error:  # noqa: BLE001 - Copier refuses answers in many ways
        raise BenchmarkError(f"{name}: cannot render: {one_line(error)}") from None
    folder = integration_dir(pack)
    module = folder / f"{folder.name}.py"
    if not module.is_file():
        raise BenchmarkError(f"{name}: no integration module {module.name}")
    source = module.read_text("utf-8")
    if not tests_pass(folder, options.timeout):
        raise BenchmarkError(f"{name}: the unmutated pack's tests fail")
    every = mutants(source)
    chosen = random.Random(options.seed).sample(every, min(options.sample, len(every)))
    chosen.sort(key=lambda mutant: (mutant.start, mutant.description))
    result = PackResult(name, module.name, len(every), len(chosen))
    result.simulated = options.simulate
    try:
        for index, mutant in enumerate(chosen, 1):
            changed = mutant.apply(source)
            module.write_text(changed, "utf-8")
            verdict = "survived"
            if not tests_pass(folder, options.timeout):
                verdict = "tests"
                result.killed_by_tests += 1
            elif options.simulate and not simulation_passes(pack, options.timeout):
                verdict = "simulation"
                result.killed_by_simulation += 1
            progress(f"{name} {index}/{len(chosen)}: {mutant.description} -> {verdict}")
            diff = ""
            if verdict == "survived":
                diff = "".join(
                    difflib.unified_diff(
                        source.splitlines(keepends=True),
                        changed.splitlines(keepends=True),
                        f"a/{module.name}",
                        f"b/{module.name}",
                        n=1,
                    )
                )
            result.results.append(
                MutantResult(
                    mutant.function, mutant.line, mutant.description, verdict, diff
                )
            )
    finally:
        module.write_text(source, "utf-8")
    return result


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def print_text(results: list[PackResult]) -> None:
    """The figures of each pack and every survivor's diff."""
    for result in results:
        killed = result.killed_by_tests + result.killed_by_simulation
        print(
            f"{result.pack} ({result.module}): {result.mutants} mutants sampled "
            f"of {result.candidates}"
        )
        print(
            f"  killed by tests: {result.killed_by_tests} "
            f"({_share(result.killed_by_tests, result.mutants)})"
        )
        if result.simulated:
            print(
                f"  killed by simulation: {result.killed_by_simulation}; "
                f"tests + simulation: {killed} ({_share(killed, result.mutants)})"
            )
        print(f"  survivors: {len(result.survivors)}")
        for survivor in result.survivors:
            print(
                f"\n  - {survivor.function}, line {survivor.line}: "
                f"{survivor.description}"
            )
            print("    " + survivor.diff.rstrip("\n").replace("\n", "\n    "))
        print()


def json_report(results: list[PackResult]) -> str:
    """The results as JSON."""
    return json.dumps(
        [{**asdict(result), "survivors": len(result.survivors)} for result in results],
        indent=2,
    )


def load_answers(path: str) -> dict[str, Any]:
    """An answers file's mapping, or a one-line error."""
    try:
        answers = yaml.safe_load(Path(path).read_text("utf-8"))
    except OSError as error:
        raise BenchmarkError(
            f"cannot read --answers {path}: {error.strerror}"
        ) from None
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0]
        raise BenchmarkError(f"--answers {path} is not YAML: {first}") from None
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise BenchmarkError(f"--answers {path} must hold a mapping of answers")
    return {
        key: value for key, value in answers.items() if not str(key).startswith("_")
    }


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not 1 or more")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not more than 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The benchmark's arguments."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--pack",
        action="append",
        choices=sorted(PACKS),
        help="a built-in pack to mutate; repeat for several (default: defaults)",
    )
    parser.add_argument(
        "--answers",
        action="append",
        default=[],
        metavar="FILE.yml",
        help="an answers file whose pack to mutate; repeat for several",
    )
    parser.add_argument("--sample", type=_positive, default=40, metavar="N")
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=300.0,
        metavar="S",
        help="seconds per test or simulation run; a mutant over it is killed",
    )
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="also simulate the survivors of the tests (slow)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 2 on bad input or an unusable pack."""
    options = build_parser().parse_args(argv)
    chosen: list[tuple[str, dict[str, Any]]] = []
    try:
        for index, path in enumerate(options.answers, 1):
            name = Path(path).stem
            if name in PACKS or any(name == taken for taken, _ in chosen):
                name = f"{name}-{index}"
            chosen.append((name, load_answers(path)))
        if options.pack or not chosen:
            chosen[:0] = [(name, PACKS[name]) for name in options.pack or ["defaults"]]
        results = []
        with tempfile.TemporaryDirectory() as root:
            for name, answers in chosen:
                results.append(
                    mutate_pack(
                        name,
                        answers,
                        Path(root),
                        options,
                        lambda line: print(line, file=sys.stderr, flush=True),
                    )
                )
    except BenchmarkError as error:
        print(f"mutation: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mutation: interrupted", file=sys.stderr)
        return 130
    if options.json:
        print(json_report(results))
    else:
        print_text(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
