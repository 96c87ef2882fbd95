"""SSM and STS documented rules: GetParameter's name, AssumeRole's SourceIdentity and PolicyArns.

The documentation of the input shapes of the operations mailauth calls, read and decided (``+`` implemented):

ssm GetParameter: + no spaces inside the name. sts AssumeRole: the patterns are in the model; + SourceIdentity
must not begin with ``aws:``; + at most 10 PolicyArns. DurationSeconds above the role's maximum and role
chaining: state. cloudformation DescribeStacks: nothing beyond the model."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .common import DocumentedRule, as_list, model_quotes, row, show, string_param


def _check_ssm_name_spaces(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    name = string_param(params, "Name")
    if name is not None and " " in name.strip(" "):
        yield "Name", f"Parameter name '{show(name, 120)}' contains spaces between characters"


def _check_sts_source_identity(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    identity = string_param(params, "SourceIdentity")
    if identity is not None and identity[:4].lower() == "aws:":
        yield "SourceIdentity", f"Invalid SourceIdentity '{show(identity, 80)}': the aws: prefix is reserved"


def _check_sts_policy_arns(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    arns = as_list(params.get("PolicyArns"))
    if len(arns) > 10:
        yield "PolicyArns", f"{len(arns)} managed policy ARNs; you can provide up to 10"


_Q_SSM_NAME = model_quotes(
    "ssm",
    "GetParameter",
    "If the specified name for a parameter contains spaces between characters, the request fails with a "
    "ValidationException error.",
)
_Q_STS_SOURCE = model_quotes(
    "sts", "AssumeRoleRequest$SourceIdentity", "You cannot use a value that begins with the text aws:."
)
_Q_STS_ARNS = model_quotes(
    "sts", "AssumeRoleRequest$PolicyArns", "You can provide up to 10 managed policy ARNs."
)

# fmt: off
RULES: list[DocumentedRule] = [
    # ---- SSM, STS
    row("ssm-parameter-name-spaces", "ssm", ("GetParameter",),
        "Name has no space between characters",
        "ValidationException", _check_ssm_name_spaces, _Q_SSM_NAME),
    row("sts-source-identity-prefix", "sts", ("AssumeRole",),
        "SourceIdentity does not begin with aws:",
        "ValidationError", _check_sts_source_identity, _Q_STS_SOURCE),
    row("sts-policy-arns-count", "sts", ("AssumeRole",),
        "at most 10 PolicyArns",
        "ValidationError", _check_sts_policy_arns, _Q_STS_ARNS,
        "The error code is an assumption (STS's common ValidationError)"),
]
# fmt: on
