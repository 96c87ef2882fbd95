"""mailauth.notify: outcome, subject, e-mail text, Chatbot notification, failure advice, and the SNS send."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from mailauth import errors
from mailauth.aws.sns import Topic
from mailauth.errors import AwsThrottledError
from mailauth.models import NotifyInput
from mailauth.notify.advice import ADVICE
from mailauth.notify.compose import compose
from mailauth.notify.message import SNS_BODY_MAX, Message, sns_body
from mailauth.notify.state import NO_DOMAIN, outcome_of, parse_state, subject_for
from mailauth.notify.text import console_link

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
REGION = "us-east-1"
MISSING_DKIM = "a4w6bq2nh7zexsd3uvc5kjmr3p6fyt2l._domainkey.example.com"


def load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"notify_{name}.json").read_text())


def composed(event: dict[str, Any]) -> Message:
    state, dropped = parse_state(event)
    assert dropped == ()
    return compose(state, execution_arn=event.get("execution"), region=REGION)


def printable_ascii(text: str) -> bool:
    return all(32 <= ord(c) < 127 for c in text)


def invalid_request_state(domain: Any) -> dict[str, Any]:
    message = "domain: domain must be a string"
    return {
        "request": {"domain": domain, "dmarc": {"policy": "sometimes"}},
        "error": {
            "Error": "InvalidRequestError",
            "Cause": json.dumps({"errorMessage": message, "errorType": "InvalidRequestError"}),
        },
        "execution": "arn:aws:states:us-east-1:123456789012:execution:OnboardDomain:bad-1",
    }


# ------------------------------------------------------------------------------------------------ outcome
@pytest.mark.parametrize(
    ("name", "expected"), [("success", "success"), ("timeout", "timeout"), ("failure", "failure")]
)
def test_outcome_of_sample_states(name: str, expected: str) -> None:
    state, _ = parse_state(load(name))
    assert outcome_of(state) == expected


def test_outcome_is_failure_when_an_error_is_set_even_after_verification() -> None:
    event = load("success")
    event["error"] = {"Error": "AwsThrottledError", "Cause": "Rate exceeded"}
    state, _ = parse_state(event)
    assert outcome_of(state) == "failure"


def test_outcome_failed_verification_and_no_verification_are_failures() -> None:
    event = load("timeout")
    event["verification"]["outcome"] = "failed"
    assert outcome_of(parse_state(event)[0]) == "failure"
    assert outcome_of(NotifyInput.model_validate({"request": {"domain": "example.com"}})) == "failure"


# ------------------------------------------------------------------------------------------------ success
def test_success_message() -> None:
    event = load("success")
    message = composed(event)
    assert message.outcome == "success"
    assert message.subject == "mailauth: example.com verified"
    text = message.email_text
    assert "example.com is verified for sending with Amazon SES in us-east-1." in text
    assert "Hosted zone: example.com (Z0123456789ABCDEFGHIJ)" in text
    assert "SES identity: arn:aws:ses:us-east-1:123456789012:identity/example.com created" in text
    assert 'CREATE _dmarc.example.com TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"' in text
    assert "CREATE mail.example.com MX 10 feedback-smtp.us-east-1.amazonses.com" in text
    assert "DKIM: SUCCESS" in text and "MAIL FROM: SUCCESS" in text and "Verified for sending: yes" in text
    assert "OK      MX mail.example.com" in text
    assert "[WARN] dmarc.policy" in text
    assert "Virtual Deliverability Manager" in text  # the note why there are no recommendations
    next_part = text.split("WHAT TO DO NEXT", 1)[1]
    assert "Send a test message" in next_part
    assert "p=none to p=quarantine" in next_part
    link = console_link(event["execution"], REGION)
    assert link == (
        "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/"
        "arn:aws:states:us-east-1:123456789012:execution:OnboardDomain:example-com-3f9a1c2e"
    )
    assert f"Console:   {link}" in text
    assert f"Execution: {event['execution']}" in text


def test_success_with_quarantine_suggests_reject_not_quarantine() -> None:
    event = load("success")
    event["request"]["dmarc"]["policy"] = "quarantine"
    steps = composed(event).chatbot["content"]["nextSteps"]
    assert not any("p=none" in s for s in steps)
    assert any("p=reject" in s for s in steps)


# ------------------------------------------------------------------------------------------------ timeout
def test_timeout_names_each_missing_or_wrong_record() -> None:
    message = composed(load("timeout"))
    assert message.outcome == "timeout"
    assert message.subject == "mailauth: example.com NOT verified after 48 h"
    text = message.email_text
    assert f"MISSING CNAME {MISSING_DKIM}" in text
    assert "WRONG   MX mail.example.com" in text
    assert "found:    10 mx1.mailhost.example.net" in text
    assert "SES verification error: TYPE_NOT_FOUND" in text
    assert f"CNAME {MISSING_DKIM} is not served by public DNS" in text  # the diagnosis line
    steps = message.chatbot["content"]["nextSteps"]
    assert steps[0] == (
        f"Publish {MISSING_DKIM} CNAME a4w6bq2nh7zexsd3uvc5kjmr3p6fyt2l.dkim.amazonses.com "
        "in hosted zone example.com (Z0123456789ABCDEFGHIJ)"
    )
    assert steps[1].startswith(
        "Replace what mail.example.com MX serves (10 mx1.mailhost.example.net) with: "
        "mail.example.com MX 10 feedback-smtp.us-east-1.amazonses.com"
    )
    assert "re-run" in steps[-1]
    # Records that are fine are not listed as things to do.
    assert not any("_dmarc" in s for s in steps)
    assert all(step in text for step in steps[:2])


def test_timeout_with_missing_txt_gives_the_quoted_record() -> None:
    event = load("timeout")
    spf = event["verification"]["dns"][5]
    spf.update(found=[], ok=False, error=None)
    steps = composed(event).chatbot["content"]["nextSteps"]
    assert any('Publish mail.example.com TXT "v=spf1 include:amazonses.com ~all"' in s for s in steps)


def test_timeout_with_undelegated_zone_lists_the_zone_name_servers() -> None:
    event = load("timeout")
    zone = event["zone"]
    zone.update(
        delegation="undelegated",
        public_name_servers=["ns1.parking.example.net", "ns2.parking.example.net"],
        warnings=["example.com is not delegated to this hosted zone: the internet sees ns1.parking..."],
    )
    message = composed(event)
    first = message.chatbot["content"]["nextSteps"][0]
    assert first.startswith("Fix the delegation")
    for ns in zone["name_servers"]:
        assert ns in first
    assert "ns1.parking.example.net" in first
    assert "DELEGATION" in message.email_text
    assert "is not delegated to this hosted zone" in message.chatbot["content"]["description"]


def test_hours_in_subject_follow_the_request() -> None:
    event = load("timeout")
    event["request"]["max_wait_hours"] = 12.5
    assert composed(event).subject == "mailauth: example.com NOT verified after 12.5 h"


# ------------------------------------------------------------------------------------------------ failure
def test_record_conflict_failure_explains_the_conflict() -> None:
    message = composed(load("failure"))
    assert message.outcome == "failure"
    assert message.subject == "mailauth: example.com onboarding failed: RecordConflictError"
    steps = message.chatbot["content"]["nextSteps"]
    assert any("_dmarc.example.com is a CNAME to dmarc.vendor.example.net" in s for s in steps)
    assert "re-running is safe" in steps[-1].lower()
    text = message.email_text
    assert "ERROR\n  RecordConflictError" in text
    assert "Records: not published" in text
    assert "Not checked: the workflow stopped before the verification step." in text
    assert "stackTrace" not in text  # the message, not Lambda's raw Cause JSON
    assert "console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/" in text


@pytest.mark.parametrize(
    ("domain", "shown"), [(123, "123"), (None, NO_DOMAIN), (["a.com"], "['a[.]com']"), ("", NO_DOMAIN)]
)
def test_invalid_request_with_a_raw_domain(domain: Any, shown: str) -> None:
    message = composed(invalid_request_state(domain))
    assert message.domain == shown
    assert message.subject == f"mailauth: {shown} onboarding failed: InvalidRequestError"
    steps = message.chatbot["content"]["nextSteps"]
    assert steps[0] == "Fix the request: domain: domain must be a string"
    assert "Nothing: the workflow stopped before a hosted zone was chosen." in message.email_text
    assert message.chatbot["metadata"]["threadId"] == shown
    # Nothing existed yet: the execution is the only related resource.
    assert message.chatbot["metadata"]["relatedResources"] == [
        "arn:aws:states:us-east-1:123456789012:execution:OnboardDomain:bad-1"
    ]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("NoPublicZoneError", "Create a public Route 53 hosted zone for example.com"),
        ("NoPublicZoneError", 'submit it with "dns": "external"'),
        ("PrivateZoneOnlyError", "pass hosted_zone_id"),
        ("AwsThrottledError", "Re-run later"),
        (
            "AwsThrottledError",
            "To re-run, submit the same request again (mailauth onboard DOMAIN, POST /domains",
        ),
        (
            "DnsLookupError",
            "Check that the name servers of the domain named above answer (dig NS example.com",
        ),
        ("LedgerConflictError", "When the other run for example.com"),
        ("SesBusyError", "Re-run when the batch has finished"),
        ("States.Timeout", "Look at the execution for details: https://us-east-1.console.aws.amazon.com/"),
    ],
)
def test_failure_next_steps_by_error(error: str, expected: str) -> None:
    event = {"request": {"domain": "example.com"}, "error": {"Error": error, "Cause": "something broke"}}
    message = compose(parse_state(event)[0], execution_arn="arn:aws:states:::execution:x:y", region=REGION)
    assert any(expected in s for s in message.chatbot["content"]["nextSteps"]), message.chatbot
    assert "something broke" in message.email_text


def test_an_access_denied_error_names_the_refused_operation() -> None:
    cause = (
        "An error occurred (AccessDeniedException) when calling the GetEmailIdentity operation: User is not "
        "authorized to perform: ses:GetEmailIdentity"
    )
    event = {"request": {"domain": "example.com"}, "error": {"Error": "ClientError", "Cause": cause}}
    message = compose(parse_state(event)[0], execution_arn="arn:aws:states:::execution:x:y", region=REGION)
    steps = message.chatbot["content"]["nextSteps"]
    assert steps[0].startswith(
        "AWS refused mailauth the permission to call GetEmailIdentity (AccessDeniedException)"
    )
    assert "permissions boundary or service control policy" in steps[1]


#: errors whose notification gives the generic advice (the error, its message, the execution to look at); an
#: error moves out of here when mailauth/notify/advice.py gives it advice of its own
GENERIC_ADVICE = {
    "IdentityConflictError",
    "ChangeBatchTooLargeError",
    "ChangeNotInSyncError",
    "WatchIncompleteError",  # raised by the watch, outside the state machines: it reaches an alarm, not Notify
    "EventNotPutError",  # the watch's drift event refused: counted in its WatchIncompleteError
}
ADVISED = sorted(ADVICE, key=lambda e: e.__name__)


def test_every_advice_is_keyed_on_one_of_mailauths_error_classes() -> None:
    # Keyed on the class, matched by its name: a renamed class renames its key, or this fails.
    for error in ADVICE:
        assert isinstance(error, type) and issubclass(error, errors.MailauthError), error
        assert getattr(errors, error.__name__) is error


def test_every_error_the_state_machines_name_has_advice_or_is_meant_to_have_none() -> None:
    # The Retry/Catch names in the ASL, and the errors docs/architecture.md lists as caught (Catch -> Notify).
    names = set()
    for path in (ROOT / "statemachine").glob("*.asl.json"):
        names |= set(find_error_equals(json.loads(path.read_text())))
    section = (ROOT / "docs" / "architecture.md").read_text().split("## Errors", 1)[1].split("\n## ", 1)[0]
    names |= set(re.findall(r"`([A-Za-z]+Error)`", section))
    caught = {
        n
        for n in names
        if isinstance(getattr(errors, n, None), type) and issubclass(getattr(errors, n), Exception)
    }
    assert {"AwsThrottledError", "DnsLookupError", "LedgerConflictError", "RecordConflictError"} <= caught
    advised = {error.__name__ for error in ADVICE}
    assert caught - advised == GENERIC_ADVICE
    assert not advised & GENERIC_ADVICE


def find_error_equals(node: Any) -> list[str]:
    """Every name in an ``ErrorEquals`` of a state machine definition, nested states included."""
    if isinstance(node, dict):
        found = list(node.get("ErrorEquals", []))
        return found + [n for k, v in node.items() if k != "ErrorEquals" for n in find_error_equals(v)]
    if isinstance(node, list):
        return [n for item in node for n in find_error_equals(item)]
    return []


@pytest.mark.parametrize("error", ADVISED, ids=[e.__name__ for e in ADVISED])
@pytest.mark.parametrize("prefix", ["", "mailauth.errors."])
def test_a_caught_error_gets_the_advice_of_its_class(error: type[errors.MailauthError], prefix: str) -> None:
    event = {
        "request": {"domain": "example.com"},
        "error": {"Error": prefix + error.__name__, "Cause": json.dumps({"errorMessage": "it broke"})},
    }
    message = compose(parse_state(event)[0], execution_arn="arn:aws:states:::execution:x:y", region=REGION)
    assert message.chatbot["content"]["nextSteps"] == ADVICE[error]("example.com", "it broke")
    assert not any("Look at the execution" in step for step in message.chatbot["content"]["nextSteps"])


def test_failed_verification_without_error_names_the_bad_records() -> None:
    event = load("timeout")
    event["verification"].update(outcome="failed", dkim_status="FAILED")
    message = composed(event)
    assert message.subject == "mailauth: example.com SES verification failed"
    steps = message.chatbot["content"]["nextSteps"]
    assert "FAILED" in steps[0]
    assert any(MISSING_DKIM in s for s in steps)


# --------------------------------------------------------------------------------------- subject and schema
@given(st.text(max_size=400))
def test_subject_is_short_printable_ascii_for_any_domain(domain: str) -> None:
    for name in ("success", "timeout", "failure"):
        event = load(name)
        event["request"]["domain"] = domain
        state, _ = parse_state(event)
        subject = subject_for(state, outcome_of(state))
        assert len(subject) < 100  # SNS Publish: Subject must be less than 100 characters
        assert printable_ascii(subject), subject
        assert subject.startswith("mailauth: ")


def test_long_domain_keeps_the_outcome_visible() -> None:
    event = load("failure")
    event["request"]["domain"] = "a" * 63 + "." + "b" * 63 + ".example.com"
    subject = composed(event).subject
    assert len(subject) < 100  # SNS Publish: Subject must be less than 100 characters
    assert subject.endswith(" onboarding failed: RecordConflictError")


def test_idn_domain_subject_uses_punycode() -> None:
    event = load("success")
    event["request"]["domain"] = "bücher.example"
    assert composed(event).subject == "mailauth: xn--bcher-kva.example verified"


@pytest.mark.parametrize("name", ["success", "timeout", "failure"])
def test_chatbot_custom_notification_schema(name: str) -> None:
    event = load(name)
    message = composed(event)
    chatbot = message.chatbot
    assert set(chatbot) == {"version", "source", "content", "metadata"}
    assert chatbot["version"] == "1.0" and chatbot["source"] == "custom"
    content = chatbot["content"]
    assert set(content) == {"textType", "title", "description", "nextSteps"}
    assert content["textType"] == "client-markdown"
    assert message.subject in content["title"]
    assert isinstance(content["description"], str) and 0 < len(content["description"]) <= 4000
    assert content["nextSteps"] and all(isinstance(s, str) and s for s in content["nextSteps"])
    metadata = chatbot["metadata"]
    assert metadata["threadId"] == "example.com"
    assert metadata["summary"] == message.subject
    assert metadata["eventType"] == f"mailauth.{message.outcome}"
    assert metadata["relatedResources"] == [
        "arn:aws:ses:us-east-1:123456789012:identity/example.com",
        event["execution"],
    ]
    assert all(isinstance(v, str) for v in metadata["additionalContext"].values())
    json.dumps(chatbot)  # serialisable as is


def test_description_stays_within_the_limit_with_many_problems() -> None:
    event = load("timeout")
    event["verification"]["diagnosis"] = [f"problem {i} " + "x" * 300 for i in range(60)]
    description = composed(event).chatbot["content"]["description"]
    assert len(description) <= 4000


# ------------------------------------------------------------------------------------------------ parsing
def test_parse_state_accepts_the_state_wrapped_by_the_asl() -> None:
    flat = load("success")
    execution = flat.pop("execution")
    state, dropped = parse_state({"state": flat, "execution": execution})
    assert dropped == ()
    assert state.execution == execution
    assert state.verification is not None and state.verification.outcome == "verified"


def test_parse_state_drops_a_malformed_key_instead_of_failing() -> None:
    event = load("timeout")
    event["report"] = {"audit": "not a list"}
    del event["execution"]
    state, dropped = parse_state(event)
    assert dropped == ("report",)
    assert state.report is None
    message = compose(state, execution_arn=None, region=REGION)
    assert "No audit: the recommendations step did not run" in message.email_text
    assert "Console:" not in message.email_text  # no execution, no link


# ------------------------------------------------------------------------------------------------ send
class RecordingSns:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error

    def publish(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return {"MessageId": "m-1"}


def client_error(code: str, status: int) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Publish")


def test_send_publishes_json_structure_with_email_and_default() -> None:
    message = composed(load("timeout"))
    sns = RecordingSns()
    assert message.send_to(Topic("arn:aws:sns:us-east-1:123456789012:t", client=sns)) == "m-1"
    (call,) = sns.calls
    assert call["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:t"
    assert call["MessageStructure"] == "json"
    assert call["Subject"] == message.subject
    body = json.loads(call["Message"])
    assert set(body) == {"default", "email"}
    assert body["email"] == message.email_text
    assert json.loads(body["default"]) == message.chatbot
    assert call["MessageAttributes"] == {
        "outcome": {"DataType": "String", "StringValue": "timeout"},
        "domain": {"DataType": "String", "StringValue": "example.com"},
    }


def test_a_topic_builds_its_client_only_at_the_first_send_and_only_when_none_was_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mailauth.aws

    built: list[str] = []
    sns = RecordingSns()

    def make_client(service: str) -> RecordingSns:
        built.append(service)
        return sns

    monkeypatch.setattr(mailauth.aws, "client", make_client)  # what every adapter builds its client with
    topic = Topic("arn:t")
    assert built == []
    composed(load("success")).send_to(topic)
    composed(load("success")).send_to(topic)
    assert built == ["sns"] and len(sns.calls) == 2
    Topic("arn:t", client=RecordingSns()).send("{}", subject="s", attributes={})
    assert built == ["sns"]


@pytest.mark.parametrize(
    ("code", "status"), [("Throttled", 429), ("Throttling", 400), ("InternalError", 500), ("Whatever", 503)]
)
def test_send_maps_throttling_and_5xx_to_aws_throttled(code: str, status: int) -> None:
    message = composed(load("success"))
    with pytest.raises(AwsThrottledError):
        message.send_to(Topic("arn:t", client=RecordingSns(client_error(code, status))))


def test_send_reraises_permanent_errors() -> None:
    message = composed(load("success"))
    with pytest.raises(ClientError) as info:
        message.send_to(Topic("arn:t", client=RecordingSns(client_error("NotFound", 404))))
    assert not isinstance(info.value, AwsThrottledError)


def test_chatbot_text_is_slack_mrkdwn_with_what_the_user_wrote_escaped() -> None:
    # AWS Chatbot shows client-markdown in Slack's own markup: *bold*, <url|text>; & < > escaped.
    event = load("failure")
    event["error"] = {"Error": "InvalidRequestError", "Cause": '{"errorMessage": "tags: value <x> & y"}'}
    content = composed(event).chatbot["content"]
    assert "**" not in content["description"] and "](" not in content["description"]
    assert "*Problems*" in content["description"]
    assert "• InvalidRequestError: tags: value &lt;x&gt; &amp; y" in content["description"]
    assert re.search(r"<https://[^|>]+\|Execution>", content["description"])
    assert all("<" not in step and ">" not in step for step in content["nextSteps"])


def test_the_sns_body_fits_in_256_kib_of_utf8_whatever_the_text() -> None:
    # SNS counts bytes of the JSON body: 200,000 two-byte characters (and escaped line breaks) are ~400 KB.
    message = composed(load("timeout"))
    for text in ("ü" * 200_000, "\n" * 200_000, "x" * 150_000):
        body = sns_body(message.model_copy(update={"email_text": text}))
        assert len(body.encode("utf-8")) <= SNS_BODY_MAX
        parsed = json.loads(body)
        assert parsed["default"] == json.dumps(message.chatbot, ensure_ascii=False)
        assert len(parsed["email"]) > 10_000  # shortened, not dropped


@pytest.mark.parametrize(
    "domain",
    ["[click here](https://evil.example/login)", "<https://evil.example|your bank>", "javascript:alert(1)"],
)
def test_request_content_cannot_put_a_link_into_a_notification(domain: str) -> None:
    # An invalid request is still notified, quoting what was sent: defanged, so no mail client or Slack links it.
    event = invalid_request_state(domain)
    event["error"] = {
        "Error": "InvalidRequestError",
        "Cause": json.dumps(
            {"errorMessage": f"domain: {domain!r} is a URL or has a port; give the bare domain"}
        ),
    }
    message = composed(event)
    slack = json.dumps(message.chatbot["content"])
    for text in (message.email_text, message.subject, slack):
        assert "https://evil" not in text and "javascript:" not in text and "evil.example" not in text, text
    assert (
        message.chatbot["content"]["description"].count("<https://") == 1
    )  # only mailauth's own console link


def test_a_record_kept_that_is_not_what_was_requested_is_never_listed_as_already_right() -> None:
    event = load("success")
    dmarc_kept = {
        "record": {
            "name": "_dmarc.example.com",
            "type": "TXT",
            "ttl": 300,
            "values": ['"v=DMARC1; p=reject"'],
        },
        "purpose": "dmarc",
        "reason": "an existing DMARC record is kept unchanged (its policy is stricter than the requested one)",
        "as_requested": False,
    }
    mx_kept = {
        "record": {
            "name": "mail.example.com",
            "type": "MX",
            "ttl": 300,
            "values": ["10 feedback-smtp.us-east-1.amazonses.com"],
        },
        "purpose": "mail_from_mx",
        "reason": "already points at the SES feedback endpoint",
    }
    event["publish"]["kept"] = [dmarc_kept, mx_kept]
    text = composed(event).email_text
    right = text.split("Records already right, kept (1):", 1)[1].split("Records kept as they are", 1)[0]
    assert "mail.example.com" in right and "_dmarc.example.com" not in right
    other = text.split("Records kept as they are, not as requested (1):", 1)[1]
    assert "_dmarc.example.com" in other.split("\n\n", 1)[0]


@pytest.mark.parametrize(
    ("behavior", "expected"),
    [
        ("USE_DEFAULT_VALUE", "SES sends mail today, but with its own MAIL FROM"),
        ("REJECT_MESSAGE", "SES rejects every message until mail.example.com is verified"),
    ],
)
def test_a_timeout_with_dkim_verified_says_which_part_verified_and_what_it_means_today(
    behavior: str, expected: str
) -> None:
    event = load("timeout")
    event["request"]["behavior_on_mx_failure"] = behavior
    event["verification"].update(dkim_status="SUCCESS", verified_for_sending=True, mail_from_status="PENDING")
    text = composed(event).email_text
    first = text.splitlines()[0]
    assert "custom MAIL FROM was NOT verified" in first and expected in first
    assert "Verified for sending: yes (by DKIM; the custom MAIL FROM is not verified)" in text
    # nothing verified: the plain headline, and no "yes" beside it
    plain = composed(load("timeout")).email_text
    assert "was NOT verified by SES within" in plain.splitlines()[0] and "Verified for sending: no" in plain
