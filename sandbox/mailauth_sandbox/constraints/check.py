"""The table of every documented rule, and :func:`check_request`: the model constraints and the documented
rules that apply to one call, as the violations AWS would answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import dynamodb, route53, ses, sns, ssm_sts, stepfunctions
from .common import DocumentedRule
from .models import error_for, operation_model
from .walker import Where, walk


@dataclass(frozen=True)
class Violation:
    """One thing AWS would refuse in a request, with the error it would answer."""

    service: str  # botocore service name: "sesv2", "route53", ...
    operation: str  # "CreateEmailIdentity"
    path: str  # botocore member names: "Tags[1].Value"
    rule: str  # short id: "pattern", "max-length", "ses-tag-characters", ...
    message: str  # AWS-like message naming the parameter and the problem
    code: str  # the error code the service answers with
    status: int  # HTTP status of that error
    source: str  # where the rule comes from


#: The documented rules :func:`check_request` enforces, one record each (docs are generated from this table):
#: the ``RULES`` of each service module, in this order.
DOCUMENTED_RULES: list[DocumentedRule] = [
    *ses.RULES,
    *route53.RULES,
    *sns.RULES,
    *stepfunctions.RULES,
    *dynamodb.RULES,
    *ssm_sts.RULES,
]

_RULES_BY_OPERATION: dict[tuple[str, str], list[DocumentedRule]] = {}
for _row in DOCUMENTED_RULES:
    for _operation in _row.operations:
        _RULES_BY_OPERATION.setdefault((_row.service, _operation), []).append(_row)


def check_request(
    service: str, operation: str, params: Mapping[str, Any], *, strict_execution_names: bool = False
) -> list[Violation]:
    """Every violation of the service model's constraints and of the documented rules, for a request as the
    caller passed it to botocore (the API parameters, e.g. ``{"EmailIdentity": ..., "Tags": [...]}``).

    Model-constraint violations come first (AWS validates them before anything else), with the code of
    :func:`error_for`; then the documented rules, each with its own code. ``strict_execution_names``: the
    state machine logs to CloudWatch Logs, so execution names may hold only ``0-9 A-Z a-z - _``.
    """
    model = operation_model(service, operation)
    violations: list[Violation] = []
    if model.input_shape is not None:
        code, status = error_for(service, operation)
        violations += [
            Violation(service, operation, f.path, f.rule, f.message, code, status, f.source)
            for f in walk(model.input_shape, params, Where("", ""), service)
        ]
    for rule in _RULES_BY_OPERATION.get((service, operation), []):
        violations += [
            Violation(service, operation, path, rule.rule, message, rule.code, rule.status, rule.source)
            for path, message in rule.check(operation, params, strict_execution_names)
        ]
    return violations
