"""``mailauth``: the operator's command line (``scripts/mailauth``, or ``python -m mailauth_cli``).

Not part of the Lambda layer: it runs on an operator's machine, and ``--scenario`` imports the sandbox.

``mailauth plan DOMAIN`` shows what onboarding would change, read-only, against the account of your AWS
credentials, or offline against a scenario's world with ``--scenario FILE`` (docs/scenarios.md).
``mailauth offboard DOMAIN --stack mailauth`` starts the offboarding workflow (docs/operations.md).
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
    from mailauth.settings import AllowListSettings

    with ExitStack() as stack:
        nameservers = args.nameservers or ""
        if args.scenario:
            from mailauth_sandbox.scenario import Runner, Scenario

            runner = Runner(Scenario.load(args.scenario), args.scenario.parent)
            nameservers = stack.enter_context(runner.world()).dns_address
        # the deployment's allow-lists are not known here: every label and role is allowed
        result = dry_run(_request(args), allow=AllowListSettings(), nameservers=nameservers)
    print(result.model_dump_json(indent=2) if args.json else render_text(result))
    return {"ready": 0, "conflicts": 2}.get(result.verdict, 3)


def offboard(args: argparse.Namespace) -> int:
    from mailauth.aws.cloudformation import stack_outputs
    from mailauth.domain import normalise_domain
    from mailauth.submission import Submitter

    outputs = stack_outputs(args.stack) if args.stack else {}
    onboard_arn = args.state_machine_arn or outputs.get("StateMachineArn")
    offboard_arn = args.offboard_state_machine_arn or outputs.get("OffboardStateMachineArn")
    table = args.table or outputs.get("TableName")
    if not (onboard_arn and offboard_arn and table):
        print(
            "error: give --stack, or all of --state-machine-arn, --offboard-state-machine-arn, --table",
            file=sys.stderr,
        )
        return 3
    submitter = Submitter(state_machine_arn=onboard_arn, table_name=table)
    submission = submitter.offboard(
        normalise_domain(args.domain), keep_identity=args.keep_identity, state_machine_arn=offboard_arn
    )
    status = "started" if submission.started else "already running"
    print(f"offboarding of {submission.domain} {status}: {submission.execution_arn}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailauth", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="what onboarding DOMAIN would change (read-only)")
    p.add_argument("domain")
    p.add_argument(
        "--request", help='the rest of the request as JSON, e.g. \'{"dmarc": {"policy": "reject"}}\''
    )
    p.add_argument("--scenario", type=Path, help="plan offline against this scenario's world")
    p.add_argument(
        "--nameservers", help="public DNS to ask (ip or ip:port, comma-separated); default: the system's"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    o = sub.add_parser(
        "offboard", help="remove what mailauth added for DOMAIN (starts the offboarding workflow)"
    )
    o.add_argument("domain")
    o.add_argument("--keep-identity", action="store_true", help="keep the SES identity")
    o.add_argument("--stack", help="the mailauth stack (its outputs name the state machines and table)")
    o.add_argument("--state-machine-arn")
    o.add_argument("--offboard-state-machine-arn")
    o.add_argument("--table")
    args = parser.parse_args(argv)
    return plan(args) if args.command == "plan" else offboard(args)


if __name__ == "__main__":
    sys.exit(main())
