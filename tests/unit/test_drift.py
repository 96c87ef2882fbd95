"""Drift (mailauth.drift): what the watch calls drift, and what it does not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mailauth import drift
from mailauth.models import DnsCheck, IdentityInfo, NotifyInput, VerificationState, ZoneInfo
from mailauth.notify.drift import drift_message
from mailauth.request import OnboardRequest

NOW = datetime(2026, 11, 2, 10, tzinfo=UTC)
DKIM = "abc._domainkey.example.com"


def check(
    purpose: str, name: str, rtype: str, found: tuple[str, ...], ok: bool, error: str | None = None
) -> DnsCheck:
    expected = {"dkim": ("abc.dkim.amazonses.com",), "dmarc": ("v=DMARC1; p=reject",)}.get(purpose, ("x",))
    return DnsCheck(
        name=name,
        type=rtype,
        purpose=purpose,
        expected=expected,
        found=found,
        ok=ok,
        error=error,
    )


def verified(*checks: DnsCheck, request: dict[str, object] | None = None) -> NotifyInput:
    return NotifyInput(
        request=request or {"domain": "example.com", "dmarc": {"policy": "reject"}},
        zone=ZoneInfo(domain="example.com", hosted_zone_id="Z1", zone_name="example.com", requested_at=NOW),
        identity=IdentityInfo(
            domain="example.com",
            identity_arn="arn:aws:ses:us-east-1:123456789012:identity/example.com",
            region="us-east-1",
            adopted=False,
            dkim_tokens=("abc",),
            signing_hosted_zone="dkim.amazonses.com",
            mail_from_domain="mail.example.com",
        ),
        verification=VerificationState(
            outcome="verified", started_at=NOW, deadline=NOW, checked_at=NOW, dns=checks
        ),
    )


GOOD = (
    check("dkim", DKIM, "CNAME", ("abc.dkim.amazonses.com",), True),
    check("dmarc", "_dmarc.example.com", "TXT", ("v=DMARC1; p=reject",), True),
)


def target() -> drift.WatchTarget:
    found = drift.target_of(verified(*GOOD))
    assert found is not None
    return found


def test_the_target_keeps_what_was_served_right_and_the_policy_in_force() -> None:
    t = target()
    assert t.healthy == ("_dmarc.example.com|TXT", f"{DKIM}|CNAME") and t.dmarc_policy == "reject"
    assert drift.target_of(verified(*GOOD).model_copy(update={"verification": None})) is None


def test_nothing_changed_is_no_drift() -> None:
    assert drift.dns_findings(target(), GOOD) == []


def test_a_record_that_was_never_right_is_not_drift() -> None:
    t = drift.target_of(verified(check("dkim", DKIM, "CNAME", (), False)))
    assert t is not None and drift.dns_findings(t, [check("dkim", DKIM, "CNAME", (), False)]) == []


@pytest.mark.parametrize("error", ["Timeout", "NoNameservers", "not checked: the step ran out of time"])
def test_a_lookup_that_got_no_answer_is_not_drift(error: str) -> None:
    assert drift.dns_findings(target(), [check("dkim", DKIM, "CNAME", (), False, error)]) == []


def test_gone_changed_and_weakened_are_told_apart() -> None:
    findings = drift.dns_findings(
        target(),
        [
            check("dkim", DKIM, "CNAME", (), False, "NXDOMAIN"),
            check("dmarc", "_dmarc.example.com", "TXT", ("v=DMARC1; p=none",), True),
        ],
    )
    assert [f.kind for f in findings] == ["record_missing", "dmarc_weakened"]
    assert findings[0].fix.startswith(f"create CNAME {DKIM} abc.dkim.amazonses.com")
    assert "p=none" in findings[1].detail and "set p=reject again" in findings[1].fix
    changed = drift.dns_findings(target(), [check("dkim", DKIM, "CNAME", ("evil.example.net",), False)])
    assert changed[0].kind == "record_changed" and "'evil.example.net'" in changed[0].detail


def test_a_stricter_policy_is_not_drift() -> None:
    t = drift.target_of(verified(check("dmarc", "_dmarc.example.com", "TXT", ("v=DMARC1; p=none",), True)))
    assert t is not None
    stricter = check("dmarc", "_dmarc.example.com", "TXT", ("v=DMARC1; p=quarantine",), True)
    assert drift.dns_findings(t, [stricter]) == []


def test_an_inherited_policy_counts_by_its_sp() -> None:
    inherited = check("dmarc", "_dmarc.example.org", "TXT", ("v=DMARC1; p=reject; sp=none",), True)
    assert drift.policy_of(inherited, "news.example.org") == "none"
    own = check("dmarc", "_dmarc.example.org", "TXT", ("v=DMARC1; p=reject; sp=none",), True)
    assert drift.policy_of(own.model_copy(update={"name": "_dmarc.example.org"}), "example.org") == "reject"


@pytest.mark.parametrize(
    ("identity", "listed", "kinds"),
    [
        (None, "SUCCESS", []),  # not read: the listing says SUCCESS
        (None, None, ["identity_missing"]),
        ({"DkimAttributes": {"Status": "TEMPORARY_FAILURE"}}, "TEMPORARY_FAILURE", ["ses_status"]),
        (
            {
                "DkimAttributes": {"Status": "SUCCESS"},
                "MailFromAttributes": {"MailFromDomainStatus": "FAILED"},
            },
            "SUCCESS",
            ["ses_status"],
        ),
    ],
)
def test_what_ses_says(identity: dict[str, object] | None, listed: str | None, kinds: list[str]) -> None:
    assert [f.kind for f in drift.ses_findings("example.com", identity, listed)] == kinds


def test_the_fingerprint_is_what_was_found_not_how_it_was_worded() -> None:
    a = drift.Finding(kind="record_missing", name="x", type="TXT", detail="one", fix="f")
    b = a.model_copy(update={"detail": "other words"})
    assert drift.fingerprint([a]) == drift.fingerprint([b]) != drift.fingerprint([])
    assert drift.fingerprint([]) == ""
    assert drift.fingerprint([a]) != drift.fingerprint([a.model_copy(update={"repaired": True})])


def test_the_message_defangs_what_public_dns_serves() -> None:
    finding = drift.dns_findings(
        target(), [check("dkim", DKIM, "CNAME", ("https://evil.example.net",), False)]
    )
    message = drift_message(target(), finding, region="us-east-1")
    assert "evil.example.net" not in message.email_text and "evil[.]example[.]net" in message.email_text
    assert "evil.example.net" not in str(message.chatbot)
    assert message.outcome == "drift" and message.subject.isascii() and len(message.subject) < 100


def test_a_request_that_no_longer_validates_gives_no_target() -> None:
    assert drift.target_of(verified(*GOOD, request={"domain": "not a domain"})) is None
    assert OnboardRequest(domain="example.com").repair_drift is False


class _Events:
    """An EventBridge client that answers PutEvents as it does when it refuses an entry: HTTP 200, a failed
    entry with its ErrorCode (EventBridge API Reference, PutEvents)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.entries += Entries
        return self.answer


def test_an_event_put_answered_with_a_failed_entry_is_an_error() -> None:
    from mailauth.aws.events import Bus
    from mailauth.errors import EventNotPutError

    refused = _Events(
        {
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}],
        }
    )
    with pytest.raises(EventNotPutError, match="InternalFailure: try again"):
        Bus("default", client=refused).put("DomainDriftDetected", {"domain": "example.com"})

    accepted = _Events({"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]})
    bus = Bus("default", client=accepted)
    assert bus.put("DomainDriftResolved", {"domain": "example.com"}, resources=("arn:aws:ses:x",)) == "e-1"
    [entry] = accepted.entries
    assert entry["Source"] == "mailauth" and entry["EventBusName"] == "default"
    assert json.loads(entry["Detail"]) == {"domain": "example.com"} and entry["Resources"] == [
        "arn:aws:ses:x"
    ]
