"""The onboarding request a command sends, from ``--request``/``--request-file`` and the request options.

The file or JSON gives the base (README "Configure a request"); the options override single fields; DOMAIN is
the domain. Whatever cannot be read or parsed is a :class:`CliError` with exit code 2 and nothing is sent: the
API judges the request's content itself (400 naming the field).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mailauth_cli.api import USAGE, CliError

DMARC_POLICIES = ("none", "quarantine", "reject")
DNS_MODES = ("route53", "external", "auto")


def add_request_options(parser: argparse.ArgumentParser) -> None:
    """The options that make up a request (``onboard`` and ``plan``)."""
    group = parser.add_argument_group("the request (README, 'Configure a request')")
    given = group.add_mutually_exclusive_group()
    given.add_argument(
        "--request", metavar="JSON", help='the request as JSON, e.g. \'{"dmarc": {"policy": "reject"}}\''
    )
    given.add_argument(
        "--request-file",
        metavar="FILE",
        help="the request from a JSON or YAML file (.yaml/.yml); - for stdin",
    )
    group.add_argument("--dmarc-policy", choices=DMARC_POLICIES, help="dmarc.policy (default none)")
    group.add_argument(
        "--rua",
        action="append",
        metavar="MAILBOX",
        help="dmarc.rua: where aggregate reports go (mailto: added if missing); repeat for more",
    )
    group.add_argument(
        "--mail-from-subdomain", metavar="LABEL", help="MAIL FROM is LABEL.DOMAIN (default mail)"
    )
    group.add_argument(
        "--max-wait-hours", type=float, metavar="H", help="how long to wait (default 48, at most 72)"
    )
    group.add_argument("--dns", choices=DNS_MODES, help="where the DNS is hosted (default route53)")
    group.add_argument(
        "--repair-drift",
        action="store_true",
        help="the daily watch re-creates mailauth's own records found deleted (default: it only reports drift)",
    )


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    """The request for ``args.domain``: base from --request/--request-file, then the options on top."""
    request = _base(args)
    named = request.get("domain")
    if (
        named is not None
        and str(named).strip().rstrip(".").lower() != args.domain.strip().rstrip(".").lower()
    ):
        raise CliError(USAGE, f"the request is for {named!r} but the command names {args.domain!r}")
    request["domain"] = args.domain
    return apply_options(request, args)


def batch_defaults(args: argparse.Namespace) -> dict[str, Any]:
    """What every domain of ``--from-file`` shares: --request/--request-file (which must name no domain), then the
    options on top."""
    defaults = _base(args)
    if "domain" in defaults:
        raise CliError(
            USAGE,
            "with --from-file the request gives what every domain shares: take 'domain' out of it (the domains "
            "are the file's lines)",
        )
    return apply_options(defaults, args)


def apply_options(request: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The request options (--dmarc-policy, --rua, ...) set on ``request``."""
    if args.dmarc_policy or args.rua:
        dmarc = request.get("dmarc")
        dmarc = dict(dmarc) if isinstance(dmarc, dict) else {}
        if args.dmarc_policy:
            dmarc["policy"] = args.dmarc_policy
        if args.rua:
            dmarc["rua"] = [r if r.lower().startswith("mailto:") else f"mailto:{r}" for r in args.rua]
        request["dmarc"] = dmarc
    if args.mail_from_subdomain:
        request["mail_from_subdomain"] = args.mail_from_subdomain
    if args.max_wait_hours is not None:
        hours = args.max_wait_hours
        request["max_wait_hours"] = int(hours) if hours == int(hours) else hours
    if args.dns:
        request["dns"] = args.dns
    if getattr(args, "repair_drift", False):
        request["repair_drift"] = True
    return request


def _base(args: argparse.Namespace) -> dict[str, Any]:
    if args.request is not None:
        source, text, yaml = "--request", args.request, False
    elif args.request_file is not None:
        source, text = f"--request-file {args.request_file}", _read(args.request_file)
        yaml = Path(args.request_file).suffix.lower() in (".yaml", ".yml")
    else:
        return {}
    parsed = _parse_yaml(source, text) if yaml else _parse_json(source, text)
    if not isinstance(parsed, dict):
        raise CliError(USAGE, f"{source}: the request must be an object, not {type(parsed).__name__}")
    return parsed


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(USAGE, f"--request-file {name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(USAGE, f"--request-file {name}: cannot read it ({exc})") from None


def _parse_json(source: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            USAGE, f"{source}: not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None


def _parse_yaml(source: str, text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1} column {where.column + 1})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CliError(USAGE, f"{source}: not valid YAML: {problem}{at}") from None
