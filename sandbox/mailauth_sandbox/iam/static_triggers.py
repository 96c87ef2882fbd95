"""Static checks of Lambda triggers: the ``AWS::Lambda::Permission`` each EventBridge rule, SNS subscription
and API Gateway integration needs to invoke its function."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .conditions import value_matches
from .evaluation import action_matches
from .resolver import Resolver
from .static_common import LAMBDA_ARN, SOURCE_APIGW_LAMBDA, SOURCE_EVENTS_LAMBDA, SOURCE_SNS_LAMBDA, Finding


def _function_names(transformed: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
    """``{physical name: logical ID}`` of the template's functions."""
    out: dict[str, str] = {}
    for logical, res in (transformed.get("Resources") or {}).items():
        if isinstance(res, dict) and res.get("Type") == "AWS::Lambda::Function" and resolver.exists(logical):
            out[resolver.string({"Ref": logical})] = logical
    return out


def _function_name_of(value: str) -> str:
    """A function name from a name, ARN or partial ARN (``123456789012:function:name``), qualifier dropped."""
    if ":function:" in value:
        return value.split(":function:", 1)[1].split(":", 1)[0]
    return value.split(":", 1)[0]


@dataclass(frozen=True)
class _Permission:
    logical: str
    function: str
    principal: str
    source_arn: str | None


def _permissions(transformed: Mapping[str, Any], resolver: Resolver) -> list[_Permission]:
    out: list[_Permission] = []
    for logical, res in (transformed.get("Resources") or {}).items():
        if not (
            isinstance(res, dict)
            and res.get("Type") == "AWS::Lambda::Permission"
            and resolver.exists(logical)
        ):
            continue
        props = res.get("Properties") or {}
        action = resolver.string(props.get("Action"))
        if not action_matches([action], "lambda:InvokeFunction"):
            continue
        source = props.get("SourceArn")
        out.append(
            _Permission(
                logical,
                _function_name_of(resolver.string(props.get("FunctionName"))),
                resolver.string(props.get("Principal")),
                resolver.string(source) if source is not None else None,
            )
        )
    return out


def _permitted(permissions: Sequence[_Permission], function: str, principal: str, source_arn: str) -> bool:
    for perm in permissions:
        if perm.function != function or perm.principal != principal or perm.source_arn is None:
            continue
        if value_matches("ArnLike", perm.source_arn, source_arn, {}):
            return True
    return False


def check_triggers(transformed: Mapping[str, Any], resolver: Resolver) -> list[Finding]:
    findings: list[Finding] = []
    resources = transformed.get("Resources") or {}
    functions = _function_names(transformed, resolver)
    permissions = _permissions(transformed, resolver)

    def need(owner: str, function: str, principal: str, source: str, url: str, check: str) -> None:
        if function in functions and not _permitted(permissions, function, principal, source):
            findings.append(
                Finding(
                    owner,
                    f"no AWS::Lambda::Permission lets {principal} invoke {function} from {source} "
                    "(lambda:InvokeFunction with that SourceArn)",
                    url,
                    check,
                    f"{principal} {source}",
                )
            )

    for logical, res in resources.items():
        if not isinstance(res, dict) or not resolver.exists(logical):
            continue
        rtype, props = res.get("Type"), res.get("Properties") or {}
        if rtype == "AWS::Events::Rule":
            rule_arn = resolver.string({"Fn::GetAtt": [logical, "Arn"]})
            for target in resolver.resolve(props.get("Targets") or []):
                arn = str(target.get("Arn", ""))
                if LAMBDA_ARN.match(arn) and not target.get("RoleArn"):
                    need(
                        logical,
                        _function_name_of(arn),
                        "events.amazonaws.com",
                        rule_arn,
                        SOURCE_EVENTS_LAMBDA,
                        "lambda-permission-events",
                    )
        elif (
            rtype == "AWS::SNS::Subscription"
            and str(resolver.resolve(props.get("Protocol"))).lower() == "lambda"
        ):
            endpoint = resolver.string(props.get("Endpoint"))
            need(
                logical,
                _function_name_of(endpoint),
                "sns.amazonaws.com",
                resolver.string(props.get("TopicArn")),
                SOURCE_SNS_LAMBDA,
                "lambda-permission-sns",
            )
        elif rtype == "AWS::ApiGateway::RestApi":
            for method, path, uri in _api_integrations(props.get("Body")):
                function = _function_name_of(
                    resolver.string(uri).split("/functions/", 1)[-1].split("/invocations")[0]
                )
                api_id = resolver.string({"Ref": logical})
                stages = _api_stages(resources, resolver, logical) or ["stage"]
                sample = re.sub(r"\{[^}]*\}", "sample", path)
                for stage in stages:
                    source = (
                        f"arn:{resolver.partition}:execute-api:{resolver.region}:{resolver.account_id}:"
                        f"{api_id}/{stage}/{method}{sample}"
                    )
                    need(
                        logical,
                        function,
                        "apigateway.amazonaws.com",
                        source,
                        SOURCE_APIGW_LAMBDA,
                        "lambda-permission-api",
                    )
    return findings


def _api_integrations(body: Any) -> list[tuple[str, str, Any]]:
    """``(METHOD, path, uri)`` of every Lambda integration invoked with the resource policy (no credentials)."""
    out: list[tuple[str, str, Any]] = []
    if not isinstance(body, dict):
        return out
    for path, methods in (body.get("paths") or {}).items():
        if not isinstance(methods, dict):
            continue
        for method, operation in methods.items():
            integration = (
                operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
            )
            if not isinstance(integration, dict) or integration.get("credentials"):
                continue
            uri = integration.get("uri")
            if "lambda:path/2015-03-31/functions/" in json.dumps(uri):
                verb = "GET" if method == "x-amazon-apigateway-any-method" else str(method).upper()
                out.append((verb, str(path), uri))
    return out


def _api_stages(resources: Mapping[str, Any], resolver: Resolver, api: str) -> list[str]:
    stages: list[str] = []
    for logical, res in resources.items():
        if isinstance(res, dict) and res.get("Type") == "AWS::ApiGateway::Stage" and resolver.exists(logical):
            props = res.get("Properties") or {}
            if props.get("RestApiId") == {"Ref": api}:
                stages.append(resolver.string(props.get("StageName")))
    return stages
