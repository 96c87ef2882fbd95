"""Onboard, then offboard through the real offboard_domain.asl.json: the zone ends exactly as it began."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mailauth_sandbox import LocalAws
from tests.conftest import load_event
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]


def onboard(local: LocalAws, request: dict[str, Any]) -> None:
    arn = local.start_execution({"request": request}, name="on-1")
    assert local.wait(arn)["status"] == "SUCCEEDED", failure(local, arn)


def offboard(local: LocalAws, domain: str, keep_identity: bool = False) -> tuple[str, dict[str, Any]]:
    event = load_event("api_delete_domain")
    event.update(path=f"/domains/{domain}", pathParameters={"domain": domain})
    event["queryStringParameters"] = {"keep_identity": "true"} if keep_identity else None
    response = local.invoke("ApiFunction", event)
    assert response["statusCode"] == 202, response
    arn = json.loads(response["body"])["executionArn"]
    return arn, local.wait(arn)


def identity_exists(local: LocalAws, domain: str) -> bool:
    names = [i["IdentityName"] for i in local.client("sesv2").list_email_identities()["EmailIdentities"]]
    return domain in names


def test_offboarding_restores_the_zone_and_deletes_the_identity_it_created(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "mail.example.com.", "TXT", '"v=spf1 ip4:192.0.2.1 -all"', '"verify=1"')
    local.add_record(zone_id, "_dmarc.example.com.", "TXT", '"note=kept"')
    before = local.zone_records(zone_id)
    onboard(local, {"domain": "example.com"})
    assert local.zone_records(zone_id) != before

    arn, result = offboard(local, "example.com")

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.states_entered(arn) == [
        "UnpublishRecords",
        "AwaitChange",
        "RemoveIdentity",
        "Notify",
        "PutOutcomeEvent",
        "OutcomeDecision",
        "Offboarded",
    ]
    assert local.zone_records(zone_id) == before  # the SPF include taken out, the merged values alone
    assert not identity_exists(local, "example.com")
    message = local.notifications()[-1]
    assert message["subject"] == "mailauth: example.com offboarded"
    assert "RECORDS REMOVED OR RESTORED (6)" in message["email"]
    assert "deleted: mailauth created it" in message["email"]


def test_keep_identity_and_adopted_identities_are_kept(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    local.client("sesv2").create_email_identity(EmailIdentity="example.com")  # existed before mailauth
    onboard(local, {"domain": "example.com"})

    _, result = offboard(local, "example.com")

    assert result["status"] == "SUCCEEDED"
    assert identity_exists(local, "example.com")
    assert "kept: it existed before mailauth adopted it" in local.notifications()[-1]["email"]


def upsert(local: LocalAws, zone_id: str, name: str, rtype: str, *values: str) -> None:
    record = {"Name": name, "Type": rtype, "TTL": 300, "ResourceRecords": [{"Value": v} for v in values]}
    local.client("route53").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]}
    )


def test_a_record_changed_since_is_left_and_reported(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com"})
    upsert(local, zone_id, "mail.example.com.", "MX", "10 inbound.example.net.")  # mailauth's value replaced

    arn, result = offboard(local, "example.com", keep_identity=True)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    remaining = local.zone_records(zone_id)
    assert remaining[("mail.example.com", "MX")] == ("10 inbound.example.net.",)  # left in place
    assert not [k for k in remaining if k[1] == "CNAME" or k == ("mail.example.com", "TXT")]
    email = local.notifications()[-1]["email"]
    assert "LEFT IN PLACE (1)" in email and "MX mail.example.com: changed since mailauth wrote it" in email
    assert identity_exists(local, "example.com")


def test_values_someone_added_beside_mailauths_are_kept(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com"})
    [ours] = local.zone_records(zone_id)[("mail.example.com", "MX")]
    upsert(local, zone_id, "mail.example.com.", "MX", ours, "20 backup.example.net.")

    _, result = offboard(local, "example.com")

    assert result["status"] == "SUCCEEDED"
    assert local.zone_records(zone_id)[("mail.example.com", "MX")] == ("20 backup.example.net.",)
    assert "LEFT IN PLACE (0)" in local.notifications()[-1]["email"]


def test_offboarding_while_onboarding_runs_is_refused(local_aws_factory: Factory) -> None:
    from tests.handlers.test_api_and_triggers import HeldMachine, post

    local = local_aws_factory()
    held = HeldMachine(local)
    assert post(local, {"domain": "example.com"})[0] == 202
    event = load_event("api_get_domain")
    event.update(httpMethod="DELETE")
    event["requestContext"]["httpMethod"] = "DELETE"

    response = local.invoke("ApiFunction", event)

    assert response["statusCode"] == 409
    assert "onboarding of example.com is running" in json.loads(response["body"])["message"]
    held.release_all()


def test_an_event_for_a_domain_offboarded_earlier_starts_a_new_onboarding(local_aws_factory: Factory) -> None:
    # The domain's latest execution is now an offboarding: the trigger must be allowed to read it (IAM is
    # enforced in the sandbox as SAM generates the roles), not fail with AccessDenied and drop the event.
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    api = load_event("api_post_domains")
    api["body"] = json.dumps({"domain": "example.com"})
    first = json.loads(local.invoke("ApiFunction", api)["body"])["executionArn"]
    assert local.wait(first)["status"] == "SUCCEEDED", failure(local, first)
    arn, result = offboard(local, "example.com")
    assert result["status"] == "SUCCEEDED", failure(local, arn)

    (delivery,) = local.events.put_events(
        [
            {
                "EventBusName": "mailauth-events",
                "Source": "mailauth",
                "DetailType": "OnboardDomain",
                "Detail": json.dumps({"domain": "example.com"}),
            }
        ]
    )

    assert delivery.invocation is not None and delivery.invocation.ok, delivery.invocation
    assert delivery.invocation.result["status"] == "STARTED"
    again = delivery.invocation.result["executionArn"]
    assert again.endswith(":example_com-3")
    assert local.wait(again)["status"] == "SUCCEEDED", failure(local, again)


def test_a_failing_unpublish_is_reported_as_an_offboarding_failure(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com"})
    local.faults.add("route53", "ListResourceRecordSets", "AccessDenied", times=100, status=403)

    _arn, result = offboard(local, "example.com")

    assert result["status"] == "FAILED"
    message = local.notifications()[-1]
    assert message["subject"] == "mailauth: example.com offboarding failed"
    assert "Re-running offboarding is safe" in message["email"]
    assert "onboarding" not in message["subject"] and "re-run onboarding" not in message["email"].lower()


@pytest.mark.parametrize("how", ["timeout after the step finished", "ledger write throttled after the batch"])
def test_an_offboarding_retried_after_its_batch_still_reports_what_it_removed(
    local_aws_factory: Factory, how: str
) -> None:
    # The undo batch is applied, then the step's answer is lost (a Lambda timeout after the work) or its ledger
    # write keeps failing (6 attempts: the SDK gives up): the state machine runs UnpublishRecords again. That run
    # finds the zone undone and must still say what the first attempt removed and restored, not "nothing".
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "mail.example.com.", "TXT", '"v=spf1 ip4:192.0.2.1 -all"')
    before = local.zone_records(zone_id)
    onboard(local, {"domain": "example.com"})
    if how.startswith("timeout"):
        local.fail_invocations("UnpublishRecordsFunction", error_type="Lambda.Unknown", ran=True)
    else:  # the domains table's claim and the write-ahead go through; the ledger's update after the batch fails
        local.faults.add("dynamodb", "PutItem", "ProvisionedThroughputExceededException", times=6, skip=2)

    arn, result = offboard(local, "example.com")

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.faults.pending() == []
    assert len([i for i in local.invocations if i.function == "UnpublishRecordsFunction"]) == 2
    assert local.zone_records(zone_id) == before
    email = local.notifications()[-1]["email"]
    assert "RECORDS REMOVED OR RESTORED (6)" in email


def test_an_identity_without_mailauths_creation_tag_is_not_deleted(local_aws_factory: Factory) -> None:
    """The role may delete only identities tagged as mailauth's (an IAM condition on aws:ResourceTag): one whose
    tag someone removed is kept, and the person is told why."""
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    onboard(local, {"domain": "example.com"})
    sesv2 = local.client("sesv2")
    arn = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
    sesv2.untag_resource(ResourceArn=arn, TagKeys=["mailauth:managed-by"])

    execution, result = offboard(local, "example.com")

    assert result["status"] == "SUCCEEDED", failure(local, execution)
    assert identity_exists(local, "example.com")
    assert local.api_calls("RemoveIdentityFunction")["sesv2:DeleteEmailIdentity"] == 1  # refused by IAM
    message = local.notifications()[-1]
    assert "AWS refused to let mailauth delete it" in message["email"]
    assert "mailauth:managed-by=mailauth" in message["email"]


SHARING = {
    "example.com": {"domain": "example.com", "mail_from_subdomain": "mail.news"},
    "news.example.com": {"domain": "news.example.com"},
}


@pytest.mark.parametrize("onboarded_first", list(SHARING))
@pytest.mark.parametrize("offboarded_first", list(SHARING))
def test_a_record_set_two_domains_rely_on_stays_until_the_last_one_leaves(
    local_aws_factory: Factory, onboarded_first: str, offboarded_first: str
) -> None:
    """example.com sends with MAIL FROM mail.news.example.com, and so does news.example.com (SES lets a MAIL FROM
    domain be any subdomain of the identity). Whichever is onboarded second finds the MX and SPF already right;
    whichever is offboarded first must not take them from the other: its ledger entries are handed over, and the
    sets go when the last one is offboarded."""
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    before = local.zone_records(zone_id)
    order = [onboarded_first, *(d for d in SHARING if d != onboarded_first)]
    for n, domain in enumerate(order):
        arn = local.start_execution({"request": SHARING[domain]}, name=f"on-{n}")
        assert local.wait(arn)["status"] == "SUCCEEDED", failure(local, arn)
    shared = {("mail.news.example.com", "MX"), ("mail.news.example.com", "TXT")}
    assert shared <= set(local.zone_records(zone_id))

    arn, result = offboard(local, offboarded_first)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert shared <= set(local.zone_records(zone_id))  # the other domain still sends with them
    assert (f"_dmarc.{offboarded_first}", "TXT") not in local.zone_records(zone_id)
    remaining = next(d for d in SHARING if d != offboarded_first)
    if offboarded_first == onboarded_first:  # it had created them: handed over, and told
        message = local.notifications()[-1]["email"]
        assert f"kept: {remaining} relies on it too" in message
    mail_from = local.client("sesv2").get_email_identity(EmailIdentity=remaining)["MailFromAttributes"]
    assert mail_from["MailFromDomain"] == "mail.news.example.com"

    arn, result = offboard(local, remaining)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.zone_records(zone_id) == before


def test_a_hand_over_survives_a_retried_unpublish(local_aws_factory: Factory) -> None:
    """The first UnpublishRecords hands the shared sets over and submits its batch, then its answer is lost:
    the retry finds them handed over already and still keeps them."""
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    for n, domain in enumerate(SHARING):
        arn = local.start_execution({"request": SHARING[domain]}, name=f"on-{n}")
        assert local.wait(arn)["status"] == "SUCCEEDED", failure(local, arn)
    local.fail_invocations("UnpublishRecordsFunction", times=1, ran=True)

    arn, result = offboard(local, "example.com")

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.states_entered(arn).count("UnpublishRecords") == 1  # one state, its Retry ran it twice
    assert len([i for i in local.invocations if i.function == "UnpublishRecordsFunction"]) == 2
    assert {("mail.news.example.com", "MX"), ("mail.news.example.com", "TXT")} <= set(
        local.zone_records(zone_id)
    )
    ledger = local.client("dynamodb").get_item(
        TableName=local.functions["UnpublishRecordsFunction"].environment["MAILAUTH_LEDGER_TABLE_NAME"],
        Key={"domain": {"S": "news.example.com"}},
    )["Item"]
    assert "mail.news.example.com" in ledger["records"]["S"]


def test_onboarding_again_after_offboarding_recreates_every_record(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "zzz.example.com.", "TXT", '"sorts after every record mailauth writes"')
    onboard(local, {"domain": "example.com"})
    arn, result = offboard(local, "example.com")
    assert result["status"] == "SUCCEEDED", failure(local, arn)

    again = local.start_execution({"request": {"domain": "example.com"}}, name="on-2")

    assert local.wait(again)["status"] == "SUCCEEDED", failure(local, again)
    assert len(local.zone_records(zone_id)) == 3 + 6
