"""The other services mailauth calls, a few operations each, to the IAM requests AWS authorises for them:
DynamoDB, Step Functions, EventBridge, SNS (with the KMS key of an encrypted topic), SSM, STS and CloudFormation.

Service Authorization Reference: list_amazondynamodb, list_awsstepfunctions, list_amazoneventbridge, list_amazonsns,
list_awssystemsmanager, list_awssecuritytokenservice, list_awscloudformation
(https://docs.aws.amazon.com/service-authorization/latest/reference/).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from .conditions import ContextValue
from .requests_common import AuthzRequest, Env, Mapper, request_tag_context, star
from .resolver import url_suffix


def _dynamodb(action: str) -> Callable[[Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        table = str(params["TableName"])
        arn = table if table.startswith("arn:") else env.arn("dynamodb", f"table/{table}")
        if params.get("IndexName"):
            arn = f"{arn}/index/{params['IndexName']}"
        return [AuthzRequest(action, arn)]

    return requests


def _states(action: str, key: str) -> Callable[[Env, Mapping[str, Any]], list[AuthzRequest]]:
    def requests(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
        value = params.get(key) or params.get("mapRunArn")
        if not value:
            raise KeyError(key)
        return [AuthzRequest(action, str(value))]

    return requests


def _events_put(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    """PutEvents is authorised on each entry's event bus (Service Authorization Reference, Amazon EventBridge:
    resource type event-bus, required); an entry without EventBusName goes to the default bus."""
    buses = {str(entry.get("EventBusName") or "default") for entry in params.get("Entries") or []}
    return [
        AuthzRequest(
            "events:PutEvents", bus if bus.startswith("arn:") else env.arn("events", f"event-bus/{bus}")
        )
        for bus in sorted(buses)
    ]


def _sns_publish(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    topic = str(params.get("TopicArn") or params.get("TargetArn") or "*")
    requests = [AuthzRequest("sns:Publish", topic)]
    key = env.topic_keys.get(topic)
    if key:
        # SNS encrypts with the caller's permissions ("Encryption at rest", key management: publishers need
        # kms:GenerateDataKey* and kms:Decrypt on the topic's key), as a call SNS makes on the caller's behalf.
        via: dict[str, ContextValue] = {
            "aws:ViaAWSService": True,
            "kms:ViaService": f"sns.{env.region}.{url_suffix(env.partition)}",
            "kms:CallerAccount": env.account_id,
        }
        requests += [AuthzRequest("kms:GenerateDataKey", key, via), AuthzRequest("kms:Decrypt", key, via)]
    return requests


def _ssm_get_parameter(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    name = str(params["Name"])
    if name.startswith("arn:"):
        prefix, _, rest = name.partition(":parameter/")
        return [AuthzRequest("ssm:GetParameter", f"{prefix}:parameter/{rest.split(':', 1)[0]}")]
    name = name.split(":", 1)[0]  # a version or label selector (name:3, name:label) is not part of the ARN
    return [AuthzRequest("ssm:GetParameter", env.arn("ssm", f"parameter/{name.lstrip('/')}"))]


def _sts_assume_role(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    context: dict[str, ContextValue] = {
        "sts:RoleSessionName": str(params.get("RoleSessionName", "")),
        "sts:ExternalId": params.get("ExternalId"),
        "sts:SourceIdentity": params.get("SourceIdentity"),
        **request_tag_context(params.get("Tags")),
    }
    return [AuthzRequest("sts:AssumeRole", str(params["RoleArn"]), context)]


def _cfn_describe_stacks(env: Env, params: Mapping[str, Any]) -> list[AuthzRequest]:
    stack = params.get("StackName")
    if not stack:
        return [AuthzRequest("cloudformation:DescribeStacks", "*")]
    stack = str(stack)
    if not stack.startswith("arn:"):
        stack_id = uuid.uuid5(uuid.NAMESPACE_URL, f"mailauth-sandbox:{env.account_id}:{stack}")
        stack = env.arn("cloudformation", f"stack/{stack}/{stack_id}")
    return [AuthzRequest("cloudformation:DescribeStacks", stack)]


#: ``(botocore service, operation)`` to its mapping
MAPPERS: Final[Mapping[tuple[str, str], Mapper]] = {
    ("dynamodb", "GetItem"): _dynamodb("dynamodb:GetItem"),
    ("dynamodb", "PutItem"): _dynamodb("dynamodb:PutItem"),
    ("dynamodb", "DeleteItem"): _dynamodb("dynamodb:DeleteItem"),
    ("dynamodb", "UpdateItem"): _dynamodb("dynamodb:UpdateItem"),
    ("dynamodb", "Query"): _dynamodb("dynamodb:Query"),
    ("dynamodb", "Scan"): _dynamodb("dynamodb:Scan"),
    ("stepfunctions", "StartExecution"): _states("states:StartExecution", "stateMachineArn"),
    ("stepfunctions", "DescribeExecution"): _states("states:DescribeExecution", "executionArn"),
    ("stepfunctions", "StopExecution"): _states("states:StopExecution", "executionArn"),
    ("stepfunctions", "ListExecutions"): _states("states:ListExecutions", "stateMachineArn"),
    ("stepfunctions", "GetExecutionHistory"): _states("states:GetExecutionHistory", "executionArn"),
    # A task token names no resource IAM can check: AWS's callback tutorial grants these on "*" (Step Functions
    # Developer Guide, "Deploying a human approval workflow"; activity ARNs apply only to activities' tokens).
    ("stepfunctions", "SendTaskSuccess"): star("states:SendTaskSuccess"),
    ("stepfunctions", "SendTaskFailure"): star("states:SendTaskFailure"),
    ("events", "PutEvents"): _events_put,
    ("sns", "Publish"): _sns_publish,
    ("ssm", "GetParameter"): _ssm_get_parameter,
    ("sts", "AssumeRole"): _sts_assume_role,
    ("cloudformation", "DescribeStacks"): _cfn_describe_stacks,
}
