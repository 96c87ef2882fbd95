"""Static checks of SNS topics: an encrypted topic's KMS key (its publishers, its key policy, the alarms that
publish to it) and topic policies (publishers not denied, alarms allowed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import ContextValue
from .denials import check_policies
from .evaluation import Policy, evaluate
from .resolver import Resolver
from .roles import function_roles
from .static_common import (
    KMS_PUBLISH_ACTIONS,
    SOURCE_KMS_KEY_POLICY,
    SOURCE_SNS_KMS,
    SOURCE_SNS_KMS_SERVICES,
    SOURCE_SNS_TOPIC_POLICY,
    Finding,
)


@dataclass(frozen=True)
class _TopicKey:
    topic_logical: str
    topic_arn: str
    key_arn: str
    key_logical: str | None  # the template's AWS::KMS::Key, when it is one


def _topic_keys(transformed: Mapping[str, Any], resolver: Resolver) -> list[_TopicKey]:
    out: list[_TopicKey] = []
    p, r, a = resolver.partition, resolver.region, resolver.account_id
    resources = transformed.get("Resources") or {}
    for logical, res in resources.items():
        if not (isinstance(res, dict) and res.get("Type") == "AWS::SNS::Topic" and resolver.exists(logical)):
            continue
        raw = (res.get("Properties") or {}).get("KmsMasterKeyId")
        if raw is None:
            continue
        key_logical: str | None = None
        if isinstance(raw, dict) and len(raw) == 1:
            ((fn, arg),) = raw.items()
            target = (
                arg if fn == "Ref" else (arg[0] if fn == "Fn::GetAtt" and isinstance(arg, list) else None)
            )
            if isinstance(target, str) and (resources.get(target) or {}).get("Type") == "AWS::KMS::Key":
                key_logical = target
        if key_logical is not None:
            key_arn = resolver.string({"Fn::GetAtt": [key_logical, "Arn"]})
        else:
            value = resolver.string(raw)
            key_arn = (
                value
                if value.startswith("arn:")
                else f"arn:{p}:kms:{r}:{a}:{value}"
                if value.startswith("alias/")
                else f"arn:{p}:kms:{r}:{a}:key/{value}"
            )
        out.append(_TopicKey(logical, resolver.string({"Ref": logical}), key_arn, key_logical))
    return out


def topic_keys(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
    """``{topic ARN: KMS key ARN}`` of the template's encrypted topics (what :func:`authorization_requests` takes)."""
    return {t.topic_arn: t.key_arn for t in _topic_keys(transformed, resolver)}


def _alarms_publishing_to(
    resources: Mapping[str, Any], resolver: Resolver, topic_arn: str
) -> list[tuple[str, str]]:
    """``(logical ID, ARN)`` of every alarm of the template with ``topic_arn`` among its actions."""
    out: list[tuple[str, str]] = []
    for alarm, res in resources.items():
        if not (
            isinstance(res, dict) and res.get("Type") == "AWS::CloudWatch::Alarm" and resolver.exists(alarm)
        ):
            continue
        props = res.get("Properties") or {}
        actions = [
            *resolver.strings(props.get("AlarmActions") or []),
            *resolver.strings(props.get("OKActions") or []),
            *resolver.strings(props.get("InsufficientDataActions") or []),
        ]
        if topic_arn in actions:
            out.append((alarm, resolver.string({"Fn::GetAtt": [alarm, "Arn"]})))
    return out


def check_topic_keys(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:  # noqa: C901
    findings: list[Finding] = []
    keys = _topic_keys(transformed, resolver)
    resources = transformed.get("Resources") or {}
    p, a = resolver.partition, resolver.account_id
    mapping = {t.topic_arn: t.key_arn for t in keys}
    for logical, role in function_roles(transformed, resolver).items():
        principal = role.principal_arn(resolver.string({"Ref": logical}))
        for t in keys:
            if not role.evaluate("sns:Publish", t.topic_arn).allowed:
                continue
            denial = check_policies(
                role.policies,
                principal,
                "sns",
                "Publish",
                {"TopicArn": t.topic_arn},
                region=resolver.region,
                account_id=a,
                partition=p,
                topic_keys=mapping,
                principal_tags=role.tags,
            )
            if denial is not None:
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} may publish to {t.topic_logical} but not {denial.action} on its key "
                        f"{t.key_arn}: SNS uses the publisher's permissions to encrypt ({denial.reason})",
                        SOURCE_SNS_KMS,
                        "sns-kms-publisher",
                        denial.action,
                    )
                )
    for t in keys:
        key_policy: Any = None
        if t.key_logical is not None:
            key_policy = resolver.resolve((resources[t.key_logical].get("Properties") or {}).get("KeyPolicy"))
            root = {"AWS": f"arn:{p}:iam::{a}:root"}
            for action in KMS_PUBLISH_ACTIONS:
                decision = evaluate(
                    [Policy(f"{t.key_logical} key policy", key_policy)], action, t.key_arn, {}, principal=root
                )
                if not decision.allowed:
                    findings.append(
                        Finding(
                            t.key_logical,
                            f"the key policy does not let the account's IAM policies use {action} (no statement "
                            f"allows the account root): publishers to {t.topic_logical} are refused",
                            SOURCE_KMS_KEY_POLICY,
                            "kms-key-policy",
                            action,
                        )
                    )
        for alarm, alarm_arn in _alarms_publishing_to(resources, resolver, t.topic_arn):
            context: dict[str, ContextValue] = {"aws:SourceAccount": a, "aws:SourceArn": alarm_arn}
            for action in KMS_PUBLISH_ACTIONS:
                if key_policy is None:
                    allowed, why = (
                        False,
                        f"{t.key_arn} is not a key of the template (an AWS managed key's policy cannot be changed)",
                    )
                else:
                    decision = evaluate(
                        [Policy(f"{t.key_logical} key policy", key_policy)],
                        action,
                        t.key_arn,
                        context,
                        principal={"Service": "cloudwatch.amazonaws.com"},
                    )
                    allowed, why = decision.allowed, decision.reason
                if not allowed:
                    findings.append(
                        Finding(
                            alarm,
                            f"the key of {t.topic_logical} does not let cloudwatch.amazonaws.com use {action}: the "
                            f"alarm cannot publish to the encrypted topic ({why})",
                            SOURCE_SNS_KMS_SERVICES,
                            "sns-kms-alarm",
                            action,
                        )
                    )
    return findings


def check_topic_policies(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    """A topic policy must not deny a function whose role may publish to the topic, and must allow CloudWatch for
    each alarm that publishes to it (a topic with its own policy no longer has the default one, which let the
    account's principals and services publish)."""
    findings: list[Finding] = []
    resources = transformed.get("Resources") or {}
    account = resolver.account_id
    for logical, res in resources.items():
        if not (
            isinstance(res, dict) and res.get("Type") == "AWS::SNS::TopicPolicy" and resolver.exists(logical)
        ):
            continue
        props = res.get("Properties") or {}
        document = Policy(f"{logical}", resolver.resolve(props.get("PolicyDocument")))
        for topic in resolver.strings(props.get("Topics") or []):
            for function, role in function_roles(transformed, resolver).items():
                if not role.evaluate("sns:Publish", topic).allowed:
                    continue
                principal = role.arn
                decision = evaluate(
                    [document],
                    "sns:Publish",
                    topic,
                    {"aws:PrincipalArn": principal, "aws:PrincipalAccount": account},
                    principal={"AWS": principal},
                )
                if decision.kind == "explicit_deny":
                    findings.append(
                        Finding(
                            logical,
                            f"the topic policy denies {function}'s role sns:Publish on {topic} ({decision.reason})",
                            SOURCE_SNS_TOPIC_POLICY,
                            "sns-topic-policy-publisher",
                            function,
                        )
                    )
            for alarm, alarm_arn in _alarms_publishing_to(resources, resolver, topic):
                decision = evaluate(
                    [document],
                    "sns:Publish",
                    topic,
                    {"aws:SourceAccount": account, "aws:SourceArn": alarm_arn},
                    principal={"Service": "cloudwatch.amazonaws.com"},
                )
                if not decision.allowed:
                    findings.append(
                        Finding(
                            alarm,
                            f"the policy of {topic} does not let cloudwatch.amazonaws.com publish: the alarm's "
                            f"action fails ({decision.reason})",
                            SOURCE_SNS_TOPIC_POLICY,
                            "sns-topic-policy-alarm",
                            alarm,
                        )
                    )
    return findings
