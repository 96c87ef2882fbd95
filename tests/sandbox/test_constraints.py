"""The request constraints the sandbox enforces: model traits, documented rules, their sources and codes."""

from __future__ import annotations

import json
import re
import string
from typing import Any

import botocore
import botocore.session
import pytest
from botocore import xform_name
from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import given
from hypothesis import strategies as st

from mailauth_sandbox.constraints import (
    DOCUMENTED_RULES,
    UNCOMPILABLE_PATTERNS,
    Violation,
    check_request,
    error_for,
    java_pattern_to_python,
    model_documentation,
    pattern_matches,
    quote_in_model,
    txt_string_lengths,
)

# The operations mailauth calls (layers/mailauth/mailauth/aws/*.py, submission.py, ledger, stack).
MAILAUTH_OPERATIONS = {
    "sesv2": [
        "CreateEmailIdentity",
        "GetEmailIdentity",
        "DeleteEmailIdentity",
        "PutEmailIdentityMailFromAttributes",
        "PutEmailIdentityDkimSigningAttributes",
        "PutEmailIdentityDkimAttributes",
        "TagResource",
        "ListRecommendations",
        "ListEmailIdentities",
    ],
    "route53": [
        "ListHostedZonesByName",
        "GetHostedZone",
        "ListResourceRecordSets",
        "ChangeResourceRecordSets",
        "GetChange",
    ],
    "dynamodb": ["GetItem", "PutItem", "DeleteItem"],
    "stepfunctions": ["StartExecution", "DescribeExecution"],
    "sns": ["Publish"],
    "ssm": ["GetParameter"],
    "sts": ["AssumeRole"],
    "cloudformation": ["DescribeStacks"],
}
ARN = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
TOPIC = "arn:aws:sns:us-east-1:123456789012:mailauth-notifications"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mailauth-onboard"
ZONE = "Z0123456789ABCDEFGHIJ"
TOKENS = (
    "abcdefghijklmnopqrstuvwxyz234567",
    "bcdefghijklmnopqrstuvwxyz2345672",
    "cdefghijklmnopqrstuvwxyz23456723",
)


def rules_of(violations: list[Violation]) -> list[str]:
    return [v.rule for v in violations]


def only(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, violations
    return violations[0]


def rrset(name: str, kind: str, *values: str, ttl: int = 300) -> dict[str, Any]:
    return {"Name": name, "Type": kind, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}


def batch(*changes: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "HostedZoneId": ZONE,
        "ChangeBatch": {
            "Comment": "mailauth: onboard example.com",
            "Changes": [{"Action": action, "ResourceRecordSet": rs} for action, rs in changes],
        },
    }


def txt_batch(value: str, action: str = "CREATE") -> dict[str, Any]:
    return batch((action, rrset("_dmarc.example.com.", "TXT", value)))


def records_batch(count: int, action: str = "CREATE", value: str = "192.0.2.1") -> dict[str, Any]:
    """``count`` A records, spread over record sets of 100 values."""
    changes = []
    for start in range(0, count, 100):
        values = [value] * min(100, count - start)
        changes.append((action, rrset(f"host{start}.example.com.", "A", *values)))
    return batch(*changes)


def txt_sets(total: int, action: str = "CREATE") -> dict[str, Any]:
    """TXT record sets whose values add up to ``total`` characters, each one quoted string of at most 250 bytes."""
    changes: list[tuple[str, dict[str, Any]]] = []
    left = total
    while left:
        size = min(left, 252)
        if left - size == 1:  # never leave a rest of 1: the smallest value is ""
            size -= 1
        changes.append((action, rrset(f"t{len(changes)}.example.com.", "TXT", '"' + "a" * (size - 2) + '"')))
        left -= size
    return batch(*changes)


# ------------------------------------------------------------------------------ model constraint walker
def test_string_min_length_is_detected() -> None:
    v = only(check_request("sesv2", "GetEmailIdentity", {"EmailIdentity": ""}))
    assert (v.rule, v.path, v.code, v.status) == ("min-length", "EmailIdentity", "BadRequestException", 400)
    assert (
        "at 'emailIdentity' failed to satisfy constraint: Member must have length greater than or equal to 1"
        in (v.message)
    )
    assert v.source == "botocore model sesv2 shape Identity: min 1"


def test_string_max_length_is_detected_in_a_nested_structure() -> None:
    params = batch(("CREATE", rrset("_dmarc.example.com.", "TXT", '"v=DMARC1; p=none"')))
    params["ChangeBatch"]["Comment"] = "c" * 257
    v = only(check_request("route53", "ChangeResourceRecordSets", params))
    assert (v.rule, v.path, v.code) == ("max-length", "ChangeBatch.Comment", "InvalidInput")
    assert "at 'changeBatch.comment'" in v.message and "less than or equal to 256" in v.message
    params["ChangeBatch"]["Comment"] = "c" * 256
    assert check_request("route53", "ChangeResourceRecordSets", params) == []


def test_value_longer_than_4000_characters_is_the_models_max_with_its_path() -> None:
    value = '"' + "a" * 250 + '"'
    params = txt_batch(" ".join([value] * 16))  # 16 * 252 + 15 = 4047 characters
    v = only(check_request("route53", "ChangeResourceRecordSets", params))
    assert v.rule == "max-length" and v.code == "InvalidInput"
    assert v.path == "ChangeBatch.Changes[0].ResourceRecordSet.ResourceRecords[0].Value"
    assert "at 'changeBatch.changes.1.member.resourceRecordSet.resourceRecords.1.member.value'" in v.message
    assert v.source == "botocore model route53 shape RData: max 4000"


def test_pattern_is_checked_in_nested_members() -> None:
    params = {"EmailIdentity": "example.com", "DkimSigningAttributes": {"DomainSigningSelector": "-selector"}}
    v = only(check_request("sesv2", "CreateEmailIdentity", params))
    assert (v.rule, v.path) == ("pattern", "DkimSigningAttributes.DomainSigningSelector")
    assert "Member must satisfy regular expression pattern: ^(([a-zA-Z0-9]|" in v.message


@pytest.mark.parametrize("name", ["a:b", "PowerUser/hjacobs", "dependabot[bot]", "two words", "café"])
def test_patterns_match_the_whole_value_as_aws_does(name: str) -> None:
    """STS refuses these against ``[\\w+=,.@-]*`` (a search would find the empty match in any of them)."""
    params = {"RoleArn": "arn:aws:iam::123456789012:role/dns", "RoleSessionName": name}
    v = only(check_request("sts", "AssumeRole", params))
    assert (v.rule, v.code, v.status) == ("pattern", "ValidationError", 400)
    assert v.message == (
        f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    )


def test_a_trailing_newline_does_not_pass_an_anchored_pattern() -> None:
    params = {"EmailIdentity": "example.com", "DkimSigningAttributes": {"DomainSigningSelector": "s1\n"}}
    assert rules_of(check_request("sesv2", "CreateEmailIdentity", params)) == ["pattern"]


def test_enum_member_not_listed_is_rejected() -> None:
    params = {
        "EmailIdentity": "example.com",
        "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_4096_BIT"},
    }
    v = only(check_request("sesv2", "CreateEmailIdentity", params))
    assert (v.rule, v.path) == ("enum", "DkimSigningAttributes.NextSigningKeyLength")
    assert "Member must satisfy enum value set: [RSA_1024_BIT, RSA_2048_BIT]" in v.message


def test_map_keys_and_values_and_size() -> None:
    bad_key = check_request("sesv2", "ListRecommendations", {"Filter": {"COLOR": "HIGH"}})
    v = only(bad_key)
    assert (v.rule, v.path) == ("enum", "Filter['COLOR'](key)")
    assert "Map keys must satisfy constraint: [Member must satisfy enum value set:" in v.message

    v = only(check_request("sesv2", "ListRecommendations", {"Filter": {"TYPE": "x" * 513}}))
    assert (v.rule, v.path) == ("max-length", "Filter['TYPE']")
    assert (
        "Map value must satisfy constraint: [Member must have length less than or equal to 512]" in v.message
    )

    three = {"TYPE": "DKIM", "IMPACT": "HIGH", "STATUS": "OPEN"}
    assert "max-items" in rules_of(check_request("sesv2", "ListRecommendations", {"Filter": three}))


def test_list_sizes() -> None:
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    params = {"RoleArn": "arn:aws:iam::123456789012:role/dns", "RoleSessionName": "mailauth", "Tags": tags}
    v = only(check_request("sts", "AssumeRole", params))
    assert (v.rule, v.path) == ("max-items", "Tags")
    assert "Value at 'tags' failed" in v.message  # a list's value is not echoed
    empty = {"HostedZoneId": ZONE, "ChangeBatch": {"Changes": []}}
    assert rules_of(check_request("route53", "ChangeResourceRecordSets", empty)) == ["min-items"]


def test_numeric_ranges_top_level_and_nested() -> None:
    base = {"RoleArn": "arn:aws:iam::123456789012:role/dns", "RoleSessionName": "mailauth"}
    assert rules_of(check_request("sts", "AssumeRole", {**base, "DurationSeconds": 899})) == ["min-value"]
    assert rules_of(check_request("sts", "AssumeRole", {**base, "DurationSeconds": 43201})) == ["max-value"]
    assert check_request("sts", "AssumeRole", {**base, "DurationSeconds": 900}) == []
    weighted = rrset("www.example.com.", "A", "192.0.2.1") | {"SetIdentifier": "a", "Weight": 256}
    v = only(check_request("route53", "ChangeResourceRecordSets", batch(("CREATE", weighted))))
    assert (v.rule, v.path) == ("max-value", "ChangeBatch.Changes[0].ResourceRecordSet.Weight")


def test_blob_length_counts_bytes() -> None:
    key = "alias/mailauth"
    assert rules_of(check_request("kms", "Encrypt", {"KeyId": key, "Plaintext": b"x" * 4097})) == [
        "max-length"
    ]
    assert check_request("kms", "Encrypt", {"KeyId": key, "Plaintext": b"x" * 4096}) == []


def test_sensitive_values_are_not_echoed() -> None:
    secret = "not base64 !"
    params = {"EmailIdentity": "example.com", "DkimSigningAttributes": {"DomainSigningPrivateKey": secret}}
    v = only(check_request("sesv2", "CreateEmailIdentity", params))
    assert v.rule == "pattern" and secret not in v.message
    assert v.message.startswith(
        "1 validation error detected: Value at 'dkimSigningAttributes.domainSigningPrivateKey'"
    )


def test_members_not_in_the_shape_and_wrong_types_are_left_to_botocore() -> None:
    params = {"EmailIdentity": "example.com", "Unknown": "x" * 10_000, "Tags": "not a list"}
    assert check_request("sesv2", "CreateEmailIdentity", params) == []
    assert check_request("sts", "AssumeRole", {"DurationSeconds": True, "RoleSessionName": None}) == []


# ------------------------------------------------------------------------------------------- patterns
def test_java_character_classes_are_ascii_but_unicode_properties_are_not() -> None:
    assert pattern_matches(r"[\w]+", "abc_1") is True
    assert pattern_matches(r"[\w]+", "é") is False  # Java's \w is ASCII; Python's would take it
    assert pattern_matches(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", "Bücher straße ٣") is True
    assert pattern_matches(r"\p{Print}+", "abc ~") is True
    assert pattern_matches(r"\p{Print}+", "é") is False  # Java's POSIX classes are ASCII too
    assert pattern_matches(r".*\S.*", "a b") is True
    assert pattern_matches(r".*\S.*", "a\nb") is False  # Java's . matches no line terminator
    assert pattern_matches(r"[\s\S]+", "a\u00a0\n\u2028") is True
    assert java_pattern_to_python(r"[\w.]\d") == "[a-zA-Z0-9_.][0-9]"


def test_an_uncompilable_pattern_is_skipped_and_recorded() -> None:
    model = botocore.session.get_session().get_service_model("dynamodb")
    pattern = model.shape_for("AutoScalingRoleArn").metadata["pattern"]  # Java surrogate-pair range
    assert pattern_matches(pattern, "arn:aws:iam::123456789012:role/x") is None
    assert pattern in UNCOMPILABLE_PATTERNS
    assert check_request("sesv2", "GetEmailIdentity", {"EmailIdentity": "example.com"}) == []


def _input_patterns(shape: Shape, seen: set[str]) -> list[tuple[str, str]]:
    if shape.name in seen:
        return []
    seen.add(shape.name)
    found = [(shape.name, shape.metadata["pattern"])] if "pattern" in shape.metadata else []
    if isinstance(shape, StructureShape):
        for member in shape.members.values():
            found += _input_patterns(member, seen)
    elif isinstance(shape, ListShape):
        found += _input_patterns(shape.member, seen)
    elif isinstance(shape, MapShape):
        found += _input_patterns(shape.key, seen) + _input_patterns(shape.value, seen)
    return found


def _mailauth_patterns() -> list[tuple[str, str, str]]:
    session = botocore.session.get_session()
    found = []
    for service, operations in MAILAUTH_OPERATIONS.items():
        model = session.get_service_model(service)
        for operation in operations:
            shape = model.operation_model(operation).input_shape
            found += [(service, name, p) for name, p in _input_patterns(shape, set())] if shape else []
    return found


def test_every_pattern_of_the_shapes_mailauth_sends_compiles() -> None:
    patterns = _mailauth_patterns()
    assert len(patterns) > 10
    for service, name, pattern in patterns:
        assert pattern_matches(pattern, "x") is not None, f"{service} {name}: {pattern}"
        assert pattern not in UNCOMPILABLE_PATTERNS


def test_no_pattern_mailauth_sends_is_anchored_at_one_end_only() -> None:
    """Whole-value matching differs from a search only for unanchored patterns (see constraints/patterns.py)."""
    for service, name, pattern in _mailauth_patterns():
        assert pattern.startswith("^") == pattern.endswith("$"), f"{service} {name}: {pattern}"


@pytest.mark.slow
@given(
    pattern=st.sampled_from([r"[\w+=,.@-]*", r"[\d]*", r"\S+", r"[\s\S]*", r"[\w\-_]+", r"\w+\s\d\W"]),
    text=st.text(max_size=12),
)
def test_translated_shorthands_behave_like_javas_ascii_ones(pattern: str, text: str) -> None:
    assert pattern_matches(pattern, text) == bool(re.fullmatch(pattern, text, re.ASCII))


# --------------------------------------------------------------------------------------- error codes
@pytest.mark.parametrize(
    ("service", "code"),
    [
        ("sesv2", "BadRequestException"),
        ("route53", "InvalidInput"),
        ("sns", "InvalidParameter"),
        ("stepfunctions", "ValidationException"),
        ("dynamodb", "ValidationException"),
        ("sts", "ValidationError"),
        ("ssm", "ValidationException"),
        ("cloudformation", "ValidationError"),
    ],
)
def test_error_for_each_service_mailauth_calls(service: str, code: str) -> None:
    for operation in MAILAUTH_OPERATIONS[service]:
        assert error_for(service, operation) == (code, 400)


def _modeled_errors(service: str, operation: str) -> dict[str, int | None]:
    """Error code -> modeled HTTP status (None: the model gives no status) of an operation's errors."""
    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    errors: dict[str, int | None] = {}
    for shape in model.error_shapes:
        error = shape.metadata.get("error", {})
        errors[error.get("code", shape.name)] = error.get("httpStatusCode")
    return errors


def test_modeled_error_codes_are_what_the_models_say() -> None:
    for operation in MAILAUTH_OPERATIONS["sesv2"]:
        assert _modeled_errors("sesv2", operation)["BadRequestException"] == 400
    for operation in MAILAUTH_OPERATIONS["route53"]:
        assert _modeled_errors("route53", operation)["InvalidInput"] == 400
    assert _modeled_errors("sns", "Publish")["InvalidParameter"] == 400
    assert "ValidationException" in _modeled_errors("stepfunctions", "StartExecution")
    assert "ValidationException" not in _modeled_errors("stepfunctions", "DescribeExecution")
    for service in ("dynamodb", "sts", "ssm", "cloudformation"):  # not modeled: common errors
        for operation in MAILAUTH_OPERATIONS[service]:
            assert error_for(service, operation)[0] not in _modeled_errors(service, operation)


# Documented rules whose code is not among the operation's modeled errors (see constraints/models.py).
UNMODELED_RULE_CODES = {
    ("dynamodb", "ValidationException"),
    ("ssm", "ValidationException"),
    ("sts", "ValidationError"),
}


def test_documented_rule_codes_are_modeled_errors_of_their_operations() -> None:
    for rule in DOCUMENTED_RULES:
        assert rule.status == 400
        for operation in rule.operations:
            modeled = _modeled_errors(rule.service, operation)
            assert rule.code in modeled or (rule.service, rule.code) in UNMODELED_RULE_CODES, (
                rule.rule,
                operation,
            )
            assert modeled.get(rule.code) in (None, 400)


def test_error_for_other_services_falls_back_on_modeled_or_protocol_errors() -> None:
    assert error_for("iam", "CreateRole") == ("ValidationError", 400)  # query protocol
    assert error_for("lambda", "Invoke") == ("ValidationException", 400)


# -------------------------------------------------------- the requests mailauth sends are accepted
def change_batch_of_an_onboarding() -> dict[str, Any]:
    cnames = [
        (
            "CREATE",
            rrset(f"{t}._domainkey.example.com.", "CNAME", f"{t}.dkim.us-east-1.amazonses.com", ttl=1800),
        )
        for t in TOKENS
    ]
    return batch(
        *cnames,
        ("CREATE", rrset("_dmarc.example.com.", "TXT", '"v=DMARC1; p=none"')),
        ("CREATE", rrset("mail.example.com.", "MX", "10 feedback-smtp.us-east-1.amazonaws.com")),
        ("UPSERT", rrset("mail.example.com.", "TXT", '"v=spf1 include:amazonses.com ~all"')),
    )


VALID_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "sesv2",
        "CreateEmailIdentity",
        {
            "EmailIdentity": "example.com",
            "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
            "Tags": [
                {"Key": "mailauth:managed-by", "Value": "mailauth"},
                {"Key": "team", "Value": "mail-ops"},
            ],
            "ConfigurationSetName": "mail-ops_default",
        },
    ),
    ("sesv2", "GetEmailIdentity", {"EmailIdentity": "example.com"}),
    ("sesv2", "DeleteEmailIdentity", {"EmailIdentity": "example.com"}),
    (
        "sesv2",
        "PutEmailIdentityMailFromAttributes",
        {
            "EmailIdentity": "example.com",
            "MailFromDomain": "mail.example.com",
            "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
        },
    ),
    ("sesv2", "PutEmailIdentityMailFromAttributes", {"EmailIdentity": "example.com"}),  # custom MAIL FROM off
    (
        "sesv2",
        "PutEmailIdentityDkimSigningAttributes",
        {
            "EmailIdentity": "example.com",
            "SigningAttributesOrigin": "AWS_SES",
            "SigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
        },
    ),
    ("sesv2", "PutEmailIdentityDkimAttributes", {"EmailIdentity": "example.com", "SigningEnabled": True}),
    (
        "sesv2",
        "TagResource",
        {"ResourceArn": ARN, "Tags": [{"Key": "mailauth:managed-by", "Value": "mailauth:adopted"}]},
    ),
    ("sesv2", "ListRecommendations", {"Filter": {"RESOURCE_ARN": ARN}, "PageSize": 100, "NextToken": "t"}),
    ("sesv2", "ListRecommendations", {"Filter": {"STATUS": "OPEN", "TYPE": "DMARC"}, "PageSize": 1}),
    ("sesv2", "ListEmailIdentities", {"PageSize": 1000}),
    ("route53", "ListHostedZonesByName", {"DNSName": "example.com.", "MaxItems": "10"}),
    ("route53", "ListHostedZonesByName", {"DNSName": "example.com.", "HostedZoneId": ZONE, "MaxItems": "10"}),
    ("route53", "GetHostedZone", {"Id": ZONE}),
    ("route53", "ListResourceRecordSets", {"HostedZoneId": ZONE, "MaxItems": "300"}),
    (
        "route53",
        "ListResourceRecordSets",
        {
            "HostedZoneId": ZONE,
            "StartRecordName": "_dmarc.example.com.",
            "StartRecordType": "TXT",
            "MaxItems": "20",
        },
    ),
    ("route53", "ChangeResourceRecordSets", change_batch_of_an_onboarding()),
    ("route53", "GetChange", {"Id": "C0123456789ABCDEFGHIJ"}),
    (
        "dynamodb",
        "GetItem",
        {"TableName": "mailauth-domains", "Key": {"domain": {"S": "example.com"}}, "ConsistentRead": True},
    ),
    (
        "dynamodb",
        "PutItem",
        {
            "TableName": "mailauth-domains",
            "Item": {
                "domain": {"S": "example.com"},
                "generation": {"N": "1"},
                "request": {"M": {"x": {"NULL": True}}},
            },
            "ConditionExpression": "attribute_not_exists(#d)",
            "ExpressionAttributeNames": {"#d": "domain"},
        },
    ),
    ("dynamodb", "DeleteItem", {"TableName": "mailauth-domains", "Key": {"domain": {"S": "example.com"}}}),
    (
        "stepfunctions",
        "StartExecution",
        {"stateMachineArn": MACHINE, "name": "example_com-1", "input": '{"request": {}}'},
    ),
    (
        "stepfunctions",
        "DescribeExecution",
        {"executionArn": MACHINE.replace("stateMachine", "execution") + ":x"},
    ),
    (
        "sns",
        "Publish",
        {
            "TopicArn": TOPIC,
            "Subject": "mailauth: " + "d" * 80 + " verified",  # 99 characters
            "MessageStructure": "json",
            "Message": json.dumps({"default": "{}", "email": "Bücher ✅\nline 2"}, ensure_ascii=False),
            "MessageAttributes": {"outcome": {"DataType": "String", "StringValue": "success"}},
        },
    ),
    ("ssm", "GetParameter", {"Name": "/mailauth/slack-webhook", "WithDecryption": True}),
    (
        "sts",
        "AssumeRole",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/dns",
            "RoleSessionName": "mailauth",
            "DurationSeconds": 900,
        },
    ),
    ("cloudformation", "DescribeStacks", {"StackName": "mailauth"}),
]


@pytest.mark.parametrize(("service", "operation", "params"), VALID_REQUESTS)
def test_valid_requests_mailauth_sends_have_no_violations(
    service: str, operation: str, params: dict[str, Any]
) -> None:
    assert check_request(service, operation, params, strict_execution_names=True) == []


def test_the_valid_requests_cover_every_operation_mailauth_calls() -> None:
    covered = {(s, o) for s, o, _ in VALID_REQUESTS}
    assert covered == {(s, o) for s, ops in MAILAUTH_OPERATIONS.items() for o in ops}


def test_the_valid_publish_has_a_99_character_subject() -> None:
    publish = next(params for _, operation, params in VALID_REQUESTS if operation == "Publish")
    assert len(publish["Subject"]) == 99


class Recorder:
    """A stand-in client: records each call as (operation, params) and answers a canned response."""

    def __init__(self, service: str, responses: dict[str, Any] | None = None) -> None:
        model = botocore.session.get_session().get_service_model(service)
        self._operations = {xform_name(op): op for op in model.operation_names}
        self.service = service
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.responses = responses or {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._operations:
            raise AttributeError(name)
        operation = self._operations[name]

        def call(**params: Any) -> Any:
            self.calls.append((operation, params))
            return self.responses.get(operation, {})

        return call

    def violations(self) -> list[Violation]:
        found = []
        for operation, params in self.calls:
            found += check_request(self.service, operation, params, strict_execution_names=True)
        return found


def test_requests_built_by_mailauths_own_adapters_have_no_violations() -> None:
    from mailauth.aws.route53 import Route53
    from mailauth.aws.ses import Ses
    from mailauth.models import IdentityInfo, RecordChange
    from mailauth.request import OnboardRequest
    from mailauth.wanted import desired_records

    ses = Recorder("sesv2", {"CreateEmailIdentity": {"DkimAttributes": {"Tokens": list(TOKENS)}}})
    adapter = Ses(ses, sleep=lambda _: None)
    adapter.create_identity(
        "example.com",
        key_length="RSA_2048_BIT",
        tags={"team": "mail-ops", "mailauth:managed-by": "mailauth"},
        configuration_set="mail-ops_default",
    )
    adapter.tag(ARN, {"mailauth:managed-by": "mailauth:adopted"})
    adapter.put_mail_from("example.com", "mail.example.com", "USE_DEFAULT_VALUE")
    adapter.enable_easy_dkim("example.com", "RSA_2048_BIT")
    adapter.enable_signing("example.com")
    adapter.recommendations(ARN)
    assert len(ses.calls) == 6 and ses.violations() == []

    request = OnboardRequest(
        domain="example.com", dmarc={"policy": "quarantine", "rua": ["dmarc@example.com"]}
    )
    identity = IdentityInfo(
        domain="example.com",
        identity_arn=ARN,
        region="us-east-1",
        adopted=False,
        dkim_tokens=TOKENS,
        signing_hosted_zone="dkim.us-east-1.amazonses.com",
        mail_from_domain="mail.example.com",
    )
    changes = [
        RecordChange(action="CREATE", record=record, purpose=purpose, reason="missing")
        for purpose, record in desired_records(request, identity)
    ]
    route53 = Recorder("route53", {"ChangeResourceRecordSets": {"ChangeInfo": {"Id": "/change/C1"}}})
    Route53(route53).change(ZONE, changes, "mailauth: onboard example.com " + "x" * 300)
    assert route53.calls and route53.violations() == []

    sts = Recorder(
        "sts",
        {
            "AssumeRole": {
                "Credentials": dict.fromkeys(("AccessKeyId", "SecretAccessKey", "SessionToken"), "x")
            }
        },
    )
    assert Route53(role_arn="arn:aws:iam::123456789012:role/dns", sts=sts).client is not None
    assert sts.calls and sts.violations() == []


def test_publish_and_submission_requests_of_mailauth_have_no_violations() -> None:
    from mailauth.aws.sns import Topic
    from mailauth.notify.message import Message
    from mailauth.request import OnboardRequest
    from mailauth.submission import Submitter

    sns = Recorder("sns", {"Publish": {"MessageId": "m-1"}})
    message = Message(
        outcome="success",
        domain="bücher.example",
        subject="mailauth: xn--bcher-kva.example verified",
        email_text="✅ bücher.example is verified\n" * 200,
        chatbot={"version": "1.0", "source": "custom"},
    )
    message.send_to(Topic(TOPIC, client=sns))
    assert sns.calls and sns.violations() == []

    sfn = Recorder(
        "stepfunctions",
        {"StartExecution": {"executionArn": MACHINE}, "DescribeExecution": {"status": "SUCCEEDED"}},
    )
    dynamodb = Recorder("dynamodb")
    submitter = Submitter(
        state_machine_arn=MACHINE, table_name="mailauth-domains", sfn=sfn, dynamodb=dynamodb
    )
    submitter.submit(OnboardRequest(domain="example.com"))
    dynamodb.responses["GetItem"] = {
        "Item": {
            "domain": {"S": "example.com"},
            "generation": {"N": "1"},
            "execution_arn": {"S": MACHINE + ":x"},
            "execution_name": {"S": "example_com-1"},
            "request_hash": {"S": "h"},
            "kind": {"S": "onboard"},
        }
    }
    submitter.submit(OnboardRequest(domain="a-very-long-label." * 4 + "example.com"))
    submitter.offboard("example.com", keep_identity=True, state_machine_arn=MACHINE)
    submitter.start_rejected({"domain": 42}, "InvalidRequestError", "not a string")
    names = [p["name"] for op, p in sfn.calls if op == "StartExecution"]
    assert len(names) == 4 and names[0] == "example_com-1" and names[2] == "example_com-offboard-2"
    assert len(names[1]) <= 80 and names[1].endswith("-2")  # a long domain is shortened with a hash
    assert sfn.violations() == [] and dynamodb.violations() == []


# ------------------------------------------------------------------------------ documented rules
CNAME = "abcdefghijklmnopqrstuvwxyz234567.dkim.amazonses.com"
LONG_TXT_STRING = '"' + "a" * 256 + '"'
TAGGED = {"EmailIdentity": "example.com"}

# fmt: off
COUNTEREXAMPLES: list[tuple[str, str, str, dict[str, Any], bool]] = [
    # rule, service, operation, params, strict_execution_names
    ("ses-tag-characters", "sesv2", "CreateEmailIdentity",
     TAGGED | {"Tags": [{"Key": "mailauth:managed-by", "Value": "mailauth (adopted)"}]}, False),
    ("ses-tag-characters", "sesv2", "TagResource",
     {"ResourceArn": ARN, "Tags": [{"Key": "team@ops", "Value": "x"}]}, False),
    ("ses-tag-characters", "sesv2", "CreateEmailIdentity", TAGGED | {"Tags": [{"Key": "a\tb", "Value": ""}]}, False),
    ("ses-tag-aws-prefix", "sesv2", "CreateEmailIdentity", TAGGED | {"Tags": [{"Key": "aws:team", "Value": "x"}]}, False),
    ("ses-tag-aws-prefix", "sesv2", "TagResource", {"ResourceArn": ARN, "Tags": [{"Key": "k", "Value": "AWS:x"}]}, False),
    ("ses-tag-length", "sesv2", "CreateEmailIdentity", TAGGED | {"Tags": [{"Key": "", "Value": "x"}]}, False),
    ("ses-tag-length", "sesv2", "CreateEmailIdentity", TAGGED | {"Tags": [{"Key": "k" * 129, "Value": "x"}]}, False),
    ("ses-tag-length", "sesv2", "TagResource", {"ResourceArn": ARN, "Tags": [{"Key": "k", "Value": "v" * 257}]}, False),
    ("ses-tag-count", "sesv2", "CreateEmailIdentity",
     TAGGED | {"Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]}, False),
    ("ses-tag-unique-keys", "sesv2", "TagResource",
     {"ResourceArn": ARN, "Tags": [{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}]}, False),
    ("ses-configuration-set-name", "sesv2", "CreateEmailIdentity", TAGGED | {"ConfigurationSetName": "mail.ops"}, False),
    ("ses-configuration-set-name", "sesv2", "CreateEmailIdentity", TAGGED | {"ConfigurationSetName": "c" * 65}, False),
    ("ses-mail-from-subdomain", "sesv2", "PutEmailIdentityMailFromAttributes",
     {"EmailIdentity": "example.com", "MailFromDomain": "mail.example.org"}, False),
    ("ses-mail-from-subdomain", "sesv2", "PutEmailIdentityMailFromAttributes",
     {"EmailIdentity": "example.com", "MailFromDomain": "example.com"}, False),
    ("ses-mail-from-subdomain", "sesv2", "PutEmailIdentityMailFromAttributes",
     {"EmailIdentity": "example.com", "MailFromDomain": "badexample.com"}, False),
    ("ses-dkim-domain-only", "sesv2", "CreateEmailIdentity",
     {"EmailIdentity": "ops@example.com", "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"}}, False),
    ("ses-dkim-origin", "sesv2", "CreateEmailIdentity",
     TAGGED | {"DkimSigningAttributes": {"DomainSigningAttributesOrigin": "AWS_SES"}}, False),
    ("ses-dkim-origin", "sesv2", "PutEmailIdentityDkimSigningAttributes",
     TAGGED | {"SigningAttributesOrigin": "AWS_SES", "SigningAttributes": {"DomainSigningAttributesOrigin": "AWS_SES"}},
     False),
    ("ses-page-size", "sesv2", "ListRecommendations", {"PageSize": 101}, False),
    ("ses-page-size", "sesv2", "ListRecommendations", {"PageSize": 0}, False),
    ("ses-page-size", "sesv2", "ListEmailIdentities", {"PageSize": 1001}, False),
    ("ses-recommendation-filter", "sesv2", "ListRecommendations", {"Filter": {"TYPE": "DKIM", "IMPACT": "HIGH"}}, False),
    ("route53-txt-string-length", "route53", "ChangeResourceRecordSets", txt_batch(LONG_TXT_STRING), False),
    ("route53-txt-string-length", "route53", "ChangeResourceRecordSets",
     txt_batch('"v=spf1" "' + "\\344" * 256 + '"'), False),
    ("route53-txt-string-length", "route53", "ChangeResourceRecordSets", txt_batch('"' + "ä" * 128 + '"'), False),
    ("route53-batch-records", "route53", "ChangeResourceRecordSets", records_batch(1001), False),
    ("route53-batch-records", "route53", "ChangeResourceRecordSets", records_batch(501, "UPSERT"), False),
    ("route53-batch-characters", "route53", "ChangeResourceRecordSets", txt_sets(32_001), False),
    ("route53-batch-characters", "route53", "ChangeResourceRecordSets", txt_sets(16_001, "UPSERT"), False),
    ("route53-single-value", "route53", "ChangeResourceRecordSets",
     batch(("CREATE", rrset("x._domainkey.example.com.", "CNAME", CNAME, "other.example.net"))), False),
    ("route53-duplicate-delete", "route53", "ChangeResourceRecordSets",
     batch(("DELETE", rrset("_dmarc.example.com.", "TXT", '"a"')), ("DELETE", rrset("_DMARC.example.com", "TXT", '"a"'))),
     False),
    ("route53-start-record-type", "route53", "ListResourceRecordSets", {"HostedZoneId": ZONE, "StartRecordType": "TXT"},
     False),
    ("route53-geolocation-continent", "route53", "ChangeResourceRecordSets",
     batch(("CREATE", rrset("www.example.com.", "A", "192.0.2.1")
            | {"SetIdentifier": "eu", "GeoLocation": {"ContinentCode": "EU", "CountryCode": "DE"}})), False),
    ("sns-subject", "sns", "Publish", {"TopicArn": TOPIC, "Message": "m", "Subject": "s" * 100}, False),
    ("sns-subject", "sns", "Publish", {"TopicArn": TOPIC, "Message": "m", "Subject": "mailauth:\nexample.com"}, False),
    ("sns-subject", "sns", "Publish", {"TopicArn": TOPIC, "Message": "m", "Subject": "tab\there"}, False),
    ("sns-subject", "sns", "Publish", {"TopicArn": TOPIC, "Message": "m", "Subject": "line\u2028break"}, False),
    ("sns-subject", "sns", "Publish", {"TopicArn": TOPIC, "Message": "m", "Subject": ""}, False),
    ("sns-message-size", "sns", "Publish", {"TopicArn": TOPIC, "Message": "é" * 131_073}, False),
    ("sns-message-size", "sns", "Publish",
     {"TopicArn": TOPIC, "Message": "m" * 262_000,
      "MessageAttributes": {"domain": {"DataType": "String", "StringValue": "d" * 200}}}, False),
    ("sns-message-empty", "sns", "Publish", {"TopicArn": TOPIC, "Message": ""}, False),
    ("sns-message-structure", "sns", "Publish", {"TopicArn": TOPIC, "Message": "{}", "MessageStructure": "JSON"}, False),
    ("sns-message-structure", "sns", "Publish",
     {"TopicArn": TOPIC, "Message": '{"email": "x"}', "MessageStructure": "json"}, False),
    ("sns-message-structure", "sns", "Publish", {"TopicArn": TOPIC, "Message": "not json", "MessageStructure": "json"},
     False),
    ("sns-message-structure", "sns", "Publish",
     {"TopicArn": TOPIC, "Message": '{"default": "a", "default": "b"}', "MessageStructure": "json"}, False),
    ("sns-message-attributes", "sns", "Publish",
     {"TopicArn": TOPIC, "Message": "m", "MessageAttributes": {"domain": {"DataType": "String", "StringValue": ""}}},
     False),
    ("sns-message-attributes", "sns", "Publish",
     {"TopicArn": TOPIC, "Message": "m", "MessageAttributes": {"n": {"DataType": "Text", "StringValue": "x"}}}, False),
    ("sns-publish-target", "sns", "Publish", {"Message": "m"}, False),
    ("sns-message-group-id", "sns", "Publish", {"TopicArn": TOPIC, "Message": "m", "MessageGroupId": "a b"}, False),
    ("sns-message-group-id", "sns", "Publish",
     {"TopicArn": TOPIC, "Message": "m", "MessageDeduplicationId": "d" * 129}, False),
    ("sfn-execution-name", "stepfunctions", "StartExecution", {"stateMachineArn": MACHINE, "name": "example.com:1"}, False),
    ("sfn-execution-name", "stepfunctions", "StartExecution", {"stateMachineArn": MACHINE, "name": "a b"}, False),
    ("sfn-execution-name", "stepfunctions", "StartExecution", {"stateMachineArn": MACHINE, "name": "a\u0085b"}, False),
    ("sfn-execution-name", "stepfunctions", "StartExecution", {"stateMachineArn": MACHINE, "name": "a\ufffeb"}, False),
    ("sfn-execution-name-logging", "stepfunctions", "StartExecution",
     {"stateMachineArn": MACHINE, "name": "example.com-1"}, True),
    ("sfn-execution-name-logging", "stepfunctions", "StartExecution",
     {"stateMachineArn": MACHINE, "name": "bücher_example-1"}, True),
    ("sfn-execution-input-json", "stepfunctions", "StartExecution", {"stateMachineArn": MACHINE, "input": "{'a': 1}"},
     False),
    ("sfn-execution-input-json", "stepfunctions", "StartExecution", {"stateMachineArn": MACHINE, "input": "NaN"}, False),
    ("sfn-execution-input-size", "stepfunctions", "StartExecution",
     {"stateMachineArn": MACHINE, "input": json.dumps("é" * 131_072, ensure_ascii=False)}, False),
    ("dynamodb-attribute-value-type", "dynamodb", "GetItem", {"TableName": "t", "Key": {"domain": {}}}, False),
    ("dynamodb-attribute-value-type", "dynamodb", "PutItem",
     {"TableName": "t", "Item": {"domain": {"S": "x"}, "m": {"M": {"n": {"S": "1", "N": "1"}}}}}, False),
    ("dynamodb-empty-set", "dynamodb", "PutItem", {"TableName": "t", "Item": {"domain": {"S": "x"}, "s": {"SS": []}}},
     False),
    ("dynamodb-empty-key", "dynamodb", "DeleteItem", {"TableName": "t", "Key": {"domain": {"S": ""}}}, False),
    ("ssm-parameter-name-spaces", "ssm", "GetParameter", {"Name": "/mailauth/slack webhook"}, False),
    ("sts-source-identity-prefix", "sts", "AssumeRole",
     {"RoleArn": "arn:aws:iam::123456789012:role/dns", "RoleSessionName": "mailauth", "SourceIdentity": "aws:me"}, False),
    ("sts-policy-arns-count", "sts", "AssumeRole",
     {"RoleArn": "arn:aws:iam::123456789012:role/dns", "RoleSessionName": "mailauth",
      "PolicyArns": [{"arn": f"arn:aws:iam::123456789012:policy/p{i}"} for i in range(11)]}, False),
]
# fmt: on


@pytest.mark.parametrize(("rule", "service", "operation", "params", "strict"), COUNTEREXAMPLES)
def test_each_documented_rule_rejects_its_counterexample(
    rule: str, service: str, operation: str, params: dict[str, Any], strict: bool
) -> None:
    violations = check_request(service, operation, params, strict_execution_names=strict)
    assert rule in rules_of(violations), violations
    record = next(r for r in DOCUMENTED_RULES if r.rule == rule)
    for v in violations:
        if v.rule == rule:
            assert (v.service, v.operation, v.code, v.status, v.source) == (
                service,
                operation,
                record.code,
                record.status,
                record.source,
            )
            assert v.message and v.path


def test_every_documented_rule_has_a_counterexample() -> None:
    assert {r.rule for r in DOCUMENTED_RULES} == {c[0] for c in COUNTEREXAMPLES}
    assert len({r.rule for r in DOCUMENTED_RULES}) == len(DOCUMENTED_RULES)


def test_ses_tag_violations_name_the_tag_and_the_characters() -> None:
    params = TAGGED | {
        "Tags": [{"Key": "team", "Value": "ok"}, {"Key": "state", "Value": "mailauth (adopted)"}]
    }
    v = only(check_request("sesv2", "CreateEmailIdentity", params))
    assert (v.path, v.code, v.status) == ("Tags[1].Value", "BadRequestException", 400)
    assert "'('" in v.message and "')'" in v.message and "mailauth (adopted)" in v.message


def test_ses_tag_rules_apply_to_every_sesv2_operation_with_tags() -> None:
    operations = next(r for r in DOCUMENTED_RULES if r.rule == "ses-tag-characters").operations
    assert {"CreateEmailIdentity", "TagResource", "CreateConfigurationSet", "CreateContactList"} <= set(
        operations
    )
    params = {"ConfigurationSetName": "ops", "Tags": [{"Key": "k", "Value": "(x)"}]}
    assert rules_of(check_request("sesv2", "CreateConfigurationSet", params)) == ["ses-tag-characters"]


def test_ses_limits_at_the_boundary_are_accepted() -> None:
    tags = [{"Key": "k" * 128, "Value": "v" * 256}] + [{"Key": f"k{i}", "Value": ""} for i in range(49)]
    assert check_request("sesv2", "CreateEmailIdentity", TAGGED | {"Tags": tags}) == []
    assert check_request("sesv2", "CreateEmailIdentity", TAGGED | {"ConfigurationSetName": "c" * 64}) == []
    mail_from = {"EmailIdentity": "ops@Example.com", "MailFromDomain": "bounce.mail.example.com."}
    assert check_request("sesv2", "PutEmailIdentityMailFromAttributes", mail_from) == []
    assert check_request("sesv2", "ListEmailIdentities", {"PageSize": 0}) == []
    origin = {"DkimSigningAttributes": {"DomainSigningAttributesOrigin": "AWS_SES_EU_WEST_1"}}
    assert check_request("sesv2", "CreateEmailIdentity", TAGGED | origin) == []


def test_txt_strings_of_255_bytes_and_escapes_are_accepted() -> None:
    assert check_request("route53", "ChangeResourceRecordSets", txt_batch('"' + "a" * 255 + '"')) == []
    escaped = '"' + '\\"' * 100 + "\\344" * 100 + "a" * 55 + '"'  # 255 bytes written in 657 characters
    assert txt_string_lengths(escaped) == [255]
    assert check_request("route53", "ChangeResourceRecordSets", txt_batch(escaped)) == []
    two = '"' + "a" * 255 + '" "' + "b" * 255 + '"'
    assert check_request("route53", "ChangeResourceRecordSets", txt_batch(two)) == []
    v = only(check_request("route53", "ChangeResourceRecordSets", txt_batch(LONG_TXT_STRING)))
    assert (v.code, v.status) == ("InvalidChangeBatch", 400)
    assert v.path == "ChangeBatch.Changes[0].ResourceRecordSet.ResourceRecords[0].Value"
    assert "CharacterStringTooLong" in v.message


def test_txt_string_lengths() -> None:
    assert txt_string_lengths('"v=DMARC1; p=none"') == [16]
    assert txt_string_lengths('"a" "bc"  "" bare') == [1, 2, 0, 4]
    assert txt_string_lengths('"\\"\\\\\\303\\244"') == [4]
    assert txt_string_lengths('"ä"') == [2]


def test_route53_batch_limits_at_the_boundary() -> None:
    assert check_request("route53", "ChangeResourceRecordSets", records_batch(1000)) == []
    assert check_request("route53", "ChangeResourceRecordSets", records_batch(500, "UPSERT")) == []
    v = only(check_request("route53", "ChangeResourceRecordSets", records_batch(1001)))
    assert (v.rule, v.code, v.status) == ("route53-batch-records", "InvalidChangeBatch", 400)
    assert "Number of records limit of 1000 exceeded." in v.message
    assert check_request("route53", "ChangeResourceRecordSets", txt_sets(32_000)) == []
    assert check_request("route53", "ChangeResourceRecordSets", txt_sets(16_000, "UPSERT")) == []
    v = only(check_request("route53", "ChangeResourceRecordSets", txt_sets(16_001, "UPSERT")))
    assert (v.rule, v.code) == ("route53-batch-characters", "InvalidChangeBatch")
    assert "RDATA character limit of 32000 exceeded." in v.message


def test_sns_subject_reports_each_problem() -> None:
    params = {"TopicArn": TOPIC, "Message": "m", "Subject": "x" * 120 + "\r\n"}
    violations = check_request("sns", "Publish", params)
    assert rules_of(violations) == ["sns-subject", "sns-subject"]
    assert {(v.code, v.status) for v in violations} == {("InvalidParameter", 400)}
    assert (
        check_request("sns", "Publish", {"TopicArn": TOPIC, "Message": "m", "Subject": "Bücher ✅ ok"}) == []
    )


def test_sns_publish_to_a_platform_endpoint_needs_no_default_key() -> None:
    params = {
        "TargetArn": "arn:aws:sns:us-east-1:123456789012:endpoint/APNS/app/1",
        "MessageStructure": "json",
    }
    assert check_request("sns", "Publish", params | {"Message": '{"APNS": "{}"}'}) == []


def test_execution_names_strict_and_not() -> None:
    base = {"stateMachineArn": MACHINE}
    assert check_request("stepfunctions", "StartExecution", base | {"name": "example.com-1"}) == []
    strict = check_request(
        "stepfunctions", "StartExecution", base | {"name": "example.com-1"}, strict_execution_names=True
    )
    v = only(strict)
    assert (v.rule, v.code, v.status, v.path) == ("sfn-execution-name-logging", "InvalidName", 400, "name")
    assert "'.'" in v.message
    colon = check_request(
        "stepfunctions", "StartExecution", base | {"name": "example:1"}, strict_execution_names=True
    )
    assert rules_of(colon) == ["sfn-execution-name"]  # reported once, by the rule every name obeys
    assert only(colon).message.startswith("Invalid Name: 'example:1'")
    too_long = check_request("stepfunctions", "StartExecution", base | {"name": "n" * 81})
    assert rules_of(too_long) == ["max-length"] and only(too_long).code == "ValidationException"


def test_execution_input_size_counts_bytes_once() -> None:
    base = {"stateMachineArn": MACHINE}
    fits = json.dumps("é" * 131_069, ensure_ascii=False)  # 131,071 characters, 262,140 bytes
    assert check_request("stepfunctions", "StartExecution", base | {"input": fits}) == []
    big = check_request("stepfunctions", "StartExecution", base | {"input": json.dumps("a" * 262_143)})
    assert rules_of(big) == ["max-length"]  # the model's max says it; the byte rule does not repeat it


def test_documented_rules_carry_their_sources() -> None:
    for rule in DOCUMENTED_RULES:
        assert rule.source and rule.checks and rule.operations and rule.code
        for quote in rule.model_quotes:
            assert quote.sentence in rule.source
        if not rule.model_quotes:
            assert "Not in the" in rule.source  # says where the rule comes from instead


# ------------------------------------------------------------ the model sentences the rules rely on
@pytest.mark.parametrize(
    ("rule", "quote"),
    [(r.rule, q) for r in DOCUMENTED_RULES for q in r.model_quotes],
    ids=lambda x: str(x)[:60],
)
def test_model_still_says_what_the_rule_relies_on(rule: str, quote: Any) -> None:
    assert quote_in_model(quote), f"{rule}: the {quote.service} model no longer says: {quote.sentence}"


def test_ses_tag_documentation_in_the_installed_model_file() -> None:
    """The sentences the tag rules rely on, read raw from botocore's data/sesv2/2019-09-27/service-2.json(.gz)."""
    loader = botocore.session.get_session().get_component("data_loader")
    raw = loader.load_service_model("sesv2", "service-2", api_version="2019-09-27")
    documentation = " ".join(raw["shapes"]["Tag"]["documentation"].split())  # it holds no-break spaces
    for sentence in (
        "The characters can be Unicode letters, digits, white space, or one of the following symbols: _ . : / = + -.",
        "A tag key can contain as many as 128 characters. A tag value can contain as many as 256 characters.",
        "<code>aws:</code> prefix is reserved for use by Amazon Web Services",
        "A resource can have as many as 50 tags.",
    ):
        assert sentence in documentation


def test_configuration_set_and_subject_and_name_sentences() -> None:
    assert (
        "up to 64 alphanumeric characters, including letters, numbers, hyphens (-) and underscores (_) only"
        in (model_documentation("sesv2", "CreateConfigurationSetRequest$ConfigurationSetName"))
    )
    assert "less than 100 characters long" in model_documentation("sns", "PublishInput$Subject")
    name = model_documentation("stepfunctions", "StartExecutionInput$name")
    assert (
        "To enable logging with CloudWatch Logs, the name should only contain 0-9, A-Z, a-z, - and _." in name
    )


def test_a_changed_sentence_would_be_noticed() -> None:
    from mailauth_sandbox.constraints import ModelQuote

    assert not quote_in_model(ModelQuote("sesv2", "Tag", "A resource can have as many as 200 tags."))


# ----------------------------------------------------------------------------------- property tests
TAG_TEXT = st.text(
    alphabet=st.characters(categories=("L", "N", "Z")) | st.sampled_from("_.:/=+-"), max_size=40
)


def aws_prefixed(text: str) -> bool:
    return text[:4].lower() == "aws:"


# Not Cn: a code point unassigned in Python's Unicode may be a letter in the newer Unicode of the regex module.
NOT_ALLOWED_IN_TAGS = st.characters(categories=("P", "S", "Cc", "Cf", "M"), exclude_characters="_.:/=+-")


@pytest.mark.slow
@given(
    key=TAG_TEXT.filter(lambda k: k and not aws_prefixed(k)),
    value=TAG_TEXT.filter(lambda v: not aws_prefixed(v)),
)
def test_tags_of_allowed_characters_pass(key: str, value: str) -> None:
    params = TAGGED | {"Tags": [{"Key": key, "Value": value}]}
    assert check_request("sesv2", "CreateEmailIdentity", params) == []


@pytest.mark.slow
@given(text=TAG_TEXT, bad=NOT_ALLOWED_IN_TAGS, position=st.integers(min_value=0, max_value=40))
def test_a_character_outside_the_tag_set_is_refused(text: str, bad: str, position: int) -> None:
    value = text[:position] + bad + text[position:]
    params = TAGGED | {"Tags": [{"Key": "k", "Value": value}]}
    assert "ses-tag-characters" in rules_of(check_request("sesv2", "CreateEmailIdentity", params))


@pytest.mark.slow
@given(name=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=80))
def test_names_of_the_logging_alphabet_pass_strict(name: str) -> None:
    params = {"stateMachineArn": MACHINE, "name": name}
    assert check_request("stepfunctions", "StartExecution", params, strict_execution_names=True) == []


@pytest.mark.slow
@given(
    name=st.text(alphabet=string.ascii_letters, min_size=1, max_size=40),
    bad=st.sampled_from(
        list(' \t\n<>{}[]?*"#%\\^|~`$&,;:/\x00\x1f\x7f\x9f\u3000\u2028\ufffe\uffff\ud800\U0010ffff')
    ),
)
def test_a_forbidden_character_makes_an_invalid_name(name: str, bad: str) -> None:
    params = {"stateMachineArn": MACHINE, "name": name + bad + "1"}
    violations = check_request("stepfunctions", "StartExecution", params)
    assert rules_of(violations) == ["sfn-execution-name"] and violations[0].code == "InvalidName"


def route53_escape(data: bytes) -> str:
    """One quoted TXT string in Route 53's presentation format (independent of the code under test)."""
    out = []
    for byte in data:
        if byte in b'"\\':
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


@pytest.mark.slow
@given(data=st.binary(max_size=300))
def test_txt_string_length_is_the_byte_count(data: bytes) -> None:
    assert txt_string_lengths(route53_escape(data)) == [len(data)]
    violations = check_request("route53", "ChangeResourceRecordSets", txt_batch(route53_escape(data)))
    assert ("route53-txt-string-length" in rules_of(violations)) == (len(data) > 255)


@pytest.mark.slow
@given(text=st.text(max_size=1200))
def test_mailauth_txt_quote_always_fits(text: str) -> None:
    from mailauth.txt import quote

    value = quote(text)
    violations = check_request("route53", "ChangeResourceRecordSets", txt_batch(value))
    assert "route53-txt-string-length" not in rules_of(violations)
