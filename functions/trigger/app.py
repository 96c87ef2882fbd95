"""EventBridge trigger: a new public hosted zone (CloudTrail CreateHostedZone) or a custom OnboardDomain event.

Both go through the same submission as the API. A private zone is skipped; a request that fails validation
still starts an execution, so its failure reaches the notification topic instead of vanishing.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from mailauth.models import OnboardRequest
from mailauth.resolve import validation_message
from mailauth.submission import default_submitter

logger = Logger()


def is_private_zone(detail: dict[str, Any]) -> bool:
    """Whether a CloudTrail CreateHostedZone event created a private zone.

    CreateHostedZone (route53 model documentation): ``HostedZoneConfig`` is "(Optional)", its ``PrivateZone``
    element "optional", and ``VPC`` is "(Private hosted zones only)". A private zone may therefore be created
    with a VPC and nothing else. Any of these marks it: a VPC in the request, ``hostedZoneConfig.privateZone``,
    or the created zone's ``config.privateZone`` in the response.
    """
    params = detail.get("requestParameters") or {}
    created = (detail.get("responseElements") or {}).get("hostedZone") or {}
    flags = (
        (params.get("hostedZoneConfig") or {}).get("privateZone"),
        (created.get("config") or {}).get("privateZone"),
    )
    return bool(params.get("vPC")) or any(flag in (True, "true") for flag in flags)


def request_from(event: dict[str, Any]) -> dict[str, Any] | None:
    """The raw request an event asks for, or None when the event must be skipped (reason logged)."""
    detail = event.get("detail") or {}
    if event.get("source") == "mailauth" and event.get("detail-type") == "OnboardDomain":
        return dict(detail)
    if detail.get("eventName") != "CreateHostedZone":
        logger.warning("ignored an event that is neither OnboardDomain nor CreateHostedZone")
        return None
    if os.environ.get("MAILAUTH_AUTO_ONBOARD", "true").lower() != "true":
        logger.info("auto-onboarding of new hosted zones is off")
        return None
    if detail.get("errorCode"):
        logger.info("CreateHostedZone failed; nothing to onboard", extra={"errorCode": detail["errorCode"]})
        return None
    params = detail.get("requestParameters") or {}
    if is_private_zone(detail):
        logger.info("private hosted zone skipped", extra={"zone": params.get("name")})
        return None
    zone_id = ((detail.get("responseElements") or {}).get("hostedZone") or {}).get("id")
    return {"domain": params.get("name"), "hosted_zone_id": zone_id}


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    raw = request_from(event)
    if raw is None:
        return {"status": "SKIPPED"}
    try:
        request = OnboardRequest.model_validate(raw)
    except ValidationError as exc:
        reason = validation_message(exc)
        logger.error(
            "invalid request from event; starting it so the failure is notified", extra={"reason": reason}
        )
        submission = default_submitter().start_unvalidated(raw, reason)
        return {"status": "INVALID", "executionArn": submission.execution_arn, "reason": reason}
    logger.append_keys(domain=request.domain)
    submission = default_submitter().submit(request)
    logger.info("submitted", extra={"execution": submission.execution_arn, "started": submission.started})
    return {
        "status": "STARTED" if submission.started else "ALREADY_RUNNING",
        "executionArn": submission.execution_arn,
    }
