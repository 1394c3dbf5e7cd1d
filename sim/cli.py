"""Command line: ``python -m sim COMMAND ...`` (also installed as ``sim``).

Each command lives in a module of :mod:`sim.commands` with ``register(subparsers)``; bad input
(:class:`sim.errors.InputError`) prints one line and exits with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .errors import InputError

#: Modules that add commands, in the order ``--help`` lists them.
COMMAND_MODULES = [
    "sim.commands.run",
    "sim.commands.scenarios",
    "sim.commands.experiments",
    "sim.commands.app",
    "sim.commands.score",
    "sim.commands.calibrate",
    "sim.commands.informative",
    "sim.commands.lifecycle",
    "sim.commands.nullmodels",
    "sim.commands.robustness",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sim",
        description="Agent-based model of consolidation among China's large-model startups (2023-2027).",
        epilog="Quick start: 'python -m sim run scenarios/baseline.toml --seeds 100'. "
               "Exit codes: 0 ok, 1 failure, 2 bad input.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that left shows here, not in the interpreter's flush at exit
        return code
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. 'python -m sim status DIR | head': the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 0
