"""The SES v2 emulator: identities, DKIM/MAIL FROM verification driven by served DNS, recommendations."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from mailauth_sandbox import LocalAws, SesAccount, SesBehaviour
from tests.sandbox.helpers import change

DOMAIN = "example.com"


def publish_dkim(
    local: LocalAws, zone: str, tokens: list[str], target_zone: str = "dkim.amazonses.com"
) -> None:
    r53 = local.client("route53")
    for token in tokens:
        change(zone, r53, "CREATE", f"{token}._domainkey.{DOMAIN}", "CNAME", f"{token}.{target_zone}")


def test_create_returns_three_tokens_and_signing_zone(bare_aws: LocalAws) -> None:
    ses = bare_aws.client("sesv2")
    created = ses.create_email_identity(EmailIdentity=DOMAIN, Tags=[{"Key": "app", "Value": "mailauth"}])
    dkim = created["DkimAttributes"]
    assert created["IdentityType"] == "DOMAIN"
    assert created["VerifiedForSendingStatus"] is False
    assert len(dkim["Tokens"]) == 3 and len(set(dkim["Tokens"])) == 3
    assert all(re.fullmatch(r"[a-z0-9]{32}", t) for t in dkim["Tokens"])
    assert dkim["SigningHostedZone"] == "dkim.amazonses.com"
    got = ses.get_email_identity(EmailIdentity=DOMAIN)
    assert got["Tags"] == [{"Key": "app", "Value": "mailauth"}]
    assert got["DkimAttributes"]["Tokens"] == dkim["Tokens"]


@pytest.mark.parametrize(
    ("region", "zone"),
    [
        # AWS General Reference, SES endpoints and quotas, Easy DKIM domains: most regions share the global zone
        ("eu-west-1", "dkim.amazonses.com"),
        ("us-west-2", "dkim.amazonses.com"),
        ("af-south-1", "dkim.af-south-1.amazonses.com"),
        ("ap-southeast-3", "dkim.ap-southeast-3.amazonses.com"),
    ],
)
def test_signing_zone_follows_the_documented_region_table(
    local_aws_factory: object, region: str, zone: str
) -> None:
    local = local_aws_factory(template=None, region=region)  # type: ignore[operator]
    dkim = local.client("sesv2").create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]
    assert dkim["SigningHostedZone"] == zone


def test_second_create_raises_already_exists(bare_aws: LocalAws) -> None:
    ses = bare_aws.client("sesv2")
    ses.create_email_identity(EmailIdentity=DOMAIN)
    with pytest.raises(ClientError) as info:
        ses.create_email_identity(EmailIdentity=DOMAIN)
    assert info.value.response["Error"]["Code"] == "AlreadyExistsException"
    assert isinstance(info.value, ses.exceptions.AlreadyExistsException)


def test_get_unknown_identity_is_not_found(bare_aws: LocalAws) -> None:
    with pytest.raises(ClientError) as info:
        bare_aws.client("sesv2").get_email_identity(EmailIdentity="nope.example")
    assert info.value.response["Error"]["Code"] == "NotFoundException"


def test_dkim_pending_without_records_then_success_once_served(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone(DOMAIN)
    ses = bare_aws.client("sesv2")
    tokens = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    got = ses.get_email_identity(EmailIdentity=DOMAIN)
    assert got["DkimAttributes"]["Status"] == "PENDING"
    assert got["VerificationStatus"] == "PENDING"
    assert got["VerificationInfo"]["ErrorType"] == "HOST_NOT_FOUND"
    publish_dkim(bare_aws, zone, tokens)
    bare_aws.clock.advance(60)
    got = ses.get_email_identity(EmailIdentity=DOMAIN)
    assert got["DkimAttributes"]["Status"] == "SUCCESS"
    assert got["VerifiedForSendingStatus"] is True


def test_wrong_cname_target_does_not_verify(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone(DOMAIN)
    ses = bare_aws.client("sesv2")
    tokens = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    publish_dkim(bare_aws, zone, tokens, target_zone="dkim.eu-west-1.amazonses.com")
    bare_aws.clock.advance(3600)
    got = ses.get_email_identity(EmailIdentity=DOMAIN)
    assert got["DkimAttributes"]["Status"] == "PENDING"
    assert got["VerificationInfo"]["ErrorType"] == "INVALID_VALUE"


def test_records_only_in_private_zone_do_not_verify(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone(DOMAIN, private=True)
    ses = bare_aws.client("sesv2")
    tokens = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    publish_dkim(bare_aws, zone, tokens)
    bare_aws.clock.advance(120)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "PENDING"


def test_dkim_fails_after_72_simulated_hours(bare_aws: LocalAws) -> None:
    bare_aws.create_hosted_zone(DOMAIN)
    ses = bare_aws.client("sesv2")
    ses.create_email_identity(EmailIdentity=DOMAIN)
    bare_aws.clock.advance(71 * 3600)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "PENDING"
    bare_aws.clock.advance(3600)
    got = ses.get_email_identity(EmailIdentity=DOMAIN)
    assert got["DkimAttributes"]["Status"] == "FAILED"
    assert got["VerificationStatus"] == "FAILED"


def test_a_failed_setup_is_restarted_from_the_beginning(bare_aws: LocalAws) -> None:
    # SES: "If Amazon SES is unable to detect the record within 72 hours ... you must restart the verification
    # process from the beginning": for a v2 domain identity, create it again (new tokens, new window).
    zone = bare_aws.create_hosted_zone(DOMAIN)
    ses = bare_aws.client("sesv2")
    old = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    bare_aws.clock.advance(73 * 3600)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "FAILED"
    ses.delete_email_identity(EmailIdentity=DOMAIN)
    again = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]
    assert again["Status"] == "PENDING"
    assert set(again["Tokens"]).isdisjoint(old)
    publish_dkim(bare_aws, zone, again["Tokens"])
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "SUCCESS"


def test_same_key_length_is_refused_and_a_new_length_issues_no_new_tokens(bare_aws: LocalAws) -> None:
    ses = bare_aws.client("sesv2")
    tokens = ses.create_email_identity(
        EmailIdentity=DOMAIN, DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"}
    )["DkimAttributes"]["Tokens"]
    with pytest.raises(ClientError) as same:
        ses.put_email_identity_dkim_signing_attributes(
            EmailIdentity=DOMAIN,
            SigningAttributesOrigin="AWS_SES",
            SigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
        )
    assert same.value.response["Error"]["Code"] == "BadRequestException"
    assert "same key length" in same.value.response["Error"]["Message"]
    changed = ses.put_email_identity_dkim_signing_attributes(
        EmailIdentity=DOMAIN,
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"},
    )
    assert changed["DkimTokens"] == tokens  # nothing documents new tokens (assumption A3)
    with pytest.raises(ClientError) as twice:  # "can be changed at most once per day"
        ses.put_email_identity_dkim_signing_attributes(
            EmailIdentity=DOMAIN,
            SigningAttributesOrigin="AWS_SES",
            SigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
        )
    assert "once per day" in twice.value.response["Error"]["Message"]


def test_easy_dkim_turned_on_for_an_identity_without_dkim(bare_aws: LocalAws) -> None:
    bare_aws.ses.add_identity(DOMAIN, region=bare_aws.region)  # verified by the legacy TXT record, no DKIM
    ses = bare_aws.client("sesv2")
    before = ses.get_email_identity(EmailIdentity=DOMAIN)
    assert before["DkimAttributes"]["Status"] == "NOT_STARTED"
    assert not before["DkimAttributes"].get("Tokens")
    assert before["VerifiedForSendingStatus"] is True
    turned_on = ses.put_email_identity_dkim_signing_attributes(
        EmailIdentity=DOMAIN,
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    assert turned_on["DkimStatus"] == "PENDING"
    assert len(turned_on["DkimTokens"]) == 3
    assert turned_on["SigningHostedZone"] == "dkim.amazonses.com"


def test_dkim_fail_once_knob(local_aws_factory: object) -> None:
    local: LocalAws = local_aws_factory(template=None, ses=SesBehaviour(dkim_fail_once=True))  # type: ignore[operator]
    zone = local.create_hosted_zone(DOMAIN)
    ses = local.client("sesv2")
    tokens = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "PENDING"
    publish_dkim(local, zone, tokens)
    local.clock.advance(60)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "FAILED"
    ses.delete_email_identity(EmailIdentity=DOMAIN)  # the second window of the domain behaves normally
    new = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    publish_dkim(local, zone, new)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "SUCCESS"


def test_verify_after_hours_knob(local_aws_factory: object) -> None:
    local: LocalAws = local_aws_factory(template=None, ses=SesBehaviour(verify=("after", 2)))  # type: ignore[operator]
    zone = local.create_hosted_zone(DOMAIN)
    ses = local.client("sesv2")
    publish_dkim(local, zone, ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"])
    local.clock.advance(3600)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "PENDING"
    local.clock.advance(3600)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "SUCCESS"


def test_mail_from_needs_exactly_one_right_mx(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone(DOMAIN)
    ses, r53 = bare_aws.client("sesv2"), bare_aws.client("route53")
    ses.create_email_identity(EmailIdentity=DOMAIN)
    ses.put_email_identity_mail_from_attributes(
        EmailIdentity=DOMAIN, MailFromDomain=f"mail.{DOMAIN}", BehaviorOnMxFailure="USE_DEFAULT_VALUE"
    )
    mail_from = ses.get_email_identity(EmailIdentity=DOMAIN)["MailFromAttributes"]
    assert mail_from == {
        "MailFromDomain": f"mail.{DOMAIN}",
        "MailFromDomainStatus": "PENDING",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    }
    change(
        zone,
        r53,
        "CREATE",
        f"mail.{DOMAIN}",
        "MX",
        "10 feedback-smtp.us-east-1.amazonses.com",
        "20 backup.example.net",
    )
    bare_aws.clock.advance(60)
    status = ses.get_email_identity(EmailIdentity=DOMAIN)["MailFromAttributes"]["MailFromDomainStatus"]
    assert status == "PENDING"
    change(zone, r53, "UPSERT", f"mail.{DOMAIN}", "MX", "10 feedback-smtp.us-east-1.amazonses.com")
    bare_aws.clock.advance(60)
    status = ses.get_email_identity(EmailIdentity=DOMAIN)["MailFromAttributes"]["MailFromDomainStatus"]
    assert status == "SUCCESS"


def test_mail_from_must_be_a_subdomain(bare_aws: LocalAws) -> None:
    ses = bare_aws.client("sesv2")
    ses.create_email_identity(EmailIdentity=DOMAIN)
    with pytest.raises(ClientError) as info:
        ses.put_email_identity_mail_from_attributes(EmailIdentity=DOMAIN, MailFromDomain="mail.other.org")
    assert info.value.response["Error"]["Code"] == "BadRequestException"


def test_recommendations_follow_dns(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone(DOMAIN)
    ses = bare_aws.client("sesv2")
    ses.put_account_vdm_attributes(VdmAttributes={"VdmEnabled": "ENABLED"})
    ses.create_email_identity(EmailIdentity=DOMAIN)
    arn = f"arn:aws:ses:us-east-1:123456789012:identity/{DOMAIN}"
    recs = ses.list_recommendations(Filter={"RESOURCE_ARN": arn}, PageSize=10)["Recommendations"]
    assert {r["Type"] for r in recs} == {"DKIM", "DMARC"}
    assert all(r["Status"] == "OPEN" and r["ResourceArn"] == arn for r in recs)
    assert set(recs[0]) >= {"Description", "Impact", "CreatedTimestamp", "LastUpdatedTimestamp"}
    change(zone, bare_aws.client("route53"), "CREATE", f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=none"')
    bare_aws.clock.advance(60)
    dmarc = ses.list_recommendations(Filter={"TYPE": "DMARC"})["Recommendations"]
    assert [r["Status"] for r in dmarc] == ["FIXED"]
    page = ses.list_recommendations(PageSize=1)
    assert len(page["Recommendations"]) == 1 and page["NextToken"]


def test_recommendations_empty_without_vdm(local_aws_factory: object) -> None:
    local: LocalAws = local_aws_factory(template=None, ses=SesBehaviour(vdm_enabled=False))  # type: ignore[operator]
    ses = local.client("sesv2")
    ses.create_email_identity(EmailIdentity=DOMAIN)
    assert ses.list_recommendations()["Recommendations"] == []
    assert ses.get_account()["VdmAttributes"]["VdmEnabled"] == "DISABLED"


def test_get_account_reports_the_configured_status(local_aws_factory: object) -> None:
    sandboxed = SesAccount(production_access=False, review_status="PENDING", review_case_id="42")
    local: LocalAws = local_aws_factory(template=None, ses=SesBehaviour(account=sandboxed))  # type: ignore[operator]
    found = local.client("sesv2").get_account()
    assert found["ProductionAccessEnabled"] is False and found["SendingEnabled"] is True
    assert found["EnforcementStatus"] == "HEALTHY"
    # the SES Developer Guide's sandbox limits: 200 messages per 24 hours, 1 per second
    assert (found["SendQuota"]["Max24HourSend"], found["SendQuota"]["MaxSendRate"]) == (200.0, 1.0)
    assert found["Details"]["ReviewDetails"] == {"Status": "PENDING", "CaseId": "42"}


def test_get_account_default_is_production_access(bare_aws: LocalAws) -> None:
    found = bare_aws.client("sesv2").get_account()
    assert found["ProductionAccessEnabled"] is True and "Details" not in found


def test_list_tag_delete(bare_aws: LocalAws) -> None:
    ses = bare_aws.client("sesv2")
    ses.create_email_identity(EmailIdentity=DOMAIN)
    arn = f"arn:aws:ses:us-east-1:123456789012:identity/{DOMAIN}"
    ses.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["Tags"] == [{"Key": "k", "Value": "v"}]
    listed = ses.list_email_identities()["EmailIdentities"]
    assert [(i["IdentityName"], i["VerificationStatus"]) for i in listed] == [(DOMAIN, "PENDING")]
    ses.delete_email_identity(EmailIdentity=DOMAIN)
    assert ses.list_email_identities()["EmailIdentities"] == []
