"""Request constraints AWS enforces and the embedded AWS would otherwise let through.

botocore validates types, required members and ``min`` only (and not at all with
``Config(parameter_validation=False)``). The ``max``/``pattern``/``enum`` traits of its service models are
enforced by the services, and moto does not enforce them; many further rules live only in the prose
``documentation`` of the model (or in the AWS guides). A real bug shipped that way: SES tag values
like ``mailauth (adopted)`` passed every offline test, and SES refuses parentheses in tags.

:func:`check_request` answers, for one request as the caller passed it to botocore, every violation of

1. the model constraints of the operation's input shape (a small walker over the parameters given): string
   length in characters, ``pattern``, ``enum``; list and map sizes; numeric ranges; blob length in bytes;
2. the rules of :data:`DOCUMENTED_RULES`, each with the error code the service answers with and its source.
   Rules quoted from the installed botocore model carry the sentence in ``model_quotes``; the tests check that
   every such sentence is still in the model, so a model update that changes a rule fails them.

**Patterns are matched against the whole value** (Java's ``Matcher.matches()``), not searched for. The Smithy
specification says a pattern is not implicitly anchored, but the services that answer ``failed to satisfy
constraint: Member must satisfy regular expression pattern`` validate the whole value: STS refuses the role
session names ``a:b``, ``PowerUser/hjacobs`` and ``dependabot[bot]`` against ``[\\w+=,.@-]*`` (e.g.
JuliaCloud/AWSCore.jl#38, zalando-stups/aws-credentials-service#7, aws-actions/configure-aws-credentials#1306),
a pattern that a search would find (empty) in any string. Patterns already written ``^...$`` give the same
answer either way, except that a search lets a trailing newline through. Model patterns are Java regular
expressions: :func:`java_pattern_to_python` rewrites Java's ASCII-only ``\\d \\s \\w`` (and negations), its
POSIX classes (``\\p{Print}``, ``\\p{Alpha}``, ...) and its ``.`` (no line terminators) for the ``regex``
module, which understands ``\\p{L}``. A pattern that still does not compile is skipped and recorded in
:data:`UNCOMPILABLE_PATTERNS` (the tests assert that none of the shapes mailauth sends is among them).

Documentation of the input shapes of the operations mailauth calls, read and decided (``+`` implemented):

* sesv2 Tag (every operation with ``Tags``): + keys 1-128 and values 0-256 characters, + characters, + the
  ``aws:`` prefix, + at most 50 tags, + unique keys. CreateConfigurationSet ``ConfigurationSetName``:
  + up to 64 letters, digits, ``-`` and ``_``, applied to every sesv2 ``ConfigurationSetName`` (a name that
  cannot be created cannot exist). PutEmailIdentityMailFromAttributes ``MailFromDomain``: + a subdomain of the
  identity; "can't be used to receive email" and "can't be used in a From address" need DNS and mail state: not
  checkable here. CreateEmailIdentity ``DkimSigningAttributes``: + only for a domain identity;
  ``DomainSigningAttributesOrigin``: + none allowed in PutEmailIdentityDkimSigningAttributes, + AWS_SES and
  EXTERNAL not allowed in CreateEmailIdentity. ``DomainSigningPrivateKey`` "must use 1024 or 2048-bit RSA":
  not checked (mailauth uses Easy DKIM only). ListRecommendations ``PageSize`` + 1-100 and ``Filter`` + one key
  or STATUS+IMPACT or STATUS+TYPE; ListEmailIdentities ``PageSize`` + 0-1000. ``NextSigningKeyLength`` "can be
  changed at most once per day": state, the SES emulator's business. Get/DeleteEmailIdentity,
  PutEmailIdentityDkimAttributes: nothing beyond the model.
* route53 ChangeResourceRecordSets: + TXT/SPF character-strings at most 255 bytes, + at most 1,000
  ResourceRecord elements and 32,000 value characters per request (UPSERT counts twice), + one value only for
  CNAME and SOA, + the same record set deleted twice in a batch, + GeoLocation ContinentCode with
  CountryCode/SubdivisionCode. A value of more than 4,000 characters is the model's ``max`` on RData (answered
  as InvalidInput by the walker). Unquoted TXT values, CNAME exclusivity, CREATE of an existing set and DELETE
  exactness are checked by the Route 53 emulator (sandbox route53.py), which knows the zone. Wildcards (``*``
  only as the leftmost label, not for NS): Route 53 treats another ``*`` as a literal; mailauth sends no NS.
  Weighted/latency/failover details: mailauth sends simple records only, not implemented.
  ListResourceRecordSets: + StartRecordType needs StartRecordName. ``MaxItems`` above 100/300 is capped by
  Route 53, not refused. ListHostedZonesByName, GetHostedZone, GetChange: nothing beyond the model.
* sns Publish: + Subject (not empty, fewer than 100 characters, no line breaks or control characters, UTF-8),
  + message size (body and attributes, 262,144 bytes by default; a topic whose MaximumMessageSize is raised
  accepts up to 1 MiB, which this stateless check cannot know), + empty message, + MessageStructure (only
  ``json``; a JSON object without duplicate keys and, for a topic, with a string ``default``), + a target
  (TopicArn, TargetArn or PhoneNumber), + MessageGroupId/MessageDeduplicationId (up to 128 ``!``-``~``),
  + message attributes (type prefix String/Number/Binary, a non-empty value). Attribute names (reserved
  ``AWS.``/``Amazon.`` prefixes) and Number values: not implemented (mailauth sends two String attributes).
  SMS limits: mailauth sends no SMS.
* stepfunctions StartExecution: + ``name`` characters (InvalidName) and, with ``strict_execution_names``, only
  ``0-9 A-Z a-z - _`` (the documentation says "should": that AWS refuses others is unconfirmed, hence the
  opt-in); + ``input`` is JSON (InvalidExecutionInput) and at most 262,144 bytes of UTF-8 (the
  model's ``max`` counts bytes here, the walker characters). Name reuse within 90 days: state, not here.
  DescribeExecution: nothing beyond the model.
* dynamodb GetItem/PutItem/DeleteItem: + exactly one data type per AttributeValue, + no empty sets, + no empty
  String/Binary in ``Key``. Which attributes of an ``Item`` are key attributes needs the table: not here.
  Legacy ``Expected`` (Exists with/without Value): mailauth uses ConditionExpression, not implemented.
* ssm GetParameter: + no spaces inside the name. sts AssumeRole: the patterns are in the model; + SourceIdentity
  must not begin with ``aws:``; + at most 10 PolicyArns. DurationSeconds above the role's maximum and role
  chaining: state. cloudformation DescribeStacks: nothing beyond the model.
"""

from __future__ import annotations

import functools
import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import regex  # type: ignore[import-untyped]  # no stubs; \p{L}-style classes, which `re` lacks
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

__all__ = [
    "DOCUMENTED_RULES",
    "UNCOMPILABLE_PATTERNS",
    "DocumentedRule",
    "ModelQuote",
    "Violation",
    "check_request",
    "error_for",
    "java_pattern_to_python",
    "model_documentation",
    "pattern_matches",
    "quote_in_model",
    "txt_string_lengths",
]


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


# ------------------------------------------------------------------------------------------ the models
@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def _service_model(service: str) -> ServiceModel:
    return _session().get_service_model(service)


@functools.cache
def _operation_model(service: str, operation: str) -> OperationModel:
    return _service_model(service).operation_model(operation)


def model_documentation(service: str, where: str) -> str:
    """Plain text of a model documentation: ``where`` is an operation, a shape, or ``Shape$member``."""
    model = _service_model(service)
    if where in model.operation_names:
        text = model.operation_model(where).documentation
    elif "$" in where:
        shape_name, member = where.split("$", 1)
        shape = model.shape_for(shape_name)
        assert isinstance(shape, StructureShape), f"{service} shape {shape_name} is not a structure"
        text = shape.members[member].documentation
    else:
        text = model.shape_for(where).documentation
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text or "")).split())


# ------------------------------------------------------------------------------------ error codes
# The code a service answers a request that breaks a model constraint with ("1 validation error detected").
_MODEL_ERRORS: dict[str, tuple[str, int]] = {
    # Modeled: BadRequestException ({"httpStatusCode": 400}, no "code": the shape name is the code) is among
    # the errors of every sesv2 operation.
    "sesv2": ("BadRequestException", 400),
    # Modeled: InvalidInput ({"httpStatusCode": 400}) is among the errors of ListHostedZonesByName,
    # GetHostedZone, ListResourceRecordSets, ChangeResourceRecordSets and GetChange.
    "route53": ("InvalidInput", 400),
    # Modeled: Publish lists InvalidParameterException, {"code": "InvalidParameter", "httpStatusCode": 400}.
    "sns": ("InvalidParameter", 400),
    # Modeled for StartExecution (shape ValidationException, no error metadata: code = shape name, 400 as the
    # API reference gives); DescribeExecution does not list it, the same code is assumed there.
    "stepfunctions": ("ValidationException", 400),
    # Not modeled for GetItem/PutItem/DeleteItem (no ValidationException shape in the dynamodb model); the
    # PutItem documentation names it: "Invalid Requests with empty values will be rejected with a
    # ValidationException exception." 400 from the DynamoDB API reference, common errors.
    "dynamodb": ("ValidationException", 400),
    # Not modeled for AssumeRole: STS's common error ValidationError (400), the code STS answers pattern
    # failures of RoleSessionName with (see the module docstring).
    "sts": ("ValidationError", 400),
    # Not in GetParameter's errors (the ssm model has a ValidationException shape, used by other operations);
    # GetParameter's documentation: "the request fails with a ValidationException error".
    "ssm": ("ValidationException", 400),
    # Not modeled; CloudFormation's common error ValidationError (400). DescribeStacks' documentation: "If the
    # stack doesn't exist, a ValidationError is returned."
    "cloudformation": ("ValidationError", 400),
}
_VALIDATION_SHAPES = (
    "ValidationException",
    "BadRequestException",
    "InvalidParameterException",
    "InvalidInput",
)


def error_for(service: str, operation: str) -> tuple[str, int]:
    """The error code and HTTP status the service uses for a request that breaks a model constraint.

    The services mailauth calls come from a table checked against the installed models (see the comments on
    ``_MODEL_ERRORS``); for another service, a modeled validation error of the operation, else the protocol's
    common one (``ValidationError`` for query protocols, ``ValidationException`` for the others).
    """
    if service in _MODEL_ERRORS:
        return _MODEL_ERRORS[service]
    model = _operation_model(service, operation)
    for shape in model.error_shapes:
        if shape.name in _VALIDATION_SHAPES:
            error = shape.metadata.get("error", {})
            return str(error.get("code", shape.name)), int(error.get("httpStatusCode", 400))
    protocol = model.service_model.metadata.get("protocol", "")
    return ("ValidationError" if protocol in ("query", "ec2") else "ValidationException"), 400


# ------------------------------------------------------------------------------------------- patterns
# Java's \d \s \w and their negations are ASCII-only; Python's are Unicode. As ranges, valid inside a class.
_JAVA_SHORTHANDS = {
    "d": "0-9",
    "D": "\\x00-\\x2f\\x3a-\\U0010ffff",
    "s": " \\t\\n\\x0b\\f\\r",
    "S": "\\x00-\\x08\\x0e-\\x1f\\x21-\\U0010ffff",
    "w": "a-zA-Z0-9_",
    "W": "\\x00-\\x2f\\x3a-\\x40\\x5b-\\x5e\\x60\\x7b-\\U0010ffff",
}
# Java's POSIX classes are ASCII-only too (the regex module's \p{Alpha} & co. are Unicode properties).
_JAVA_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e",
    "Graph": "\\x21-\\x7e",
    "Print": "\\x20-\\x7e",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
_JAVA_DOT = "[^\\n\\r\\x85\\u2028\\u2029]"  # Java's '.' matches no line terminator
_POSIX_ESCAPE = re.compile(r"\\p\{(\w+)\}")

#: Model patterns the regex module could not compile: skipped by the walker (see the tests).
UNCOMPILABLE_PATTERNS: set[str] = set()


def java_pattern_to_python(pattern: str) -> str:
    """A model (Java) pattern rewritten for the ``regex`` module, character-class aware."""
    out: list[str] = []
    depth = 0  # inside a character class when > 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            posix = _POSIX_ESCAPE.match(pattern, i)
            ranges = _JAVA_SHORTHANDS.get(escaped) or (_JAVA_POSIX.get(posix.group(1)) if posix else None)
            if ranges is None:
                out.append(pattern[i : i + 2])
                i += 2
                continue
            out.append(ranges if depth else f"[{ranges}]")
            i = posix.end() if posix and escaped == "p" else i + 2
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        elif char == "." and not depth:
            char = _JAVA_DOT
        out.append(char)
        i += 1
    return "".join(out)


@functools.cache
def _compiled(pattern: str) -> Any:
    try:
        return regex.compile(java_pattern_to_python(pattern))
    except (regex.error, ValueError, OverflowError):
        UNCOMPILABLE_PATTERNS.add(pattern)
        return None


def pattern_matches(pattern: str, value: str) -> bool | None:
    """Whether the whole ``value`` matches the model ``pattern``; None when it cannot be compiled (skipped)."""
    compiled = _compiled(pattern)
    if compiled is None:
        return None
    try:
        return compiled.fullmatch(value, timeout=2.0) is not None
    except TimeoutError:  # a pathological backtrack: AWS would answer; we cannot say, so we do not refuse
        return None


# ------------------------------------------------------------------------------ the model walker
@dataclass(frozen=True)
class _Found:
    path: str
    rule: str
    message: str
    source: str


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _show(value: Any, limit: int = 256) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class _Where:
    """Where the walker is: botocore path, AWS's path, and the wrapper AWS puts around map constraints."""

    path: str
    aws: str
    wrap: str = "{}"

    def member(self, name: str) -> _Where:
        return _Where(f"{self.path}.{name}" if self.path else name, f"{self.aws}.{_camel(name)}".lstrip("."))

    def item(self, index: int) -> _Where:
        return _Where(f"{self.path}[{index}]", f"{self.aws}.{index + 1}.member")

    def map_key(self, key: Any) -> _Where:
        return _Where(f"{self.path}[{key!r}](key)", self.aws, "Map keys must satisfy constraint: [{}]")

    def map_value(self, key: Any) -> _Where:
        return _Where(f"{self.path}[{key!r}]", self.aws, "Map value must satisfy constraint: [{}]")


def _found(
    where: _Where, service: str, shape: Shape, rule: str, constraint: str, trait: str, shown: Any
) -> _Found:
    value = "" if shown is None or shape.metadata.get("sensitive") else f" '{_show(shown)}'"
    message = (
        f"1 validation error detected: Value{value} at '{where.aws}' failed to satisfy constraint: "
        + where.wrap.format(constraint)
    )
    return _Found(where.path, rule, message, f"botocore model {service} shape {shape.name}: {trait}")


def _size_checks(
    shape: Shape, size: int, where: _Where, service: str, kind: str, shown: Any
) -> Iterator[_Found]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        yield _found(
            where,
            service,
            shape,
            f"min-{kind}",
            f"Member must have length greater than or equal to {low}",
            f"min {low}",
            shown,
        )
    if high is not None and size > high:
        yield _found(
            where,
            service,
            shape,
            f"max-{kind}",
            f"Member must have length less than or equal to {high}",
            f"max {high}",
            shown,
        )


def _string_checks(shape: Shape, value: str, where: _Where, service: str) -> Iterator[_Found]:
    yield from _size_checks(shape, len(value), where, service, "length", value)
    pattern = shape.metadata.get("pattern")
    if pattern is not None and pattern_matches(pattern, value) is False:
        yield _found(
            where,
            service,
            shape,
            "pattern",
            f"Member must satisfy regular expression pattern: {pattern}",
            f"pattern {pattern}",
            value,
        )
    enum = shape.metadata.get("enum")
    if enum is not None and value not in enum:
        yield _found(
            where,
            service,
            shape,
            "enum",
            f"Member must satisfy enum value set: [{', '.join(enum)}]",
            f"enum {list(enum)}",
            value,
        )


def _number_checks(shape: Shape, value: float, where: _Where, service: str) -> Iterator[_Found]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        yield _found(
            where,
            service,
            shape,
            "min-value",
            f"Member must have value greater than or equal to {low}",
            f"min {low}",
            value,
        )
    if high is not None and value > high:
        yield _found(
            where,
            service,
            shape,
            "max-value",
            f"Member must have value less than or equal to {high}",
            f"max {high}",
            value,
        )


def _walk(shape: Shape, value: Any, where: _Where, service: str) -> Iterator[_Found]:
    """Model constraint violations of ``value`` (members absent from the shape are botocore's business)."""
    if isinstance(shape, StructureShape):
        if isinstance(value, Mapping):
            for name, member in shape.members.items():
                if value.get(name) is not None:
                    yield from _walk(member, value[name], where.member(name), service)
    elif isinstance(shape, ListShape):
        if isinstance(value, list | tuple):
            yield from _size_checks(shape, len(value), where, service, "items", None)
            for index, item in enumerate(value):
                yield from _walk(shape.member, item, where.item(index), service)
    elif isinstance(shape, MapShape):
        if isinstance(value, Mapping):
            yield from _size_checks(shape, len(value), where, service, "items", None)
            for key, item in value.items():
                yield from _walk(shape.key, key, where.map_key(key), service)
                yield from _walk(shape.value, item, where.map_value(key), service)
    else:
        yield from _scalar_checks(shape, value, where, service)


def _scalar_checks(shape: Shape, value: Any, where: _Where, service: str) -> Iterator[_Found]:
    if shape.type_name == "string" and isinstance(value, str):
        yield from _string_checks(shape, value, where, service)
    elif shape.type_name in ("integer", "long", "float", "double"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield from _number_checks(shape, value, where, service)
    elif shape.type_name == "blob":
        data = value.encode("utf-8") if isinstance(value, str) else value
        if isinstance(data, bytes | bytearray):
            yield from _size_checks(shape, len(data), where, service, "length", None)


# --------------------------------------------------------------------------------- documented rules
#: A check: (operation, params, strict_execution_names) -> (path, message) for each violation.
Check = Callable[[str, Mapping[str, Any], bool], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class ModelQuote:
    """A sentence of the installed botocore model's documentation that a rule relies on."""

    service: str
    where: str  # an operation, a shape, or "Shape$member" (see model_documentation)
    sentence: str


@dataclass(frozen=True)
class DocumentedRule:
    """A rule AWS states in prose (model documentation or a guide) and enforces, and how it is checked."""

    rule: str
    service: str
    operations: tuple[str, ...]
    checks: str  # what it checks, in one sentence
    code: str
    status: int
    source: str  # where AWS says it
    check: Check = field(repr=False, compare=False)
    model_quotes: tuple[ModelQuote, ...] = ()


def quote_in_model(quote: ModelQuote) -> bool:
    """Whether the sentence is still in the installed model (compared ignoring white space)."""
    return "".join(quote.sentence.split()) in "".join(model_documentation(quote.service, quote.where).split())


def _operations_with(service: str, member: str) -> tuple[str, ...]:
    """The operations of ``service`` whose input has the top-level ``member``."""
    model = _service_model(service)
    return tuple(
        name
        for name in model.operation_names
        if (shape := model.operation_model(name).input_shape) is not None and member in shape.members
    )


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) else None


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _chars(characters: Iterable[str]) -> str:
    return ", ".join(repr(c) for c in sorted(set(characters)))


# ------------------------------------------------------------------------------------------------- SES
_SESV2_MODEL = "botocore model sesv2 (botocore/data/sesv2/2019-09-27/service-2.json.gz)"
_SES_TAG_CHARACTER = regex.compile(r"[\p{L}\p{N}\p{Z}_.:/=+\-]")
_SES_MAX_TAGS = 50


def _ses_tags(params: Mapping[str, Any]) -> Iterator[tuple[int, str, str]]:
    """(index, key, value) of each tag; a missing Value counts as "" ("SES sets the value to an empty string")."""
    for index, tag in enumerate(_items(params.get("Tags"))):
        if isinstance(tag, Mapping) and isinstance(tag.get("Key"), str):
            value = tag.get("Value")
            yield index, tag["Key"], value if isinstance(value, str) else ""


def _check_ses_tag_length(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, key, value in _ses_tags(params):
        if not 1 <= len(key) <= 128:
            yield (
                f"Tags[{index}].Key",
                f"Invalid tag key '{_show(key, 40)}': a tag key has 1 to 128 characters",
            )
        if len(value) > 256:
            yield (
                f"Tags[{index}].Value",
                f"Invalid tag value for key '{key}': a tag value has at most 256 characters",
            )


def _check_ses_tag_characters(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, key, value in _ses_tags(params):
        for part, text in (("Key", key), ("Value", value)):
            bad = [c for c in text if not _SES_TAG_CHARACTER.fullmatch(c)]
            if bad:
                yield (
                    f"Tags[{index}].{part}",
                    f"Invalid tag {part.lower()} '{_show(text, 80)}': characters {_chars(bad)} are not allowed; "
                    "tags can contain Unicode letters, digits, white space, and _ . : / = + -",
                )


def _check_ses_tag_prefix(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, key, value in _ses_tags(params):
        for part, text in (("Key", key), ("Value", value)):
            if text[:4].lower() == "aws:":
                yield (
                    f"Tags[{index}].{part}",
                    f"Invalid tag {part.lower()} '{_show(text, 80)}': the aws: prefix is reserved for use by AWS",
                )


def _check_ses_tag_count(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    tags = _items(params.get("Tags"))
    if len(tags) > _SES_MAX_TAGS:
        yield "Tags", f"Too many tags: {len(tags)}; a resource can have as many as {_SES_MAX_TAGS} tags"


def _check_ses_tag_keys_unique(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for index, key, _ in _ses_tags(params):
        if key in seen:
            yield f"Tags[{index}].Key", f"Duplicate tag key '{_show(key, 80)}': each tag key must be unique"
        seen.add(key)


_CONFIGURATION_SET_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _check_configuration_set_name(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    name = _text(params, "ConfigurationSetName")
    if name is not None and not _CONFIGURATION_SET_NAME.fullmatch(name):
        yield (
            "ConfigurationSetName",
            f"Invalid configuration set name '{_show(name, 80)}': up to 64 letters, numbers, hyphens (-) and "
            "underscores (_)",
        )


def _domain_of(name: str) -> str:
    return name.rsplit("@", 1)[-1].strip().lower().removesuffix(".")


def _check_mail_from_subdomain(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    identity, mail_from = _text(params, "EmailIdentity"), _text(params, "MailFromDomain")
    if not identity or not mail_from:  # no MailFromDomain: the call turns custom MAIL FROM off
        return
    parent = _domain_of(identity)
    if not _domain_of(mail_from).endswith("." + parent):
        yield (
            "MailFromDomain",
            f"Invalid MAIL FROM domain '{_show(mail_from, 120)}': it has to be a subdomain of {parent}",
        )


def _check_dkim_domain_only(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    identity = _text(params, "EmailIdentity")
    if identity and "@" in identity and params.get("DkimSigningAttributes") is not None:
        yield (
            "DkimSigningAttributes",
            f"DkimSigningAttributes can only be specified for a domain identity, not the address '{identity}'",
        )


def _check_dkim_origin(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    if operation == "PutEmailIdentityDkimSigningAttributes":
        container, why = "SigningAttributes", "no value is allowed here; use SigningAttributesOrigin"
    else:
        container, why = "DkimSigningAttributes", "AWS_SES and EXTERNAL are not allowed here"
    attributes = params.get(container)
    origin = attributes.get("DomainSigningAttributesOrigin") if isinstance(attributes, Mapping) else None
    if not isinstance(origin, str):
        return
    if container == "SigningAttributes" or origin in ("AWS_SES", "EXTERNAL"):
        yield (
            f"{container}.DomainSigningAttributesOrigin",
            f"Invalid DomainSigningAttributesOrigin '{origin}': {why}",
        )


_PAGE_SIZES = {"ListRecommendations": (1, 100), "ListEmailIdentities": (0, 1000)}


def _check_ses_page_size(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    size = params.get("PageSize")
    low, high = _PAGE_SIZES[operation]
    if isinstance(size, int) and not isinstance(size, bool) and not low <= size <= high:
        yield (
            "PageSize",
            f"Invalid PageSize {size}: it has to be at least {low}, and can be no more than {high}",
        )


def _check_recommendation_filter(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    keys = params.get("Filter")
    if (
        isinstance(keys, Mapping)
        and len(keys) == 2
        and set(keys) not in ({"STATUS", "IMPACT"}, {"STATUS", "TYPE"})
    ):
        yield (
            "Filter",
            f"Invalid Filter keys {sorted(keys)}: use one key, or STATUS and IMPACT, or STATUS and TYPE",
        )


# ------------------------------------------------------------------------------------------- Route 53
_R53_QUOTAS = (
    "Route 53 Developer Guide, Quotas, Number of elements and characters in ChangeResourceRecordSets requests "
    "(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests-"
    "changeresourcerecordsets)"
)
_R53_MAX_RECORDS = 1000
_R53_MAX_CHARACTERS = 32_000
_TXT_MAX_STRING = 255


def txt_string_lengths(value: str) -> list[int]:
    """Bytes in each character-string of a TXT/SPF value as Route 53 reads it.

    Strings are double-quoted (or bare words up to white space); ``\\"``, ``\\\\`` and ``\\ddd`` (Route 53
    writes octal, RFC 1035 decimal: three digits either way) are one byte; any other character counts its
    UTF-8 bytes.
    """
    lengths: list[int] = []
    i, end = 0, len(value)
    while i < end:
        if value[i].isspace():
            i += 1
            continue
        quoted = value[i] == '"'
        i += quoted
        size = 0
        while i < end:
            char = value[i]
            if (quoted and char == '"') or (not quoted and char.isspace()):
                i += quoted
                break
            if char == "\\" and i + 1 < end:
                digits = value[i + 1 : i + 4]
                if len(digits) == 3 and all(d in "0123456789" for d in digits):
                    size, i = size + 1, i + 4
                    continue
                char, i = value[i + 1], i + 1
            size += len(char.encode("utf-8", "surrogatepass"))
            i += 1
        lengths.append(size)
    return lengths


def _changes(params: Mapping[str, Any]) -> Iterator[tuple[int, str, Mapping[str, Any]]]:
    batch = params.get("ChangeBatch")
    changes = batch.get("Changes") if isinstance(batch, Mapping) else None
    for index, change in enumerate(_items(changes)):
        if isinstance(change, Mapping) and isinstance(change.get("ResourceRecordSet"), Mapping):
            yield index, str(change.get("Action", "")), change["ResourceRecordSet"]


def _values(rrset: Mapping[str, Any]) -> list[str]:
    records = _items(rrset.get("ResourceRecords"))
    return [r["Value"] for r in records if isinstance(r, Mapping) and isinstance(r.get("Value"), str)]


def _check_txt_strings(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    for index, _, rrset in _changes(params):
        if rrset.get("Type") not in ("TXT", "SPF"):
            continue
        for number, value in enumerate(_values(rrset)):
            if any(size > _TXT_MAX_STRING for size in txt_string_lengths(value)):
                yield (
                    f"ChangeBatch.Changes[{index}].ResourceRecordSet.ResourceRecords[{number}].Value",
                    "[Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too long) "
                    f"encountered with '{_show(value, 300)}'']",
                )


def _check_batch_records(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    counted = sum(
        len(_items(rrset.get("ResourceRecords"))) * (2 if action == "UPSERT" else 1)
        for _, action, rrset in _changes(params)
    )
    if counted > _R53_MAX_RECORDS:
        yield (
            "ChangeBatch.Changes",
            f"[Number of records limit of {_R53_MAX_RECORDS} exceeded.] ({counted} ResourceRecord elements, "
            "UPSERT counted twice)",
        )


def _check_batch_characters(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    counted = sum(
        sum(len(v) for v in _values(rrset)) * (2 if action == "UPSERT" else 1)
        for _, action, rrset in _changes(params)
    )
    if counted > _R53_MAX_CHARACTERS:
        yield (
            "ChangeBatch.Changes",
            f"[RDATA character limit of {_R53_MAX_CHARACTERS} exceeded.] ({counted} characters in Value "
            "elements, UPSERT counted twice)",
        )


def _check_single_value(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    for index, _, rrset in _changes(params):
        kind = rrset.get("Type")
        if kind in ("CNAME", "SOA") and len(_items(rrset.get("ResourceRecords"))) > 1:
            yield (
                f"ChangeBatch.Changes[{index}].ResourceRecordSet.ResourceRecords",
                f"[Invalid Resource Record: 'FATAL problem: RRSet with DNS name {rrset.get('Name')} and type "
                f"{kind} can only contain one resource record']",
            )


def _check_duplicate_delete(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str, str]] = set()
    for index, action, rrset in _changes(params):
        if action != "DELETE":
            continue
        name = str(rrset.get("Name", "")).lower().removesuffix(".").replace("\\052", "*")
        key = (name, str(rrset.get("Type")), str(rrset.get("SetIdentifier", "")))
        if key in seen:
            yield (
                f"ChangeBatch.Changes[{index}]",
                f"[Tried to delete resource record set [name='{name}.', type='{key[1]}'] more than once in a "
                "single change batch]",
            )
        seen.add(key)


def _check_start_record_type(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    if params.get("StartRecordType") is not None and params.get("StartRecordName") is None:
        yield "StartRecordType", "StartRecordType was specified without StartRecordName"


def _check_continent_code(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    for index, _, rrset in _changes(params):
        geo = rrset.get("GeoLocation")
        if not isinstance(geo, Mapping) or geo.get("ContinentCode") is None:
            continue
        if geo.get("CountryCode") is not None or geo.get("SubdivisionCode") is not None:
            yield (
                f"ChangeBatch.Changes[{index}].ResourceRecordSet.GeoLocation",
                "ContinentCode cannot be specified with CountryCode or SubdivisionCode",
            )


# ------------------------------------------------------------------------------------------------ SNS
_SNS_MAX_MESSAGE = 262_144
_SNS_SUBJECT_LIMIT = 100  # "less than 100 characters"
_SNS_TOKEN = re.compile(r"[!-~]{1,128}")


def _utf8_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    return len(value) if isinstance(value, bytes | bytearray) else 0


def _is_line_break_or_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029"


def _check_sns_subject(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    subject = _text(params, "Subject")
    if subject is None:
        return
    if not subject:
        yield "Subject", "Invalid parameter: Subject (it is empty)"
    if len(subject) >= _SNS_SUBJECT_LIMIT:
        yield "Subject", f"Invalid parameter: Subject ({len(subject)} characters; it must be less than 100)"
    bad = [c for c in subject if _is_line_break_or_control(c)]
    if bad:
        yield "Subject", f"Invalid parameter: Subject (line breaks or control characters: {_chars(bad)})"


def _check_sns_message_size(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    size = _utf8_size(params.get("Message"))
    attributes = params.get("MessageAttributes")
    for name, attribute in attributes.items() if isinstance(attributes, Mapping) else ():
        size += _utf8_size(name)
        if isinstance(attribute, Mapping):
            size += sum(
                _utf8_size(attribute.get(part)) for part in ("DataType", "StringValue", "BinaryValue")
            )
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
    structure = _text(params, "MessageStructure")
    if structure is None:
        return
    if structure != "json":
        yield "MessageStructure", f"Invalid parameter: MessageStructure '{structure}' (valid value: json)"
        return
    try:
        body = json.loads(_text(params, "Message") or "", object_pairs_hook=_no_duplicate_keys)
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
        value = _text(params, name)
        if value is not None and not _SNS_TOKEN.fullmatch(value):
            yield (
                name,
                f"Invalid parameter: {name} (up to 128 alphanumeric characters and punctuation, '!' to '~')",
            )


# ------------------------------------------------------------------------------------- Step Functions
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
    name = _text(params, "name")
    bad = [c for c in name or "" if _sfn_forbidden(c)]
    if bad:
        yield "name", f"Invalid Name: '{name}' (it must not contain {_chars(bad)})"


def _check_sfn_logging_name(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    name = _text(params, "name")
    if not strict or name is None or _SFN_LOGGING_NAME.fullmatch(name):
        return
    bad = [c for c in name if not _SFN_LOGGING_NAME.fullmatch(c) and not _sfn_forbidden(c)]
    if bad:  # characters every name refuses are reported by sfn-execution-name
        yield (
            "name",
            f"Invalid Name: '{name}' (a state machine logging to CloudWatch Logs takes only 0-9, A-Z, a-z, - and _: "
            f"not {_chars(bad)})",
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_sfn_input_json(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    text = _text(params, "input")
    if text is None:
        return
    try:
        json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        yield "input", f"Invalid State Machine Execution Input: '{exc}'"


def _check_sfn_input_size(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    text = _text(params, "input")
    # Longer than the max in characters: the model walker reports it already.
    if text is not None and len(text) <= _SFN_MAX_INPUT < _utf8_size(text):
        yield (
            "input",
            "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length "
            f"less than or equal to {_SFN_MAX_INPUT} ({_utf8_size(text)} bytes of UTF-8)",
        )


# ------------------------------------------------------------------------------------------- DynamoDB
_DDB_TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")


def _attribute_values(params: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(path, AttributeValue) for every attribute value of the request, nested M and L included."""
    stack: list[tuple[str, Any]] = []
    for member in ("Key", "Item", "ExpressionAttributeValues"):
        values = params.get(member)
        if isinstance(values, Mapping):
            stack += [(f"{member}[{name!r}]", value) for name, value in values.items()]
    expected = params.get("Expected")
    for name, condition in expected.items() if isinstance(expected, Mapping) else ():
        if isinstance(condition, Mapping):
            if "Value" in condition:
                stack.append((f"Expected[{name!r}].Value", condition["Value"]))
            for index, value in enumerate(_items(condition.get("AttributeValueList"))):
                stack.append((f"Expected[{name!r}].AttributeValueList[{index}]", value))
    while stack:
        path, value = stack.pop(0)
        yield path, value
        if isinstance(value, Mapping):
            nested = value.get("M")
            if isinstance(nested, Mapping):
                stack += [(f"{path}.M[{k!r}]", v) for k, v in nested.items()]
            stack += [(f"{path}.L[{i}]", v) for i, v in enumerate(_items(value.get("L")))]


def _check_ddb_one_type(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    for path, value in _attribute_values(params):
        if not isinstance(value, Mapping):
            continue
        types = [t for t in _DDB_TYPES if t in value]
        if len(types) != 1:
            problem = "is empty" if not types else f"has more than one datatypes set ({', '.join(types)})"
            yield (
                path,
                f"Supplied AttributeValue {problem}, must contain exactly one of the supported datatypes",
            )


def _check_ddb_empty_set(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    names = {"SS": "string", "NS": "number", "BS": "binary"}
    for path, value in _attribute_values(params):
        for kind, name in names.items():
            if isinstance(value, Mapping) and isinstance(value.get(kind), list | tuple) and not value[kind]:
                yield (
                    f"{path}.{kind}",
                    f"One or more parameter values were invalid: An {name} set may not be empty",
                )


def _check_ddb_empty_key(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    key = params.get("Key")
    for name, value in key.items() if isinstance(key, Mapping) else ():
        if isinstance(value, Mapping) and any(value.get(kind) in ("", b"") for kind in ("S", "B")):
            yield (
                f"Key[{name!r}]",
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
                f"an empty string value. Key: {name}",
            )


# --------------------------------------------------------------------------------------- SSM and STS
def _check_ssm_name_spaces(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    name = _text(params, "Name")
    if name is not None and " " in name.strip(" "):
        yield "Name", f"Parameter name '{_show(name, 120)}' contains spaces between characters"


def _check_sts_source_identity(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    identity = _text(params, "SourceIdentity")
    if identity is not None and identity[:4].lower() == "aws:":
        yield "SourceIdentity", f"Invalid SourceIdentity '{_show(identity, 80)}': the aws: prefix is reserved"


def _check_sts_policy_arns(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    arns = _items(params.get("PolicyArns"))
    if len(arns) > 10:
        yield "PolicyArns", f"{len(arns)} managed policy ARNs; you can provide up to 10"


# ------------------------------------------------------------------------------------------- the table
def _quote(service: str, where: str, *sentences: str) -> tuple[ModelQuote, ...]:
    return tuple(ModelQuote(service, where, s) for s in sentences)


def _model_source(service: str, quotes: Sequence[ModelQuote], extra: str = "") -> str:
    path = {
        "sesv2": _SESV2_MODEL,
        "route53": "botocore model route53 (botocore/data/route53/2013-04-01/service-2.json.gz)",
        "sns": "botocore model sns (botocore/data/sns/2010-03-31/service-2.json.gz)",
        "stepfunctions": "botocore model stepfunctions (botocore/data/stepfunctions/2016-11-23/service-2.json.gz)",
        "dynamodb": "botocore model dynamodb (botocore/data/dynamodb/2012-08-10/service-2.json.gz)",
        "ssm": "botocore model ssm (botocore/data/ssm/2014-11-06/service-2.json.gz)",
        "sts": "botocore model sts (botocore/data/sts/2011-06-15/service-2.json.gz)",
    }[service]
    cited = "; ".join(f'documentation of {q.where}: "{q.sentence}"' for q in quotes)
    return f"{path}, {cited}" + (f". {extra}" if extra else "")


_TAG_OPERATIONS = _operations_with("sesv2", "Tags")
_Q_TAG_LENGTH = _quote(
    "sesv2",
    "Tag",
    "A tag key can contain as many as 128 characters. A tag value can contain as many as 256 characters.",
) + _quote("sesv2", "Tag$Key", "The minimum length is 1 character.")
_Q_TAG_CHARACTERS = _quote(
    "sesv2",
    "Tag",
    "The characters can be Unicode letters, digits, white space, or one of the following symbols: _ . : / = + -.",
)
_Q_TAG_PREFIX = _quote(
    "sesv2",
    "Tag",
    "The aws: prefix is reserved for use by Amazon Web Services; you can’t use it in any tag keys or values that "
    "you define.",
)
_Q_TAG_COUNT = _quote("sesv2", "Tag", "A resource can have as many as 50 tags.")
_Q_TAG_UNIQUE = _quote(
    "sesv2",
    "Tag",
    "For each associated resource, each tag key must be unique and it can have only one value.",
)
_Q_CONFIGURATION_SET = _quote(
    "sesv2",
    "CreateConfigurationSetRequest$ConfigurationSetName",
    "The name can contain up to 64 alphanumeric characters, including letters, numbers, hyphens (-) and "
    "underscores (_) only.",
)
_Q_MAIL_FROM = _quote(
    "sesv2",
    "PutEmailIdentityMailFromAttributesRequest$MailFromDomain",
    "It has to be a subdomain of the verified identity.",
)
_Q_DKIM_DOMAIN = _quote(
    "sesv2",
    "CreateEmailIdentityRequest$DkimSigningAttributes",
    "You can only specify this object if the email identity is a domain, as opposed to an address.",
)
_Q_DKIM_ORIGIN = _quote(
    "sesv2",
    "DkimSigningAttributes$DomainSigningAttributesOrigin",
    "For PutEmailIdentityDkimSigningAttributes: None of the values are allowed - use the SigningAttributesOrigin "
    "parameter instead",
    "For CreateEmailIdentity when replicating a parent identity's DKIM configuration: Allowed values: All values "
    "except AWS_SES and EXTERNAL",
)
_Q_PAGE_SIZE = _quote(
    "sesv2",
    "ListRecommendationsRequest$PageSize",
    "The value you specify has to be at least 1, and can be no more than 100.",
) + _quote(
    "sesv2",
    "ListEmailIdentitiesRequest$PageSize",
    "The value you specify has to be at least 0, and can be no more than 1000.",
)
_Q_FILTER = _quote(
    "sesv2",
    "ListRecommendationsRequest$Filter",
    "Can eiter be an individual filter, or combinations of STATUS and IMPACT or STATUS and TYPE",
)
_Q_R53_VALUE = _quote(
    "route53",
    "ResourceRecord$Value",
    "For descriptions about how to format Value for different record types, see Supported DNS Resource Record "
    "Types in the Amazon Route 53 Developer Guide.",
)
_Q_R53_LIMITS = _quote(
    "route53",
    "ChangeResourceRecordSets",
    "For information about the limits on a ChangeResourceRecordSets request, see Limits in the Amazon Route 53 "
    "Developer Guide.",
)
_Q_R53_SINGLE = _quote(
    "route53",
    "ResourceRecord$Value",
    "You can specify more than one value for all record types except CNAME and SOA.",
)
_Q_R53_DELETE = _quote(
    "route53",
    "ChangeResourceRecordSets",
    "If you try to delete the same resource record set more than once in a single change batch, Route 53 returns "
    "an InvalidChangeBatch error.",
)
_Q_R53_START = _quote(
    "route53",
    "ListResourceRecordSetsRequest$StartRecordType",
    "Constraint: Specifying type without specifying name returns an InvalidInput error.",
)
_Q_R53_CONTINENT = _quote(
    "route53",
    "GeoLocation$ContinentCode",
    "Constraint: Specifying ContinentCode with either CountryCode or SubdivisionCode returns an InvalidInput error.",
)
_Q_SNS_SUBJECT = _quote(
    "sns",
    "PublishInput$Subject",
    "Constraints: Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 "
    "characters long.",
)
_Q_SNS_SIZE = _quote(
    "sns",
    "PublishInput$Message",
    "By default, a message can be at most 256 KiB in size (262,144 bytes, not 262,144 characters).",
    "Amazon SNS validates the combined size of the message body and message attributes against this value and "
    "returns an InvalidParameter error if the limit is exceeded.",
)
_Q_SNS_STRUCTURE = _quote(
    "sns",
    "PublishInput$MessageStructure",
    "If you set MessageStructure to json, the value of the Message parameter must: be a syntactically valid JSON "
    'object; and contain at least a top-level JSON key of "default" with a value that is a string.',
    "Valid value: json",
) + _quote("sns", "PublishInput$Message", "Duplicate keys are not allowed.")
_Q_SNS_ATTRIBUTES = _quote(
    "sns",
    "MessageAttributeValue$DataType",
    "Amazon SNS supports the following logical data types: String, String.Array, Number, and Binary.",
)
_Q_SNS_TARGET = _quote(
    "sns",
    "PublishInput$TopicArn",
    "If you don't specify a value for the TopicArn parameter, you must specify a value for the PhoneNumber or "
    "TargetArn parameters.",
)
_Q_SNS_TOKENS = _quote(
    "sns",
    "PublishInput$MessageGroupId",
    "The MessageGroupId can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation",
) + _quote(
    "sns",
    "PublishInput$MessageDeduplicationId",
    "The MessageDeduplicationId can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation",
)
_Q_SFN_NAME = _quote(
    "stepfunctions",
    "StartExecutionInput$name",
    "A name must not contain: white space brackets < > { } [ ] wildcard characters ? * special characters "
    '" # % \\ ^ | ~ ` $ & , ; : /',
    "control characters ( U+0000-001F , U+007F-009F , U+FFFE-FFFF ) surrogates ( U+D800-DFFF ) invalid "
    "characters ( U+10FFFF )",
)
_Q_SFN_LOGGING = _quote(
    "stepfunctions",
    "StartExecutionInput$name",
    "To enable logging with CloudWatch Logs, the name should only contain 0-9, A-Z, a-z, - and _.",
)
_Q_SFN_JSON = _quote(
    "stepfunctions",
    "StartExecutionInput$input",
    'If you don\'t include any JSON input data, you still must include the two braces, for example: "{}"',
) + _quote("stepfunctions", "InvalidExecutionInput", "The provided JSON input data is not valid.")
_Q_SFN_SIZE = _quote(
    "stepfunctions",
    "StartExecutionInput$input",
    "Length constraints apply to the payload size, and are expressed as bytes in UTF-8 encoding.",
)
_Q_DDB_TYPE = _quote(
    "dynamodb",
    "AttributeValue",
    "Each attribute value is described as a name-value pair. The name is the data type, and the value is the data "
    "itself.",
)
_Q_DDB_EMPTY = _quote(
    "dynamodb",
    "PutItem",
    "Set type attributes cannot be empty. Invalid Requests with empty values will be rejected with a "
    "ValidationException exception.",
)
_Q_DDB_KEY = _quote(
    "dynamodb",
    "PutItem",
    "Attribute values of type String and Binary must have a length greater than zero if the attribute is used as a "
    "key attribute for a table or index.",
)
_Q_SSM_NAME = _quote(
    "ssm",
    "GetParameter",
    "If the specified name for a parameter contains spaces between characters, the request fails with a "
    "ValidationException error.",
)
_Q_STS_SOURCE = _quote(
    "sts", "AssumeRoleRequest$SourceIdentity", "You cannot use a value that begins with the text aws:."
)
_Q_STS_ARNS = _quote("sts", "AssumeRoleRequest$PolicyArns", "You can provide up to 10 managed policy ARNs.")

_SFN_OPERATIONS = ("StartExecution",)
_DDB_OPERATIONS = ("GetItem", "PutItem", "DeleteItem")


def _rule(
    rule: str,
    service: str,
    operations: Sequence[str],
    checks: str,
    code: str,
    check: Check,
    quotes: tuple[ModelQuote, ...] = (),
    note: str = "",
) -> DocumentedRule:
    """A table row: the source cites the model sentences, then ``note`` (another source, or a reading)."""
    source = _model_source(service, quotes, note) if quotes else note
    return DocumentedRule(rule, service, tuple(operations), checks, code, 400, source, check, quotes)


_TXT_GUIDE = (
    "Route 53 Developer Guide, Supported DNS record types, TXT record type "
    "(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#TXTFormat): a string "
    "holds up to 255 characters, a longer value is split into several quoted strings, \\ddd (octal) escapes a "
    "byte; RFC 1035 3.3: <character-string> is a single length octet followed by that number of characters. "
    "Route 53 answers 'CharacterStringTooLong (Value is too long)' (boto/boto3#1462)"
)

#: The documented rules :func:`check_request` enforces, one record each (docs are generated from this table).
#: Columns: rule id, service, operations, what it checks, error code, check, model sentences, further source.
# fmt: off
DOCUMENTED_RULES: list[DocumentedRule] = [
    # ---- SES v2 (every error BadRequestException, 400: modeled for every sesv2 operation)
    _rule("ses-tag-length", "sesv2", _TAG_OPERATIONS,
          "tag keys have 1-128 characters, tag values at most 256",
          "BadRequestException", _check_ses_tag_length, _Q_TAG_LENGTH),
    _rule("ses-tag-characters", "sesv2", _TAG_OPERATIONS,
          "tag keys and values hold only Unicode letters (\\p{L}), digits (\\p{N}), white space (\\p{Z}) and "
          "_ . : / = + -",
          "BadRequestException", _check_ses_tag_characters, _Q_TAG_CHARACTERS,
          "Read as AWS's usual tag pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] without the @ the SES text leaves out"),
    _rule("ses-tag-aws-prefix", "sesv2", _TAG_OPERATIONS,
          "no tag key or value begins with aws: (in any case)",
          "BadRequestException", _check_ses_tag_prefix, _Q_TAG_PREFIX,
          "Checked in any case, as the Tagging AWS Resources guide reserves aws: 'or any upper or lowercase "
          "combination'"),
    _rule("ses-tag-count", "sesv2", _TAG_OPERATIONS,
          "at most 50 tags in one request",
          "BadRequestException", _check_ses_tag_count, _Q_TAG_COUNT),
    _rule("ses-tag-unique-keys", "sesv2", _TAG_OPERATIONS,
          "no tag key twice in one request",
          "BadRequestException", _check_ses_tag_keys_unique, _Q_TAG_UNIQUE),
    _rule("ses-configuration-set-name", "sesv2", _operations_with("sesv2", "ConfigurationSetName"),
          "ConfigurationSetName is 1-64 of A-Z a-z 0-9 - _",
          "BadRequestException", _check_configuration_set_name, _Q_CONFIGURATION_SET,
          "The ConfigurationSetName shape itself has no constraint; the rule is applied to every sesv2 request "
          "that names a configuration set (a name that cannot be created cannot exist; SES answers a missing set "
          "with NotFoundException, an invalid one most likely with BadRequestException)"),
    _rule("ses-mail-from-subdomain", "sesv2", ("PutEmailIdentityMailFromAttributes",),
          "a MailFromDomain is a subdomain of the identity's domain",
          "BadRequestException", _check_mail_from_subdomain, _Q_MAIL_FROM),
    _rule("ses-dkim-domain-only", "sesv2", ("CreateEmailIdentity",),
          "DkimSigningAttributes only for a domain identity, not an address",
          "BadRequestException", _check_dkim_domain_only, _Q_DKIM_DOMAIN),
    _rule("ses-dkim-origin", "sesv2", ("CreateEmailIdentity", "PutEmailIdentityDkimSigningAttributes"),
          "DomainSigningAttributesOrigin: none in PutEmailIdentityDkimSigningAttributes, neither AWS_SES nor "
          "EXTERNAL in CreateEmailIdentity",
          "BadRequestException", _check_dkim_origin, _Q_DKIM_ORIGIN),
    _rule("ses-page-size", "sesv2", tuple(_PAGE_SIZES),
          "PageSize 1-100 (ListRecommendations), 0-1000 (ListEmailIdentities)",
          "BadRequestException", _check_ses_page_size, _Q_PAGE_SIZE),
    _rule("ses-recommendation-filter", "sesv2", ("ListRecommendations",),
          "Filter: one key, or STATUS and IMPACT, or STATUS and TYPE",
          "BadRequestException", _check_recommendation_filter, _Q_FILTER),
    # ---- Route 53 (InvalidChangeBatch: modeled, no error metadata, 400 per the API reference)
    _rule("route53-txt-string-length", "route53", ("ChangeResourceRecordSets",),
          "each character-string of a TXT/SPF value is at most 255 bytes (an escape is one byte)",
          "InvalidChangeBatch", _check_txt_strings, _Q_R53_VALUE, _TXT_GUIDE),
    _rule("route53-batch-records", "route53", ("ChangeResourceRecordSets",),
          "at most 1,000 ResourceRecord elements per request, UPSERT counted twice",
          "InvalidChangeBatch", _check_batch_records, _Q_R53_LIMITS,
          f"{_R53_QUOTAS}: 'A request cannot contain more than 1,000 ResourceRecord elements. When the value of "
          "the Action element is UPSERT, each ResourceRecord element is counted twice.' Route 53 answers "
          "'Number of records limit of 1000 exceeded.' (DNSControl/dnscontrol#1114)"),
    _rule("route53-batch-characters", "route53", ("ChangeResourceRecordSets",),
          "at most 32,000 characters in all Value elements of a request, UPSERT counted twice",
          "InvalidChangeBatch", _check_batch_characters, _Q_R53_LIMITS,
          f"{_R53_QUOTAS}: 'The sum of the number of characters (including spaces) in all Value elements in a "
          "request can't exceed 32,000 characters. When the value of the Action element is UPSERT, each character "
          "in a Value element is counted twice.' Route 53 answers 'RDATA character limit of 32000 exceeded.' "
          "(DNSControl/dnscontrol#908)"),
    _rule("route53-single-value", "route53", ("ChangeResourceRecordSets",),
          "a CNAME or SOA record set has one value",
          "InvalidChangeBatch", _check_single_value, _Q_R53_SINGLE),
    _rule("route53-duplicate-delete", "route53", ("ChangeResourceRecordSets",),
          "a change batch deletes each record set at most once",
          "InvalidChangeBatch", _check_duplicate_delete, _Q_R53_DELETE),
    _rule("route53-start-record-type", "route53", ("ListResourceRecordSets",),
          "StartRecordType only together with StartRecordName",
          "InvalidInput", _check_start_record_type, _Q_R53_START),
    _rule("route53-geolocation-continent", "route53", ("ChangeResourceRecordSets",),
          "GeoLocation.ContinentCode not with CountryCode or SubdivisionCode",
          "InvalidInput", _check_continent_code, _Q_R53_CONTINENT),
    # ---- SNS (InvalidParameterException: modeled, code InvalidParameter, 400)
    _rule("sns-subject", "sns", ("Publish",),
          "Subject: not empty, fewer than 100 characters, no line breaks or control characters, UTF-8 (no lone "
          "surrogate)",
          "InvalidParameter", _check_sns_subject, _Q_SNS_SUBJECT,
          "Empty subjects: AWS answers 'Invalid parameter: Subject' (wellcomecollection/platform#1107, "
          "localstack/localstack#597). AWS was seen accepting exactly 100 characters (getmoto/moto#1503, 2018); "
          "the documented 'less than 100' is what is enforced"),
    _rule("sns-message-size", "sns", ("Publish",),
          "message body plus attributes (names, data types, values) at most 262,144 bytes",
          "InvalidParameter", _check_sns_message_size, _Q_SNS_SIZE,
          "A topic's MaximumMessageSize (up to 1 MiB) is state this stateless check does not know"),
    _rule("sns-message-empty", "sns", ("Publish",),
          "Message is not empty",
          "InvalidParameter", _check_sns_message_empty, (),
          "Not in the sns model, where Message is only required. AWS answers 'Invalid parameter: Empty message' "
          "(localstack/localstack#5096, sricola/pyAmazonSNS#3)"),
    _rule("sns-message-structure", "sns", ("Publish",),
          "MessageStructure is json; Message is then a JSON object without duplicate keys and, for a topic, with "
          "a string default",
          "InvalidParameter", _check_sns_message_structure, _Q_SNS_STRUCTURE,
          "AWS answers 'Invalid parameter: Message Structure - No default entry in JSON message body' "
          "(aws/aws-sdk-ruby#346); a platform endpoint (TargetArn) may use its platform key instead"),
    _rule("sns-message-attributes", "sns", ("Publish",),
          "each message attribute's DataType begins with String, Number or Binary and carries a non-empty value",
          "ParameterValueInvalid", _check_sns_attributes, _Q_SNS_ATTRIBUTES,
          "Publish lists InvalidParameterValueException (code ParameterValueInvalid, 400); AWS refuses empty "
          "attribute values and other type prefixes (localstack/localstack#6938, #11857 reproduce its messages)"),
    _rule("sns-publish-target", "sns", ("Publish",),
          "one of TopicArn, TargetArn, PhoneNumber",
          "InvalidParameter", _check_sns_target, _Q_SNS_TARGET),
    _rule("sns-message-group-id", "sns", ("Publish",),
          "MessageGroupId and MessageDeduplicationId: 1-128 characters from '!' to '~'",
          "InvalidParameter", _check_sns_tokens, _Q_SNS_TOKENS,
          "For standard topics too: 'When provided, the same validation rules apply as for FIFO topics'"),
    # ---- Step Functions (InvalidName, InvalidExecutionInput: modeled for StartExecution, no error metadata)
    _rule("sfn-execution-name", "stepfunctions", _SFN_OPERATIONS,
          "name has no white space, < > { } [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /, control characters "
          "(U+0000-001F, U+007F-009F, U+FFFE-FFFF), surrogates or U+10FFFF",
          "InvalidName", _check_sfn_name, _Q_SFN_NAME,
          "Step Functions answers \"Invalid Name: '<name>'\""),
    _rule("sfn-execution-name-logging", "stepfunctions", _SFN_OPERATIONS,
          "with strict_execution_names (the state machine logs to CloudWatch Logs): name holds only 0-9 A-Z a-z "
          "- _",
          "InvalidName", _check_sfn_logging_name, _Q_SFN_LOGGING),
    _rule("sfn-execution-input-json", "stepfunctions", _SFN_OPERATIONS,
          "input is JSON",
          "InvalidExecutionInput", _check_sfn_input_json, _Q_SFN_JSON),
    _rule("sfn-execution-input-size", "stepfunctions", _SFN_OPERATIONS,
          "input is at most 262,144 bytes of UTF-8 (the model's max counts bytes here)",
          "ValidationException", _check_sfn_input_size, _Q_SFN_SIZE),
    # ---- DynamoDB (ValidationException, not modeled for these operations)
    _rule("dynamodb-attribute-value-type", "dynamodb", _DDB_OPERATIONS,
          "every AttributeValue sets exactly one data type",
          "ValidationException", _check_ddb_one_type, _Q_DDB_TYPE,
          "DynamoDB answers 'Supplied AttributeValue is empty, must contain exactly one of the supported "
          "datatypes'"),
    _rule("dynamodb-empty-set", "dynamodb", _DDB_OPERATIONS,
          "no empty SS, NS or BS",
          "ValidationException", _check_ddb_empty_set, _Q_DDB_EMPTY),
    _rule("dynamodb-empty-key", "dynamodb", ("GetItem", "DeleteItem"),
          "no empty S or B in Key",
          "ValidationException", _check_ddb_empty_key, _Q_DDB_KEY),
    # ---- SSM, STS
    _rule("ssm-parameter-name-spaces", "ssm", ("GetParameter",),
          "Name has no space between characters",
          "ValidationException", _check_ssm_name_spaces, _Q_SSM_NAME),
    _rule("sts-source-identity-prefix", "sts", ("AssumeRole",),
          "SourceIdentity does not begin with aws:",
          "ValidationError", _check_sts_source_identity, _Q_STS_SOURCE),
    _rule("sts-policy-arns-count", "sts", ("AssumeRole",),
          "at most 10 PolicyArns",
          "ValidationError", _check_sts_policy_arns, _Q_STS_ARNS,
          "The error code is an assumption (STS's common ValidationError)"),
]
# fmt: on

_RULES_BY_OPERATION: dict[tuple[str, str], list[DocumentedRule]] = {}
for _row in DOCUMENTED_RULES:
    for _operation in _row.operations:
        _RULES_BY_OPERATION.setdefault((_row.service, _operation), []).append(_row)


# ------------------------------------------------------------------------------------------ entry point
def check_request(
    service: str, operation: str, params: Mapping[str, Any], *, strict_execution_names: bool = False
) -> list[Violation]:
    """Every violation of the service model's constraints and of the documented rules, for a request as the
    caller passed it to botocore (the API parameters, e.g. ``{"EmailIdentity": ..., "Tags": [...]}``).

    Model-constraint violations come first (AWS validates them before anything else), with the code of
    :func:`error_for`; then the documented rules, each with its own code. ``strict_execution_names``: the
    state machine logs to CloudWatch Logs, so execution names may hold only ``0-9 A-Z a-z - _``.
    """
    model = _operation_model(service, operation)
    violations: list[Violation] = []
    if model.input_shape is not None:
        code, status = error_for(service, operation)
        violations += [
            Violation(service, operation, f.path, f.rule, f.message, code, status, f.source)
            for f in _walk(model.input_shape, params, _Where("", ""), service)
        ]
    for rule in _RULES_BY_OPERATION.get((service, operation), []):
        violations += [
            Violation(service, operation, path, rule.rule, message, rule.code, rule.status, rule.source)
            for path, message in rule.check(operation, params, strict_execution_names)
        ]
    return violations
