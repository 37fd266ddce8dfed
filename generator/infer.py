"""``xsoar-fetch infer``: answers for ``new --data-file`` read off the vendor's documents.

It reads an OpenAPI 3 document (``$ref``s resolved by jsonref) and/or sample responses
of the list endpoint, and writes an answers file whose every answer carries a
``# from: ...`` comment naming its evidence. What the documents do not tell is left to
the template's default and listed at the end: it never guesses a value it cannot point
to. The reading itself lives in generator/infer_rules.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UserError
from generator.infer_rules import (
    Inference,
    Operation,
    Sample,
    choose_operation,
    infer_answers,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``infer`` sub-command."""
    parser = subparsers.add_parser(
        "infer",
        help="write answers for `new --data-file` from an OpenAPI document and samples",
        description=(
            "Read the vendor's OpenAPI 3 document and/or sample responses of the list "
            "endpoint and write an answers file for `xsoar-fetch new --data-file`, each "
            "answer with the evidence it was read from; what cannot be told is listed "
            "at the end and left to the template's defaults."
        ),
    )
    parser.add_argument(
        "--openapi", metavar="FILE", help="the OpenAPI 3.x document (YAML or JSON)"
    )
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--operation",
        metavar="OPERATION_ID",
        help="the operationId of the request that lists events",
    )
    choice.add_argument(
        "--path", metavar="/api/path", help="the path of the request that lists events"
    )
    parser.add_argument(
        "--sample",
        action="append",
        default=[],
        metavar="FILE",
        help=(
            'a real response of the list endpoint, {"status": 200, "headers": {...}, '
            '"body": ...} (repeatable: e.g. a first and a last page)'
        ),
    )
    parser.add_argument(
        "--out", metavar="ANSWERS.yml", help="write the answers here (default: stdout)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Infer the answers and write them; 0 on success."""
    if not args.openapi and not args.sample:
        raise UserError("give --openapi FILE and/or --sample FILE: nothing to read")
    if (args.operation or args.path) and not args.openapi:
        raise UserError(
            f"{'--operation' if args.operation else '--path'} needs --openapi FILE"
        )
    if args.out and not Path(args.out).expanduser().parent.is_dir():
        raise UserError(f"--out {args.out}: its folder does not exist")
    operation = None
    if args.openapi:
        document = load_openapi(Path(args.openapi).expanduser())
        operation = choose_operation(document, args.operation, args.path)
    samples = [
        load_sample(Path(name).expanduser(), f"sample-{number}")
        for number, name in enumerate(args.sample, start=1)
    ]
    text = render(infer_answers(operation, samples), operation, args, samples)
    if args.out:
        Path(args.out).expanduser().write_text(text, "utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _read_structured(path: Path, what: str) -> Any:
    """The YAML or JSON content of ``path`` (JSON is YAML), or a one-line error."""
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise UserError(f"{what} {path}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError:
        raise UserError(f"{what} {path}: not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise UserError(f"{what} {path}: not valid YAML or JSON{where}") from None


def load_openapi(path: Path) -> dict[str, Any]:
    """The OpenAPI 3 document at ``path`` with its ``$ref``s resolved."""
    import jsonref

    document = _read_structured(path, "--openapi")
    version = document.get("openapi") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith("3."):
        found = (
            f"swagger {document['swagger']}"
            if isinstance(document, dict) and "swagger" in document
            else f"openapi {version!r}" if version is not None else "no 'openapi' field"
        )
        raise UserError(
            f"--openapi {path}: not an OpenAPI 3.x document ({found}); "
            "convert a Swagger 2 document to OpenAPI 3 first"
        )
    if not isinstance(document.get("paths"), dict) or not document["paths"]:
        raise UserError(f"--openapi {path}: the document has no paths")
    try:
        resolved = jsonref.replace_refs(
            document, base_uri=path.resolve().as_uri(), lazy_load=False
        )
    except jsonref.JsonRefError as error:
        raise UserError(
            f"--openapi {path}: cannot resolve $ref {error.reference!r}"
        ) from None
    return resolved


def load_sample(path: Path, name: str) -> Sample:
    """One sample response: an object with ``status``, ``headers`` and ``body``."""
    data = _read_structured(path, "--sample")
    accepted = '{"status": 200, "headers": {...}, "body": ...}'
    if not isinstance(data, dict) or set(data) != {"status", "headers", "body"}:
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise UserError(
            f"--sample {path}: not a response (found {keys}); a sample is {accepted}"
        )
    if not isinstance(data["status"], int) or not isinstance(data["headers"], dict):
        raise UserError(
            f"--sample {path}: status must be a number and headers a mapping; "
            f"a sample is {accepted}"
        )
    if not 200 <= data["status"] < 300:
        raise UserError(
            f"--sample {path}: status {data['status']} is not a successful page; "
            "give responses that list events"
        )
    headers = {str(key).lower(): str(value) for key, value in data["headers"].items()}
    return Sample(name, path.name, data["status"], headers, data["body"])


def _dump(value: Any) -> str:
    """``value`` as one line of YAML."""
    text = yaml.safe_dump(
        value, default_flow_style=True, width=1_000_000, allow_unicode=True
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def render(
    inference: Inference,
    operation: Operation | None,
    args: argparse.Namespace,
    samples: list[Sample],
) -> str:
    """The answers file: a header, one answer a line with its evidence, the unknowns."""
    lines = [
        "# Answers for `xsoar-fetch new --data-file`, written by xsoar-fetch infer."
    ]
    if operation:
        lines.append(
            f"# OpenAPI: {Path(args.openapi).name}, operation {operation.label}: "
            f"{operation.why}"
        )
    for sample in samples:
        lines.append(f"# {sample.name}: {sample.file} (status {sample.status})")
    lines.append("")
    for key, answer in inference.answers.items():
        lines.append(f"{key}: {_dump(answer.value)}  # from: {answer.evidence}")
    if inference.unknown:
        lines += ["", "# Not inferred (left to the template's defaults; check them):"]
        lines += [
            f"#   {key}: {reason}" for key, reason in sorted(inference.unknown.items())
        ]
    return "\n".join(lines) + "\n"
