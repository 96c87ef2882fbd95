"""SES's 1 request/s shared fleet-wide (issue 12, item 2), with AWS's account-level limits on in the sandbox: a
batch's SES calls are paced (mailauth.pace), not retried into throttling, and a person's one domain is not kept
waiting behind the batch."""

from __future__ import annotations

import json
from collections.abc import Callable

from mailauth_sandbox import LocalAws
from mailauth_sandbox.limits import ApiLimits
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


def verified_after(local: LocalAws, arn: str) -> float:
    """Simulated seconds from the start of the world to the notification that the domain is verified."""
    [notify] = [i for i in local.invocations if i.execution == arn and i.function == "NotifyFunction"]
    assert notify.result["outcome"] == "success", failure(local, arn)
    assert notify.started_at is not None
    return (notify.started_at - local.clock.start).total_seconds()


def test_a_batch_is_never_throttled_by_ses_and_a_person_is_not_kept_waiting_behind_it(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory(limits=ApiLimits.aws_defaults(), env=QUIET)
    batch = [f"brand{i:02d}.example" for i in range(24)]
    for domain in [*batch, "person.example"]:
        local.create_hosted_zone(domain)
    arns: dict[str, str] = {}
    with local.clock.held():  # the batch and the person's request arrive together
        for domain in batch:
            arns[domain] = json.loads(local.api_post({"domain": domain, "priority": "bulk"}).result["body"])[
                "executionArn"
            ]
        arns["person.example"] = json.loads(local.api_post({"domain": "person.example"}).result["body"])[
            "executionArn"
        ]
    for arn in arns.values():
        assert local.wait(arn, timeout=600)["status"] == "SUCCEEDED", failure(local, arn)

    assert local.limiter is not None
    assert not [op for op in local.limiter.throttled if op.startswith("sesv2:")], local.limiter.throttled
    batch_times = sorted(verified_after(local, arns[d]) for d in batch)
    person = verified_after(local, arns["person.example"])
    # the batch needs about six SES seconds per domain; the person's domain goes through within the first few
    assert person < batch_times[len(batch_times) // 4], (person, batch_times)
