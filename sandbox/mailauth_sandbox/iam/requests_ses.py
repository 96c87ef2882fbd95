"""Amazon SES v2 operations to the IAM requests AWS authorises for them (``ses:`` actions on identities).

Service Authorization Reference, list_amazonsesv2
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsesv2.html).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .conditions import ContextValue
from .requests_common import AuthzRequest, Env, Mapper, request_tag_context, star


def _ses_identity(env: Env, params: Mapping[str, Any]) -> str:
    return env.arn("ses", f"identity/{params['EmailIdentity']}")


def _ses_identity_request(action: str) -> Callable[[Env, Mapping[str, Any]], list[AuthzRequest]]:
    """An action on the identity resource, whose condition keys include ``aws:ResourceTag/${TagKey}`` (Service
    Authorization Reference, Amazon SES v2, resource type ``identity``; cfn-lint's copy of it,
    data/AdditionalSpecs/Policies.json, lists the same)."""

    def requests(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        arn = _ses_identity(env, params)
        return [AuthzRequest(action, arn, env.tag_context(arn))]

    return requests


def _ses_create_identity(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    tags = request_tag_context(params.get("Tags"))
    requests = [AuthzRequest("ses:CreateEmailIdentity", _ses_identity(env, params), tags)]
    if params.get("ConfigurationSetName"):
        # ASSUMPTION: the Service Authorization Reference lists the configuration-set resource for some SES v2
        # actions (and cfn-lint's copy lists only "identity" for CreateEmailIdentity). Which one AWS authorises
        # when ConfigurationSetName is given is undocumented, so both are required: a role that passes here
        # passes in AWS either way.
        requests.append(
            AuthzRequest(
                "ses:CreateEmailIdentity",
                env.arn("ses", f"configuration-set/{params['ConfigurationSetName']}"),
                tags,
            )
        )
    return requests


def _ses_tagging(action: str) -> Callable[[Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        context: dict[str, ContextValue] = {}
        if action == "ses:TagResource":
            context = request_tag_context(params.get("Tags"))
        elif action == "ses:UntagResource":
            context = {"aws:TagKeys": [str(k) for k in params.get("TagKeys") or []] or None}
        return [AuthzRequest(action, str(params["ResourceArn"]), context)]

    return requests


#: ``(botocore service, operation)`` to its mapping
MAPPERS: Final[Mapping[tuple[str, str], Mapper]] = {
    ("sesv2", "CreateEmailIdentity"): _ses_create_identity,
    ("sesv2", "GetEmailIdentity"): _ses_identity_request("ses:GetEmailIdentity"),
    ("sesv2", "DeleteEmailIdentity"): _ses_identity_request("ses:DeleteEmailIdentity"),
    ("sesv2", "PutEmailIdentityMailFromAttributes"): _ses_identity_request(
        "ses:PutEmailIdentityMailFromAttributes"
    ),
    ("sesv2", "PutEmailIdentityDkimSigningAttributes"): _ses_identity_request(
        "ses:PutEmailIdentityDkimSigningAttributes"
    ),
    ("sesv2", "PutEmailIdentityDkimAttributes"): _ses_identity_request("ses:PutEmailIdentityDkimAttributes"),
    ("sesv2", "TagResource"): _ses_tagging("ses:TagResource"),
    ("sesv2", "UntagResource"): _ses_tagging("ses:UntagResource"),
    ("sesv2", "ListTagsForResource"): _ses_tagging("ses:ListTagsForResource"),
    ("sesv2", "ListEmailIdentities"): star("ses:ListEmailIdentities"),
    ("sesv2", "GetAccount"): star("ses:GetAccount"),
    # The request names no resource (RESOURCE_ARN in Filter only filters), so it is authorised on "*".
    ("sesv2", "ListRecommendations"): star("ses:ListRecommendations"),
}
