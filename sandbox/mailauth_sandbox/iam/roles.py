"""The roles SAM generates, resolved: inline and attached policies, customer managed policies of the template,
and the AWS managed policies SAM attaches (embedded: any other is an error)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .conditions import Context, ContextValue
from .errors import PolicyFormatError, UnknownManagedPolicy, UnsupportedRole
from .evaluation import Decision, Policy, evaluate, global_context, policy_statements
from .resolver import Resolver, scalar

# AWS managed policies SAM attaches, as the AWS Managed Policy Reference Guide shows them:
#   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
#   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXrayWriteOnlyAccess.html
# Keyed by the ARN's path and name (the partition varies). Any other managed policy is an error: an empty
# document would silently deny, a guessed one silently allow.
#: The one statement both AWS managed X-Ray write policies hold (same actions, on "*").
_XRAY_WRITE: Final[Mapping[str, Any]] = {
    "Effect": "Allow",
    "Action": [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ],
    "Resource": ["*"],
}
MANAGED_POLICIES: Final[Mapping[str, Mapping[str, Any]]] = {
    "service-role/AWSLambdaBasicExecutionRole": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ],
    },
    "AWSXrayWriteOnlyAccess": {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "AWSXrayWriteOnlyAccess", **_XRAY_WRITE}],
    },
    # What SAM attaches for X-Ray in the aws-cn and aws-us-gov partitions (samtranslator/model/xray_utils.py):
    # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html
    "AWSXRayDaemonWriteAccess": {"Version": "2012-10-17", "Statement": [dict(_XRAY_WRITE)]},
}
_AWS_MANAGED_ARN: Final = re.compile(r"^arn:[a-z-]+:iam::aws:policy/(?P<name>.+)$")


def managed_policy(arn: str) -> Policy:
    """The document of an AWS managed policy this package holds; :class:`UnknownManagedPolicy` otherwise."""
    match = _AWS_MANAGED_ARN.match(arn)
    document = MANAGED_POLICIES.get(match.group("name")) if match else None
    if document is None:
        raise UnknownManagedPolicy(
            f"managed policy {arn} is not embedded in mailauth_sandbox.iam.MANAGED_POLICIES: add its document from "
            "the AWS Managed Policy Reference Guide (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/)"
        )
    return Policy(name=arn, document=copy.deepcopy(dict(document)))


@dataclass(frozen=True)
class Role:
    """An IAM role with its resolved policies (inline, managed, and AWS::IAM::Policy resources attached to it)."""

    logical_id: str
    name: str
    arn: str
    policies: tuple[Policy, ...]
    trust_policy: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def partition(self) -> str:
        """The partition of the role's ARN."""
        return self.arn.split(":")[1]

    @property
    def account_id(self) -> str:
        """The account of the role's ARN."""
        return self.arn.split(":")[4]

    def principal_arn(self, session_name: str) -> str:
        """The assumed-role ARN AWS names in messages (Lambda's session name is the function name)."""
        return f"arn:{self.partition}:sts::{self.account_id}:assumed-role/{self.name}/{session_name}"

    def evaluate(self, action: str, resource: str, context: Context | None = None) -> Decision:
        """:func:`evaluate` this role's policies, with :func:`global_context` under ``context``."""
        merged: dict[str, ContextValue] = dict(
            global_context(self.principal_arn("sandbox"), region=None, principal_tags=self.tags)
        )
        merged.update(context or {})
        return evaluate(self.policies, action, resource, merged)


def _attached_policies(resolver: Resolver, role_name: str) -> tuple[list[Policy], dict[str, Policy]]:
    """Policies of other template resources attached to the role, and every customer managed policy by ARN."""
    attached: list[Policy] = []
    customer: dict[str, Policy] = {}
    for other, res in resolver.resources.items():
        if not isinstance(res, dict) or not resolver.exists(other):
            continue
        rtype, props = res.get("Type"), res.get("Properties") or {}
        if rtype not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
            continue
        if rtype == "AWS::IAM::ManagedPolicy":
            name = resolver.string({"Ref": other})
        else:
            name = resolver.string(props.get("PolicyName"))
        policy = Policy(name=name, document=resolver.resolve(props.get("PolicyDocument")))
        if rtype == "AWS::IAM::ManagedPolicy":
            customer[name] = policy
        if rtype == "AWS::IAM::RolePolicy":
            roles = [resolver.string(props.get("RoleName"))]
        else:
            roles = resolver.strings(props.get("Roles") or [])
        if role_name in roles:
            attached.append(policy)
    return attached, customer


def _role(resolver: Resolver, logical_id: str) -> Role:
    resources = resolver.resources
    resource = resources.get(logical_id)
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::IAM::Role":
        raise UnsupportedRole(f"{logical_id} is not an AWS::IAM::Role of the template")
    if not resolver.exists(logical_id):
        raise UnsupportedRole(f"role {logical_id} is not created: its condition is false")
    props: Mapping[str, Any] = resource.get("Properties") or {}
    if props.get("PermissionsBoundary") is not None:
        raise UnsupportedRole(
            f"role {logical_id} has a permissions boundary, which the sandbox does not model"
        )
    name = resolver.string({"Ref": logical_id})
    arn = resolver.string({"Fn::GetAtt": [logical_id, "Arn"]})
    policies: list[Policy] = []
    for item in resolver.resolve(props.get("Policies") or []):
        if not isinstance(item, dict) or "PolicyDocument" not in item:
            raise PolicyFormatError(f"role {logical_id}: an inline policy without PolicyDocument: {item!r}")
        policies.append(Policy(name=str(item.get("PolicyName", "?")), document=item["PolicyDocument"]))
    attached, customer = _attached_policies(resolver, name)
    policies += attached
    for managed in resolver.strings(props.get("ManagedPolicyArns") or []):
        if managed in customer:
            if customer[managed] not in policies:
                policies.append(customer[managed])
        else:
            policies.append(managed_policy(managed))
    for policy in policies:
        policy_statements(policy.document, identity=True, where=f"role {logical_id}, policy {policy.name}")
    tags = {
        scalar(t.get("Key")): scalar(t.get("Value"))
        for t in resolver.resolve(props.get("Tags") or [])
        if isinstance(t, dict)
    }
    trust = resolver.resolve(props.get("AssumeRolePolicyDocument") or {})
    return Role(
        logical_id=logical_id,
        name=name,
        arn=arn,
        policies=tuple(policies),
        trust_policy=trust if isinstance(trust, dict) else {},
        tags=tags,
    )


def _role_logical_id(value: Any, owner: str) -> str:
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        target = value["Fn::GetAtt"]
        target = target.split(".", 1) if isinstance(target, str) else target
        if isinstance(target, list) and len(target) == 2 and target[1] == "Arn":
            return str(target[0])
    raise UnsupportedRole(
        f"{owner}'s role is {value!r}, not a role of the template: the sandbox cannot know its policies"
    )


def _roles(
    transformed: Mapping[str, Any], resolver: Resolver, resource_type: str, role_property: str
) -> dict[str, Role]:
    out: dict[str, Role] = {}
    for logical, resource in (transformed.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") == resource_type and resolver.exists(logical):
            role = (resource.get("Properties") or {}).get(role_property)
            out[logical] = _role(resolver, _role_logical_id(role, logical))
    return out


def function_roles(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, Role]:
    """``{function logical ID: Role}`` for every ``AWS::Lambda::Function`` the template creates."""
    return _roles(transformed, resolver, "AWS::Lambda::Function", "Role")


def state_machine_roles(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, Role]:
    """``{state machine logical ID: Role}`` for every ``AWS::StepFunctions::StateMachine`` the template creates."""
    return _roles(transformed, resolver, "AWS::StepFunctions::StateMachine", "RoleArn")
