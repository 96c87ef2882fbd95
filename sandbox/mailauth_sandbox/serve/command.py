"""``mailauth-sandbox serve [SCENARIO] [--port N] [--dns-port N] [--speed X]``: serve a world until interrupted.

It prints ``endpoint: http://127.0.0.1:PORT`` and ``dns: 127.0.0.1:PORT`` on their own lines (flushed) once both
listen, logs each request on stderr, and on SIGINT (Ctrl-C) or SIGTERM stops cleanly and exits 0. A scenario that
cannot be read, a port in use or a template that would not deploy is one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from .fastclock import DEFAULT_SPEED


def add_parser(sub: Any) -> None:
    """The ``serve`` sub-command of ``mailauth-sandbox``."""
    serve = sub.add_parser(
        "serve",
        help="serve a world's API (SigV4, as API Gateway) and public DNS on 127.0.0.1 until interrupted",
        description=__doc__,
    )
    serve.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        help="a scenario file (its world; default: one public zone example.com)",
    )
    serve.add_argument("--port", type=_port, default=0, help="HTTP port (default: any free one)")
    serve.add_argument(
        "--dns-port", type=_port, default=0, help="DNS port, UDP and TCP (default: any free one)"
    )
    serve.add_argument(
        "--speed",
        type=_speed,
        default=DEFAULT_SPEED,
        help=f"simulated seconds per real second while executions wait (default {DEFAULT_SPEED:g}: 48 h in 48 s)",
    )


def _port(text: str) -> int:
    value = int(text) if text.isdigit() else -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return value


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"not a finite speed above 0: {text!r}")
    return value


class _Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; 0 after a clean stop, 1 when the world cannot start."""
    from .server import Server

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            raise _Stop

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    server = Server(args.scenario, port=args.port, dns_port=args.dns_port, speed=args.speed, log=sys.stderr)
    try:
        try:
            server.start()
            print(f"endpoint: {server.endpoint}", flush=True)
            print(f"dns: {server.dns_address}", flush=True)
            print(
                "serving; sign requests with SigV4 (service execute-api, region "
                f"{server.local.region if server.local else ''}, access key testing, secret testing); "
                "Ctrl-C stops",
                file=sys.stderr,
                flush=True,
            )
            while not stopping.wait(1.0):
                pass
        except _Stop:
            pass
        except Exception as exc:
            stopping.set()
            print(f"mailauth-sandbox serve: {_one_line(exc, args.scenario)}", file=sys.stderr)
            return 1
        finally:
            stopping.set()  # a signal from now on changes nothing: the stop below runs to its end
            server.stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("stopped", file=sys.stderr, flush=True)
    return 0


def _one_line(exc: Exception, scenario: Path | None) -> str:
    """A user's mistake in one line: the scenario that cannot be read, the port in use, the template."""
    from pydantic import ValidationError
    from yaml import YAMLError

    from .server import ServeError

    if isinstance(exc, ServeError):
        return str(exc)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the file"
        return f"scenario {scenario}: {where}: {first.get('msg')} ({exc.error_count()} problem(s))"
    if isinstance(exc, YAMLError):
        return f"scenario {scenario} is not valid YAML: {' '.join(str(exc).split())}"
    if isinstance(exc, FileNotFoundError) and scenario is not None and exc.filename == str(scenario):
        return f"scenario {scenario}: no such file"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
