"""``app``: serve the interactive page (a Solara page, :mod:`sim.app`) on this machine."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import warnings
from pathlib import Path

from ..errors import InputError

#: Solara settings for a page that must work with no internet: no telemetry, no version check.
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    # a browser tab that has gone away (closed, or its network lost) for this long ends its session:
    # its play loop stops and its model is freed
    "SOLARA_KERNEL_CULL_TIMEOUT": "45s",
}


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, 'localhost')."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="serve the interactive page: change the story and watch it in a browser")
    p.add_argument("--scenario", metavar="FILE", default=None,
                   help="scenario the page starts with (default scenarios/baseline.toml); "
                        "the page also lists every file in scenarios/")
    p.add_argument("--host", default="127.0.0.1", metavar="H",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for a classroom)")
    p.add_argument("--port", type=int, default=8765, metavar="P", help="port (default 8765; 0 picks a free one)")
    p.set_defaults(func=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise InputError("--port", "", f"expected a port in [0, 65535], got {args.port}")
    if args.scenario is not None:
        from ..scenario import load_scenario

        path = Path(args.scenario)
        load_scenario(path)  # bad input stops here with one clear line
        os.environ["SIM_APP_SCENARIO"] = str(path.resolve())
    if not is_loopback(args.host):
        print(f"warning: --host {args.host}: the page is reachable from other machines on this network, "
              "over plain http with no login; anyone who can reach port "
              f"{args.port} can use this server's CPU and memory", file=sys.stderr)
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    # solara warns on every first request over plain http; the page is meant for http on this machine
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    # imported here, after the environment is set: solara reads its settings on import, and
    # `python -m sim --help` stays fast
    from solara.__main__ import run

    run.main(["sim.app:Page", "--host", args.host, "--port", str(args.port), "--production", "--no-open",
              "--no-check-version", "--log-level", "warning"], standalone_mode=False)
    return 0
