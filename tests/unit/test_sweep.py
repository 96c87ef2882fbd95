"""mailauth.sweep against the embedded DynamoDB: what one sweep reads, whom it wakes, what it removes, and when
a check may skip asking SES."""

from __future__ import annotations

from typing import Any

import pytest

from mailauth import clock
from mailauth.aws.dynamodb import Table
from mailauth.sweep import ALIVE_INTERVALS, SWEEP_KEY, Waiters, run_sweep
from mailauth_sandbox import LocalAws


class FakeSes:
    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.listed = 0

    def identity_statuses(self) -> Any:
        self.listed += 1
        return iter(self.statuses.items())


class FakeExecutions:
    def __init__(self, closed: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.closed = closed
        self.answers: list[tuple[str, dict[str, Any]]] = []

    def answer(self, token: str, output: dict[str, Any]) -> bool:
        self.answers.append((token, output))
        return token not in self.closed


@pytest.fixture
def waiters(local_aws_factory: Any) -> Waiters:
    local: LocalAws = local_aws_factory(template=None)
    local.client("dynamodb").create_table(
        TableName="wait",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "domain", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "domain", "KeyType": "HASH"}],
    )
    return Waiters(Table("wait"))


def test_nobody_waiting_costs_no_ses_call(waiters: Waiters) -> None:
    ses = FakeSes({"a.example": "PENDING"})
    result = run_sweep(waiters, ses, FakeExecutions(), interval_seconds=300)  # type: ignore[arg-type]
    assert (result.parked, ses.listed) == (0, 0)
    assert waiters.sweeping() is False  # nothing read: no run may count on it


def test_only_the_runs_whose_status_changed_are_woken(waiters: Waiters) -> None:
    for domain in ("same.example", "verified.example", "gone.example", "closed.example"):
        waiters.park(domain, token=f"t-{domain}", execution="arn:x", status="PENDING", wait_seconds=600)
    ses = FakeSes({"same.example": "PENDING", "verified.example": "SUCCESS", "closed.example": "FAILED"})
    executions = FakeExecutions(closed={"t-closed.example"})

    result = run_sweep(waiters, ses, executions, interval_seconds=300)  # type: ignore[arg-type]

    answered = dict(executions.answers)
    assert answered["t-verified.example"]["status"] == "SUCCESS"
    assert answered["t-gone.example"]["status"] == "MISSING"  # its identity was deleted
    assert "t-same.example" not in answered
    assert (result.parked, result.woken, result.gone, ses.listed) == (4, 2, 1, 1)
    assert [w["domain"] for w in waiters.parked()] == ["same.example"]  # answered ones are removed
    assert waiters.sweeping() is True


def test_an_item_past_its_expiry_is_removed_without_a_wake(waiters: Waiters) -> None:
    waiters.park("old.example", token="t-old", execution="arn:x", status="PENDING", wait_seconds=60)
    clock.sleep(2 * 86400)
    executions = FakeExecutions()
    result = run_sweep(waiters, FakeSes({"old.example": "SUCCESS"}), executions, interval_seconds=300)  # type: ignore[arg-type]
    assert executions.answers == [] and result.gone == 1 and waiters.parked() == []


def test_a_run_that_parked_again_keeps_its_new_token(waiters: Waiters) -> None:
    waiters.park("a.example", token="first", execution="arn:x", status="PENDING", wait_seconds=60)
    [old] = waiters.parked()
    waiters.park("a.example", token="second", execution="arn:x", status="PENDING", wait_seconds=60)
    assert waiters.remove(old) is False
    assert [w["token"] for w in waiters.parked()] == ["second"]
    assert all(w["domain"] != SWEEP_KEY for w in waiters.parked())


def test_sweeps_count_as_running_for_two_intervals_after_the_last_one_began(waiters: Waiters) -> None:
    waiters.park("a.example", token="t", execution="arn:x", status="PENDING", wait_seconds=600)
    run_sweep(waiters, FakeSes({"a.example": "PENDING"}), FakeExecutions(), interval_seconds=300)  # type: ignore[arg-type]
    clock.sleep(ALIVE_INTERVALS * 300 - 1)
    assert waiters.sweeping() is True
    clock.sleep(1)
    assert waiters.sweeping() is False  # two sweeps missed: checks ask SES themselves again
