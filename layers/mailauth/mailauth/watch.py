"""The daily watch (issue 12, item 5): every onboarded domain audited again, drift told with its fix, and, for the
domains that ask for it (``repair_drift``), mailauth's own deleted records re-created.

A *round* audits every domain whose latest run verified it (its item keeps that run's :class:`~mailauth.drift.
WatchTarget`). The Watch function runs every hour; it starts a round when the last one began ``every`` (the
``WatchEveryHours`` parameter, default 24) ago, and otherwise continues the unfinished one from where it stopped:
the round's state (when it began, the last domain audited) is one item of the pace table (:data:`ROUND_KEY`), so an
invocation that runs out of time, or fails, loses nothing; the next hour goes on. A fleet of 10,000 domains is
several invocations of one round, none longer than the function's timeout.

Per domain, one audit:

- **public DNS**: each record mailauth's run found served right, and the DMARC policy then in force
  (:func:`mailauth.drift.dns_findings`);
- **SES**: every identity's status from one ListEmailIdentities a page of 1,000 (the sweep's reading), and
  GetEmailIdentity (DKIM and MAIL FROM status) only for a domain whose listing is not SUCCESS, whose DNS drifted,
  or that was not read for :data:`SES_READ_EVERY`: MAIL FROM's status is not in the listing. SES calls are paced as
  bulk work, so the watch never delays an onboarding; a busy timeline ends the invocation, and the round goes on
  at the next hour.
- **repair** (``repair_drift``): the records mailauth created that are gone are re-created through the planner and
  the ledger (:func:`mailauth.publish_records.recreate_own_records`); nothing else is touched.
- **telling**: drift is published to the notification topic (e-mail and Slack, as onboarding outcomes are) when it
  is new or different from what was last told, again after :data:`REMIND` while it lasts, and once more when it is
  gone; each telling is also an event on the account's default bus (DomainDriftDetected, DomainDriftResolved:
  :class:`mailauth.drift.DriftEvent`), as each outcome is. The audit's state (``watch_state``) is written on the domain's item only while the item still names the run
  that verified it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from mailauth import clock, dnscheck, drift, wanted
from mailauth.aws.dynamodb import ConditionFailedError, Item, Table
from mailauth.errors import SesBusyError

if TYPE_CHECKING:
    import dns.resolver

    from mailauth.aws.events import Bus
    from mailauth.aws.ses import Ses
    from mailauth.aws.sns import Topic

#: the pace table's item holding the watch's round, per region (the pace table holds the account's timelines)
ROUND_KEY = "watch#{region}"
#: a drift still there is told again after this long
REMIND = timedelta(days=3)
#: each domain's DKIM and MAIL FROM status is read from SES at least this often, drift or not
SES_READ_EVERY = timedelta(days=7)
#: domains read from the domains table at a time
PAGE = 100
#: seconds an invocation keeps for itself after its last audit (saving the round): an audit starts only with more
RESERVE_SECONDS = 60.0

#: repair(target, missing keys) -> (keys re-created, why each other key was not)
Repair = Callable[[drift.WatchTarget, set[str]], tuple[tuple[str, ...], dict[str, str]]]


class WatchState(BaseModel):
    """What the watch keeps on a domain's item between audits (for the run that verified it)."""

    model_config = ConfigDict(frozen=True)

    execution_arn: str
    audited_at: datetime
    ses_read_at: datetime
    #: the fingerprint of the drift last told ("" when none was, or it was told gone) and when
    told: str = ""
    told_at: datetime | None = None


@dataclass
class WatchResult:
    audited: int = 0
    drifted: int = 0
    told: int = 0
    repaired: int = 0
    failed: int = 0  # audits that raised (logged; the next round audits them again)
    round_started: str | None = None
    round_finished: bool = False
    stopped: str = ""  # why this invocation stopped before the round ended ("" when it did not)
    problems: list[str] = field(default_factory=list)


@dataclass
class Watch:
    """One invocation's watch. Adapters are injected; ``time_left``: seconds the invocation has left."""

    domains: Table
    rounds: Table
    region: str
    ses: Ses
    resolver: dns.resolver.Resolver
    topic: Topic
    time_left: Callable[[], float]
    #: where each telling is also put as an event (DomainDriftDetected / DomainDriftResolved); None: nowhere
    bus: Bus | None = None
    every: timedelta = timedelta(hours=24)
    repair: Repair | None = None
    _statuses: dict[str, str] | None = None

    def run(self) -> WatchResult:
        result = WatchResult()
        now = clock.now()
        key = {"bucket": ROUND_KEY.format(region=self.region)}
        current = self.rounds.get(key) or {}
        started = _when(current.get("started_at"))
        if current.get("finished_at") and started and now - started < self.every:
            result.round_started, result.round_finished = started.isoformat(), True
            result.stopped = f"the round that began at {started.isoformat()} is done; the next begins {self.every} after it"
            return result
        if not started or current.get("finished_at"):  # a new round, from the first domain
            current = {"bucket": key["bucket"], "started_at": now.isoformat()}
        result.round_started = str(current["started_at"])
        start: Item | None = json.loads(str(current["cursor"])) if current.get("cursor") else None
        while True:
            items, after = self.domains.scan(limit=PAGE, start=start)
            for item in items:
                if self.time_left() < RESERVE_SECONDS:
                    result.stopped = "out of time"
                    break
                try:
                    self.audit(item, result)
                except SesBusyError:
                    result.stopped = "SES's request rate is taken by onboardings; it goes on at the next hour"
                    break
                except _ListingFailed as exc:  # nothing can be audited: the round waits for the next hour
                    result.failed += 1
                    result.problems.append(f"SES did not list the identities: {exc}")
                    result.stopped = "SES did not list the identities; the round goes on at the next hour"
                    break
                except Exception as exc:  # one domain's failure does not stop the round: counted, logged
                    result.failed += 1
                    result.problems.append(f"{item.get('domain')}: {type(exc).__name__}: {str(exc)[:300]}")
                start = {"domain": item["domain"]}  # a Scan may start after any key of the table
            else:
                start = after
                if start is None:
                    current.pop("cursor", None)
                    current["finished_at"] = clock.now().isoformat()
                    result.round_finished = True
            if start is not None:
                current["cursor"] = json.dumps(start)
            self.rounds.put(current)
            if result.round_finished or result.stopped:
                return result

    # ------------------------------------------------------------------------------------------ one domain
    def audit(self, item: Item, result: WatchResult) -> None:
        watched = _watched(item)
        if watched is None:
            return
        target, state = watched
        domain = target.request.domain
        now = clock.now()
        checks = dnscheck.check_records(
            self.resolver, wanted.desired_records(target.request, target.identity)
        )
        findings = drift.dns_findings(target, checks)
        listed = self.statuses().get(domain)
        identity: dict[str, Any] | None = None
        read_at = state.ses_read_at if state else target.verified_at
        if listed is not None and (listed != "SUCCESS" or findings or now - read_at >= SES_READ_EVERY):
            identity = self.ses.get_identity(domain)
            read_at = now
            listed = None if identity is None else listed
        findings += drift.ses_findings(domain, identity, listed)
        findings = self._repair(target, findings, result)
        result.audited += 1
        result.drifted += bool(findings)
        fingerprint = drift.fingerprint(findings)
        told, told_at = (state.told, state.told_at) if state else ("", None)
        remind = bool(fingerprint) and told_at is not None and now - told_at >= REMIND
        # a record public DNS did not answer for is neither drift nor right: this audit cannot tell that a drift
        # is gone (or is all there is), so it tells nothing; the next round asks again
        unanswered = any(c.error in drift.UNANSWERED or c.error == dnscheck.OUT_OF_TIME for c in checks)
        if (fingerprint != told or remind) and not unanswered:
            from mailauth.notify.drift import drift_message

            since = told_at if remind else None
            message = drift_message(target, findings, region=self.region, since=since)
            message.send_to(self.topic)
            result.told += 1
            told, told_at = fingerprint, now
            self._put_event(target, findings, item, message.subject, since, result)
        new_state = WatchState(
            execution_arn=str(item["execution_arn"]),
            audited_at=now,
            ses_read_at=read_at,
            told=told,
            told_at=told_at,
        )
        try:
            self.domains.update(
                {"domain": domain},
                {"watch_state": new_state.model_dump_json()},
                expect=("execution_arn", str(item["execution_arn"])),
            )
        except ConditionFailedError:  # a new run of the domain began meanwhile: it owns the item now
            return

    def _put_event(
        self,
        target: drift.WatchTarget,
        findings: list[drift.Finding],
        item: Item,
        subject: str,
        since: datetime | None,
        result: WatchResult,
    ) -> None:
        """The telling as an event, after the message (a person already knows). An event EventBridge refuses is
        counted as a failure (the invocation's error raises WatchFailedAlarm) but does not undo the telling: the
        message went out, so the drift is not told again."""
        if self.bus is None:
            return
        event = drift.drift_event(
            target,
            findings,
            execution_arn=str(item["execution_arn"]),
            subject=subject,
            region=self.region,
            since=since,
        )
        resources = (event.identityArn,) if event.identityArn else ()
        try:
            self.bus.put(event.detail_type, event.model_dump(mode="json"), resources=resources)
        except Exception as exc:
            result.failed += 1
            result.problems.append(
                f"{event.domain}: the {event.detail_type} event was not put on EventBridge (the message was sent): "
                f"{type(exc).__name__}: {str(exc)[:300]}"
            )

    def statuses(self) -> dict[str, str]:
        """Every identity's VerificationStatus, read once per invocation (at the first domain it audits)."""
        if self._statuses is None:
            try:
                self._statuses = dict(self.ses.identity_statuses())
            except SesBusyError:
                raise
            except Exception as exc:
                raise _ListingFailed(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
        return self._statuses

    def _repair(
        self, target: drift.WatchTarget, findings: list[drift.Finding], result: WatchResult
    ) -> list[drift.Finding]:
        missing = {f"{f.name}|{f.type}" for f in findings if f.kind == "record_missing"}
        if (
            not missing
            or self.repair is None
            or not target.request.repair_drift
            or target.zone.dns != "route53"
        ):
            return findings
        try:
            done, why = self.repair(target, missing)
        except Exception as exc:  # the zone refused, or changed under the repair: told, not raised
            done, why = (
                (),
                {k: f"the repair failed ({type(exc).__name__}: {str(exc)[:200]})" for k in missing},
            )
        result.repaired += len(done)
        out: list[drift.Finding] = []
        for f in findings:
            k = f"{f.name}|{f.type}"
            if f.kind == "record_missing" and k in done:
                f = f.model_copy(
                    update={
                        "repaired": True,
                        "detail": f"{f.detail}; mailauth re-created it (repair_drift)",
                        "fix": "nothing: public DNS serves it again once Route 53's change is in sync",
                    }
                )
            elif f.kind == "record_missing" and k in why:
                f = f.model_copy(update={"fix": f"{f.fix} (mailauth did not re-create it: {why[k]})"})
            out.append(f)
        return out


class _ListingFailed(Exception):
    """ListEmailIdentities failed: no domain can be audited in this invocation."""


def _watched(item: Item) -> tuple[drift.WatchTarget, WatchState | None] | None:
    """The target of a domain whose latest run verified it, and the watch's state for that run."""
    arn = item.get("execution_arn")
    text = item.get("watch")
    if not arn or item.get("outcome_execution_arn") != arn or not isinstance(text, str):
        return None
    try:
        if json.loads(str(item.get("outcome", "{}"))).get("status") != "VERIFIED":
            return None
        wrapped = json.loads(text)
        if wrapped.get("execution_arn") != arn:
            return None
        target = drift.WatchTarget.model_validate(wrapped["target"])
    except (ValueError, KeyError, TypeError):
        return None
    state = None
    if isinstance(item.get("watch_state"), str):
        try:
            state = WatchState.model_validate_json(str(item["watch_state"]))
        except ValueError:
            state = None
    return target, state if state is not None and state.execution_arn == arn else None


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
