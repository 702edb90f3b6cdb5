"""The ``imgworker`` command line: ``imgworker <command> [options]``.

Each command lives in its own module of :mod:`imgworker.commands` and exposes
``register(subparsers)``, which adds its sub-parser and sets ``func(args) -> int`` (the exit code).
Commands are discovered, so adding one never edits this file. ``imgworker --help`` lists them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from imgworker import __version__, commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imgworker",
        description="Asset Compute custom worker that makes image renditions through imgix.",
    )
    parser.add_argument("--version", action="version", version=f"imgworker {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (2 on a usage error)."""
    for noisy in ("httpx", "httpcore"):  # their INFO lines carry full (presigned) URLs
        logging.getLogger(noisy).setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
