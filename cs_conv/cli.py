"""The ``cs-conv`` command: one entry point for the course's tools.

Subcommands live next to what they drive.  Each provider is an entry point of
the group ``cs_conv.commands`` (declared in ``pyproject.toml``) naming a
``register(subparsers)`` function that adds its parsers and sets ``func``;
an installed distribution can add commands the same way, and this package
names none of them.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

__all__ = ["GROUP", "Parser", "build_parser", "main"]

#: the entry-point group of ``register(subparsers)`` functions
GROUP = "cs_conv.commands"


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: what is wrong and where to look."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cs-conv", description="The cs_conv course: check, grade and benchmark.")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )
    for ep in entry_points(group=GROUP):
        ep.load()(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
