"""The fleet sweep (issue 12, item 3): one scheduled reading of every identity's status wakes the executions whose
status changed, instead of each execution asking SES for its own domain at every check.

While it waits for verification, an execution *parks*: its ``WaitForVerification`` state is a task that waits for
a task token (``.waitForTaskToken``) for at most the back-off's wait. The Park function keeps the token, with the
SES status the execution last saw, in the wait table (one item per domain: one execution per domain runs at a
time). Every few minutes (``SweepIntervalMinutes``) the Sweep function reads every identity's status with
ListEmailIdentities (SES v2: up to 1,000 identities a call, IdentityInfo.VerificationStatus) and answers the token
of each parked execution whose status changed (SendTaskSuccess), which wakes it at once. It keeps the moment its
reading began (:data:`SWEEP_KEY`).

An execution whose wait ran out (its own deadline and public DNS checks are still its own) asks the wait table
first: while sweeps run (the last one began less than two intervals ago), SES's status needs no asking, because a
change is seen by the next sweep, which wakes the run it finds parked with another status. Otherwise (the sweep
failing or switched off) it asks SES itself, as before. Skipping only ever delays noticing a change by one
interval, and never decides an outcome: the check that would end the run at its deadline always asks SES.

The bulk runs one sweep wakes are given turns (:meth:`mailauth.pace.Admission.turns`, one write on the admission
timeline), one bulk run's SES calls apart, and the state machine's ``WakeInTurn`` state waits for each: a batch
verified between two sweeps then reaches SES one run after another instead of all at once and retrying.

Tokens are answered at most once: a token whose task has closed (its wait ran out, its execution ended) is refused
with TaskTimedOut and its item removed; items also expire (``expires_at``, DynamoDB TTL) a day after their wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mailauth import clock
from mailauth.aws.dynamodb import ConditionFailedError, Item, Table

if TYPE_CHECKING:
    from mailauth.aws.ses import Ses
    from mailauth.aws.stepfunctions import StepFunctions
    from mailauth.pace import Admission

#: the wait table's item that records the last sweep (no domain starts with ``#``)
SWEEP_KEY = "#sweep"
#: what a sweep reports for a parked domain that has no identity any more (someone deleted it)
MISSING = "MISSING"
#: sweeps are running when the last one began less than this many intervals ago (one may fail, or be late)
ALIVE_INTERVALS = 2
#: how long an item outlives its wait before DynamoDB's TTL may remove it
EXPIRY = timedelta(days=1)


@dataclass(frozen=True)
class SweepResult:
    parked: int  # executions waiting when the sweep began
    identities: int  # identities SES listed
    woken: int  # executions whose status changed: their tokens answered
    gone: int  # items of tasks that had closed, or expired, removed


class Waiters:
    """The wait table: each parked execution's token and last seen status, and the last sweep."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def park(
        self,
        domain: str,
        *,
        token: str,
        execution: str,
        status: str,
        wait_seconds: int,
        priority: str = "interactive",
    ) -> None:
        """Keep the token of ``domain``'s waiting execution (replacing its previous one)."""
        now = clock.now()
        item: Item = {
            "domain": domain,
            "token": token,
            "execution": execution,
            "status": status,
            "parked_at": _iso(now),
            "expires_at": int((now + timedelta(seconds=wait_seconds) + EXPIRY).timestamp()),
        }
        if priority == "bulk":
            item["bulk"] = True
        self.table.put(item)

    def parked(self) -> list[Item]:
        """Every parked execution's item (every page of a Scan: the table holds only waiting domains)."""
        found: list[Item] = []
        start: Item | None = None
        while True:
            items, start = self.table.scan(limit=1000, start=start)
            found += [item for item in items if item.get("domain") != SWEEP_KEY]
            if start is None:
                return found

    def remove(self, item: Item) -> bool:
        """Remove a parked execution's item, if it still holds the same token (it may have parked again)."""
        try:
            self.table.delete({"domain": item["domain"]}, expect=("token", item["token"]))
        except ConditionFailedError:
            return False
        return True

    def record(self, *, began: datetime, result: SweepResult, interval_seconds: int) -> None:
        self.table.put(
            {
                "domain": SWEEP_KEY,
                "began_at": _iso(began),
                "interval_seconds": interval_seconds,
                "finished_at": _iso(clock.now()),
                "parked": result.parked,
                "identities": result.identities,
                "woken": result.woken,
            }
        )

    def sweeping(self) -> bool:
        """Whether sweeps are running: the last one that read SES's statuses began less than
        :data:`ALIVE_INTERVALS` of its schedule's intervals ago."""
        item = self.table.get({"domain": SWEEP_KEY})
        began, interval = (item.get("began_at"), item.get("interval_seconds")) if item else (None, None)
        if not isinstance(began, str) or not isinstance(interval, int):
            return False
        return clock.now() - datetime.fromisoformat(began) < timedelta(seconds=ALIVE_INTERVALS * interval)


def run_sweep(
    waiters: Waiters,
    ses: Ses,
    executions: StepFunctions,
    *,
    interval_seconds: int,
    admission: Admission | None = None,
) -> SweepResult:
    """One sweep: nothing to read when nobody waits; else every identity's status, and a wake for each change.
    The bulk runs it wakes are given turns on ``admission`` (the admission timeline), one bulk run's SES calls apart,
    so that a batch verified between two sweeps does not reach SES all at once; an interactive run's turn is now."""
    began = clock.now()
    parked = waiters.parked()
    if not parked:  # one Scan and nothing else: no run waits for this sweep's answer
        return SweepResult(parked=0, identities=0, woken=0, gone=0)
    statuses = dict(ses.identity_statuses())
    woken = gone = 0
    now = clock.now()
    changed: list[tuple[Item, str]] = []
    for item in parked:
        expires = item.get("expires_at")
        if isinstance(expires, int) and expires < now.timestamp():
            gone += waiters.remove(item)
            continue
        seen = statuses.get(str(item["domain"]), MISSING)
        if seen != item.get("status"):
            changed.append((item, seen))
    bulk = [id(item) for item, _ in changed if item.get("bulk") is True]
    turns: dict[int, int] = {}
    if admission is not None and bulk:
        turns = dict(zip(bulk, admission.turns(len(bulk)), strict=True))
    for item, seen in changed:
        turn = turns.get(id(item))
        not_before = _turn(turn if turn else now.timestamp())
        output = {"status": seen, "swept_at": _iso(began), "not_before": not_before}
        answered = executions.answer(str(item["token"]), output)
        waiters.remove(item)
        if answered:
            woken += 1
        else:
            gone += 1
    result = SweepResult(parked=len(parked), identities=len(statuses), woken=woken, gone=gone)
    waiters.record(began=began, result=result, interval_seconds=interval_seconds)
    return result


def statuses_of(pages: Iterable[dict[str, Any]]) -> Iterable[tuple[str, str]]:
    """(identity name, VerificationStatus) of ListEmailIdentities pages."""
    for page in pages:
        for identity in page.get("EmailIdentities", []):
            yield str(identity.get("IdentityName", "")).lower(), str(identity.get("VerificationStatus", ""))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _turn(epoch: float) -> str:
    """A turn as Step Functions' Wait reads a TimestampPath: RFC 3339 with an upper-case T and Z, whole seconds
    (rounded up)."""
    return datetime.fromtimestamp(-(-epoch // 1), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
