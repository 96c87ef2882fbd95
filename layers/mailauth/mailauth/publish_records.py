"""Step 3: plan the records against the zone, refuse conflicts, submit one atomic change."""

from __future__ import annotations

from mailauth import ledger, records, wanted
from mailauth.aws.route53 import Route53
from mailauth.early import early_warnings
from mailauth.errors import ChangeBatchTooLargeError, ChangeNotInSyncError, RecordConflictError
from mailauth.ledger import LedgerStore
from mailauth.models import ChangeStatus, IdentityInfo, Plan, PublishResult, RecordSet, ZoneInfo
from mailauth.request import OnboardRequest

#: Route 53 ChangeResourceRecordSets: at most 1,000 ResourceRecord elements and 32,000 characters of values per
#: request, an UPSERT counting twice (Route 53 Developer Guide, quotas on ChangeResourceRecordSets requests)
MAX_BATCH_VALUES = 1000
MAX_BATCH_CHARACTERS = 32_000
#: a batch Route 53 refused because a record appeared after the read is planned again once
PLAN_ATTEMPTS = 2


def retired_dkim(previous: PublishResult | None, identity: IdentityInfo) -> list[RecordSet]:
    """DKIM records an earlier publish created for tokens SES has since replaced."""
    if previous is None:
        return []
    return [
        c.record
        for c in previous.changes
        if c.purpose == "dkim"
        and c.action == "CREATE"
        and c.record.name.split(".", 1)[0] not in identity.dkim_tokens
    ]


def make_plan(
    request: OnboardRequest,
    zone: ZoneInfo,
    identity: IdentityInfo,
    *,
    previous: PublishResult | None = None,
    domain_ledger: ledger.Entries | None = None,
    route53: Route53 | None = None,
    nameservers: str = "",
) -> tuple[Plan, dict[str, list[RecordSet]]]:
    """Read what the zone holds at every name mailauth touches and plan against it (read-only); SPF includes are
    counted through public DNS read through ``nameservers``."""
    from mailauth import dnscheck

    route53 = route53 or Route53()
    retired = retired_dkim(previous, identity)
    names = wanted.record_names(request, identity) | {r.name for r in retired}
    existing = route53.records_at(zone.hosted_zone_id, names)
    ours = {k: e.after for k, e in (domain_ledger or {}).items()}
    resolver = dnscheck.make_resolver(nameservers)
    plan = records.plan(
        request,
        identity,
        existing,
        retired,
        ours=ours,
        spf_cost=dnscheck.spf_coster(resolver),
        inherited=dnscheck.dmarc_in_force(resolver, request.domain),
    )
    return plan, existing


def check_batch_size(plan: Plan) -> None:
    """ChangeBatchTooLargeError, before anything is written, when Route 53 would refuse the batch for its size."""
    weight = [2 if c.action == "UPSERT" else 1 for c in plan.changes]
    values = sum(len(c.record.values) * w for c, w in zip(plan.changes, weight, strict=True))
    characters = sum(
        sum(len(v) for v in c.record.values) * w for c, w in zip(plan.changes, weight, strict=True)
    )
    if values > MAX_BATCH_VALUES or characters > MAX_BATCH_CHARACTERS:
        raise ChangeBatchTooLargeError(
            f"the change batch would hold {values} record values and {characters} characters; Route 53 allows "
            f"{MAX_BATCH_VALUES} and {MAX_BATCH_CHARACTERS} (an UPSERT counts twice), so nothing was changed. "
            "The existing TXT record sets at these names are very large: shorten them, then run onboarding again."
        )


def conflict_message(plan: Plan, changed: str = "nothing was changed.") -> str:
    """The conflicts, each with its fix; ``changed`` says truthfully what had been changed when they were found."""
    lines = [f"{len(plan.conflicts)} record conflict(s); {changed}"]
    for c in plan.conflicts:
        lines.append(f"- {c.type} {c.name}: {c.explanation}. Fix: {c.fix}.")
    return "\n".join(lines)


def identity_changed(request: OnboardRequest, identity: IdentityInfo) -> str:
    """What EnsureIdentity had already done when PublishRecords found a conflict (it left no record changed)."""
    did = "was adopted (tagged, Easy DKIM and MAIL FROM set)" if identity.adopted else "was created"
    return (
        f"no DNS record was changed, but the SES identity {request.domain} {did} before the conflict appeared "
        f"(the zone changed after mailauth's plan). It stays as it is: the re-run after the fix continues with it, "
        f"and offboarding removes it if mailauth created it."
    )


def publish_records(
    request: OnboardRequest,
    zone: ZoneInfo,
    identity: IdentityInfo,
    *,
    store: LedgerStore,
    nameservers: str = "",
    previous: PublishResult | None = None,
    route53: Route53 | None = None,
) -> PublishResult:
    """Plan and publish the records (or, for DNS elsewhere, plan from public DNS read through ``nameservers``),
    with the warnings a person should hear before the wait (none after a DKIM restart: they were told)."""
    if zone.dns == "external":
        result = publish_external(request, identity, store, nameservers)
    else:
        result = _publish_route53(request, zone, identity, store, nameservers, previous, route53)
    if previous is not None:
        return result
    return result.model_copy(update={"early_warnings": early_warnings(zone, identity, result)})


def _publish_route53(
    request: OnboardRequest,
    zone: ZoneInfo,
    identity: IdentityInfo,
    store: LedgerStore,
    nameservers: str,
    previous: PublishResult | None,
    route53: Route53 | None,
) -> PublishResult:
    route53 = route53 or Route53(role_arn=zone.role_arn)
    for attempt in range(1, PLAN_ATTEMPTS + 1):
        plan, change_id = _plan_and_change(
            request,
            zone,
            identity,
            previous,
            route53,
            store,
            last=attempt == PLAN_ATTEMPTS,
            nameservers=nameservers,
        )
        if plan is not None:
            break
    assert plan is not None
    # Records created by an earlier publish stay ours: carry them so a later DKIM restart can retire them.
    carried = tuple(c for c in (previous.changes if previous else ()) if c.purpose != "dkim")
    return PublishResult(
        hosted_zone_id=zone.hosted_zone_id,
        role_arn=zone.role_arn,
        change_id=change_id,
        changes=(*carried, *plan.changes),
        kept=plan.kept,
        notes=plan.notes,
        dkim_tokens=identity.dkim_tokens,
    )


def _plan_and_change(
    request: OnboardRequest,
    zone: ZoneInfo,
    identity: IdentityInfo,
    previous: PublishResult | None,
    route53: Route53,
    store: LedgerStore,
    *,
    last: bool,
    nameservers: str,
) -> tuple[Plan | None, str | None]:
    """Plan, write the ledger ahead, submit the batch: ``(plan, change ID)``; ``(None, None)`` to plan again.

    Route 53 refuses a whole batch (InvalidChangeBatch) when a CREATE meets a set that appeared after mailauth
    read the zone: another domain's onboarding writing the MAIL FROM set the two share (docs/decisions.md 25),
    or a person. Nothing was changed then; the ledger's write-ahead entries for that batch are taken back and the
    step plans once more against the zone as it is now (the set may be exactly what mailauth wanted: kept).
    """
    domain_ledger = store.get(request.domain)
    plan, existing = make_plan(
        request,
        zone,
        identity,
        previous=previous,
        domain_ledger=domain_ledger.entries,
        route53=route53,
        nameservers=nameservers,
    )
    if plan.conflicts:  # Resolve's plan found none: the zone changed since, and the identity exists by now
        raise RecordConflictError(conflict_message(plan, identity_changed(request, identity)))
    check_batch_size(plan)
    entries = ledger.record(domain_ledger.entries, plan.changes, existing)
    # a policy inherited from another domain's record is not one of this domain's sets: its owner's offboarding
    # removes it as usual
    relies = tuple(
        sorted(
            {ledger.key(k.record.name, k.record.type) for k in plan.kept if not k.elsewhere} - set(entries)
        )
    )
    written = domain_ledger
    if (
        plan.changes or domain_ledger.version == 0 or relies != domain_ledger.relies
    ):  # write-ahead: before Route 53 knows
        written = store.put(
            domain_ledger.model_copy(
                update={
                    "entries": entries,
                    "relies": relies,
                    "hosted_zone_id": zone.hosted_zone_id,
                    "role_arn": zone.role_arn,
                    "identity_created": domain_ledger.identity_created or not identity.adopted,
                }
            )
        )
    if not plan.changes:
        return plan, None
    try:
        return plan, route53.change(
            zone.hosted_zone_id, plan.changes, f"mailauth: SES records for {request.domain}"
        )
    except RecordConflictError:
        store.put(
            written.model_copy(update={"entries": domain_ledger.entries, "relies": domain_ledger.relies})
        )
        if last:
            raise
        return None, None


def publish_external(
    request: OnboardRequest, identity: IdentityInfo, store: LedgerStore, nameservers: str = ""
) -> PublishResult:
    """DNS hosted elsewhere: plan against what public DNS serves; change nothing; the changes are for a person.

    The ledger still records whether mailauth created the SES identity (offboarding needs it); it lists no
    records, since mailauth wrote none.
    """
    from mailauth import dnscheck

    domain_ledger = store.get(request.domain)
    if domain_ledger.version == 0 or (not identity.adopted and not domain_ledger.identity_created):
        store.put(
            domain_ledger.model_copy(
                update={"identity_created": domain_ledger.identity_created or not identity.adopted}
            )
        )

    resolver = dnscheck.make_resolver(nameservers)
    served = dnscheck.served_records(resolver, wanted.record_names(request, identity))
    plan = records.plan(
        request,
        identity,
        served,
        spf_cost=dnscheck.spf_coster(resolver),
        inherited=dnscheck.dmarc_in_force(resolver, request.domain),
    )
    if plan.conflicts:
        raise RecordConflictError(conflict_message(plan, identity_changed(request, identity)))
    return PublishResult(
        hosted_zone_id="",
        changes=plan.changes,
        kept=plan.kept,
        notes=(*plan.notes, "DNS is hosted outside Route 53: create these records at your DNS provider"),
        dkim_tokens=identity.dkim_tokens,
    )


def await_change(result: PublishResult, *, route53: Route53 | None = None) -> ChangeStatus:
    """INSYNC, or ChangeNotInSyncError for the state machine to retry with back-off."""
    if result.change_id is None:
        return ChangeStatus(change_id=None, status="NONE")
    status = (route53 or Route53(role_arn=result.role_arn)).change_status(result.change_id)
    if status != "INSYNC":
        raise ChangeNotInSyncError(f"change {result.change_id} is {status}")
    return ChangeStatus(change_id=result.change_id, status="INSYNC")


def recreate_own_records(
    request: OnboardRequest,
    zone: ZoneInfo,
    identity: IdentityInfo,
    missing: set[str],
    *,
    store: LedgerStore,
    nameservers: str = "",
    route53: Route53 | None = None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The daily watch's repair (``repair_drift``): re-create the record sets of ``missing`` (``name|TYPE``) that
    mailauth created itself and that are gone from the hosted zone. The plan is onboarding's (same planner, the
    ledger written ahead of the batch), but only its CREATEs of sets the ledger says mailauth created from nothing
    are submitted: a set someone changed, one mailauth merged into, or one it never wrote is left alone.

    Returns the keys re-created, and for each other key of ``missing`` why it was not.
    """
    route53 = route53 or Route53(role_arn=zone.role_arn)
    domain_ledger = store.get(request.domain)
    plan, existing = make_plan(
        request, zone, identity, domain_ledger=domain_ledger.entries, route53=route53, nameservers=nameservers
    )
    created_by_us = {k for k, e in domain_ledger.entries.items() if not e.before}
    creates = {ledger.key(c.record.name, c.record.type): c for c in plan.changes if c.action == "CREATE"}
    chosen = [creates[k] for k in sorted(missing) if k in creates and k in created_by_us]
    why: dict[str, str] = {}
    for k in sorted(missing - {ledger.key(c.record.name, c.record.type) for c in chosen}):
        if k not in domain_ledger.entries:
            why[k] = (
                "mailauth did not create it (it was there before, or is kept elsewhere), so it does not re-create it"
            )
        elif k not in created_by_us:
            why[k] = (
                "mailauth merged its value into a record set that was already there; the set is someone else's"
            )
        elif k not in creates:
            why[k] = (
                "the hosted zone still holds a record there (or something that blocks it): public DNS does not serve "
                f"what the zone holds; check that {zone.zone_name} is delegated to its name servers"
            )
    if not chosen:
        return (), why
    entries = ledger.record(domain_ledger.entries, chosen, existing)
    written = store.put(domain_ledger.model_copy(update={"entries": entries}))  # write-ahead
    try:
        route53.change(
            zone.hosted_zone_id, chosen, f"mailauth: re-create deleted records of {request.domain}"
        )
    except RecordConflictError:  # a set appeared since the read: nothing was changed
        store.put(written.model_copy(update={"entries": domain_ledger.entries}))
        raise
    return tuple(ledger.key(c.record.name, c.record.type) for c in chosen), why
