"""The fleet sweep (issue 12, item 3): while a run waits for verification it parks on a task token; a scheduled
sweep reads every identity's status at once (ListEmailIdentities) and wakes the runs whose status changed. A run
whose wait runs out asks SES nothing when a sweep read the status since it parked; without sweeps it asks SES
itself, as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from mailauth_sandbox import LocalAws, SesBehaviour
from tests.workflow.helpers import failure, results

Factory = Callable[..., LocalAws]
SWEEP = timedelta(minutes=5)  # SweepIntervalMinutes' default


def run(local: LocalAws, request: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = local.start_execution({"request": request}, name="run-1")
    return arn, local.wait(arn, timeout=300)


def checks_of(local: LocalAws) -> list[dict[str, Any]]:
    return [i.event for i in local.invocations if i.function == "CheckVerificationFunction" and i.ok]


def test_a_run_is_woken_by_the_sweep_that_sees_its_identity_verified(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 3)))
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    verified_at = local.clock.elapsed()
    # within a sweep of SES's verification, not at the back-off's next check (up to 30 minutes later)
    assert timedelta(hours=3) <= verified_at <= timedelta(hours=3) + SWEEP + timedelta(minutes=1)
    inputs = checks_of(local)
    assert inputs[-1]["wake"]["status"] == "SUCCESS"  # the last check was the sweep's wake-up
    states = results(local, "CheckVerificationFunction")
    asked = sum(1 for s in states if s["asked_ses"])
    assert states[-1]["outcome"] == "verified" and states[-1]["asked_ses"]
    # each check after a sweep that had nothing new asked SES nothing; only those before any sweep, and the
    # woken one, did
    assert asked < len(states) and any(not s["asked_ses"] for s in states)
    calls = local.api_calls("CheckVerificationFunction")
    assert calls["sesv2:GetEmailIdentity"] == asked
    assert local.api_calls("SweepFunction")["sesv2:ListEmailIdentities"] >= 1


def test_without_sweeps_every_check_asks_ses_as_before(local_aws_factory: Factory) -> None:
    """The sweep fails every time (SES refuses its listing): runs fall back to asking SES at each check, and
    still verify at the back-off's next check after SES did."""
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 1)))
    local.create_hosted_zone("example.com")
    local.faults.add("sesv2", "ListEmailIdentities", "AccessDeniedException", times=10_000, status=403)

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    states = results(local, "CheckVerificationFunction")
    assert all(s["asked_ses"] for s in states)
    assert timedelta(hours=1) <= local.clock.elapsed() < timedelta(hours=1, minutes=35)
    swept = [i for i in local.invocations if i.function == "SweepFunction"]
    assert swept and any(not i.ok for i in swept)  # it fired, and failed while the run waited
    # a failed sweep is not retried (EventInvokeConfig: Lambda would retry it twice): one invocation a tick
    assert local.scheduler is not None
    assert len(swept) == sum(1 for name, _ in local.scheduler.fired if name.startswith("SweepFunction"))


def test_a_bulk_run_leaves_ses_to_the_sweep_from_its_first_wait(local_aws_factory: Factory) -> None:
    """A batch's first minutes come before any sweep had someone to read for: a bulk run's checks whose wait ran
    out in its first two intervals ask SES nothing, since the schedule's next sweep reads the parked run."""
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 1)))
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com", "priority": "bulk"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    asked = [s["asked_ses"] for s in results(local, "CheckVerificationFunction")]
    woken = next(
        n for n, e in enumerate(checks_of(local)) if (e.get("wake") or {}).get("status") == "SUCCESS"
    )
    # the first check asks (no sweep is running yet: it may be verified already), the sweep's wake-up asks, and
    # no check in between does (after it, MAIL FROM, which the sweep cannot see, is asked about)
    assert woken > 3 and asked[0] and asked[woken] and not any(asked[1:woken]), asked
    assert local.api_calls("CheckVerificationFunction")["sesv2:GetEmailIdentity"] == sum(asked)


def test_a_bulk_run_asks_ses_itself_once_two_intervals_pass_without_a_sweep(
    local_aws_factory: Factory,
) -> None:
    """Were the sweep failing, a bulk run notices a change at most two intervals late, then asks SES itself."""
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 1)))
    local.create_hosted_zone("example.com")
    local.faults.add("sesv2", "ListEmailIdentities", "AccessDeniedException", times=10_000, status=403)

    arn, result = run(local, {"domain": "example.com", "priority": "bulk"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    checks = [i for i in local.invocations if i.function == "CheckVerificationFunction" and i.ok]
    first = checks[0].started_at
    assert first is not None
    for check in checks[1:]:
        assert check.started_at is not None
        young = check.started_at - first < 2 * SWEEP
        assert check.result["asked_ses"] is not young, (check.started_at - first, check.result)
    assert timedelta(hours=1) <= local.clock.elapsed() < timedelta(hours=1, minutes=35)


def test_an_identity_deleted_while_the_run_waits_is_noticed_at_the_next_sweep(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory(ses=SesBehaviour(verify="never"))
    local.create_hosted_zone("example.com")
    deleted: list[timedelta] = []

    def delete_once(event: Any) -> None:
        if not deleted and local.clock.elapsed() > timedelta(minutes=20):
            local.client("sesv2").delete_email_identity(EmailIdentity="example.com")
            deleted.append(local.clock.elapsed())

    local.before_invocation("ParkFunction", delete_once)

    _, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    last = results(local, "CheckVerificationFunction")[-1]
    assert last["outcome"] == "failed" and "no longer exists" in last["diagnosis"][0]
    assert checks_of(local)[-1]["wake"]["status"] == "MISSING"
    woken = [i for i in local.invocations if i.function == "CheckVerificationFunction"][-1]
    assert woken.started_at is not None
    assert woken.started_at - local.clock.start <= deleted[0] + SWEEP + timedelta(minutes=1), (
        woken.started_at - local.clock.start,
        deleted,
        [(str(w), name) for name, w in local.scheduler.fired] if local.scheduler else None,
    )


def test_a_park_that_cannot_keep_its_token_ends_the_run_told(local_aws_factory: Factory) -> None:
    """The wait table refuses the Park for good (a broken deployment): the run does not wait forever for a token
    nobody kept; it ends at once, failed, and the notification names the refused call."""
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 1)))
    local.create_hosted_zone("example.com")
    local.faults.add(
        "dynamodb", "PutItem", "AccessDeniedException", times=10_000, status=400, function="ParkFunction"
    )

    _arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    assert local.clock.elapsed() < timedelta(minutes=10)  # not the 48-hour deadline, nor an hour's wait
    [message] = [m for m in local.notifications() if "example.com" in m["subject"]]
    assert "FAILED" in message["subject"].upper()
    # the call AWS refused, and what to check: the advice every refused permission gets
    assert "permission to call PutItem (AccessDeniedException)" in message["email"], message["email"]
    assert local.api_calls("ParkFunction")["dynamodb:PutItem"] >= 1


def test_a_park_throttled_for_a_while_still_waits_and_verifies(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(verify=("after", 1)))
    local.create_hosted_zone("example.com")
    local.faults.add(
        "dynamodb",
        "PutItem",
        "ProvisionedThroughputExceededException",
        times=3,
        status=400,
        function="ParkFunction",
    )

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert checks_of(local)[-1]["wake"]["status"] == "SUCCESS"
