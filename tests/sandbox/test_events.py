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


def test_asynchronous_retries_follow_the_functions_event_invoke_config(local_aws_factory: Factory) -> None:
    """Lambda retries a failed asynchronous invocation twice, 1 then 2 minutes later, unless the function's
    EventInvokeConfig says otherwise; the sweep and the watch say 0 (a schedule comes again)."""
    local = local_aws_factory()
    assert local.functions["TriggerFunction"].async_retries == 2  # none set: Lambda's default
    assert local.functions["SweepFunction"].async_retries == 0
    assert local.functions["WatchFunction"].async_retries == 0

    def fails(event: Any, context: Any) -> Any:
        raise RuntimeError("down")

    local.register_function("Failing", fails)
    started = local.clock.now()
    last = local.invoker.run_async("Failing", {}, local.clock.sleep)
    tries = [i for i in local.invocations if i.function == "Failing"]
    assert [round((i.started_at - started).total_seconds()) for i in tries if i.started_at] == [0, 60, 180]
    assert last is tries[-1] and last.error_type == "RuntimeError"

    local.functions["Failing"].async_retries = 0
    local.invoker.run_async("Failing", {}, local.clock.sleep)
    assert len([i for i in local.invocations if i.function == "Failing"]) == 4


def test_an_event_invoke_config_lambda_would_refuse_is_refused() -> None:
    import pytest

    from mailauth_sandbox.provision import _async_retries

    assert _async_retries(None, "F") == 2
    assert _async_retries({"MaximumEventAgeInSeconds": 60}, "F") == 2
    with pytest.raises(ValueError, match="0, 1 or 2"):
        _async_retries({"MaximumRetryAttempts": 3}, "F")
