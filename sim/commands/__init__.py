"""Subcommands of ``python -m sim``: one module each, with ``register(subparsers)``."""
