"""EventBridge delivery from the template's own rules (moto does not deliver to Lambda targets)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mailauth_sandbox import LocalAws
from mailauth_sandbox.events import Rule, _transform
from tests.conftest import load_event

Factory = Callable[..., LocalAws]


def test_rules_come_from_the_template(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    rules = {r.name: r for r in local.events.rules}
    assert set(rules) == {"HostedZoneCreatedRule", "TriggerFunction.OnboardDomainEventRule"}
    assert rules["HostedZoneCreatedRule"].bus == "default"  # CloudTrail's events come only to the default bus
    assert rules["TriggerFunction.OnboardDomainEventRule"].bus == "mailauth-events"
    assert rules["HostedZoneCreatedRule"].pattern["detail"]["eventName"] == ["CreateHostedZone"]
    assert all(r.function == "TriggerFunction" and r.enabled for r in rules.values())


def test_cloudtrail_event_reaches_the_trigger_and_starts_onboarding(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("shop.example.org")
    event = load_event("trigger_create_hosted_zone")
    event["detail"]["responseElements"]["hostedZone"]["id"] = f"/hostedzone/{zone_id}"

    [delivery] = local.events.deliver(event)

    assert delivery.rule == "HostedZoneCreatedRule"
    assert delivery.invocation is not None and delivery.invocation.result["status"] == "STARTED"
    assert local.wait(delivery.invocation.result["executionArn"])["status"] == "SUCCEEDED"


def test_a_condition_can_disable_a_rule(local_aws_factory: Factory) -> None:
    local = local_aws_factory(parameters={"AutoOnboardNewZones": "false"})
    assert not next(r for r in local.events.rules if r.name == "HostedZoneCreatedRule").enabled
    assert local.events.deliver(load_event("trigger_create_hosted_zone")) == []


def test_put_events_matches_the_custom_rule_only(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    other = {
        "Source": "someone.else",
        "DetailType": "OnboardDomain",
        "Detail": json.dumps({"domain": "example.com"}),
    }
    mine = {
        "EventBusName": "mailauth-events",
        "Source": "mailauth",
        "DetailType": "OnboardDomain",
        "Detail": json.dumps({"domain": "example.com"}),
    }

    assert local.events.put_events([other]) == []
    assert (
        local.events.put_events([{**mine, "EventBusName": "default"}]) == []
    )  # the rule is on mailauth's bus
    [delivery] = local.events.put_events([mine])

    assert delivery.event["detail"] == {"domain": "example.com"}
    assert delivery.event["account"] == local.account_id


def test_input_transformations() -> None:
    event: dict[str, Any] = {"detail": {"name": "example.com", "n": 3}, "source": "x"}
    assert _transform(Rule("r", {}, "F", input='{"fixed": 1}'), event) == {"fixed": 1}
    assert _transform(Rule("r", {}, "F", input_path="$.detail"), event) == {"name": "example.com", "n": 3}
    transformer = {
        "InputPathsMap": {"d": "$.detail.name", "n": "$.detail.n"},
        "InputTemplate": '{"domain": "<d>", "count": <n>}',
    }
    assert _transform(Rule("r", {}, "F", transformer=transformer), event) == {
        "domain": "example.com",
        "count": 3,
    }


def test_an_event_the_trigger_cannot_process_ends_in_the_dead_letter_queue(
    local_aws_factory: Factory,
) -> None:
    """DynamoDB refuses every call: the trigger fails, Lambda retries it twice (1 and 2 minutes later), and the
    event is kept in the dead-letter queue that DeadLettersAlarm watches."""
    local = local_aws_factory()
    local.faults.add("dynamodb", "GetItem", "AccessDeniedException", times=100)
    started = local.clock.now()

    [delivery] = local.events.put_events(
        [
            {
                "EventBusName": "mailauth-events",
                "Source": "mailauth",
                "DetailType": "OnboardDomain",
                "Detail": json.dumps({"domain": "example.com"}),
            }
        ]
    )

    assert delivery.invocation is not None and delivery.invocation.error_type is not None
    tries = [i for i in local.invocations if i.function == "TriggerFunction"]
    assert len(tries) == 3
    assert (local.clock.now() - started).total_seconds() >= 180
    [letter] = local.dead_letters()
    assert letter["body"]["detail"] == {"domain": "example.com"}
    assert letter["attributes"]["RequestID"] == tries[-1].request_id
    assert "AccessDenied" in letter["attributes"]["ErrorMessage"]


def test_an_event_that_succeeds_on_a_retry_leaves_no_dead_letter(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    local.faults.add("dynamodb", "GetItem", "AccessDeniedException", times=1)

    [delivery] = local.events.put_events(
        [
            {
                "EventBusName": "mailauth-events",
                "Source": "mailauth",
                "DetailType": "OnboardDomain",
                "Detail": json.dumps({"domain": "example.com"}),
            }
        ]
    )

    assert delivery.invocation is not None and delivery.invocation.result["status"] == "STARTED"
    assert local.dead_letters() == []
