"""EventBridge trigger: a new public hosted zone (CloudTrail CreateHostedZone) or a custom OnboardDomain event.

Both go through the same submission as the API. A private zone is skipped. An event that cannot be onboarded
is never dropped and never crashes the handler: an invalid request (any shape, any size) and a request that
conflicts with a run in progress for the same domain each start a small ``invalid-…`` execution holding the
reason and a short prefix of what was received, which goes straight to the notification. Only a transient AWS
error fails the invocation: Lambda retries it, then sends the event to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from mailauth.errors import ExecutionConflictError, InvalidRequestError
from mailauth.request import OnboardRequest, validation_message
from mailauth.settings import TriggerSettings
from mailauth.submission import default_submitter

logger = Logger()
settings = TriggerSettings.load()  # the cold start fails here, naming a missing or malformed variable


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: events are read defensively."""
    return value if isinstance(value, dict) else {}


def is_private_zone(detail: dict[str, Any]) -> bool:
    """Whether a CloudTrail CreateHostedZone event created a private zone.

    CreateHostedZone (route53 model documentation): ``HostedZoneConfig`` is "(Optional)", its ``PrivateZone``
    element "optional", and ``VPC`` is "(Private hosted zones only)". A private zone may therefore be created
    with a VPC and nothing else. Any of these marks it: a VPC in the request, ``hostedZoneConfig.privateZone``,
    or the created zone's ``config.privateZone`` in the response.
    """
    params = _object(detail.get("requestParameters"))
    created = _object(_object(detail.get("responseElements")).get("hostedZone"))
    flags = (
        _object(params.get("hostedZoneConfig")).get("privateZone"),
        _object(created.get("config")).get("privateZone"),
    )
    return bool(params.get("vPC")) or any(flag in (True, "true") for flag in flags)


def request_from(event: Any) -> Any:
    """The raw request an event asks for (not yet validated), or None when the event must be skipped (logged)."""
    event = _object(event)
    if event.get("source") == "mailauth" and event.get("detail-type") == "OnboardDomain":
        return event.get("detail")
    detail = _object(event.get("detail"))
    if detail.get("eventName") != "CreateHostedZone":
        logger.warning("ignored an event that is neither OnboardDomain nor CreateHostedZone")
        return None
    if not settings.auto_onboard:
        logger.info("auto-onboarding of new hosted zones is off")
        return None
    if detail.get("errorCode"):
        logger.info(
            "CreateHostedZone failed; nothing to onboard", extra={"errorCode": str(detail["errorCode"])}
        )
        return None
    params = _object(detail.get("requestParameters"))
    if is_private_zone(detail):
        logger.info("private hosted zone skipped", extra={"zone": str(params.get("name"))[:300]})
        return None
    zone_id = _object(_object(detail.get("responseElements")).get("hostedZone")).get("id")
    return {"domain": params.get("name"), "hosted_zone_id": zone_id}


def validated(raw: Any) -> OnboardRequest:
    """The request, or InvalidRequestError naming every problem."""
    if not isinstance(raw, dict):
        raise InvalidRequestError(f"the event's detail must be a JSON object, not {type(raw).__name__}")
    try:
        return OnboardRequest.model_validate(raw)
    except ValidationError as exc:
        raise InvalidRequestError(validation_message(exc)) from None


@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    raw = request_from(event)
    if raw is None:
        return {"status": "SKIPPED"}
    try:
        request = validated(raw)
        logger.append_keys(domain=request.domain)
        submission = default_submitter(settings).submit(request)
    except (InvalidRequestError, ExecutionConflictError) as exc:
        error, reason = type(exc).__name__, str(exc)
        logger.error(
            "event not onboarded; starting a run that notifies it", extra={"error": error, "reason": reason}
        )
        rejected = default_submitter(settings).start_rejected(raw, error, reason)
        status = "INVALID" if error == "InvalidRequestError" else "CONFLICT"
        return {"status": status, "executionArn": rejected.execution_arn, "reason": reason}
    logger.info("submitted", extra={"execution": submission.execution_arn, "started": submission.started})
    return {
        "status": "STARTED" if submission.started else "ALREADY_RUNNING",
        "executionArn": submission.execution_arn,
    }
