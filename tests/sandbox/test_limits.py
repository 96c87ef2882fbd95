"""Account-level API rate limits on the simulated clock (issue 12, item 1): SES v2's 1 request/s per account and
region, Route 53's token bucket (burst 50, 10/s), answered with the errors AWS uses; off unless asked for."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mailauth_sandbox import LocalAws
from mailauth_sandbox.limits import ApiLimits
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]
#: AWS's rates with calls that take no time, so that a test's calls land at one instant
INSTANT = dataclasses.replace(ApiLimits.aws_defaults(), call_latency=0.0)
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def client(service: str, region: str = "us-east-1") -> Any:
    """A client that does not retry, so each throttle shows."""
    factory: Any = boto3.client
    return factory(service, region_name=region, config=NO_RETRIES)


def error_of(call: Callable[[], object]) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


def test_ses_allows_one_request_per_second_then_answers_429(local_aws_factory: Factory) -> None:
    local = local_aws_factory(template=None, limits=INSTANT)
    ses = client("sesv2")
    ses.get_account()
    assert error_of(ses.get_account) == ("TooManyRequestsException", 429)
    local.clock.advance(1)
    ses.get_account()  # refilled after a simulated second
    assert local.limiter is not None and local.limiter.throttled == {"sesv2:GetAccount": 1}


def test_each_region_has_its_own_ses_bucket(local_aws_factory: Factory) -> None:
    local_aws_factory(template=None, limits=INSTANT)
    client("sesv2").get_account()
    eu = client("sesv2", "eu-west-1")
    eu.get_account()  # another region: another bucket


def test_route53_has_a_burst_of_50_then_10_per_second(local_aws_factory: Factory) -> None:
    local = local_aws_factory(template=None, limits=INSTANT)
    route53 = client("route53")
    for _ in range(50):
        route53.list_hosted_zones_by_name()
    assert error_of(route53.list_hosted_zones_by_name) == ("Throttling", 400)
    local.clock.advance(0.5)  # five tokens back
    for _ in range(5):
        route53.list_hosted_zones_by_name()
    assert error_of(route53.list_hosted_zones_by_name) == ("Throttling", 400)


def test_an_executions_calls_take_their_latency_and_the_tests_take_none(local_aws_factory: Factory) -> None:
    """An execution's call takes 50 ms of simulated time (A22); the test's own calls (polling an execution, say)
    take none, or the clock would move at moments that depend on how fast the machine runs."""
    local = local_aws_factory(template=None, limits=ApiLimits.aws_defaults())
    route53 = client("route53")
    route53.list_hosted_zones_by_name()
    assert local.clock.elapsed().total_seconds() == 0
    actor = local.clock.enlist()  # what an execution's thread is (clock.py)

    def execution() -> None:
        actor.adopt()
        try:
            for _ in range(4):
                route53.list_hosted_zones_by_name()
        finally:
            actor.retire()

    thread = threading.Thread(target=execution)
    thread.start()
    thread.join(10)
    assert local.clock.elapsed().total_seconds() == pytest.approx(4 * 0.05)


def test_without_limits_nothing_is_throttled(local_aws_factory: Factory) -> None:
    local = local_aws_factory(template=None)
    ses = client("sesv2")
    for _ in range(5):
        ses.get_account()
    assert local.limiter is None


def test_an_onboarding_under_the_limits_still_verifies(local_aws_factory: Factory) -> None:
    """EnsureIdentity makes three SES calls in a row, and each step books its SES slot first (mailauth.pace):
    nothing is refused and the run goes on."""
    local = local_aws_factory(limits=ApiLimits.aws_defaults())
    local.create_hosted_zone("example.com")
    arn = local.start_execution({"request": {"domain": "example.com"}}, name="limited")
    result = local.wait(arn, timeout=120)
    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.limiter is not None
    assert not [op for op in local.limiter.throttled if op.startswith("sesv2:")], local.limiter.throttled
    ses = [call for call in local.api_calls() if call.startswith("sesv2:")]
    assert ses  # (the run did call SES)
