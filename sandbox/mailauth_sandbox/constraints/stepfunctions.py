"""Step Functions documented rules for StartExecution: the execution name and input.

The documentation of the input shapes of the operations mailauth calls, read and decided (``+`` implemented):

stepfunctions StartExecution: + ``name`` characters (InvalidName) and, with ``strict_execution_names``, only
``0-9 A-Z a-z - _`` (the documentation says "should": that AWS refuses others is unconfirmed, hence the
opt-in); + ``input`` is JSON (InvalidExecutionInput) and at most 262,144 bytes of UTF-8 (the
model's ``max`` counts bytes here, the walker characters). Name reuse within 90 days: state, not here.
DescribeExecution: nothing beyond the model."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .common import DocumentedRule, model_quotes, row, show_chars, string_param, utf8_size

_SFN_FORBIDDEN = frozenset('<>{}[]?*"#%\\^|~`$&,;:/')
_SFN_LOGGING_NAME = re.compile(r"[0-9A-Za-z_-]*")
_SFN_MAX_INPUT = 262_144


def _sfn_forbidden(char: str) -> bool:
    code = ord(char)
    return (
        char.isspace()
        or char in _SFN_FORBIDDEN
        or code <= 0x1F
        or 0x7F <= code <= 0x9F
        or code in (0xFFFE, 0xFFFF, 0x10FFFF)
        or 0xD800 <= code <= 0xDFFF
    )


def _check_sfn_name(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    name = string_param(params, "name")
    bad = [c for c in name or "" if _sfn_forbidden(c)]
    if bad:
        yield "name", f"Invalid Name: '{name}' (it must not contain {show_chars(bad)})"


def _check_sfn_logging_name(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    name = string_param(params, "name")
    if not strict or name is None or _SFN_LOGGING_NAME.fullmatch(name):
        return
    bad = [c for c in name if not _SFN_LOGGING_NAME.fullmatch(c) and not _sfn_forbidden(c)]
    if bad:  # characters every name refuses are reported by sfn-execution-name
        yield (
            "name",
            f"Invalid Name: '{name}' (a state machine logging to CloudWatch Logs takes only 0-9, A-Z, a-z, - and _: "
            f"not {show_chars(bad)})",
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_sfn_input_json(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    text = string_param(params, "input")
    if text is None:
        return
    try:
        json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        yield "input", f"Invalid State Machine Execution Input: '{exc}'"


def _check_sfn_input_size(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    text = string_param(params, "input")
    # Longer than the max in characters: the model walker reports it already.
    if text is not None and len(text) <= _SFN_MAX_INPUT < utf8_size(text):
        yield (
            "input",
            "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length "
            f"less than or equal to {_SFN_MAX_INPUT} ({utf8_size(text)} bytes of UTF-8)",
        )


_Q_SFN_NAME = model_quotes(
    "stepfunctions",
    "StartExecutionInput$name",
    "A name must not contain: white space brackets < > { } [ ] wildcard characters ? * special characters "
    '" # % \\ ^ | ~ ` $ & , ; : /',
    "control characters ( U+0000-001F , U+007F-009F , U+FFFE-FFFF ) surrogates ( U+D800-DFFF ) invalid "
    "characters ( U+10FFFF )",
)
_Q_SFN_LOGGING = model_quotes(
    "stepfunctions",
    "StartExecutionInput$name",
    "To enable logging with CloudWatch Logs, the name should only contain 0-9, A-Z, a-z, - and _.",
)
_Q_SFN_JSON = model_quotes(
    "stepfunctions",
    "StartExecutionInput$input",
    'If you don\'t include any JSON input data, you still must include the two braces, for example: "{}"',
) + model_quotes("stepfunctions", "InvalidExecutionInput", "The provided JSON input data is not valid.")
_Q_SFN_SIZE = model_quotes(
    "stepfunctions",
    "StartExecutionInput$input",
    "Length constraints apply to the payload size, and are expressed as bytes in UTF-8 encoding.",
)
_SFN_OPERATIONS = ("StartExecution",)

# fmt: off
RULES: list[DocumentedRule] = [
    # ---- Step Functions (InvalidName, InvalidExecutionInput: modeled for StartExecution, no error metadata)
    row("sfn-execution-name", "stepfunctions", _SFN_OPERATIONS,
        "name has no white space, < > { } [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /, control characters "
        "(U+0000-001F, U+007F-009F, U+FFFE-FFFF), surrogates or U+10FFFF",
        "InvalidName", _check_sfn_name, _Q_SFN_NAME,
        "Step Functions answers \"Invalid Name: '<name>'\""),
    row("sfn-execution-name-logging", "stepfunctions", _SFN_OPERATIONS,
        "with strict_execution_names (the state machine logs to CloudWatch Logs): name holds only 0-9 A-Z a-z "
        "- _",
        "InvalidName", _check_sfn_logging_name, _Q_SFN_LOGGING),
    row("sfn-execution-input-json", "stepfunctions", _SFN_OPERATIONS,
        "input is JSON",
        "InvalidExecutionInput", _check_sfn_input_json, _Q_SFN_JSON),
    row("sfn-execution-input-size", "stepfunctions", _SFN_OPERATIONS,
        "input is at most 262,144 bytes of UTF-8 (the model's max counts bytes here)",
        "ValidationException", _check_sfn_input_size, _Q_SFN_SIZE),
]
# fmt: on
