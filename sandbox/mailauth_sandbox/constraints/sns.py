"""SNS documented rules for Publish: Subject, message size and structure, message attributes, the target,
FIFO tokens.

The documentation of the input shapes of the operations mailauth calls, read and decided (``+`` implemented):

sns Publish: + Subject (not empty, fewer than 100 characters, no line breaks or control characters, UTF-8),
+ message size (body and attributes, 262,144 bytes by default; a topic whose MaximumMessageSize is raised
accepts up to 1 MiB, which this stateless check cannot know), + empty message, + MessageStructure (only
``json``; a JSON object without duplicate keys and, for a topic, with a string ``default``), + a target
(TopicArn, TargetArn or PhoneNumber), + MessageGroupId/MessageDeduplicationId (up to 128 ``!``-``~``),
+ message attributes (type prefix String/Number/Binary, a non-empty value). Attribute names (reserved
``AWS.``/``Amazon.`` prefixes) and Number values: not implemented (mailauth sends two String attributes).
SMS limits: mailauth sends no SMS."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from .common import DocumentedRule, model_quotes, row, show_chars, string_param, utf8_size

_SNS_MAX_MESSAGE = 262_144
_SNS_SUBJECT_LIMIT = 100  # "less than 100 characters"
_SNS_TOKEN = re.compile(r"[!-~]{1,128}")


def _is_line_break_or_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029"


def _check_sns_subject(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    subject = string_param(params, "Subject")
    if subject is None:
        return
    if not subject:
        yield "Subject", "Invalid parameter: Subject (it is empty)"
    if len(subject) >= _SNS_SUBJECT_LIMIT:
        yield "Subject", f"Invalid parameter: Subject ({len(subject)} characters; it must be less than 100)"
    bad = [c for c in subject if _is_line_break_or_control(c)]
    if bad:
        yield "Subject", f"Invalid parameter: Subject (line breaks or control characters: {show_chars(bad)})"


def _check_sns_message_size(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    size = utf8_size(params.get("Message"))
    attributes = params.get("MessageAttributes")
    for name, attribute in attributes.items() if isinstance(attributes, Mapping) else ():
        size += utf8_size(name)
        if isinstance(attribute, Mapping):
            size += sum(utf8_size(attribute.get(part)) for part in ("DataType", "StringValue", "BinaryValue"))
    if size > _SNS_MAX_MESSAGE:
        yield (
            "Message",
            f"Invalid parameter: Message too long ({size} bytes with the message attributes; at most "
            f"{_SNS_MAX_MESSAGE})",
        )


def _check_sns_message_empty(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    if params.get("Message") == "":
        yield "Message", "Invalid parameter: Empty message"


def _check_sns_attributes(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    attributes = params.get("MessageAttributes")
    for name, attribute in attributes.items() if isinstance(attributes, Mapping) else ():
        data_type = attribute.get("DataType") if isinstance(attribute, Mapping) else None
        if not isinstance(data_type, str):
            continue
        kind = data_type.split(".", 1)[0]
        if kind not in ("String", "Number", "Binary"):
            yield (
                f"MessageAttributes[{name!r}].DataType",
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported type "
                "prefixes is Binary, Number, and String.",
            )
        elif not attribute.get("BinaryValue" if kind == "Binary" else "StringValue"):
            yield (
                f"MessageAttributes[{name!r}]",
                f"The message attribute '{name}' must contain non-empty message attribute value for message "
                f"attribute type '{data_type}'.",
            )


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys {duplicates}")
    return dict(pairs)


def _check_sns_message_structure(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    structure = string_param(params, "MessageStructure")
    if structure is None:
        return
    if structure != "json":
        yield "MessageStructure", f"Invalid parameter: MessageStructure '{structure}' (valid value: json)"
        return
    try:
        body = json.loads(string_param(params, "Message") or "", object_pairs_hook=_no_duplicate_keys)
    except ValueError as exc:
        yield "Message", f"Invalid parameter: Message Structure - JSON message body failed to parse ({exc})"
        return
    if not isinstance(body, dict):
        yield "Message", "Invalid parameter: Message Structure - the JSON message body is not an object"
    elif params.get("TopicArn") and not isinstance(body.get("default"), str):
        yield "Message", "Invalid parameter: Message Structure - No default entry in JSON message body"


def _check_sns_target(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    if not any(params.get(name) for name in ("TopicArn", "TargetArn", "PhoneNumber")):
        yield "TopicArn", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"


def _check_sns_tokens(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    for name in ("MessageGroupId", "MessageDeduplicationId"):
        value = string_param(params, name)
        if value is not None and not _SNS_TOKEN.fullmatch(value):
            yield (
                name,
                f"Invalid parameter: {name} (up to 128 alphanumeric characters and punctuation, '!' to '~')",
            )


_Q_SNS_SUBJECT = model_quotes(
    "sns",
    "PublishInput$Subject",
    "Constraints: Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 "
    "characters long.",
)
_Q_SNS_SIZE = model_quotes(
    "sns",
    "PublishInput$Message",
    "By default, a message can be at most 256 KiB in size (262,144 bytes, not 262,144 characters).",
    "Amazon SNS validates the combined size of the message body and message attributes against this value and "
    "returns an InvalidParameter error if the limit is exceeded.",
)
_Q_SNS_STRUCTURE = model_quotes(
    "sns",
    "PublishInput$MessageStructure",
    "If you set MessageStructure to json, the value of the Message parameter must: be a syntactically valid JSON "
    'object; and contain at least a top-level JSON key of "default" with a value that is a string.',
    "Valid value: json",
) + model_quotes("sns", "PublishInput$Message", "Duplicate keys are not allowed.")
_Q_SNS_ATTRIBUTES = model_quotes(
    "sns",
    "MessageAttributeValue$DataType",
    "Amazon SNS supports the following logical data types: String, String.Array, Number, and Binary.",
)
_Q_SNS_TARGET = model_quotes(
    "sns",
    "PublishInput$TopicArn",
    "If you don't specify a value for the TopicArn parameter, you must specify a value for the PhoneNumber or "
    "TargetArn parameters.",
)
_Q_SNS_TOKENS = model_quotes(
    "sns",
    "PublishInput$MessageGroupId",
    "The MessageGroupId can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation",
) + model_quotes(
    "sns",
    "PublishInput$MessageDeduplicationId",
    "The MessageDeduplicationId can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation",
)

# fmt: off
RULES: list[DocumentedRule] = [
    # ---- SNS (InvalidParameterException: modeled, code InvalidParameter, 400)
    row("sns-subject", "sns", ("Publish",),
        "Subject: not empty, fewer than 100 characters, no line breaks or control characters, UTF-8 (no lone "
        "surrogate)",
        "InvalidParameter", _check_sns_subject, _Q_SNS_SUBJECT,
        "Empty subjects: AWS answers 'Invalid parameter: Subject' (wellcomecollection/platform#1107, "
        "localstack/localstack#597). AWS was seen accepting exactly 100 characters (getmoto/moto#1503, 2018); "
        "the documented 'less than 100' is what is enforced"),
    row("sns-message-size", "sns", ("Publish",),
        "message body plus attributes (names, data types, values) at most 262,144 bytes",
        "InvalidParameter", _check_sns_message_size, _Q_SNS_SIZE,
        "A topic's MaximumMessageSize (up to 1 MiB) is state this stateless check does not know"),
    row("sns-message-empty", "sns", ("Publish",),
        "Message is not empty",
        "InvalidParameter", _check_sns_message_empty, (),
        "Not in the sns model, where Message is only required. AWS answers 'Invalid parameter: Empty message' "
        "(localstack/localstack#5096, sricola/pyAmazonSNS#3)"),
    row("sns-message-structure", "sns", ("Publish",),
        "MessageStructure is json; Message is then a JSON object without duplicate keys and, for a topic, with "
        "a string default",
        "InvalidParameter", _check_sns_message_structure, _Q_SNS_STRUCTURE,
        "AWS answers 'Invalid parameter: Message Structure - No default entry in JSON message body' "
        "(aws/aws-sdk-ruby#346); a platform endpoint (TargetArn) may use its platform key instead"),
    row("sns-message-attributes", "sns", ("Publish",),
        "each message attribute's DataType begins with String, Number or Binary and carries a non-empty value",
        "ParameterValueInvalid", _check_sns_attributes, _Q_SNS_ATTRIBUTES,
        "Publish lists InvalidParameterValueException (code ParameterValueInvalid, 400); AWS refuses empty "
        "attribute values and other type prefixes (localstack/localstack#6938, #11857 reproduce its messages)"),
    row("sns-publish-target", "sns", ("Publish",),
        "one of TopicArn, TargetArn, PhoneNumber",
        "InvalidParameter", _check_sns_target, _Q_SNS_TARGET),
    row("sns-message-group-id", "sns", ("Publish",),
        "MessageGroupId and MessageDeduplicationId: 1-128 characters from '!' to '~'",
        "InvalidParameter", _check_sns_tokens, _Q_SNS_TOKENS,
        "For standard topics too: 'When provided, the same validation rules apply as for FIFO topics'"),
]
# fmt: on
