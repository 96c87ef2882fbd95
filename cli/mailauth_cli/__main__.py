"""``mailauth``: the operator's command line for a deployed mailauth stack (or one served locally).

Installed with ``pip install .`` / ``pipx install .`` from the repository (the console script ``mailauth``), or
run from a clone with ``scripts/mailauth``. This module is the argument parsing; ``commands`` does the work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

DESCRIPTION = """\
Onboard domains to Amazon SES with a deployed mailauth stack, follow them, list them, read their reports and
take them back out, through the stack's API (IAM auth: requests are SigV4-signed with your AWS credentials)."""

EPILOG = """\
finding the API, and whose credentials:
  --stack NAME finds the API in the stack's CloudFormation outputs (ApiUrl); --endpoint URL names it directly
  (environment: MAILAUTH_STACK, MAILAUTH_ENDPOINT). Credentials and region come from the standard AWS chain:
  --profile / AWS_PROFILE, environment variables, SSO (aws sso login), --region / AWS_REGION.

exit codes:
  0  done: started, listed, shown; the domain is verified (onboard --wait, status), or offboarded (status
     --watch of an offboarding); the plan is ready; the report says success
  1  done, but the outcome is not success: not (yet) verified, timed out or failed (onboard --wait, status,
     report); the plan has conflicts or is blocked
  2  usage: a wrong command line, or a --request, --request-file or --scenario that cannot be read; nothing sent
  3  the API could not be reached or used: credentials, region, stack, endpoint, connection, HTTP 5xx
  4  the API refused the request: HTTP 4xx other than 404 (400 invalid, 403 not allowed, 409 another run, 413)
  5  not found (HTTP 404): mailauth knows nothing of the domain, or has no report of it yet
  130 interrupted (Ctrl-C): a run that was started goes on

examples:
  mailauth --stack mailauth onboard example.com --dmarc-policy quarantine --rua dmarc@example.com --wait
  mailauth --stack mailauth status example.com --watch
  mailauth --stack mailauth list --status RUNNING
  mailauth --profile ops --region eu-west-1 --stack mailauth plan shop.example.org --json
  scripts/mailauth plan example.com --scenario scenarios/existing-strict-dmarc.yaml   (offline, from a clone)

docs/operations.md ("The mailauth command") has the rest."""

STATUSES = ("RUNNING", "VERIFIED", "TIMED_OUT", "FAILED", "OFFBOARDED")


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _connection_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The same options before and after the command (``mailauth --stack S list`` = ``mailauth list --stack S``).

    After the command their default is SUPPRESS, so a value given before the command is not reset.
    """
    default: str | None = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("the API and credentials")
    for flag, metavar, text in (
        ("--stack", "NAME", "the mailauth stack: its ApiUrl output is the API"),
        ("--endpoint", "URL", "the API's URL (ends with the stage, e.g. .../v1)"),
        ("--profile", "NAME", "the AWS profile (default: the standard chain)"),
        ("--region", "REGION", "the AWS region (default: the profile's)"),
    ):
        group.add_argument(flag, metavar=metavar, help=text, default=default)
    parser.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="print the API's JSON instead of text",
    )


def build_parser() -> argparse.ArgumentParser:
    from mailauth_cli.request import add_request_options

    parser = argparse.ArgumentParser(
        prog="mailauth",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _connection_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, epilog="exit codes: see mailauth --help")
        _connection_options(p, top=False)
        return p

    def interval(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--interval",
            type=_positive(float),
            default=10.0,
            metavar="SECONDS",
            help="seconds between polls while following (default 10)",
        )

    p = command(
        "onboard",
        "start onboarding DOMAIN, or every domain of a file (POST /domains); --wait follows to the end",
    )
    p.add_argument("domain", metavar="DOMAIN", nargs="?")
    p.add_argument(
        "--from-file",
        metavar="FILE",
        help="onboard every domain of FILE (one a line, # comments; - for stdin) as one batch of bulk work",
    )
    p.add_argument(
        "--batch",
        metavar="NAME",
        help="the batch's name with --from-file (default: the file's name and a digest)",
    )
    add_request_options(p)
    p.add_argument(
        "--wait", action="store_true", help="follow the run; exit 0 only when the domain is verified"
    )
    interval(p)

    p = command("status", "SES's and the latest run's state of DOMAIN (GET /domains/DOMAIN)")
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--watch", action="store_true", help="follow the latest run until it ends")
    interval(p)

    p = command("list", "every domain mailauth knows, as a table (GET /domains, every page)")
    p.add_argument("--status", type=str.upper, choices=STATUSES, help="only domains with this status")
    p.add_argument(
        "--batch", metavar="NAME", help="only the domains this batch started (onboard --from-file)"
    )
    p.add_argument("--limit", type=_positive(int), metavar="N", help="at most N domains (default: all)")

    p = command("plan", "what onboarding DOMAIN would change, read-only (the API's dry run)")
    p.add_argument("domain", metavar="DOMAIN")
    add_request_options(p)
    p.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="plan offline against this scenario's world instead (a clone only: docs/scenarios.md)",
    )

    p = command("report", "the last run's full report of DOMAIN (GET /domains/DOMAIN/report)")
    p.add_argument("domain", metavar="DOMAIN")

    p = command("offboard", "take out what mailauth added for DOMAIN (DELETE /domains/DOMAIN)")
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--keep-identity", action="store_true", help="keep the SES identity")
    return parser


def main(argv: list[str] | None = None) -> int:
    from mailauth_cli import commands
    from mailauth_cli.api import CliError

    args = build_parser().parse_args(argv)
    run = {
        "onboard": commands.onboard,
        "status": commands.status,
        "list": commands.list_domains,
        "plan": commands.plan,
        "report": commands.report,
        "offboard": commands.offboard,
    }[args.command]
    try:
        return run(args)
    except CliError as exc:
        sys.stdout.flush()
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(
            "\ninterrupted: a run that was started goes on (mailauth status DOMAIN --watch)", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
