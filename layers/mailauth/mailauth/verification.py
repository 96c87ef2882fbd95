"""Step 4: one verification poll. Read SES and public DNS; decide: verified, wait, restart, fail, or time out."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from mailauth import backoff, clock, dnscheck, wanted
from mailauth.aws.ses import Ses
from mailauth.domain import dns_name
from mailauth.errors import AwsThrottledError
from mailauth.identity import restart_blocker
from mailauth.models import (
    CheckInput,
    DnsCheck,
    IdentityInfo,
    Outcome,
    PublishResult,
    VerificationState,
    ZoneInfo,
)
from mailauth.request import OnboardRequest

if TYPE_CHECKING:
    import dns.resolver

    from mailauth.sweep import Waiters

MAX_RESTARTS = 1


def in_zone(published: PublishResult | None) -> frozenset[tuple[str, str]]:
    """The (name, type) sets mailauth wrote to the hosted zone or found right there (none for external DNS)."""
    if published is None or not published.hosted_zone_id:
        return frozenset()
    written = {(dns_name(c.record.name), c.record.type) for c in published.changes if c.action != "DELETE"}
    kept = {(dns_name(k.record.name), k.record.type) for k in published.kept if not k.elsewhere}
    return frozenset(written | kept)


def diagnose(
    zone: ZoneInfo,
    checks: tuple[DnsCheck, ...],
    error_type: str | None,
    in_zone: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[str, ...]:
    """Plain sentences: what is missing or wrong, as a person would fix it. ``in_zone``: the (name, type) sets
    mailauth published or found right in the hosted zone: one of them not served is a different problem (removed
    since, the internet does not ask that zone, or the change has not reached it) from a record never written."""
    lines = list(zone.warnings) if zone.dns == "route53" and zone.delegation != "ok" else []
    for check in checks:
        if check.ok:
            continue
        wanted = " / ".join(check.expected)
        if check.error == dnscheck.OUT_OF_TIME:
            lines.append(f"{check.type} {check.name} was not checked this time (the check ran out of time)")
        elif not check.found:
            why = f" ({check.error})" if check.error else ""
            if (dns_name(check.name), check.type) in in_zone:
                lines.append(
                    f"{check.type} {check.name} was put in the hosted zone {zone.zone_name} by mailauth, but public "
                    f"DNS does not serve it{why}: someone removed it from the zone since, or the internet is not "
                    f"asking this zone (check that the registrar, or the parent zone, delegates {zone.zone_name} to "
                    f"{', '.join(zone.name_servers) or 'its name servers'}), or the change has not reached it yet"
                )
            else:
                lines.append(
                    f"{check.type} {check.name} is not served by public DNS{why}; it must be {wanted}"
                )
        else:
            lines.append(f"{check.type} {check.name} serves {' / '.join(check.found)}; it must be {wanted}")
    if error_type:
        lines.append(f"SES reports verification error {error_type}")
    return tuple(lines)


def swept_unchanged(step: CheckInput, waiters: Waiters, *, interval_seconds: int | None = None) -> bool:
    """Whether this check may skip asking SES (mailauth.sweep): SES's status was PENDING when last read (the only
    status the sweep watches for a change) and sweeps are running, so the next one wakes the run if it changed.
    One DynamoDB read at most.

    - After a wait that ran out: the previous check read PENDING.
    - The first check of a bulk run: EnsureIdentity read PENDING moments ago. A batch's domains seldom verify in
      the minutes their records take to reach public DNS, and the sweep notices those that do; an interactive
      run asks SES at once, so that a person's domain verified at the first check is told without waiting for a
      sweep.
    - A bulk run's wait that ran out within :data:`~mailauth.sweep.ALIVE_INTERVALS` sweep intervals
      (``interval_seconds``, the schedule's) of its first check skips without reading the wait table: the
      schedule's next sweep reads a parked run's status within one interval, and a batch's first minutes come
      before any sweep had someone to read for (sweeps record only then), so "no sweep yet" says nothing of the
      schedule. Were the sweep failing, such a run would notice a change at most two intervals late, then ask
      SES itself as before.
    """
    previous = step.verification
    if previous is None:
        first = step.request.priority == "bulk" and step.wake is None
        if not first or step.identity.dkim_status != "PENDING" or step.identity.mail_from_status != "PENDING":
            return False
        return _sweeping(waiters)
    if previous.outcome != "pending" or step.wake is None or not step.wake.timed_out:
        return False
    if previous.identity_status != "PENDING" or previous.dkim_status != "PENDING":
        return False
    if step.request.priority == "bulk" and interval_seconds:
        from mailauth.sweep import ALIVE_INTERVALS

        if clock.now() - previous.started_at < timedelta(seconds=ALIVE_INTERVALS * interval_seconds):
            return True
    return _sweeping(waiters)


def _sweeping(waiters: Waiters) -> bool:
    """Whether sweeps are running, as the wait table says. A table that cannot be read (throttled past the SDK's
    retries, or refused) answers no, and the check asks SES as it does when no sweep runs: the read only saves a SES
    call, and failing the run for it would fail a person's onboarding (the fault matrix's ``wait`` rows did)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return waiters.sweeping()
    except (AwsThrottledError, BotoCoreError, ClientError) as exc:
        logging.getLogger(__name__).warning(
            "the wait table could not be read: SES is asked instead",
            extra={"error": f"{type(exc).__name__}: {exc}"},
        )
        return False


def check(
    request: OnboardRequest,
    zone: ZoneInfo,
    identity: IdentityInfo,
    previous: VerificationState | None,
    *,
    published: PublishResult | None = None,
    ses: Ses | None = None,
    resolver: dns.resolver.Resolver | None = None,
    rng: Callable[[], float] | None = None,
    dns_deadline: float | None = None,
    first: int = backoff.DEFAULT_FIRST,
    cap: int = backoff.DEFAULT_CAP,
    ses_unchanged: bool = False,
) -> VerificationState:
    """One poll. ``dns_deadline`` (time.monotonic()) bounds the DNS lookups so the step ends inside its timeout;
    ``first`` and ``cap`` shape the wait before the next poll (the function's settings); ``ses_unchanged``: the
    fleet sweep read SES's status since the previous check and it had not changed (mailauth.sweep), so SES is
    not asked again, except by the check that would end the run at its deadline."""
    ses = ses or Ses()
    now = clock.now()
    started = previous.started_at if previous else now
    deadline = zone.requested_at + timedelta(hours=request.max_wait_hours)
    attempt = (previous.attempt if previous else 0) + 1
    mail_from_restarts = previous.mail_from_restarts if previous else 0
    backoff_from = previous.backoff_from if previous else 0

    asked = not (ses_unchanged and now < deadline)
    if asked:
        identity_now = ses.get_identity(request.domain)
        found: dict[str, Any] = identity_now or {}
        dkim_status = str((found.get("DkimAttributes") or {}).get("Status", "NOT_STARTED"))
        mail_from_status = str((found.get("MailFromAttributes") or {}).get("MailFromDomainStatus", "PENDING"))
        verified = bool(found.get("VerifiedForSendingStatus"))
        error_type = (found.get("VerificationInfo") or {}).get("ErrorType")
        identity_status = str(found.get("VerificationStatus") or "NOT_STARTED")
    elif previous is not None:  # as the previous check found it: the sweep says it has not changed since
        identity_now, found = {}, {}
        dkim_status, mail_from_status = previous.dkim_status, previous.mail_from_status
        verified, error_type = previous.verified_for_sending, previous.verification_error
        identity_status = previous.identity_status
    else:  # the first check: as EnsureIdentity found it moments ago (PENDING); the sweep wakes the run on a change
        identity_now, found = {}, {}
        dkim_status, mail_from_status = identity.dkim_status, identity.mail_from_status
        verified, error_type, identity_status = False, None, "PENDING"

    needed = wanted.desired_records(request, identity)
    checks = tuple(dnscheck.check_records(resolver or dnscheck.make_resolver(deadline=dns_deadline), needed))
    diagnosis = diagnose(zone, checks, error_type, in_zone(published))
    blocker = restart_blocker(identity, found) if dkim_status == "FAILED" else None
    if blocker is not None:
        diagnosis = (
            *diagnosis,
            f"SES stopped looking for the DKIM records (FAILED); mailauth did not restart DKIM because {blocker}. "
            "Fix the records, then delete and re-create the identity in SES (or ask its owner to).",
        )

    outcome: Outcome
    wait = 0
    if identity_now is None:
        # someone deleted it while mailauth waited: nothing will verify, so say so now, not at the deadline
        outcome, dkim_status, mail_from_status = "failed", "NOT_STARTED", "NOT_STARTED"
        diagnosis = (
            f"the SES identity {request.domain} no longer exists: it was deleted while mailauth waited for it. "
            "Run onboarding again to create it (the records already published are kept or updated).",
            *diagnosis,
        )
    elif dkim_status == "SUCCESS" and mail_from_status == "SUCCESS" and verified:
        outcome = "verified"
    elif dkim_status == "FAILED":
        restartable = blocker is None and identity.dkim_restarts < MAX_RESTARTS
        outcome = "restart_dkim" if restartable else "failed"
    elif mail_from_status == "FAILED" and mail_from_restarts >= MAX_RESTARTS:
        outcome = "failed"
    elif now >= deadline:
        outcome = "timeout"
    else:
        if mail_from_status == "FAILED":
            ses.put_mail_from(request.domain, request.mail_from_domain, request.behavior_on_mx_failure)
            mail_from_restarts += 1
            mail_from_status = "PENDING"
        outcome = "pending"
        if dkim_status == "SUCCESS" and (previous is None or previous.dkim_status != "SUCCESS"):
            backoff_from = (
                attempt - 1
            )  # DKIM just verified: MAIL FROM is looked at again soon, then less often
        wait = backoff.next_wait(
            attempt - 1 - backoff_from,
            now=now,
            deadline=deadline,
            first=first,
            cap=cap,
            rng=rng or random.random,
        )
    return VerificationState(
        outcome=outcome,
        next_wait_seconds=wait,
        attempt=attempt,
        started_at=started,
        deadline=deadline,
        checked_at=now,
        dkim_status=dkim_status,
        mail_from_status=mail_from_status,
        verified_for_sending=verified,
        verification_error=error_type,
        identity_status=identity_status,
        asked_ses=asked,
        dkim_restarts=identity.dkim_restarts,
        mail_from_restarts=mail_from_restarts,
        backoff_from=backoff_from,
        dns=checks,
        diagnosis=diagnosis,
    )
