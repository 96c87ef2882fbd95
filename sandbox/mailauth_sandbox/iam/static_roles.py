"""Static checks of the roles services assume: Step Functions' log delivery, X-Ray, SNS and Lambda
permissions, Lambda's logs and X-Ray, and that each role's trust policy lets its service assume it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .evaluation import Decision, Policy, evaluate
from .resolver import Resolver, scalar
from .roles import Role, function_roles, state_machine_roles
from .static_common import (
    LAMBDA_ARN,
    LAMBDA_LOG_ACTIONS,
    LAMBDA_XRAY_ACTIONS,
    SFN_LOGGING_ACTIONS,
    SFN_XRAY_ACTIONS,
    SOURCE_LAMBDA_ROLE,
    SOURCE_LAMBDA_XRAY,
    SOURCE_SFN_LAMBDA,
    SOURCE_SFN_LOGS,
    SOURCE_SFN_SNS,
    SOURCE_SFN_XRAY,
    SOURCE_TRUST,
    Finding,
)


def _missing_actions(role: Role, actions: Iterable[str], resource: str) -> list[str]:
    return [a for a in actions if not role.evaluate(a, resource).allowed]


def check_state_machines(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    findings: list[Finding] = []
    roles = state_machine_roles(transformed, resolver)
    for logical, role in roles.items():
        props = transformed["Resources"][logical].get("Properties") or {}
        logging = resolver.resolve(props.get("LoggingConfiguration") or {})
        if isinstance(logging, dict) and (
            logging.get("Destinations") or str(logging.get("Level", "OFF")).upper() != "OFF"
        ):
            for action in _missing_actions(role, SFN_LOGGING_ACTIONS, "*"):
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow {action} on *: Step Functions needs it to deliver logs to "
                        "CloudWatch Logs (creating the state machine fails with AccessDenied)",
                        SOURCE_SFN_LOGS,
                        "stepfunctions-logging",
                        action,
                    )
                )
        tracing = resolver.resolve(props.get("TracingConfiguration") or {})
        if isinstance(tracing, dict) and scalar(tracing.get("Enabled", False)).lower() == "true":
            for action in _missing_actions(role, SFN_XRAY_ACTIONS, "*"):
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow {action} on *: needed with X-Ray tracing enabled",
                        SOURCE_SFN_XRAY,
                        "stepfunctions-xray",
                        action,
                    )
                )
        for key, value in (props.get("DefinitionSubstitutions") or {}).items():
            resolved = resolver.resolve(value)
            if isinstance(resolved, str) and resolved.split(":")[2:3] == ["sns"]:
                # a topic the definition publishes to through the Step Functions SNS integration (sns:publish)
                if not role.evaluate("sns:Publish", resolved).allowed:
                    findings.append(
                        Finding(
                            logical,
                            f"role {role.name} does not allow sns:Publish on {resolved} (DefinitionSubstitutions "
                            f"{key}): the state machine cannot publish to it",
                            SOURCE_SFN_SNS,
                            "stepfunctions-sns",
                            resolved,
                        )
                    )
                continue
            invokable = isinstance(resolved, str) and LAMBDA_ARN.match(resolved)
            if invokable and not role.evaluate("lambda:InvokeFunction", resolved).allowed:
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow lambda:InvokeFunction on {resolved} "
                        f"(DefinitionSubstitutions {key}): the state machine cannot call it",
                        SOURCE_SFN_LAMBDA,
                        "stepfunctions-invoke",
                        resolved,
                    )
                )
        findings += _trust(logical, role, "states.amazonaws.com")
    return findings


def _trust(owner: str, role: Role, service: str) -> list[Finding]:
    if role.trust_policy:
        decision = evaluate(
            [Policy(f"{role.name} trust policy", role.trust_policy)],
            "sts:AssumeRole",
            role.arn,
            {},
            principal={"Service": service},
        )
    else:
        decision = Decision(False, "it has none", "implicit_deny")
    if decision.allowed:
        return []
    return [
        Finding(
            owner,
            f"role {role.name}'s trust policy does not let {service} assume it ({decision.reason})",
            SOURCE_TRUST,
            "trust-policy",
            service,
        )
    ]


def check_functions(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    findings: list[Finding] = []
    p, r, a = resolver.partition, resolver.region, resolver.account_id
    for logical, role in function_roles(transformed, resolver).items():
        props = transformed["Resources"][logical].get("Properties") or {}
        name = resolver.string({"Ref": logical})
        log_group = f"/aws/lambda/{name}"
        logging_config = resolver.resolve(props.get("LoggingConfig") or {})
        if isinstance(logging_config, dict) and logging_config.get("LogGroup"):
            log_group = str(logging_config["LogGroup"])
        stream = f"arn:{p}:logs:{r}:{a}:log-group:{log_group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef"
        for action in _missing_actions(role, LAMBDA_LOG_ACTIONS, stream):
            findings.append(
                Finding(
                    logical,
                    f"role {role.name} does not allow {action} on the log group {log_group}: the function's logs "
                    "are lost",
                    SOURCE_LAMBDA_ROLE,
                    "lambda-logs",
                    action,
                )
            )
        tracing = resolver.resolve(props.get("TracingConfig") or {})
        if isinstance(tracing, dict) and tracing.get("Mode") == "Active":
            for action in _missing_actions(role, LAMBDA_XRAY_ACTIONS, "*"):
                findings.append(
                    Finding(
                        logical,
                        f"role {role.name} does not allow {action} on *: needed with active tracing",
                        SOURCE_LAMBDA_XRAY,
                        "lambda-xray",
                        action,
                    )
                )
        findings += _trust(logical, role, "lambda.amazonaws.com")
    return findings
