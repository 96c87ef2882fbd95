"""Any event, of any shape or size, reaching TriggerFunction: skipped, or a small execution that is notified;
never a handler crash, never an execution input near Step Functions' 256 KiB."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailauth_sandbox import LocalAws
from tests.conftest import load_event

Factory = Callable[..., LocalAws]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
DETAIL = st.one_of(
    JSON,
    st.fixed_dictionaries({"domain": JSON}),
    st.fixed_dictionaries({"domain": st.just("example.com"), "dmarc": JSON}),
    st.fixed_dictionaries({"domain": st.just("example.com"), "tags": JSON, "mail_from_subdomain": JSON}),
)
ONBOARD_EVENT = DETAIL.map(lambda d: {**load_event("trigger_onboard_domain"), "detail": d})
ZONE_EVENT = st.tuples(JSON, JSON).map(
    lambda pr: {
        **load_event("trigger_create_hosted_zone"),
        "detail": {"eventName": "CreateHostedZone", "requestParameters": pr[0], "responseElements": pr[1]},
    }
)
EVENTS = st.one_of(JSON, ONBOARD_EVENT, ZONE_EVENT)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=EVENTS)
def test_any_event_is_skipped_or_becomes_a_small_notified_execution(
    local_aws_factory: Factory, event: Any
) -> None:
    local = _shared(local_aws_factory)
    before = {e["executionArn"] for e in _executions(local)}

    result = local.invoke("TriggerFunction", event)

    assert result["status"] in {"SKIPPED", "INVALID", "STARTED", "ALREADY_RUNNING", "CONFLICT"}
    started = [e for e in _executions(local) if e["executionArn"] not in before]
    if result["status"] == "SKIPPED":
        assert started == []
        return
    arn = result["executionArn"]
    described = local.client("stepfunctions").describe_execution(executionArn=arn)
    assert len(described["input"]) < 8_192
    if result["status"] in {"INVALID", "CONFLICT"}:
        assert arn.rsplit(":", 1)[1].startswith("invalid-")
        assert local.wait(arn)["status"] == "FAILED"
        assert local.states_entered(arn)[:3] == ["Admission", "Resolve", "Notify"]


def test_a_huge_event_becomes_a_small_execution(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = load_event("trigger_onboard_domain")
    event["detail"] = {"domain": "x" * 100_000, "padding": ["y" * 1000] * 200}

    result = local.invoke("TriggerFunction", event)

    assert result["status"] == "INVALID"
    described = local.client("stepfunctions").describe_execution(executionArn=result["executionArn"])
    assert len(described["input"]) < 8_192
    assert local.wait(result["executionArn"])["status"] == "FAILED"
    [message] = local.notifications()
    assert len(message["subject"]) < 100


_WORLD: dict[int, LocalAws] = {}


def _shared(factory: Factory) -> LocalAws:
    """One sandbox for all of hypothesis's examples of one test run (a fresh one each is too slow)."""
    key = id(factory)
    if key not in _WORLD:
        _WORLD.clear()
        _WORLD[key] = factory()
        _WORLD[key].create_hosted_zone("example.com")
    return _WORLD[key]


def _executions(local: LocalAws) -> list[dict[str, Any]]:
    sfn = local.client("stepfunctions")
    return sfn.list_executions(stateMachineArn=local.state_machine_arn)["executions"]
