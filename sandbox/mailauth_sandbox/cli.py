"""``mailauth-sandbox``: run scenarios against the embedded AWS (``python -m mailauth_sandbox run FILE``), or serve a
world's API and DNS on loopback (``python -m mailauth_sandbox serve [FILE]``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .serve import command as serve_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailauth-sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file")
    run.add_argument("scenario", type=Path)
    run.add_argument("--json", action="store_true", help="print the full result as JSON")
    serve_command.add_parser(sub)
    args = parser.parse_args(argv)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    if args.command == "serve":
        return serve_command.run(args)
    from .scenario import run_file
    from .scenario.text import render

    result = run_file(args.scenario)
    print(json.dumps(result, indent=2, default=str) if args.json else render(result))
    return 0 if all(e["ok"] for e in result["expectations"]) else 1


if __name__ == "__main__":
    sys.exit(main())
