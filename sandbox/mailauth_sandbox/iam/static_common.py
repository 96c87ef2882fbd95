"""What the static checks share: :class:`Finding`, the actions services need, and the documentation each
finding cites."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Finding:
    """Something a service needs that the transformed template does not give it."""

    resource: str
    problem: str
    source: str
    #: the check that found it (``stepfunctions-logging``, ``lambda-permission``...), for tests and filters
    check: str = ""
    #: what is missing: an action, or the invoking principal and source
    missing: str = ""


SFN_LOGGING_ACTIONS: Final = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
SFN_XRAY_ACTIONS: Final = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
LAMBDA_XRAY_ACTIONS: Final = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
LAMBDA_LOG_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")
KMS_PUBLISH_ACTIONS: Final = ("kms:GenerateDataKey", "kms:Decrypt")

SOURCE_SFN_LOGS: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html"
SOURCE_SFN_XRAY: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html"
SOURCE_SFN_LAMBDA: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html"
#: topic policies: "Example cases for Amazon SNS access control" (CloudWatch alarms publishing to a topic)
SOURCE_SNS_TOPIC_POLICY: Final = "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html"
#: "The following includes the IAM policy ... sns:Publish" for the Step Functions SNS integration
SOURCE_SFN_SNS: Final = "https://docs.aws.amazon.com/step-functions/latest/dg/sns-iam.html"
SOURCE_LAMBDA_ROLE: Final = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"
SOURCE_LAMBDA_XRAY: Final = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"
SOURCE_SNS_KMS: Final = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
SOURCE_SNS_KMS_SERVICES: Final = (
    "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services"
)
SOURCE_KMS_KEY_POLICY: Final = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
SOURCE_EVENTS_LAMBDA: Final = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions"
SOURCE_SNS_LAMBDA: Final = "https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html"
SOURCE_APIGW_LAMBDA: Final = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"
)
SOURCE_TRUST: Final = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html"

LAMBDA_ARN: Final = re.compile(r"^arn:[^:]+:lambda:[^:]+:\d{12}:function:(?P<name>[^:]+)(:[^:]+)?$")
