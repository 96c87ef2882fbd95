"""Step 1 — Resolve: validate the request, find the public hosted zone, check delegation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.models import ResolveInput
from mailauth.resolve import parse_request, resolve

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = ResolveInput.model_validate(event)
    logger.append_keys(domain=step.request.get("domain"), execution=event.get("execution"))
    request = parse_request(step.request)
    zone = resolve(request.model_dump(mode="json"))
    for warning in zone.warnings:
        logger.warning(warning)
    return {
        "request": request.model_dump(mode="json"),
        "zone": zone.model_dump(mode="json"),
        "execution": event.get("execution"),
    }
