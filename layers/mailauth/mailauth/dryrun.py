"""A dry run: what onboarding would change in the zone, and why, using read-only calls only.

Used by ``POST /domains`` with ``"dry_run": true`` (what ``mailauth plan DOMAIN`` calls) and, offline against a
scenario's world, by ``mailauth plan --scenario``. It finds the zone and checks delegation as Resolve does, reads
the SES identity if it exists (GetEmailIdentity), reads the zone's records at every name mailauth touches, and
runs the same planner the workflow runs. It creates, changes and deletes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from mailauth import records, wanted
from mailauth.aws.route53 import Route53
from mailauth.aws.ses import Ses
from mailauth.errors import MailauthError, RecordConflictError
from mailauth.identity import check_adoptable, created_by_mailauth
from mailauth.ledger import LedgerStore
from mailauth.models import DEFAULT_SIGNING_ZONE, IdentityInfo, Plan, ZoneInfo
from mailauth.request import OnboardRequest, check_role_allowed
from mailauth.resolve import parse_request, resolve

if TYPE_CHECKING:
    from mailauth.settings import AllowListSettings

PLACEHOLDER_TOKENS = ("token1", "token2", "token3")
PLACEHOLDER_ZONE = "signing-zone-issued-by-ses"


class DryRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    domain: str
    verdict: Literal["ready", "conflicts", "blocked"]
    blocked: str | None = None  # why onboarding could not even start (no zone, invalid request, ...)
    identity: Literal["new", "adopt", "n/a"] = "n/a"
    zone: ZoneInfo | None = None
    plan: Plan | None = None
    notes: tuple[str, ...] = ()


def dry_run(
    request: OnboardRequest | Mapping[str, Any],
    *,
    allow: AllowListSettings,
    route53: Route53 | None = None,
    ses: Ses | None = None,
    nameservers: str = "",
) -> DryRun:
    """Plan an onboarding without changing anything, under the deployment's allow-lists (``allow``).

    ``request``: the validated request (the API's body), or what a person typed (the CLI), validated here once.
    """
    domain = request.domain if isinstance(request, OnboardRequest) else str(request.get("domain"))
    try:
        if not isinstance(request, OnboardRequest):
            request = parse_request(request)
        check_role_allowed(request, allow.allowed_role_arns)  # before the client assumes the role
        route53 = route53 or Route53(
            role_arn=request.hosted_zone_role_arn
        )  # one client (one AssumeRole) for all
        zone = resolve(request, allow=allow, route53=route53, nameservers=nameservers)
    except MailauthError as exc:
        return DryRun(domain=domain, verdict="blocked", blocked=f"{type(exc).__name__}: {exc}")
    try:
        kind, plan, notes = plan_before_writes(
            request, zone, route53=route53, ses=ses or Ses(), nameservers=nameservers
        )
    except MailauthError as exc:
        return DryRun(
            domain=request.domain, verdict="blocked", blocked=f"{type(exc).__name__}: {exc}", zone=zone
        )
    return DryRun(
        domain=request.domain,
        verdict="conflicts" if plan.conflicts else "ready",
        identity=kind,
        zone=zone,
        plan=plan,
        notes=(*zone.warnings, *notes),
    )


def plan_before_writes(
    request: OnboardRequest,
    zone: ZoneInfo,
    *,
    route53: Route53,
    ses: Ses,
    ours: Mapping[str, Sequence[str]] | None = None,
    nameservers: str = "",
) -> tuple[Literal["new", "adopt"], Plan, list[str]]:
    """The plan onboarding would carry out, from read-only calls: GetEmailIdentity, then the zone's records.

    An identity that exists lends its DKIM tokens, so every name is checked; a new one has no tokens until SES
    issues them at creation, so its DKIM names are placeholders and not read (they are 32 random characters
    under ``_domainkey``: nothing can be there). An existing identity mailauth would adopt is checked as
    EnsureIdentity checks it (IdentityConflictError). ``ours`` maps names to the values the ledger says
    mailauth wrote there (a re-run plans against its own records, not into a conflict with them).
    """
    existing = ses.get_identity(request.domain)
    notes: list[str] = []
    if existing is None:
        identity = _placeholder_identity(request, ses.region)
        notes.append(
            "the SES identity does not exist yet: SES issues the three DKIM tokens (and the CNAME target zone) "
            f"when it is created, so the DKIM names are shown as {PLACEHOLDER_TOKENS[0]}... and not checked"
        )
    else:
        if not created_by_mailauth(existing):
            check_adoptable(request, existing)
        dkim = existing.get("DkimAttributes") or {}
        identity = IdentityInfo(
            domain=request.domain,
            identity_arn="",
            region=ses.region,
            adopted=True,
            dkim_tokens=tuple(dkim.get("Tokens") or ()),
            signing_hosted_zone=str(dkim.get("SigningHostedZone") or DEFAULT_SIGNING_ZONE),
            mail_from_domain=request.mail_from_domain,
        )
    names = wanted.record_names(request, identity)
    if existing is None:
        names = {n for n in names if "._domainkey." not in n}
    from mailauth import dnscheck

    resolver = dnscheck.make_resolver(nameservers)
    if zone.dns == "external":
        found = dnscheck.served_records(resolver, names)
    else:
        found = route53.records_at(zone.hosted_zone_id, names)
    plan = records.plan(
        request,
        identity,
        found,
        ours=ours or {},
        spf_cost=dnscheck.spf_coster(resolver),
        inherited=dnscheck.dmarc_in_force(resolver, request.domain),
    )
    return ("new" if existing is None else "adopt"), plan, notes


def preflight(
    request: OnboardRequest,
    zone: ZoneInfo,
    *,
    route53: Route53 | None = None,
    ses: Ses | None = None,
    store: LedgerStore,
    nameservers: str = "",
) -> None:
    """Resolve's last check, before the workflow writes anything: RecordConflictError (or IdentityConflictError,
    ChangeBatchTooLargeError) while nothing in SES or Route 53 has been changed, so "nothing was changed" is true.

    PublishRecords plans again against the zone as it is then (someone may change it in between) and refuses a
    conflict it finds then too; by that time the SES identity exists, and its message says so.
    """
    from mailauth.publish_records import check_batch_size, conflict_message

    domain_ledger = store.get(request.domain)
    route53 = route53 or Route53(role_arn=zone.role_arn)
    _, plan, _ = plan_before_writes(
        request,
        zone,
        route53=route53,
        ses=ses or Ses(),
        ours={k: e.after for k, e in domain_ledger.entries.items()},
        nameservers=nameservers,
    )
    if plan.conflicts:
        message = conflict_message(plan)
        if zone.dns == "external":
            message = message.replace("nothing was changed", "nothing was changed or sent")
        raise RecordConflictError(message)
    check_batch_size(plan)


def _placeholder_identity(request: OnboardRequest, region: str) -> IdentityInfo:
    return IdentityInfo(
        domain=request.domain,
        identity_arn="",
        region=region,
        adopted=False,
        dkim_tokens=PLACEHOLDER_TOKENS,
        signing_hosted_zone=PLACEHOLDER_ZONE,
        mail_from_domain=request.mail_from_domain,
    )


def render_text(result: DryRun) -> str:
    """The plan for people: what changes, what stays, what is in the way and how to fix it."""
    lines = [f"Plan for {result.domain}: {result.verdict.upper()}"]
    if result.blocked:
        return "\n".join([*lines, f"  cannot onboard: {result.blocked}"])
    assert result.zone is not None and result.plan is not None
    zone = result.zone
    lines.append(f"  zone {zone.zone_name} ({zone.hosted_zone_id}), delegation {zone.delegation}")
    lines.append(
        f"  SES identity: {'will be created' if result.identity == 'new' else 'exists, will be adopted'}"
    )
    plan = result.plan
    lines.append(f"\n  Changes ({len(plan.changes)}, submitted as one atomic batch):")
    for c in plan.changes:
        lines.append(f"    {c.action:6} {c.record.type:5} {c.record.name}  {' '.join(c.record.values)}")
        lines.append(f"           why: {c.reason}")
    lines.append(f"\n  Kept as they are ({len(plan.kept)}):")
    for k in plan.kept:
        lines.append(f"    {k.record.type:5} {k.record.name}  {' '.join(k.record.values)}  ({k.reason})")
    if plan.conflicts:
        lines.append(f"\n  Conflicts ({len(plan.conflicts)}): onboarding would change nothing and stop")
        for conflict in plan.conflicts:
            lines.append(f"    {conflict.type:5} {conflict.name}: {conflict.explanation}")
            lines.append(f"           fix: {conflict.fix}")
    for note in (*result.notes, *plan.notes):
        lines.append(f"  note: {note}")
    return "\n".join(lines)
