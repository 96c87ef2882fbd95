"""``mailauth``: the operator's command line.

``mailauth plan DOMAIN`` shows what onboarding would change, read-only, against the account of your AWS
credentials, or offline against a scenario's world with ``--scenario FILE`` (docs/scenarios.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from mailauth.dryrun import dry_run, render_text


def _request(args: argparse.Namespace) -> dict[str, Any]:
    request: dict[str, Any] = json.loads(args.request) if args.request else {}
    request["domain"] = args.domain
    return request


def plan(args: argparse.Namespace) -> int:
    with ExitStack() as stack:
        if args.scenario:
            from mailauth_sandbox.scenario import Runner, Scenario

            runner = Runner(Scenario.load(args.scenario), args.scenario.parent)
            stack.enter_context(runner.world())
        result = dry_run(_request(args))
    print(result.model_dump_json(indent=2) if args.json else render_text(result))
    return {"ready": 0, "conflicts": 2}.get(result.verdict, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailauth", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="what onboarding DOMAIN would change (read-only)")
    p.add_argument("domain")
    p.add_argument(
        "--request", help='the rest of the request as JSON, e.g. \'{"dmarc": {"policy": "reject"}}\''
    )
    p.add_argument("--scenario", type=Path, help="plan offline against this scenario's world")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    return plan(args)


if __name__ == "__main__":
    sys.exit(main())
