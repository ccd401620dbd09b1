"""The ``cs-conv`` command: one entry point for the course's tools.

Subcommands live next to what they drive; each module that offers some has a
``register(subparsers)`` function that adds its parsers and sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["build_parser", "main"]

# modules whose register() adds subcommands; optional ones may be absent
_PROVIDERS = ("cs_conv.selfcheck", "cs_conv.bench.cli", "autograder.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cs-conv", description="The cs_conv course: check, grade and benchmark."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _PROVIDERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that part of the project is not installed
            raise
        module.register(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
