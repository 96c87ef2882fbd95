"""SES's request rate, shared fleet-wide: every SES call books a slot on one timeline first (issue 12, item 2).

SES allows every management action 1 request per second per account and region, whoever makes it. Rather than
let a thousand executions call at once and retry into throttling, each SES call books the next free slot on a
timeline kept in one DynamoDB item per region (``PaceTable``, ``aws.dynamodb.Table.reserve``: one or two atomic
writes), waits for it, then calls. Slots are :data:`SLOT_SECONDS` apart, a little more than SES's second, so that
calls arriving a few milliseconds early or late do not meet SES's bucket empty.

Two kinds of work share the timeline (``OnboardRequest.priority``):

- **interactive** (one domain from the API, a new hosted zone): books a slot up to :data:`HORIZON_SECONDS` of
  ``interactive`` ahead;
- **bulk** (a batch): books only while the timeline is booked less than the ``bulk`` horizon ahead.

A bulk run therefore keeps the timeline full but never more than a few seconds deep, and an interactive request
always finds a slot within seconds: it is never starved. A step that cannot book within its horizon makes no
SES call and raises :class:`~mailauth.errors.SesBusyError`, which the state machine retries later with jitter.
A step waits at most :data:`BUDGET_SECONDS` for slots in all (the functions' timeout is 30 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from mailauth import clock
from mailauth.aws.dynamodb import Table
from mailauth.errors import SesBusyError

if TYPE_CHECKING:
    from mailauth.aws.ses import Ses
    from mailauth.settings import PaceSettings

Lane = Literal["interactive", "bulk"]

#: seconds between two slots: SES's 1 request/s with 5 % to spare for clock skew and network jitter
SLOT_SECONDS = 1.05
#: how late a booked slot may still be used: the call then lands at least a second after the one before it
LATE_SECONDS = SLOT_SECONDS - 1.0
#: a booking on an idle timeline starts this much after the moment it was asked for (seconds): the booking's own
#: round trip to DynamoDB must not make its call late, closer to the next booking's than a slot apart
IDLE_SLACK_SECONDS = 0.15
#: how far ahead each kind of work may book (seconds)
HORIZON_SECONDS: dict[Lane, float] = {"interactive": 10.0, "bulk": 3.0}
#: the most a step waits for slots in all (seconds); then it raises SesBusyError
BUDGET_SECONDS = 15.0


class Pacer:
    """Books SES slots for one step's calls (one Pacer per invocation), ``block`` consecutive slots at a time: a
    step that knows it makes three calls books them with one write."""

    def __init__(
        self, table: Table, region: str, lane: Lane = "interactive", *, block: int = 1, follows: bool = False
    ) -> None:
        self.table = table
        self.key = {"bucket": f"sesv2#{region}"}
        self.lane: Lane = lane
        self.block = max(block, 1)
        #: the timeline is probably busy when this step books (it follows another step's SES call closely, or it
        #: is bulk work): try booking after the last booking first, so one write usually does
        self.busy_first = follows or lane == "bulk"
        self.waited = 0.0  # seconds this step has waited for slots so far (BUDGET_SECONDS)
        self._slots: list[int] = []  # booked and not used yet (ms since the epoch)

    def take(self, operation: str) -> None:
        """Wait for the next slot of the account's SES timeline; SesBusyError when it is too far ahead."""
        now = _ms(clock.now().timestamp())
        if self._slots and self._slots[0] < now - _ms(LATE_SECONDS):
            self._slots.clear()  # missed (the step's other work took longer): a late call would crowd the next
            self.busy_first = False  # and the timeline has probably run idle since
        if not self._slots:
            self._book(operation)
        slot = self._slots.pop(0)
        wait = max(slot - _ms(clock.now().timestamp()), 0) / 1000
        self.waited += wait
        clock.sleep(wait)

    def _book(self, operation: str) -> None:
        now = _ms(clock.now().timestamp())
        horizon = min(HORIZON_SECONDS[self.lane], BUDGET_SECONDS - self.waited)
        interval = _ms(SLOT_SECONDS)
        start = self.table.reserve(
            self.key,
            "next",
            now=now,
            interval=interval * self.block,
            horizon=max(_ms(horizon), 0),
            busy_first=self.busy_first,
            slack=_ms(IDLE_SLACK_SECONDS),
        )
        if start is None:
            raise SesBusyError(
                f"{operation} not made: SES's 1 request/s for this account and region is booked more than "
                f"{horizon:.0f} s ahead ({self.lane} work); the step is retried later"
            )
        self._slots = [start + i * interval for i in range(self.block)]
        # booked until a slot after its last one: the next booking continues the timeline
        self.busy_first = True


#: the SES calls one onboarding of a batch makes when nothing goes wrong: GetEmailIdentity (Resolve),
#: CreateEmailIdentity and PutEmailIdentityMailFromAttributes (EnsureIdentity; GetAccount is shared:
#: mailauth.account.SharedAccountStatus), one GetEmailIdentity poll (CheckVerification), ListRecommendations
#: (BuildReport); measured by ``make bench-fleet``
ONBOARDING_SES_CALLS = 5
#: how far apart bulk executions are admitted (seconds): one onboarding's SES calls at the timeline's pace
ADMIT_SECONDS = ONBOARDING_SES_CALLS * SLOT_SECONDS
#: the SES calls a bulk run makes once the sweep woke it with a new status: the check's GetEmailIdentity and the
#: report's ListRecommendations (GetAccount is shared)
WOKEN_SES_CALLS = 2
#: how far apart the sweep lets the bulk runs it wakes go on (seconds)
WOKEN_SECONDS = WOKEN_SES_CALLS * SLOT_SECONDS


class Admission:
    """When each bulk onboarding may start (issue 12, item 4): a second timeline in ``PaceTable`` (``admit#<region>``)
    hands out start times :data:`ADMIT_SECONDS` apart, one conditional write per submission.

    The SES timeline only ever books a few seconds ahead, so a thousand executions started at once would keep
    asking it and retrying; admitted one after another at the pace SES can serve them, each finds its slots free
    when it gets there, and a batch of N finishes about N × ADMIT_SECONDS after it was submitted. The wait itself is
    the state machine's (a Wait state on ``not_before``), which costs nothing while it waits. Interactive work is
    not admitted: it starts at once and books its own slots ahead of the batch's (:class:`Pacer`).
    """

    def __init__(self, table: Table, region: str) -> None:
        self.table = table
        self.key = {"bucket": f"admit#{region}"}
        #: the timeline was busy at the last booking (a batch books many in a row): try the busy write first
        self.busy_first = False

    def not_before(self) -> int | None:
        """The epoch second the next bulk onboarding may start, booked; None when it may start now (also when the
        timeline kept changing under three writes in a row: the SES timeline still paces that onboarding)."""
        now = _ms(clock.now().timestamp())
        start = self.table.reserve(
            self.key, "next", now=now, interval=_ms(ADMIT_SECONDS), horizon=None, busy_first=self.busy_first
        )
        self.busy_first = True  # booked until an onboarding's calls from now, at least
        if start is None or start - now < 1000:
            return None
        return -(-start // 1000)  # rounded up: Step Functions' Wait takes whole seconds

    def turns(self, count: int, seconds: float = WOKEN_SECONDS) -> list[int]:
        """Book ``count`` consecutive turns ``seconds`` apart with one write (the sweep's bulk wake-ups): each
        turn's epoch second, rounded up. The timeline was taken by nobody else meanwhile, so each turn finds SES's
        slots free; on a failed booking (the timeline kept changing) every turn is now."""
        now = _ms(clock.now().timestamp())
        if count <= 0:
            return []
        span = _ms(seconds)
        start = self.table.reserve(
            self.key, "next", now=now, interval=span * count, horizon=None, busy_first=self.busy_first
        )
        first = now if start is None else start
        return [-(-(first + i * span) // 1000) for i in range(count)]


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def paced_ses(
    settings: PaceSettings, lane: Lane = "interactive", *, calls: int = 1, follows: bool = False
) -> Ses:
    """An SES adapter whose every call books its slot first, on the timeline of the function's region; ``calls``:
    how many the step usually makes, booked together; ``follows``: the step comes right after another's SES call."""
    from mailauth.aws.ses import Ses

    pacer = Pacer(Table(settings.pace_table_name), settings.region, lane, block=calls, follows=follows)
    return Ses(pacer=pacer)
