"""mailauth.sweep against the embedded DynamoDB: what one sweep reads, whom it wakes, what it removes, and when
a check may skip asking SES."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from mailauth import clock
from mailauth.aws.dynamodb import Table
from mailauth.errors import AwsThrottledError
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


class Sweeping:
    """Waiters whose sweeps run (or not), counting how often a check asked."""

    def __init__(self, running: bool) -> None:
        self.running = running
        self.asked = 0

    def sweeping(self) -> bool:
        self.asked += 1
        return self.running


def first_check(priority: str, dkim: str = "PENDING") -> Any:
    from mailauth.models import CheckInput
    from tests.conftest import load_event

    event = load_event("check_verification")
    event["request"]["priority"] = priority
    event["identity"]["dkim_status"] = dkim
    return CheckInput.model_validate(event)


@pytest.mark.parametrize(
    ("priority", "dkim", "running", "skips"),
    [
        ("bulk", "PENDING", True, True),  # the sweep notices a change as well as this check would
        ("bulk", "PENDING", False, False),  # no sweeps: nobody would notice, so SES is asked
        (
            "bulk",
            "SUCCESS",
            True,
            False,
        ),  # an adopted identity already verified: asked, it may end the run now
        ("interactive", "PENDING", True, False),  # a person waits: verified at the first check, told at once
    ],
)
def test_the_first_check_of_a_bulk_run_leaves_ses_to_the_sweep(
    priority: str, dkim: str, running: bool, skips: bool
) -> None:
    from mailauth.verification import swept_unchanged

    assert swept_unchanged(first_check(priority, dkim), Sweeping(running)) is skips  # type: ignore[arg-type]


def timed_out_check(priority: str, waited_seconds: int, dkim: str = "PENDING") -> Any:
    """A check after a wait that ran out, ``waited_seconds`` after the run's first check read ``dkim``."""
    from datetime import timedelta

    from mailauth.models import CheckInput, VerificationState

    step = first_check(priority)
    first = clock.now() - timedelta(seconds=waited_seconds)
    previous = VerificationState(
        outcome="pending",
        next_wait_seconds=60,
        attempt=2,
        started_at=first,
        deadline=first + timedelta(hours=48),
        checked_at=first,
        dkim_status=dkim,
        mail_from_status="PENDING",
        verified_for_sending=False,
        identity_status="PENDING" if dkim == "PENDING" else "SUCCESS",
    )
    wake = {"Error": "States.Timeout", "Cause": ""}
    return CheckInput.model_validate(
        {**step.model_dump(mode="json"), "verification": previous.model_dump(mode="json"), "wake": wake}
    )


@pytest.mark.parametrize(
    ("priority", "waited", "dkim", "running", "skips", "reads"),
    [
        # the batch's first minutes: no sweep has had anyone to read for yet, the next one will
        ("bulk", ALIVE_INTERVALS * 300 - 1, "PENDING", False, True, 0),
        # two intervals on and still no sweep: the schedule is failing, so SES is asked
        ("bulk", ALIVE_INTERVALS * 300, "PENDING", False, False, 1),
        ("bulk", ALIVE_INTERVALS * 300, "PENDING", True, True, 1),
        # a person's run asks SES until sweeps are seen running: its early checks come sooner than a sweep
        ("interactive", 60, "PENDING", False, False, 1),
        ("interactive", 60, "PENDING", True, True, 1),
        # DKIM verified, MAIL FROM not yet: the sweep cannot see MAIL FROM, so SES is asked
        ("bulk", 60, "SUCCESS", True, False, 0),
    ],
)
def test_a_bulk_run_leaves_ses_to_the_sweep_for_the_first_two_intervals_of_its_wait(
    priority: str, waited: int, dkim: str, running: bool, skips: bool, reads: int
) -> None:
    from mailauth.verification import swept_unchanged

    waiters = Sweeping(running)
    step = timed_out_check(priority, waited, dkim)
    assert swept_unchanged(step, waiters, interval_seconds=300) is skips  # type: ignore[arg-type]
    assert waiters.asked == reads  # the young wait costs not even the wait table's read


class Unreadable:
    """Waiters whose wait table cannot be read."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def sweeping(self) -> bool:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        AwsThrottledError("GetItem: ThrottlingException"),  # throttled past the SDK's retries
        ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetItem"),
        EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ],
)
def test_a_wait_table_that_cannot_be_read_means_asking_ses(error: Exception, caplog: Any) -> None:
    """The read only saves a SES call: the check asks SES instead of failing the run, and says why in its log."""
    from mailauth.verification import swept_unchanged

    waiters: Any = Unreadable(error)
    # on the module's own logger: Powertools' "mailauth" logger above it neither propagates nor, in the tests, lets
    # a warning through
    logger = logging.getLogger("mailauth.verification")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level("WARNING", logger="mailauth.verification"):
            assert swept_unchanged(timed_out_check("bulk", 3600), waiters, interval_seconds=300) is False
            assert swept_unchanged(first_check("bulk"), waiters) is False
    finally:
        logger.removeHandler(caplog.handler)
    told = {
        id(r)
        for r in caplog.records
        if r.getMessage() == "the wait table could not be read: SES is asked instead"
    }
    assert (
        len(told) == 2
    )  # once per check (a record reaches caplog's handler once or twice, as loggers propagate)


def test_without_the_sweeps_interval_a_check_relies_on_sweeps_seen_running() -> None:
    from mailauth.verification import swept_unchanged

    assert swept_unchanged(timed_out_check("bulk", 60), Sweeping(False)) is False  # type: ignore[arg-type]


def test_a_first_check_that_skips_ses_reports_what_ensure_identity_saw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mailauth import dnscheck
    from mailauth.verification import check

    step = first_check("bulk")
    zone = step.zone.model_copy(update={"requested_at": clock.now()})  # well before its deadline
    monkeypatch.setattr(dnscheck, "check_records", lambda resolver, wanted: [])

    class NoSes:
        def get_identity(self, domain: str) -> None:
            raise AssertionError("SES was asked")

    no_ses: Any = NoSes()
    state = check(step.request, zone, step.identity, None, ses=no_ses, resolver=None, ses_unchanged=True)
    assert state.asked_ses is False and state.outcome == "pending" and state.attempt == 1
    assert (state.dkim_status, state.mail_from_status, state.identity_status) == (
        "PENDING",
        "PENDING",
        "PENDING",
    )
    assert state.next_wait_seconds > 0


def test_the_bulk_runs_one_sweep_wakes_go_on_one_after_another(waiters: Waiters) -> None:
    """A batch verified between two sweeps is woken at once, but each bulk run's turn comes one bulk run's SES
    calls after the previous one's (booked with one write on the admission timeline); an interactive run's is now."""
    from datetime import datetime
    from itertools import pairwise

    from mailauth.pace import WOKEN_SECONDS, Admission

    waiters.table.client.create_table(
        TableName="pace",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}],
    )
    for name in ("b1", "b2", "b3"):
        waiters.park(
            f"{name}.example",
            token=name,
            execution="arn:x",
            status="PENDING",
            wait_seconds=600,
            priority="bulk",
        )
    waiters.park("i.example", token="i", execution="arn:x", status="PENDING", wait_seconds=600)
    verified = {f"{n}.example": "SUCCESS" for n in ("b1", "b2", "b3", "i")}
    executions = FakeExecutions()
    now = clock.now()

    result = run_sweep(
        waiters,
        FakeSes(verified),  # type: ignore[arg-type]
        executions,  # type: ignore[arg-type]
        interval_seconds=300,
        admission=Admission(Table("pace"), "us-east-1"),
    )

    assert result.woken == 4
    turns = {token: datetime.fromisoformat(out["not_before"]) for token, out in executions.answers}
    assert all(out["not_before"].endswith("Z") for _, out in executions.answers)  # as a Wait's TimestampPath
    assert (turns["i"] - now).total_seconds() < 1  # interactive: now
    bulk = sorted(turns[t] for t in ("b1", "b2", "b3"))
    gaps = [(b - a).total_seconds() for a, b in pairwise(bulk)]
    assert (
        all(gap >= WOKEN_SECONDS - 1 for gap in gaps)
        and (bulk[-1] - now).total_seconds() <= 3 * WOKEN_SECONDS + 1
    )


def test_the_back_off_starts_again_when_dkim_verifies_before_mail_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sweep cannot see MAIL FROM (the listing has no such status): the check that first sees DKIM SUCCESS
    waits the back-off's first wait, not the capped one the run had reached, since MAIL FROM usually follows."""
    from datetime import timedelta

    from mailauth import dnscheck
    from mailauth.models import VerificationState
    from mailauth.verification import check

    step = first_check("bulk")
    zone = step.zone.model_copy(update={"requested_at": clock.now() - timedelta(hours=3)})
    monkeypatch.setattr(dnscheck, "check_records", lambda resolver, wanted: [])
    now = clock.now()
    previous = VerificationState(
        outcome="pending", attempt=8, started_at=now, deadline=now + timedelta(hours=45), checked_at=now
    )

    class Ses:
        def __init__(self, mail_from: str) -> None:
            self.mail_from = mail_from

        def get_identity(self, domain: str) -> dict[str, Any]:
            return {
                "VerifiedForSendingStatus": True,
                "VerificationStatus": "SUCCESS",
                "DkimAttributes": {"Status": "SUCCESS"},
                "MailFromAttributes": {"MailFromDomainStatus": self.mail_from},
            }

    ses: Any = Ses("PENDING")
    rng = lambda: 0.0  # noqa: E731 - no jitter
    state = check(step.request, zone, step.identity, previous, ses=ses, resolver=None, rng=rng)
    assert state.outcome == "pending" and state.backoff_from == 8 and state.next_wait_seconds == 60
    later = check(step.request, zone, step.identity, state, ses=ses, resolver=None, rng=rng)
    assert later.backoff_from == 8 and later.next_wait_seconds == 120  # and then less often again
    done: Any = Ses("SUCCESS")
    assert check(step.request, zone, step.identity, later, ses=done, resolver=None).outcome == "verified"
