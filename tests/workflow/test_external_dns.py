"""DNS hosted outside Route 53: nothing is published, the records are announced, public DNS is verified."""

from __future__ import annotations

from collections.abc import Callable

from mailauth_sandbox import LocalAws, SesAccount, SesBehaviour
from mailauth_sandbox.scenario import act_on_announcements
from mailauth_sandbox.scenario.provider import PROVIDER_ACCOUNT
from tests.workflow.helpers import failure, output

Factory = Callable[..., LocalAws]


def test_external_dns_announces_the_records_then_verifies(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    created = act_on_announcements(local)

    arn = local.start_execution({"request": {"domain": "example.com", "dns": "external"}}, name="ext-1")
    result = local.wait(arn)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    states = local.states_entered(arn)
    assert "AwaitChange" not in states and states.count("AnnounceRecords") == 1
    assert not [c for c in local.api_calls() if c.startswith("route53:")]  # Route 53 never touched
    assert len(created) == 6
    announcement, final = local.notifications()
    assert announcement["subject"] == "mailauth: action required: create 6 DNS records for example.com"
    assert "AS ZONE-FILE LINES" in announcement["email"]
    assert "mail.example.com. 300 IN MX 10 feedback-smtp.us-east-1.amazonses.com." in announcement["email"]
    assert '_dmarc.example.com. 300 IN TXT "v=DMARC1; p=none"' in announcement["email"]
    assert final["attributes"]["outcome"]["Value"] == "success"
    assert output(result)["zone"]["dns"] == "external"


def test_auto_falls_back_to_external_and_times_out_naming_the_records(local_aws_factory: Factory) -> None:
    local = local_aws_factory()  # no zone anywhere, and nobody acts on the announcement

    arn = local.start_execution(
        {"request": {"domain": "example.com", "dns": "auto", "max_wait_hours": 3}}, name="auto-1"
    )
    result = local.wait(arn)

    assert result["status"] == "FAILED"
    zone = output(result).get("zone") or {}
    assert zone.get("dns", "external") == "external"
    final = local.notifications()[-1]
    assert final["attributes"]["outcome"]["Value"] == "timeout"
    assert "MX mail.example.com is not served by public DNS" in final["email"]


def test_route53_mode_still_refuses_a_missing_zone(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    arn = local.start_execution({"request": {"domain": "example.com"}}, name="r53-1")
    assert local.wait(arn)["status"] == "FAILED"
    assert local.states_entered(arn)[:3] == ["Admission", "Resolve", "Notify"]


def test_offboarding_an_external_domain_deletes_the_identity_mailauth_created(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    act_on_announcements(local)
    arn = local.start_execution({"request": {"domain": "example.com", "dns": "external"}}, name="ext-2")
    assert local.wait(arn)["status"] == "SUCCEEDED", failure(local, arn)

    off = local.start_execution(
        {"request": {"domain": "example.com"}},
        name="ext-off",
        state_machine_arn=local.resources["OffboardStateMachine"]["Arn"],
    )

    assert local.wait(off)["status"] == "SUCCEEDED", failure(local, off)
    email = local.notifications()[-1]["email"]
    assert "RECORDS REMOVED OR RESTORED (0)" in email  # mailauth wrote none: the DNS is someone else's
    assert "deleted: mailauth created it" in email


def test_external_dns_early_warnings_ride_on_the_announcement(local_aws_factory: Factory) -> None:
    """DNS elsewhere: the announcement is already sent before the wait, so the warnings go in it (no second
    message), and a DMARC record kept not as requested is not listed as 'already right'."""
    local = local_aws_factory(ses=SesBehaviour(account=SesAccount(production_access=False)))
    provider = local.create_hosted_zone("example.com", account_id=PROVIDER_ACCOUNT)
    local.add_record(
        provider, "_dmarc.example.com", "TXT", '"v=DMARC1; p=reject"', account_id=PROVIDER_ACCOUNT
    )
    act_on_announcements(local)

    arn = local.start_execution({"request": {"domain": "example.com", "dns": "external"}}, name="ext-w")
    result = local.wait(arn)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert "WarnEarly" not in local.states_entered(arn)
    announcement, final = local.notifications()
    assert announcement["attributes"]["outcome"]["Value"] == "action_required"
    text = announcement["email"]
    assert "WARNINGS" in text and "in the SES sandbox" in text
    assert "KEPT AS THEY ARE, NOT AS REQUESTED\n  TXT _dmarc.example.com: an existing DMARC record" in text
    assert "ALREADY RIGHT" not in text
    assert final["attributes"]["outcome"]["Value"] == "success"
