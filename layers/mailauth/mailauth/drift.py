"""Drift (issue 12, item 5): what changed for an onboarded domain since SES verified it, and what fixes it.

When a run verifies a domain, Notify keeps a :class:`WatchTarget` on the domain's item: the request, the zone,
the identity, which of the records public DNS served right at that moment, and the DMARC policy then in force.
The daily watch (:mod:`mailauth.watch`) audits each target against what public DNS serves now and what SES says,
and every difference is a :class:`Finding` with the fix a person can apply:

- a record that was served right and is gone (``record_missing``) or serves something else (``record_changed``);
- the DMARC policy in force weaker than at verification (``dmarc_weakened``);
- SES no longer SUCCESS for DKIM or MAIL FROM, or the identity deleted (``ses_status``, ``identity_missing``).

A record that was not served right at verification is not drift: the onboarding's report said so then.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from mailauth import dmarc
from mailauth.domain import dns_name
from mailauth.models import DnsCheck, IdentityInfo, NotifyInput, ZoneInfo
from mailauth.request import OnboardRequest

if TYPE_CHECKING:
    from collections.abc import Iterable

Kind = Literal["record_missing", "record_changed", "dmarc_weakened", "ses_status", "identity_missing"]

#: lookups that found nothing to compare (the resolver got no answer): not drift, the next audit asks again
UNANSWERED = frozenset({"NoNameservers", "Timeout", "LifetimeTimeout"})

#: The SES Developer Guide on a verified domain whose records disappear: SES rechecks for 72 hours before a
#: Temporary Failure becomes Failure (managing identities), and a custom MAIL FROM domain in TemporaryFailure is
#: rechecked for 72 hours before it is Failed and must be set up again (mail-from.html). For DKIM signing no figure
#: is documented: "The notification email will inform you of the length of time in which you must re-publish the
#: DNS records before your DKIM setup status is revoked" (troubleshoot-dkim.html). docs/local.md, assumption A24.
SES_GRACE_HOURS = 72


class WatchTarget(BaseModel):
    """What the watch compares a verified domain with: the run that verified it, as it was."""

    model_config = ConfigDict(frozen=True)

    request: OnboardRequest
    zone: ZoneInfo
    identity: IdentityInfo
    verified_at: datetime
    #: ``name|TYPE`` of the records public DNS served right at verification
    healthy: tuple[str, ...] = ()
    #: the DMARC policy in force at verification (the domain's own record or the one it inherits)
    dmarc_policy: str | None = None


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    name: str = ""
    type: str = ""
    detail: str
    fix: str
    #: what public DNS serves now (records), for the fingerprint: the same drift is told once
    found: tuple[str, ...] = ()
    repaired: bool = False


def watch_key(check: DnsCheck, domain: str) -> str:
    """A check's record as ``name|TYPE``; the DMARC check's is the domain's own name even when the record that
    applies is one it inherits (the check then names that one)."""
    if check.purpose == "dmarc":
        return f"_dmarc.{domain}|TXT"
    return f"{dns_name(check.name)}|{check.type.upper()}"


def target_of(state: NotifyInput) -> WatchTarget | None:
    """The watch's target of a run that verified its domain (None for any other outcome or a partial state)."""
    v = state.verification
    if v is None or v.outcome != "verified" or state.zone is None or state.identity is None:
        return None
    try:
        request = OnboardRequest.model_validate(state.request)
    except ValueError:
        return None
    return WatchTarget(
        request=request,
        zone=state.zone,
        identity=state.identity,
        verified_at=v.checked_at,
        healthy=tuple(sorted(watch_key(c, request.domain) for c in v.dns if c.ok)),
        dmarc_policy=next(
            (policy_of(c, request.domain) for c in v.dns if c.purpose == "dmarc" and c.ok), None
        ),
    )


def watch_field(target: WatchTarget, execution_arn: str) -> str:
    """The domain item's ``watch`` attribute: the target, with the run it belongs to."""
    return json.dumps({"execution_arn": execution_arn, "target": target.model_dump(mode="json")})


def policy_of(check: DnsCheck, domain: str) -> str | None:
    """The policy receivers apply to ``domain`` by the DMARC record a check found: p= of its own record, sp= (else
    p=) of one it inherits (RFC 7489 6.6.3)."""
    records = [v for v in check.found if dmarc.is_dmarc(v)]
    if len(records) != 1:
        return None
    tags = dmarc.parse(records[0]).tags
    own = dns_name(check.name) == f"_dmarc.{domain}"
    policy = tags.get("p") if own else tags.get("sp") or tags.get("p")
    return policy.lower() if policy and policy.lower() in dmarc.STRENGTH else None


def dns_findings(target: WatchTarget, checks: Iterable[DnsCheck]) -> list[Finding]:
    """The records that drifted since verification, and a weaker DMARC policy in force."""
    findings: list[Finding] = []
    domain = target.request.domain
    for check in checks:
        if (
            watch_key(check, domain) not in target.healthy
            or check.error in UNANSWERED
            or check.error == _out_of_time()
        ):
            continue
        wanted = " / ".join(check.expected)
        if check.purpose == "dmarc" and check.ok:
            now = policy_of(check, domain)
            before = target.dmarc_policy
            if before and dmarc.stronger(before, now or "none"):
                findings.append(
                    Finding(
                        kind="dmarc_weakened",
                        name=dns_name(check.name),
                        type="TXT",
                        detail=f"the DMARC policy in force for {domain} is p={now or 'none'} (from _dmarc."
                        f"{dns_name(check.name).removeprefix('_dmarc.')}); it was p={before} when SES verified the "
                        "domain. Someone changed it: mailauth never weakens a policy",
                        fix=f"set p={before} again at {dns_name(check.name)} (mailauth leaves a record someone "
                        "changed as it is; if the change was meant, nothing needs doing)",
                        found=check.found,
                    )
                )
            continue
        if check.ok:
            continue
        what = _what(check.purpose)
        if not check.found:
            findings.append(
                Finding(
                    kind="record_missing",
                    name=dns_name(check.name),
                    type=check.type,
                    detail=f"{what} {check.type} {dns_name(check.name)} is no longer served by public DNS",
                    fix=f"create {check.type} {dns_name(check.name)} {wanted}" + _consequence(check.purpose),
                )
            )
        else:
            findings.append(
                Finding(
                    kind="record_changed",
                    name=dns_name(check.name),
                    type=check.type,
                    detail=f"{what} {check.type} {dns_name(check.name)} now serves "
                    + " / ".join(f"'{v}'" for v in check.found),  # quoted: served text, defanged when told
                    fix=f"set {check.type} {dns_name(check.name)} back to {wanted}"
                    + _consequence(check.purpose)
                    + (
                        "; if the MAIL FROM name must receive other mail, choose another mail_from_subdomain and "
                        "run onboarding again"
                        if check.purpose == "mail_from_mx"
                        else ""
                    ),
                    found=check.found,
                )
            )
    return findings


def ses_findings(domain: str, identity: dict[str, Any] | None, listed: str | None) -> list[Finding]:
    """What SES says that is not as it was at verification (``identity``: GetEmailIdentity's answer, when read;
    ``listed``: ListEmailIdentities' VerificationStatus, None when the domain is not listed)."""
    if listed is None:
        return [
            Finding(
                kind="identity_missing",
                name=domain,
                detail=f"the SES identity {domain} no longer exists: mail from it cannot be sent through SES",
                fix="run onboarding again (mailauth onboard, or POST /domains): it creates the identity and keeps "
                "the records already published",
            )
        ]
    findings: list[Finding] = []
    dkim = str(((identity or {}).get("DkimAttributes") or {}).get("Status") or "")
    mail_from = str(((identity or {}).get("MailFromAttributes") or {}).get("MailFromDomainStatus") or "")
    if dkim and dkim != "SUCCESS":
        findings.append(
            Finding(
                kind="ses_status",
                name=domain,
                type="DKIM",
                detail=f"SES reports DKIM {dkim} for {domain} (it was SUCCESS)",
                fix="make public DNS serve the three DKIM CNAMEs again; "
                + (
                    "SES stopped looking for them (FAILED): run onboarding again, which restarts DKIM"
                    if dkim == "FAILED"
                    else f"SES keeps checking for a while (AWS's e-mail to the account says how long; "
                    f"{SES_GRACE_HOURS} hours for the domain's verification status), then revokes DKIM signing"
                ),
                found=(dkim,),
            )
        )
    if mail_from and mail_from != "SUCCESS":
        findings.append(
            Finding(
                kind="ses_status",
                name=domain,
                type="MAIL FROM",
                detail=f"SES reports MAIL FROM {mail_from} for {domain} (it was SUCCESS): mail goes out with "
                "amazonses.com as its MAIL FROM (or is refused, per behavior_on_mx_failure), so SPF no longer "
                "aligns",
                fix="make public DNS serve the MAIL FROM MX and SPF again; "
                + (
                    "SES stopped looking (FAILED): run onboarding again, which sets MAIL FROM up again"
                    if mail_from == "FAILED"
                    else f"SES rechecks for {SES_GRACE_HOURS} hours, then stops (FAILED)"
                ),
                found=(mail_from,),
            )
        )
    return findings


def fingerprint(findings: Iterable[Finding]) -> str:
    """The same drift gives the same fingerprint (what was found, not when): it is told once."""
    rows = sorted(
        json.dumps([f.kind, f.name, f.type, sorted(f.found), f.repaired]) for f in findings if f.kind
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16] if rows else ""


def _what(purpose: str) -> str:
    return {
        "dkim": "the DKIM record",
        "dmarc": "the DMARC record",
        "mail_from_mx": "the MAIL FROM record",
        "mail_from_spf": "the MAIL FROM SPF record",
    }.get(purpose, "the record")


def _consequence(purpose: str) -> str:
    if purpose == "dkim":
        return " before SES revokes DKIM signing (SES's e-mail to the account says by when)"
    if purpose.startswith("mail_from"):
        return f" (until it is, SES falls back to amazonses.com; after {SES_GRACE_HOURS} hours MAIL FROM is FAILED)"
    return ""


def _out_of_time() -> str:
    from mailauth.dnscheck import OUT_OF_TIME

    return OUT_OF_TIME


#: the detail-types of the watch's events on the default bus (docs/events.md)
DRIFT_DETECTED = "DomainDriftDetected"
DRIFT_RESOLVED = "DomainDriftResolved"
#: bounds of an event's quoted DNS values (an entry may hold 256 KB; a TXT record may be longer than is useful)
EVENT_FOUND_VALUES, EVENT_TEXT_CHARS = 10, 600


class DriftEvent(BaseModel):
    """The ``detail`` of a DomainDriftDetected / DomainDriftResolved event (camelCase, as the outcome events'):
    put on the account's default bus each time the watch tells drift, a reminder of it, or that it is gone."""

    model_config = ConfigDict(frozen=True)

    domain: str
    status: Literal["DRIFTED", "RESOLVED"]
    #: a reminder of a drift told before (``firstToldAt``) that is still there
    reminder: bool = False
    firstToldAt: str | None = None
    #: what was found, as the message says it; ``found`` is what public DNS serves (raw, bounded)
    findings: tuple[Finding, ...] = ()
    #: the run that verified the domain, and when: what the watch compares the domain with
    executionArn: str
    verifiedAt: str
    subject: str
    region: str
    identityArn: str | None = None
    hostedZoneId: str | None = None

    @property
    def detail_type(self) -> str:
        return DRIFT_DETECTED if self.status == "DRIFTED" else DRIFT_RESOLVED


def drift_event(
    target: WatchTarget,
    findings: list[Finding],
    *,
    execution_arn: str,
    subject: str,
    region: str,
    since: datetime | None = None,
) -> DriftEvent:
    """The event of one telling (no findings: the drift told before is gone)."""
    return DriftEvent(
        domain=target.request.domain,
        status="DRIFTED" if findings else "RESOLVED",
        reminder=since is not None,
        firstToldAt=since.isoformat() if since else None,
        findings=tuple(
            f.model_copy(
                update={
                    "detail": f.detail[:EVENT_TEXT_CHARS],
                    "fix": f.fix[:EVENT_TEXT_CHARS],
                    "found": tuple(v[:EVENT_TEXT_CHARS] for v in f.found[:EVENT_FOUND_VALUES]),
                }
            )
            for f in findings
        ),
        executionArn=execution_arn,
        verifiedAt=target.verified_at.isoformat(),
        subject=subject,
        region=region,
        identityArn=target.identity.identity_arn or None,
        hostedZoneId=target.zone.hosted_zone_id or None,
    )
