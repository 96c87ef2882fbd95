"""What each ``mailauth`` command does: one request (or a few) to the API, the answer printed, an exit code.

``plan --scenario`` is the exception: it plans offline with the Lambda layer and the sandbox, which only a clone
of the repository has (``scripts/mailauth`` puts them on the path).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mailauth_cli.api import NOT_SUCCESS, OK, USAGE, Api, CliError, connect
from mailauth_cli.progress import watch
from mailauth_cli.render import accepted_text, counts_text, list_text, plan_text, status_text, verified
from mailauth_cli.request import batch_defaults, build_request

PAGE_SIZE = 100  # the API's largest page


def _api(args: argparse.Namespace) -> Api:
    return connect(profile=args.profile, region=args.region, stack=args.stack, endpoint=args.endpoint)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))


def onboard(args: argparse.Namespace) -> int:
    if args.from_file is not None:
        return _onboard_file(args)
    if args.domain is None:
        raise CliError(USAGE, "onboard needs a DOMAIN, or --from-file FILE")
    if args.batch is not None:
        raise CliError(USAGE, "--batch names the batch of --from-file")
    request = build_request(args)  # a request that cannot be read costs no credentials and no call
    api = _api(args)
    answer = api.call("POST", "/domains", request)
    if args.json:
        print(json.dumps(answer, separators=(",", ":")) if args.wait else json.dumps(answer, indent=2))
    else:
        print(accepted_text(answer, "onboarding"), flush=True)
    if not args.wait:
        return OK
    domain = str(answer.get("domain") or args.domain)  # as the API normalised it
    return watch(
        api,
        domain,
        out=sys.stdout,
        interval=args.interval,
        as_json=args.json,
        execution_arn=answer.get("executionArn"),
    )


def _onboard_file(args: argparse.Namespace) -> int:
    from mailauth_cli.batch import onboard_file, read_domains

    if args.domain is not None:
        raise CliError(USAGE, "onboard takes a DOMAIN or --from-file FILE, not both")
    defaults = batch_defaults(args)
    read_domains(args.from_file)  # a file that cannot be read costs no credentials and no call
    return onboard_file(args, _api(args), defaults, sys.stdout)


def status(args: argparse.Namespace) -> int:
    api = _api(args)
    if args.watch:
        return watch(api, args.domain, out=sys.stdout, interval=args.interval, as_json=args.json)
    answer = api.call("GET", Api.domain_path(args.domain))
    if args.json:
        _print_json(answer)
    else:
        print(status_text(answer))
    return OK if verified(answer) else NOT_SUCCESS


def list_domains(args: argparse.Namespace) -> int:
    api = _api(args)
    domains: list[Any] = []
    token: str | None = None
    while True:
        wanted = PAGE_SIZE if args.limit is None else min(PAGE_SIZE, args.limit - len(domains))
        query = {"limit": str(wanted)}
        if args.status:
            query["status"] = args.status
        if args.batch:
            query["batch"] = args.batch
        if token:
            query["nextToken"] = token
        page = api.call("GET", "/domains", query=query)
        domains.extend(page.get("domains") or ())
        following = page.get("nextToken") or None
        if following == token:  # a page that points at itself would never end
            following = None
        token = following
        if token is None or (args.limit is not None and len(domains) >= args.limit):
            break
    if args.limit is not None:
        domains = domains[: args.limit]
    if args.json:
        _print_json({"domains": domains, "nextToken": token})
    else:
        print(list_text(domains))
        if args.batch and domains:
            print(counts_text(domains))
        if token:
            print(f"(first {len(domains)}; more without --limit)")
    return OK


def plan(args: argparse.Namespace) -> int:
    if args.scenario is not None:
        return _plan_offline(args)
    request = build_request(args)
    request["dry_run"] = True
    result = _api(args).call("POST", "/domains", request)
    if args.json:
        _print_json(result)
    else:
        print(plan_text(result))
    return OK if result.get("verdict") == "ready" else NOT_SUCCESS


def _plan_offline(args: argparse.Namespace) -> int:
    """The plan against a scenario's world (docs/scenarios.md), with the layer's own planner and text."""
    try:
        from mailauth.dryrun import dry_run, render_text
        from mailauth.settings import AllowListSettings
        from mailauth_sandbox.scenario import Runner, Scenario
    except ModuleNotFoundError as exc:
        raise CliError(
            USAGE,
            f"--scenario needs a clone of the mailauth repository (here {exc.name} is missing): "
            "run scripts/mailauth plan DOMAIN --scenario FILE there",
        ) from None
    request = build_request(args)
    scenario = _load_scenario(args.scenario, Scenario)
    runner = Runner(scenario, args.scenario.parent)
    with runner.world() as world:
        # a scenario knows no deployment's allow-lists: every label and role is allowed
        result = dry_run(request, allow=AllowListSettings(), nameservers=world.dns_address)
    print(result.model_dump_json(indent=2) if args.json else render_text(result))
    return OK if result.verdict == "ready" else NOT_SUCCESS


def _load_scenario(path: Any, scenario_class: Any) -> Any:
    import yaml
    from pydantic import ValidationError

    try:
        return scenario_class.load(path)
    except FileNotFoundError:
        raise CliError(USAGE, f"--scenario {path}: no such file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliError(USAGE, f"--scenario {path}: cannot read it ({first})") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "the file"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CliError(USAGE, f"--scenario {path}: {where}: {error['msg']}{more}") from None


def report(args: argparse.Namespace) -> int:
    answer = _api(args).call("GET", Api.domain_path(args.domain, "/report"))
    if args.json:
        _print_json(answer)
    else:
        print(str(answer.get("text") or "").rstrip() or f"(the report of {args.domain} has no text)")
    return OK if answer.get("outcome") == "success" else NOT_SUCCESS


def offboard(args: argparse.Namespace) -> int:
    query = {"keep_identity": "true"} if args.keep_identity else None
    answer = _api(args).call("DELETE", Api.domain_path(args.domain), query=query)
    if args.json:
        _print_json(answer)
    else:
        print(accepted_text(answer, "offboarding"))
    return OK
