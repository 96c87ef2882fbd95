"""A call judged under a principal's policies (:func:`check_policies`), and its refusal worded as the service
words it (:func:`access_denied`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .conditions import ContextValue
from .evaluation import Policy, evaluate, global_context
from .request_mapping import authorization_requests
from .requests_common import ResourceTags

# (code, HTTP status) per service. Sources: botocore's models where the error is modelled -- sns
# AuthorizationErrorException (AuthorizationError, 403) and KMSAccessDeniedException (KMSAccessDenied, 400),
# ssm AccessDeniedException (no status in the model: awsJson errors are 400). Not in the models, from the AWS
# common-errors pages of each API reference and the services' error documentation: sesv2 AccessDeniedException
# 403 (rest-json), route53 AccessDenied 403 (rest-xml), dynamodb AccessDeniedException 400 ("Error handling with
# DynamoDB"), stepfunctions AccessDeniedException 400, sts AccessDenied 403, cloudformation AccessDenied 403.
ACCESS_DENIED: Final[Mapping[str, tuple[str, int]]] = {
    "sesv2": ("AccessDeniedException", 403),
    "route53": ("AccessDenied", 403),
    "dynamodb": ("AccessDeniedException", 400),
    "stepfunctions": ("AccessDeniedException", 400),
    "sns": ("AuthorizationError", 403),
    "ssm": ("AccessDeniedException", 400),
    "sts": ("AccessDenied", 403),
    "cloudformation": ("AccessDenied", 403),
    "kms": ("AccessDeniedException", 400),
}
SNS_KMS_ACCESS_DENIED: Final = ("KMSAccessDenied", 400)


def access_denied(
    service: str, operation: str, principal_arn: str, action: str, resource: str, *, explicit: bool = False
) -> tuple[str, str, int]:
    """``(code, message, status)`` of the AccessDenied error ``service`` answers ``operation`` with.

    The message follows AWS's: "User: <principal> is not authorized to perform: <action> on resource: <arn>
    because no identity-based policy allows the <action> action" (or "with an explicit deny in an identity-based
    policy"). The KMS part of an SNS Publish is SNS's ``KMSAccessDenied`` carrying KMS's message.
    """
    on = "" if resource == "*" else f" on resource: {resource}"
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    message = f"User: {principal_arn} is not authorized to perform: {action}{on} {why}"
    if service == "sns" and action.lower().startswith("kms:"):
        code, status = SNS_KMS_ACCESS_DENIED
        return (
            code,
            f"{message} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)",
            status,
        )
    code, status = ACCESS_DENIED.get(service, ("AccessDeniedException", 400))
    return code, message, status


@dataclass(frozen=True)
class Denial:
    """A refused call: the error to answer with, and what was refused and why (for the developer)."""

    code: str
    message: str
    status: int
    action: str
    resource: str
    reason: str
    principal_arn: str


def check_policies(
    policies: Iterable[Policy | Mapping[str, Any]],
    principal_arn: str,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    region: str,
    account_id: str,
    partition: str,
    topic_keys: Mapping[str, str] | None = None,
    principal_tags: Mapping[str, str] | None = None,
    resource_tags: ResourceTags | None = None,
) -> Denial | None:
    """Judge one call made with ``principal_arn``'s credentials under ``policies``; ``None`` when allowed."""
    documents = list(policies)
    requests = authorization_requests(
        service,
        operation,
        params,
        region=region,
        account_id=account_id,
        partition=partition,
        topic_keys=topic_keys,
        resource_tags=resource_tags,
    )
    requested_region = "us-east-1" if service == "route53" else region
    for request in requests:
        context: dict[str, ContextValue] = dict(
            global_context(principal_arn, region=requested_region, principal_tags=principal_tags)
        )
        context.update(request.context)
        decision = evaluate(documents, request.action, request.resource, context)
        if not decision.allowed:
            code, message, status = access_denied(
                service,
                operation,
                principal_arn,
                request.action,
                request.resource,
                explicit=decision.kind == "explicit_deny",
            )
            return Denial(
                code, message, status, request.action, request.resource, decision.reason, principal_arn
            )
    return None


def assumed_role_arn(role_arn: str, session_name: str) -> str:
    """``arn:<partition>:sts::<account>:assumed-role/<name>/<session>`` of a session of ``role_arn``."""
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{session_name}"
