"""SES's request rate shared fleet-wide (issue 12, item 2): every SES call books a slot on one DynamoDB timeline
per region (mailauth.pace), waits for it, then calls; bulk work books only a few seconds ahead, interactive work
further, so a batch never starves a person waiting for one domain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mailauth import clock, pace
from mailauth.aws.dynamodb import Table
from mailauth.errors import SesBusyError
from mailauth.pace import Pacer
from mailauth_sandbox import LocalAws

Factory = Callable[..., LocalAws]


@pytest.fixture
def local(pace_local: LocalAws) -> LocalAws:
    return pace_local


def counted(table: Table) -> list[str]:
    """The table's UpdateItem calls, as they are made."""
    calls: list[str] = []
    table.client.meta.events.register(
        "before-call.dynamodb.UpdateItem", lambda **_: calls.append("UpdateItem")
    )
    return calls


def seconds(local: LocalAws) -> float:
    return round(local.clock.elapsed().total_seconds(), 3)


def test_calls_in_a_row_are_a_slot_apart(local: LocalAws) -> None:
    """The first booking on an idle timeline starts after a short slack (its own round trip), the next ones a slot
    apart; each caller waits for its slot."""
    at = []
    for _ in range(3):
        Pacer(Table("pace"), "us-east-1").take("GetEmailIdentity")
        at.append(seconds(local))
    slack = pace.IDLE_SLACK_SECONDS
    assert at == [slack, slack + pace.SLOT_SECONDS, slack + 2 * pace.SLOT_SECONDS]


def test_each_region_has_its_own_timeline(local: LocalAws) -> None:
    Pacer(Table("pace"), "us-east-1").take("GetAccount")
    Pacer(Table("pace"), "eu-west-1").take("GetAccount")
    # each waited its own slack only, the second not for the first's slot
    assert seconds(local) == 2 * pace.IDLE_SLACK_SECONDS


def test_a_block_is_booked_with_one_write_and_used_slot_by_slot(local: LocalAws) -> None:
    table = Table("pace")
    writes = counted(table)
    pacer = Pacer(table, "us-east-1", block=3)
    for _ in range(3):
        pacer.take("CreateEmailIdentity")
    assert writes == ["UpdateItem"]
    assert seconds(local) == round(pace.IDLE_SLACK_SECONDS + 2 * pace.SLOT_SECONDS, 3)
    pacer.take("TagResource")  # a fourth call books another block
    assert len(writes) == 2


def test_a_step_that_expects_a_busy_timeline_books_it_with_one_write(local: LocalAws) -> None:
    table = Table("pace")
    Pacer(table, "us-east-1").take("GetEmailIdentity")  # books the next second
    writes = counted(table)
    Pacer(table, "us-east-1", follows=True).take("CreateEmailIdentity")
    assert writes == ["UpdateItem"]
    writes.clear()
    Pacer(table, "us-east-1").take("GetAccount")  # expects an idle timeline: wrong, one more write
    assert len(writes) == 2


def test_bulk_work_books_only_a_few_seconds_ahead_and_interactive_work_still_gets_in(local: LocalAws) -> None:
    table = Table("pace")
    start = clock.now()
    booked = 0
    with pytest.raises(SesBusyError, match="booked more than 3 s ahead"):
        for _ in range(10):
            # a batch's steps all asking at the same instant (none of them waiting yet)
            pacer = Pacer(table, "us-east-1", "bulk")
            pacer._book("CreateEmailIdentity")
            booked += 1
    assert booked == 3  # slots at +0.15, +1.2 and +2.25 s: the timeline was booked 3.3 s ahead then
    assert clock.now() == start  # nothing waited, and the refused step made no SES call
    writes = counted(table)
    with pytest.raises(SesBusyError):
        Pacer(table, "us-east-1", "bulk")._book("GetAccount")
    assert writes == [
        "UpdateItem"
    ]  # a refusal costs one write: the failed one says how far the timeline is booked
    person = Pacer(table, "us-east-1", "interactive")
    person._book("GetEmailIdentity")  # an interactive request books behind the batch's few seconds
    assert person._slots[0] - round(start.timestamp() * 1000) == 150 + 3 * 1050


def test_a_step_waits_at_most_its_budget_in_all(local: LocalAws) -> None:
    table = Table("pace")
    for _ in range(9):  # someone booked nine seconds ahead
        Pacer(table, "us-east-1")._book("GetAccount")
    pacer = Pacer(table, "us-east-1", block=1)
    pacer.waited = pace.BUDGET_SECONDS - 1  # this step already waited most of its budget
    with pytest.raises(SesBusyError):
        pacer.take("ListRecommendations")
    assert local.clock.elapsed() == timedelta(0)


def test_a_slot_missed_while_the_step_worked_is_not_used_late(local: LocalAws) -> None:
    """A call made after its slot would land closer to the next booked call than SES allows: book again."""
    table = Table("pace")
    writes = counted(table)
    pacer = Pacer(table, "us-east-1", block=2)
    pacer.take("GetAccount")  # books two slots, uses the first
    local.clock.advance(5)  # the step's other work took five seconds: the second slot has passed
    pacer.take("CreateEmailIdentity")
    assert len(writes) == 2  # a new booking, not the stale slot


# ------------------------------------------------------------------------------------------ admission (item 4)
def test_bulk_onboardings_are_admitted_one_onboarding_s_ses_calls_apart(local: LocalAws) -> None:
    """The first starts at once; each next one a whole onboarding's SES calls later, with one write each."""
    table = Table("pace")
    writes = counted(table)
    admission = pace.Admission(table, "us-east-1")
    now = clock.now().timestamp()

    turns = [admission.not_before() for _ in range(4)]

    assert turns[0] is None
    offsets = [t - now for t in turns[1:] if t is not None]
    assert len(offsets) == 3
    for k, offset in enumerate(offsets, 1):  # whole seconds, never early
        assert k * pace.ADMIT_SECONDS <= offset < k * pace.ADMIT_SECONDS + 1
    assert len(writes) == 4


def test_admission_runs_idle_again_and_is_per_region(local: LocalAws) -> None:
    table = Table("pace")
    assert pace.Admission(table, "us-east-1").not_before() is None
    assert pace.Admission(table, "eu-west-1").not_before() is None  # another region's SES, another timeline
    assert pace.Admission(table, "us-east-1").not_before() is not None
    clock.sleep(3 * pace.ADMIT_SECONDS)  # the queue has drained
    assert pace.Admission(table, "us-east-1").not_before() is None
