"""The SES v2 emulator: identities, DKIM/MAIL FROM verification driven by served DNS, recommendations."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from mailauth_sandbox import LocalAws, SesBehaviour
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


def test_other_region_uses_regional_signing_zone(local_aws_factory: object) -> None:
    local = local_aws_factory(template=None, region="eu-west-1")  # type: ignore[operator]
    dkim = local.client("sesv2").create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]
    assert dkim["SigningHostedZone"] == "dkim.eu-west-1.amazonses.com"


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


def test_restart_gives_new_tokens_and_a_new_window(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone(DOMAIN)
    ses = bare_aws.client("sesv2")
    old = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    bare_aws.clock.advance(73 * 3600)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "FAILED"
    restarted = ses.put_email_identity_dkim_signing_attributes(
        EmailIdentity=DOMAIN,
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    assert restarted["DkimStatus"] == "PENDING"
    assert set(restarted["DkimTokens"]).isdisjoint(old)
    publish_dkim(bare_aws, zone, restarted["DkimTokens"])
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "SUCCESS"


def test_dkim_fail_once_knob(local_aws_factory: object) -> None:
    local: LocalAws = local_aws_factory(template=None, ses=SesBehaviour(dkim_fail_once=True))  # type: ignore[operator]
    zone = local.create_hosted_zone(DOMAIN)
    ses = local.client("sesv2")
    tokens = ses.create_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Tokens"]
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "PENDING"
    publish_dkim(local, zone, tokens)
    local.clock.advance(60)
    assert ses.get_email_identity(EmailIdentity=DOMAIN)["DkimAttributes"]["Status"] == "FAILED"
    new = ses.put_email_identity_dkim_signing_attributes(
        EmailIdentity=DOMAIN, SigningAttributesOrigin="AWS_SES"
    )["DkimTokens"]
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
