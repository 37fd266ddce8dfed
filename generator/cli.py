"""The ``xsoar-fetch`` command line: parse arguments and dispatch to one module per verb."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from generator import __version__
from generator.errors import UserError

# Each verb module exposes ``register(subparsers)`` (which sets ``handler``) and ``run(args) -> int``.
VERB_MODULES = (
    "generator.new",
    "generator.update",
    "generator.check",
    "generator.simulate",
    "generator.fetch",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-command per verb."""
    parser = argparse.ArgumentParser(
        prog="xsoar-fetch",
        description="Generate, update, check and simulate XSOAR fetch-incidents integrations.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    for module_name in VERB_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue  # a verb not installed in this build
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UserError as error:
        print(f"xsoar-fetch {args.verb}: error: {error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"xsoar-fetch {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
