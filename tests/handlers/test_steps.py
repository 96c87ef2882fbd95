"""Each workflow step's handler, invoked with its sample event against the embedded AWS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mailauth.errors import (
    ChangeNotInSyncError,
    IdentityConflictError,
    InvalidRequestError,
    NoPublicZoneError,
    PrivateZoneOnlyError,
    RecordConflictError,
)
from mailauth_sandbox import LocalAws, SesBehaviour
from tests.conftest import load_event
from tests.workflow.helpers import zone_records

Factory = Callable[..., LocalAws]


def with_zone(event: dict[str, Any], zone_id: str) -> dict[str, Any]:
    event["zone"]["hosted_zone_id"] = zone_id
    return event


# ------------------------------------------------------------------------------------------ Resolve
def test_resolve_finds_the_zone_and_checks_delegation(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")

    out = local.invoke("ResolveFunction", load_event("resolve"))

    assert out["zone"]["hosted_zone_id"] == zone_id
    assert out["zone"]["delegation"] == "ok"
    assert set(out["zone"]["public_name_servers"]) == set(out["zone"]["name_servers"])
    assert out["request"]["domain"] == "example.com"


def test_the_most_specific_public_zone_wins(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    sub = local.create_hosted_zone("news.example.com")
    local.create_hosted_zone("deep.news.example.com", private=True)
    event = load_event("resolve")
    event["request"] = {"domain": "deep.news.example.com"}

    out = local.invoke("ResolveFunction", event)

    assert out["zone"]["hosted_zone_id"] == sub
    assert out["zone"]["zone_name"] == "news.example.com"


def test_public_zone_is_used_when_a_private_one_has_the_same_name(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com", private=True)
    public = local.create_hosted_zone("example.com")
    local.create_hosted_zone("example.com", private=True)

    out = local.invoke("ResolveFunction", load_event("resolve"))

    assert out["zone"]["hosted_zone_id"] == public


def test_zone_lookup_pages_through_many_zones(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    for _ in range(12):  # more than one page (mailauth asks for 10 at a time) of same-named private zones
        local.create_hosted_zone("example.com", private=True)
    public = local.create_hosted_zone("example.com")

    out = local.invoke("ResolveFunction", load_event("resolve"))

    assert out["zone"]["hosted_zone_id"] == public
    assert local.api_calls()["route53:ListHostedZonesByName"] == 2


@pytest.mark.parametrize(
    ("zones", "error", "words"),
    [
        ([], NoPublicZoneError, "no public Route 53 hosted zone"),
        ([("example.com", True)], PrivateZoneOnlyError, "private"),
        ([("example.com", False), ("example.com", False)], InvalidRequestError, "hosted_zone_id"),
    ],
)
def test_resolve_refuses_with_the_reason(
    local_aws_factory: Factory, zones: list[tuple[str, bool]], error: type[Exception], words: str
) -> None:
    local = local_aws_factory()
    for name, private in zones:
        local.create_hosted_zone(name, private=private)
    with pytest.raises(error, match=words):
        local.invoke("ResolveFunction", load_event("resolve"))


def test_given_zone_must_be_public_and_contain_the_domain(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    other = local.create_hosted_zone("example.net")
    private = local.create_hosted_zone("example.com", private=True)
    event = load_event("resolve")
    event["request"]["hosted_zone_id"] = other
    with pytest.raises(InvalidRequestError, match=r"does not contain example\.com"):
        local.invoke("ResolveFunction", event)
    event["request"]["hosted_zone_id"] = private
    with pytest.raises(PrivateZoneOnlyError):
        local.invoke("ResolveFunction", event)


def test_undelegated_zone_is_a_warning_not_an_error(local_aws_factory: Factory) -> None:
    local = local_aws_factory(undelegated_zones=["example.com"])
    local.create_hosted_zone("example.com")

    zone = local.invoke("ResolveFunction", load_event("resolve"))["zone"]

    assert zone["delegation"] == "undelegated"
    assert "registrar" in zone["warnings"][0]


# ----------------------------------------------------------------------------------- EnsureIdentity
def test_ensure_creates_a_2048_bit_easy_dkim_identity_with_mail_from(local_aws_factory: Factory) -> None:
    local = local_aws_factory(region="af-south-1")
    out = local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))

    assert out["adopted"] is False
    assert len(out["dkim_tokens"]) == 3
    assert out["signing_hosted_zone"] == "dkim.af-south-1.amazonses.com"  # from SES, not hard-coded
    assert out["identity_arn"] == "arn:aws:ses:af-south-1:123456789012:identity/example.com"
    identity = local.client("sesv2").get_email_identity(EmailIdentity="example.com")
    assert identity["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert identity["MailFromAttributes"]["MailFromDomain"] == "mail.example.com"
    assert {t["Key"]: t["Value"] for t in identity["Tags"]} == {"mailauth:managed-by": "mailauth"}
    assert local.api_calls(tables=True) == {
        "sesv2:CreateEmailIdentity": 1,
        "sesv2:PutEmailIdentityMailFromAttributes": 1,
        "sesv2:GetAccount": 1,  # the account's sending status, for an early warning
        # the three SES calls' slots, booked together (mailauth.pace); two writes, because the step expects
        # Resolve's booking just before it, which this test does not make
        "dynamodb:UpdateItem@" + local.resources["PaceTable"]["Ref"]: 2,
    }
    assert out["account"]["production_access"] is True and out["account"]["sending_enabled"] is True


def test_identity_arn_is_in_the_partition_the_function_runs_in(local_aws_factory: Factory) -> None:
    local = local_aws_factory(region="cn-north-1")
    out = local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))
    assert out["identity_arn"] == "arn:aws-cn:ses:cn-north-1:123456789012:identity/example.com"


def test_ensure_adopts_an_existing_identity_and_never_deletes_it(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    ses = local.client("sesv2")
    ses.create_email_identity(EmailIdentity="example.com", Tags=[{"Key": "owner", "Value": "ops"}])
    tokens = ses.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Tokens"]

    out = local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))

    assert out["adopted"] is True
    assert out["dkim_tokens"] == tokens
    tags = {t["Key"]: t["Value"] for t in ses.get_email_identity(EmailIdentity="example.com")["Tags"]}
    assert tags == {"owner": "ops", "mailauth:managed-by": "mailauth:adopted"}
    assert "sesv2:DeleteEmailIdentity" not in local.api_calls()


def test_a_retry_after_the_create_succeeded_is_not_an_adoption(local_aws_factory: Factory) -> None:
    # CreateEmailIdentity succeeds, the next SES call keeps failing: the step fails and the state machine
    # retries it, which then meets AlreadyExistsException. The identity is still mailauth's.
    local = local_aws_factory()
    local.faults.add(
        "sesv2", "PutEmailIdentityMailFromAttributes", "TooManyRequestsException", times=10, status=429
    )
    first = local.run_function("EnsureIdentityFunction", load_event("ensure_identity"))
    assert first.error_type == "AwsThrottledError"
    local.faults.clear()

    out = local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))

    assert out["adopted"] is False
    tags = local.client("sesv2").get_email_identity(EmailIdentity="example.com")["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"mailauth:managed-by": "mailauth"}
    assert "sesv2:TagResource" not in local.api_calls("EnsureIdentityFunction")


def test_an_identity_without_easy_dkim_gets_it(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.ses.add_identity("example.com", region=local.region)  # verified with the legacy TXT record

    out = local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))

    assert out["adopted"] is True
    assert len(out["dkim_tokens"]) == 3 and out["dkim_status"] == "PENDING"
    assert out["signing_hosted_zone"] == "dkim.amazonses.com"
    assert "Easy DKIM turned on (the identity had no DKIM)" in out["notes"]
    assert local.api_calls()["sesv2:PutEmailIdentityDkimSigningAttributes"] == 1


def test_dkim_signing_that_was_turned_off_is_turned_on(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.ses.add_identity("example.com", region=local.region, easy_dkim=True, signing_enabled=False)

    out = local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))

    assert "DKIM signing turned on (it was off)" in out["notes"]
    dkim = local.client("sesv2").get_email_identity(EmailIdentity="example.com")["DkimAttributes"]
    assert dkim["SigningEnabled"] is True
    assert "sesv2:PutEmailIdentityDkimSigningAttributes" not in local.api_calls()


def test_request_tags_are_checked_against_the_ses_tag_rules_before_anything_is_called(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    event = load_event("ensure_identity")
    event["request"]["tags"] = {"team": "mail (ops)"}
    with pytest.raises(Exception, match=r"characters SES does not allow"):
        local.invoke("EnsureIdentityFunction", event)
    assert local.api_calls() == {}


def test_ensure_will_not_move_a_working_mail_from_domain(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    ses = local.client("sesv2")
    ses.create_email_identity(EmailIdentity="example.com")
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity="example.com", MailFromDomain="bounce.example.com"
    )

    with pytest.raises(IdentityConflictError, match=r"bounce\.example\.com"):
        local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))
    identity = ses.get_email_identity(EmailIdentity="example.com")
    assert identity["MailFromAttributes"]["MailFromDomain"] == "bounce.example.com"


def _failed_dkim(local: LocalAws, **ensure: Any) -> dict[str, Any]:
    """EnsureIdentity ran; then SES gave up on DKIM (72 simulated hours without records)."""
    event = load_event("ensure_identity")
    event["request"].update(ensure)
    identity: dict[str, Any] = local.invoke("EnsureIdentityFunction", event)
    local.clock.advance(73 * 3600)
    restart = load_event("ensure_identity_restart_dkim")
    restart["request"].update(ensure)
    restart["identity"] = identity
    return restart


def test_restart_dkim_recreates_the_identity_mailauth_created(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = _failed_dkim(local, tags={"team": "mail"}, dkim_key_length="RSA_1024_BIT")
    ses = local.client("sesv2")
    assert ses.get_email_identity(EmailIdentity="example.com")["DkimAttributes"]["Status"] == "FAILED"

    out = local.invoke("EnsureIdentityFunction", event)

    assert out["dkim_restarts"] == 1 and out["adopted"] is False
    assert set(out["dkim_tokens"]).isdisjoint(event["identity"]["dkim_tokens"])
    again = ses.get_email_identity(EmailIdentity="example.com")
    assert again["DkimAttributes"]["Status"] == "PENDING"
    assert again["DkimAttributes"]["NextSigningKeyLength"] == "RSA_1024_BIT"
    assert {t["Key"]: t["Value"] for t in again["Tags"]} == {
        "team": "mail",
        "mailauth:managed-by": "mailauth",
    }
    assert again["MailFromAttributes"]["MailFromDomain"] == "mail.example.com"
    calls = local.api_calls("EnsureIdentityFunction")
    assert calls["sesv2:DeleteEmailIdentity"] == 1 and calls["sesv2:CreateEmailIdentity"] == 2
    assert "sesv2:PutEmailIdentityDkimSigningAttributes" not in calls

    # a retry of the same step (its answer lost) keeps the new identity instead of deleting it again
    retried = local.invoke("EnsureIdentityFunction", event)
    assert retried["dkim_tokens"] == out["dkim_tokens"]
    assert local.api_calls("EnsureIdentityFunction")["sesv2:DeleteEmailIdentity"] == 1


def test_restart_dkim_refuses_an_identity_mailauth_did_not_create(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.client("sesv2").create_email_identity(EmailIdentity="example.com")
    event = _failed_dkim(local)
    assert event["identity"]["adopted"] is True

    with pytest.raises(IdentityConflictError, match="existed before mailauth"):
        local.invoke("EnsureIdentityFunction", event)
    assert "sesv2:DeleteEmailIdentity" not in local.api_calls()


def test_restart_dkim_refuses_an_identity_with_sending_policies(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = _failed_dkim(local)
    local.ses.identities[(local.region, "example.com")].policies["allow-app"] = "{}"

    with pytest.raises(IdentityConflictError, match="sending-authorization policies"):
        local.invoke("EnsureIdentityFunction", event)
    assert "sesv2:DeleteEmailIdentity" not in local.api_calls()


# ----------------------------------------------------------------------------------- PublishRecords
def test_publish_creates_in_one_batch_and_a_second_run_changes_nothing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    event = with_zone(load_event("publish_records"), zone_id)

    first = local.invoke("PublishRecordsFunction", event)
    second = local.invoke("PublishRecordsFunction", event)

    assert [c["action"] for c in first["changes"]] == ["CREATE"] * 6
    assert first["change_id"]
    assert second["changes"] == [] and second["change_id"] is None and len(second["kept"]) == 6
    assert local.api_calls()["route53:ChangeResourceRecordSets"] == 1


def test_publish_conflict_changes_nothing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "mail.example.com.", "CNAME", "somewhere.example.net.")
    before = zone_records(local, zone_id)

    with pytest.raises(RecordConflictError, match="CNAME") as info:
        local.invoke("PublishRecordsFunction", with_zone(load_event("publish_records"), zone_id))

    assert "Fix:" in str(info.value)
    assert zone_records(local, zone_id) == before
    assert "route53:ChangeResourceRecordSets" not in local.api_calls()


def test_a_batch_route53_would_refuse_for_its_size_is_refused_before_any_write(
    local_aws_factory: Factory,
) -> None:
    # A TXT set at _dmarc holding 31,200 characters: merging the DMARC value UPSERTs it, which counts twice
    # against Route 53's 32,000 characters per request. mailauth must say so, not submit and call the refusal a
    # conflict, and write nothing (the ledger either).
    from mailauth.errors import ChangeBatchTooLargeError
    from mailauth.txt import quote

    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    big = [quote(f"note {i} " + "x" * 3_880) for i in range(8)]
    local.add_record(zone_id, "_dmarc.example.com.", "TXT", *big)
    before = zone_records(local, zone_id)

    with pytest.raises(ChangeBatchTooLargeError, match="32000"):
        local.invoke("PublishRecordsFunction", with_zone(load_event("publish_records"), zone_id))

    assert zone_records(local, zone_id) == before
    calls = local.api_calls()
    assert "route53:ChangeResourceRecordSets" not in calls and "dynamodb:PutItem" not in calls


def test_a_dmarc_record_too_long_for_route53_is_a_validation_error() -> None:
    from pydantic import ValidationError

    from mailauth.request import OnboardRequest

    host = ".".join(["r" * 60] * 3) + ".example.com"  # 195 characters: a legal name
    uris = [f"mailto:{'r' * 60}{i}@{host}" for i in range(10)]
    with pytest.raises(ValidationError, match="Route 53 allows 4000"):
        OnboardRequest.model_validate({"domain": "example.com", "dmarc": {"rua": uris, "ruf": uris}})


def test_a_record_appearing_after_the_read_is_not_clobbered(
    local_aws_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CREATE, not UPSERT: Route 53 refuses the batch (nothing changed), the step plans again against the zone as it
    is now, and the newcomer survives: a stricter DMARC policy than the request's is kept."""
    from mailauth.aws.route53 import Route53

    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    real = Route53.records_at
    reads: list[int] = []

    def read_then_someone_writes(self: Route53, zone: str, names: Any) -> Any:
        found = real(self, zone, names)
        if not reads:
            local.add_record(zone_id, "_dmarc.example.com.", "TXT", '"v=DMARC1; p=reject"')
        reads.append(1)
        return found

    monkeypatch.setattr(Route53, "records_at", read_then_someone_writes)
    published = local.invoke("PublishRecordsFunction", with_zone(load_event("publish_records"), zone_id))

    assert len(reads) == 2  # refused once, planned again
    records = zone_records(local, zone_id)
    assert records[("_dmarc.example.com", "TXT")] == ('"v=DMARC1; p=reject"',)
    assert ("TXT", "_dmarc.example.com") not in {
        (c["record"]["type"], c["record"]["name"]) for c in published["changes"]
    }
    assert len(records) == 3 + 5  # NS, SOA, the newcomer, and mailauth's other five


def test_a_batch_refused_twice_is_a_conflict_and_the_ledger_forgets_it(
    local_aws_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone writes at mailauth's names before each attempt: after the second refusal the step gives up with
    RecordConflictError, and the ledger holds none of the batches Route 53 refused."""
    from mailauth.aws.route53 import Route53

    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    real = Route53.records_at
    names = iter(["mail.example.com.", "_dmarc.example.com."])

    def read_then_someone_writes(self: Route53, zone: str, wanted: Any) -> Any:
        found = real(self, zone, wanted)
        name = next(names)
        if name.startswith("_dmarc"):
            local.add_record(zone_id, name, "TXT", '"someone else"')
        else:
            local.add_record(zone_id, name, "MX", "10 feedback-smtp.us-east-1.amazonses.com")
        return found

    monkeypatch.setattr(Route53, "records_at", read_then_someone_writes)
    with pytest.raises(RecordConflictError, match="already exists"):
        local.invoke("PublishRecordsFunction", with_zone(load_event("publish_records"), zone_id))
    ledger_table = local.functions["PublishRecordsFunction"].environment["MAILAUTH_LEDGER_TABLE_NAME"]
    item = local.client("dynamodb").get_item(TableName=ledger_table, Key={"domain": {"S": "example.com"}})
    assert item.get("Item", {}).get("records", {}).get("S", "[]") == "[]"


# -------------------------------------------------------------------------------------- AwaitChange
def test_await_change_raises_until_insync(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    published = local.invoke("PublishRecordsFunction", with_zone(load_event("publish_records"), zone_id))
    event = load_event("await_change")
    event["publish"] = published

    with pytest.raises(ChangeNotInSyncError, match="PENDING"):
        local.invoke("AwaitChangeFunction", event)
    assert local.invoke("AwaitChangeFunction", event) == {
        "change_id": published["change_id"],
        "status": "INSYNC",
    }


def test_await_change_without_a_change_is_immediate(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = load_event("await_change")
    event["publish"]["change_id"] = None
    assert local.invoke("AwaitChangeFunction", event)["status"] == "NONE"
    assert local.api_calls() == {}


# -------------------------------------------------------------------------------- CheckVerification
def _identity_and_records(local: LocalAws, *, publish: bool) -> dict[str, Any]:
    zone_id = local.create_hosted_zone("example.com")
    identity = local.invoke("EnsureIdentityFunction", load_event("ensure_identity"))
    event = with_zone(load_event("check_verification"), zone_id)
    event["identity"] = identity
    if publish:
        pub = with_zone(load_event("publish_records"), zone_id)
        pub["identity"] = identity
        local.invoke("PublishRecordsFunction", pub)
    return event


def test_an_identity_deleted_during_the_wait_is_diagnosed_at_the_next_poll(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    event = _identity_and_records(local, publish=True)
    event["zone"]["requested_at"] = local.clock.now().isoformat()
    local.client("sesv2").delete_email_identity(EmailIdentity="example.com")

    out = local.invoke("CheckVerificationFunction", event)

    assert out["outcome"] == "failed"  # not "pending" for 48 hours
    assert "no longer exists" in out["diagnosis"][0]


def test_check_pending_without_records_names_what_is_missing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = _identity_and_records(local, publish=False)
    event["zone"]["requested_at"] = local.clock.now().isoformat()

    out = local.invoke("CheckVerificationFunction", event)

    assert out["outcome"] == "pending"
    assert 48 <= out["next_wait_seconds"] <= 60
    assert out["dkim_status"] == "PENDING"
    assert not any(c["ok"] for c in out["dns"])
    assert any("_domainkey.example.com is not served" in line for line in out["diagnosis"])


def test_check_verified_when_dns_serves_the_records(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = _identity_and_records(local, publish=True)
    event["zone"]["requested_at"] = local.clock.now().isoformat()

    out = local.invoke("CheckVerificationFunction", event)

    assert (out["outcome"], out["dkim_status"], out["mail_from_status"]) == ("verified", "SUCCESS", "SUCCESS")
    assert all(c["ok"] for c in out["dns"])


def test_check_restarts_a_failed_mail_from_once_then_fails(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = _identity_and_records(local, publish=True)
    zone_id = event["zone"]["hosted_zone_id"]
    local.client("route53").change_resource_record_sets(  # the MX goes missing: MAIL FROM cannot verify
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "DELETE",
                    "ResourceRecordSet": {
                        "Name": "mail.example.com.",
                        "Type": "MX",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "10 feedback-smtp.us-east-1.amazonses.com"}],
                    },
                }
            ]
        },
    )
    event["zone"]["requested_at"] = local.clock.now().isoformat()
    event["request"]["max_wait_hours"] = 72
    local.invoke("CheckVerificationFunction", event)  # SES starts looking
    local.clock.advance(timedelta(hours=72, minutes=5).total_seconds())  # SES gives up after 72 h
    event["zone"]["requested_at"] = local.clock.now().isoformat()  # still inside our own budget

    first = local.invoke("CheckVerificationFunction", event)

    assert first["outcome"] == "pending"
    assert first["mail_from_restarts"] == 1
    assert local.api_calls()["sesv2:PutEmailIdentityMailFromAttributes"] == 2  # ensure + the restart
    local.clock.advance(timedelta(hours=72, minutes=5).total_seconds())
    event["verification"] = first
    event["zone"]["requested_at"] = local.clock.now().isoformat()

    second = local.invoke("CheckVerificationFunction", event)

    assert second["outcome"] == "failed"
    assert second["mail_from_status"] == "FAILED"
    assert any(
        "MX mail.example.com was put in the hosted zone example.com by mailauth, but public DNS does not serve it"
        in line
        for line in second["diagnosis"]
    )


def test_check_times_out_at_the_deadline(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(verify="never"))
    event = _identity_and_records(local, publish=True)
    event["zone"]["requested_at"] = (local.clock.now() - timedelta(hours=48)).isoformat()

    out = local.invoke("CheckVerificationFunction", event)

    assert out["outcome"] == "timeout"


# ---------------------------------------------------------------------------------- Recommendations
def test_report_without_vdm_says_so_and_audits_dns(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(vdm_enabled=False))
    event = _identity_and_records(local, publish=True)
    event.pop("verification", None)

    out = local.invoke("RecommendationsFunction", event)

    assert out["recommendations"] == []
    assert "Virtual Deliverability Manager" in out["recommendations_note"]
    audit = {f["check"]: f["status"] for f in out["audit"]}
    assert audit["dkim"] == "ok" and audit["mail_from.mx"] == "ok" and audit["mail_from.spf"] == "ok"
    assert audit["dmarc.policy"] == "warn"  # p=none


def test_report_lists_recommendations_and_failed_audit(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(vdm_enabled=True))
    event = _identity_and_records(local, publish=False)

    out = local.invoke("RecommendationsFunction", event)

    assert {r["type"] for r in out["recommendations"]} >= {"DKIM", "DMARC"}
    assert out["recommendations_note"] is None
    audit = {f["check"]: f for f in out["audit"]}
    assert audit["dkim"]["status"] == "fail" and audit["dmarc"]["status"] == "fail"
    assert audit["mail_from.mx"]["fix"]
