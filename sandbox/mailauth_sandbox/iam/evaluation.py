"""IAM policy evaluation: statements checked as IAM checks them, then decided for an action, a resource and a
request context (an explicit Deny wins, otherwise an Allow is needed; fail closed)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from .conditions import (
    MATCH,
    NO_MATCH,
    UNKNOWN,
    Context,
    ContextValue,
    Outcome,
    compile_value,
    conditions_outcome,
)
from .errors import PolicyFormatError
from .resolver import scalar


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`evaluate`: ``allowed`` and why (the deciding statement, or what was missing)."""

    allowed: bool
    reason: str
    kind: Literal["allow", "explicit_deny", "implicit_deny"]


@dataclass(frozen=True)
class Policy:
    """A resolved policy document and the name reasons refer to (inline name or managed policy ARN)."""

    name: str
    document: Mapping[str, Any]


def _as_list(value: Any, what: str, where: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) for v in items):
        raise PolicyFormatError(
            f"{where}: {what} must be a string or a non-empty list of strings, not {value!r}"
        )
    return list(items)


def policy_statements(document: Any, *, identity: bool, where: str) -> list[dict[str, Any]]:
    """The statements of a policy document, checked the way IAM would reject them."""
    if not isinstance(document, dict) or "Statement" not in document:
        raise PolicyFormatError(f"{where}: not a policy document (no Statement): {document!r}")
    raw = document["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    for i, statement in enumerate(statements):
        here = f"{where}, statement {statement.get('Sid', i) if isinstance(statement, dict) else i}"
        if not isinstance(statement, dict):
            raise PolicyFormatError(f"{here}: not an object: {statement!r}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise PolicyFormatError(f"{here}: Effect must be Allow or Deny, not {statement.get('Effect')!r}")
        if ("Action" in statement) == ("NotAction" in statement):
            raise PolicyFormatError(f"{here}: exactly one of Action and NotAction is required")
        _as_list(statement.get("Action", statement.get("NotAction")), "Action", here)
        has_resource = ("Resource" in statement) + ("NotResource" in statement)
        if has_resource > 1 or (identity and has_resource == 0):
            raise PolicyFormatError(f"{here}: exactly one of Resource and NotResource is required")
        if has_resource:
            _as_list(statement.get("Resource", statement.get("NotResource")), "Resource", here)
        condition = statement.get("Condition", {})
        if not isinstance(condition, dict) or not all(isinstance(v, dict) for v in condition.values()):
            raise PolicyFormatError(f"{here}: Condition must map operators to {{key: values}}: {condition!r}")
    return statements


@lru_cache(maxsize=8192)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def action_matches(patterns: Sequence[str], action: str) -> bool:
    return any(_glob(p, True).fullmatch(action) for p in patterns)


def _resource_outcome(patterns: Sequence[str], resource: str, context: Context) -> Outcome:
    unknown = ""
    for pattern in patterns:
        regex = compile_value(pattern, context, wildcards=True, ignore_case=False)
        if regex is None:
            unknown = f"policy variable without a value in resource {pattern}"
        elif regex.fullmatch(resource):
            return MATCH, ""
    return (UNKNOWN, unknown) if unknown else (NO_MATCH, "")


def _principal_matches(element: Any, principal: Mapping[str, str]) -> bool:
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    for kind, wanted in principal.items():
        entries = element.get(kind)
        if entries is None:
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            text = scalar(entry)
            partition = wanted.split(":")[1] if wanted.startswith("arn:") else "aws"
            if re.fullmatch(r"\d{12}", text):
                text = f"arn:{partition}:iam::{text}:root"
            if text == "*" or text == wanted:
                return True
    return False


def _statement_outcome(
    statement: Mapping[str, Any],
    action: str,
    resource: str,
    context: Context,
    principal: Mapping[str, str] | None,
) -> Outcome:
    if principal is not None:
        if "NotPrincipal" in statement:
            return UNKNOWN, "NotPrincipal is not modelled"
        if not _principal_matches(statement.get("Principal"), principal):
            return NO_MATCH, ""
    if "Action" in statement:
        if not action_matches(_as_list(statement["Action"], "Action", "statement"), action):
            return NO_MATCH, ""
    elif action_matches(_as_list(statement["NotAction"], "NotAction", "statement"), action):
        return NO_MATCH, ""
    resource_state, why = MATCH, ""
    if "Resource" in statement:
        resource_state, why = _resource_outcome(
            _as_list(statement["Resource"], "Resource", "statement"), resource, context
        )
    elif "NotResource" in statement:
        state, why = _resource_outcome(
            _as_list(statement["NotResource"], "NotResource", "statement"), resource, context
        )
        resource_state = {MATCH: NO_MATCH, NO_MATCH: MATCH}.get(state, UNKNOWN)
    if resource_state == NO_MATCH:
        return NO_MATCH, ""
    condition_state, condition_why = conditions_outcome(statement.get("Condition") or {}, context)
    if condition_state == NO_MATCH:
        return NO_MATCH, ""
    if resource_state == UNKNOWN or condition_state == UNKNOWN:
        return UNKNOWN, why or condition_why
    return MATCH, ""


def _policies(documents: Iterable[Policy | Mapping[str, Any]]) -> Iterator[Policy]:
    for i, doc in enumerate(documents):
        yield doc if isinstance(doc, Policy) else Policy(name=f"#{i}", document=doc)


def evaluate(
    documents: Iterable[Policy | Mapping[str, Any]],
    action: str,
    resource: str,
    context: Context | None = None,
    *,
    principal: Mapping[str, str] | None = None,
) -> Decision:
    """Decide ``action`` on ``resource`` under ``documents`` (IAM policy evaluation, fail closed).

    ``documents``: identity policies (``principal`` ``None``: their ``Principal`` is ignored), or a resource-based
    policy with ``principal`` the caller (``{"AWS": arn}`` or ``{"Service": "cloudwatch.amazonaws.com"}``).
    """
    context = context or {}
    allow: str | None = None
    notes: list[str] = []
    for policy in _policies(documents):
        for i, statement in enumerate(
            policy_statements(policy.document, identity=principal is None, where=policy.name)
        ):
            label = f"statement {statement.get('Sid') or '#' + str(i)} of policy {policy.name}"
            state, why = _statement_outcome(statement, action, resource, context, principal)
            if statement["Effect"] == "Deny" and state in (MATCH, UNKNOWN):
                suffix = f" (fail closed: {why})" if state == UNKNOWN else ""
                return Decision(False, f"explicitly denied by {label}{suffix}", "explicit_deny")
            if statement["Effect"] == "Allow":
                if state == MATCH and allow is None:
                    allow = label
                elif state == UNKNOWN:
                    notes.append(f"{label} does not apply (fail closed: {why})")
    if allow is not None:
        return Decision(True, f"allowed by {allow}", "allow")
    reason = f"no statement allows {action} on {resource}"
    if notes:
        reason += "; " + "; ".join(notes)
    return Decision(False, reason, "implicit_deny")


def global_context(
    principal_arn: str,
    *,
    region: str | None,
    principal_tags: Mapping[str, str] | None = None,
) -> dict[str, ContextValue]:
    """The global condition keys the sandbox supplies for a role session calling directly (not via a service).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html. Keys not set here
    (``aws:SourceIp``, ``aws:ResourceTag/...``, ``aws:CurrentTime``...) are unknown and fail closed.
    """
    parts = principal_arn.split(":")
    partition, account = parts[1], parts[4]
    role_name = (
        principal_arn.split("/")[1] if ":assumed-role/" in principal_arn else principal_arn.rsplit("/", 1)[-1]
    )
    context: dict[str, ContextValue] = {
        "aws:PrincipalArn": f"arn:{partition}:iam::{account}:role/{role_name}",
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": "AssumedRole",
        "aws:SecureTransport": True,
        "aws:ViaAWSService": False,
        "aws:CalledVia": None,
        "aws:CalledViaFirst": None,
        "aws:CalledViaLast": None,
        "aws:MultiFactorAuthPresent": None,
        "aws:PrincipalTag/": None,
    }
    for key, value in (principal_tags or {}).items():
        context[f"aws:PrincipalTag/{key}"] = value
    if region is not None:
        context["aws:RequestedRegion"] = region
    return context
