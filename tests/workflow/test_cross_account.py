"""A hosted zone in another AWS account, reached by assuming a role the deployment allows."""

from __future__ import annotations

from collections.abc import Callable

from mailauth_sandbox import LocalAws
from tests.workflow.helpers import failure, last_input

Factory = Callable[..., LocalAws]
OTHER = "222222222222"
ROLE = f"arn:aws:iam::{OTHER}:role/mailauth-dns"


def test_onboarding_and_offboarding_in_another_accounts_zone(local_aws_factory: Factory) -> None:
    local = local_aws_factory(parameters={"HostedZoneRoleArns": ROLE})
    zone_id = local.create_hosted_zone("example.com", account_id=OTHER)
    assert local.client("route53").list_hosted_zones()["HostedZones"] == []  # not in the stack's account
    before = local.zone_records(zone_id, OTHER)

    arn = local.start_execution(
        {"request": {"domain": "example.com", "hosted_zone_role_arn": ROLE}}, name="x-1"
    )
    result = local.wait(arn)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    added = set(local.zone_records(zone_id, OTHER)) - set(before)
    assert len(added) == 6
    assert local.api_calls()["sts:AssumeRole"] >= 3  # each step that touches Route 53 assumes the role

    off = local.start_execution(
        {"request": {"domain": "example.com"}},
        name="x-off",
        state_machine_arn=local.resources["OffboardStateMachine"]["Arn"],
    )
    assert local.wait(off)["status"] == "SUCCEEDED", failure(local, off)
    assert local.zone_records(zone_id, OTHER) == before  # the ledger remembered the role


def test_a_role_the_deployment_does_not_list_is_refused(local_aws_factory: Factory) -> None:
    local = local_aws_factory()  # HostedZoneRoleArns empty
    local.create_hosted_zone("example.com", account_id=OTHER)

    arn = local.start_execution(
        {"request": {"domain": "example.com", "hosted_zone_role_arn": ROLE}}, name="x-2"
    )

    assert local.wait(arn)["status"] == "FAILED"
    error = last_input(local, "NotifyFunction")["state"]["error"]
    assert error["Error"] == "InvalidRequestError"
    assert "HostedZoneRoleArns" in error["Cause"]
    assert "sts:AssumeRole" not in local.api_calls()


def test_a_malformed_role_arn_is_a_validation_error(local_aws_factory: Factory) -> None:
    local = local_aws_factory(parameters={"HostedZoneRoleArns": ROLE})
    arn = local.start_execution(
        {"request": {"domain": "example.com", "hosted_zone_role_arn": "mailauth-dns"}}, name="x-3"
    )
    assert local.wait(arn)["status"] == "FAILED"
    assert "hosted_zone_role_arn" in last_input(local, "NotifyFunction")["state"]["error"]["Cause"]


def test_a_cross_account_dry_run_assumes_the_role_once_and_changes_nothing(
    local_aws_factory: Factory,
) -> None:
    import json

    from tests.conftest import load_event

    local = local_aws_factory(parameters={"HostedZoneRoleArns": ROLE})
    zone_id = local.create_hosted_zone("example.com", account_id=OTHER)
    before = local.zone_records(zone_id, OTHER)
    event = load_event("api_post_domains")
    event["body"] = json.dumps({"domain": "example.com", "hosted_zone_role_arn": ROLE, "dry_run": True})

    response = local.invoke("ApiFunction", event)

    body = json.loads(response["body"])
    assert response["statusCode"] == 200 and body["verdict"] == "ready"
    assert body["zone"]["hosted_zone_id"] == zone_id and body["zone"]["role_arn"] == ROLE
    assert local.api_calls()["sts:AssumeRole"] == 1
    assert local.zone_records(zone_id, OTHER) == before
