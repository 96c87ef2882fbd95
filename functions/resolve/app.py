"""Step 1 — Resolve: validate the request, find the public hosted zone, check delegation, and plan (read-only).

The plan is checked here, before any step writes: a record conflict ends the run with nothing changed in SES
or Route 53.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.aws.route53 import Route53
from mailauth.dryrun import preflight
from mailauth.ledger import LedgerStore
from mailauth.models import ResolveInput
from mailauth.pace import paced_ses
from mailauth.resolve import parse_request, raise_rejected, resolve
from mailauth.settings import ResolveSettings

logger = Logger()
settings = ResolveSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = ResolveInput.model_validate(event)
    logger.append_keys(domain=step.request.get("domain"), execution=event.get("execution"))
    raise_rejected(step.request)  # an event the trigger would not onboard: straight to the notification
    request = parse_request(step.request)
    route53 = Route53(role_arn=request.hosted_zone_role_arn)  # lazy: resolve checks the role is allowed first
    zone = resolve(request, allow=settings, route53=route53, nameservers=settings.nameservers)
    for warning in zone.warnings:
        logger.warning(warning)
    preflight(
        request,
        zone,
        route53=route53,
        ses=paced_ses(settings, request.priority),
        store=LedgerStore(settings.ledger_table_name),
        nameservers=settings.nameservers,
    )
    return {
        "request": request.model_dump(mode="json"),
        "zone": zone.model_dump(mode="json"),
        "execution": event.get("execution"),
    }
