"""The ``xsoar-fetch`` command line: parse arguments and dispatch to one module per verb."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from generator import __version__
from generator.errors import UserError, one_line

DEBUG_ENV_VAR = "XSOAR_FETCH_DEBUG"

# Each verb module exposes ``register(subparsers)`` (which sets ``handler``) and ``run(args) -> int``.
VERB_MODULES = (
    "generator.new",
    "generator.update",
    "generator.check",
    "generator.simulate",
    "generator.fetch",
    "generator.infer",
    "generator.probe",
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
        importlib.import_module(module_name).register(subparsers)
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
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # noqa: BLE001 - the last line of defence for users
        if os.environ.get(DEBUG_ENV_VAR):
            raise
        print(
            f"xsoar-fetch {args.verb}: unexpected error: {type(error).__name__}: "
            f"{one_line(error)} (set {DEBUG_ENV_VAR}=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
