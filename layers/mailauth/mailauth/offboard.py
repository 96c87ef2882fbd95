"""Offboarding: take out of the zone exactly what the ledger says mailauth added, then the SES identity.

Records someone changed since mailauth wrote them are left and reported. The SES identity is deleted only
when mailauth created it (an adopted identity predates mailauth and is kept) and the request does not ask to
keep it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from mailauth import ledger
from mailauth.aws import error_code
from mailauth.aws.route53 import Route53
from mailauth.aws.ses import Ses
from mailauth.domain import dns_name, normalise_domain
from mailauth.models import IdentityRemoval, LeftRecord, PublishResult, RecordChange
from mailauth.request import MANAGED_BY_CREATED, MANAGED_BY_TAG


class OffboardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str
    keep_identity: bool = False

    @field_validator("domain", mode="before")
    @classmethod
    def _domain(cls, value: Any) -> str:
        return normalise_domain(str(value))


class Unpublished(BaseModel):
    model_config = ConfigDict(frozen=True)

    publish: PublishResult
    left: tuple[LeftRecord, ...] = ()


def unpublish(
    request: OffboardRequest,
    *,
    store: ledger.LedgerStore,
    execution: str | None = None,
    route53: Route53 | None = None,
) -> Unpublished:
    """One atomic batch that undoes every ledger entry still as mailauth left it.

    Written ahead as onboarding's changes are: the batch is stored in the ledger with the ``execution`` before it
    is submitted, and kept. A retry of this step in the same execution (an attempt whose answer was lost to a
    timeout, or whose ledger write was throttled) finds the zone already undone, changes nothing more, and still
    reports what the earlier attempt removed or restored, rather than "nothing".
    """
    domain_ledger = store.get(request.domain)
    same_run = execution is not None and domain_ledger.undo_execution == execution
    earlier_batch = domain_ledger.undo_changes if same_run else ()
    if domain_ledger.hosted_zone_id is None or not (domain_ledger.entries or earlier_batch):
        return Unpublished(
            publish=PublishResult(
                hosted_zone_id=domain_ledger.hosted_zone_id or "", notes=("the ledger lists no records",)
            )
        )
    route53 = route53 or Route53(role_arn=domain_ledger.role_arn)
    names = {e.name for e in domain_ledger.entries.values()} | {c.record.name for c in earlier_batch}
    current = route53.records_at(domain_ledger.hosted_zone_id, names)
    earlier = tuple(c for c in earlier_batch if ledger.in_effect(c, current))
    changes, left, remaining = ledger.undo(domain_ledger.entries, current)
    changes, handed = hand_over(request.domain, domain_ledger, changes, store)
    left = [*left, *handed]
    done = (*earlier, *changes)
    change_id = None
    if changes:
        domain_ledger = store.put(
            domain_ledger.model_copy(update={"undo_execution": execution, "undo_changes": done})
        )
        change_id = route53.change(
            domain_ledger.hosted_zone_id or "", changes, f"mailauth: offboard {request.domain}"
        )
    store.put(
        domain_ledger.model_copy(
            update={"entries": remaining, "undo_execution": execution, "undo_changes": done}
        )
    )
    notes = (
        (f"{len(earlier)} of these were made by an earlier attempt of this offboarding",) if earlier else ()
    )
    return Unpublished(
        # the role too: the change lives in the zone's account, and GetChange must be asked there
        publish=PublishResult(
            hosted_zone_id=domain_ledger.hosted_zone_id or "",
            role_arn=domain_ledger.role_arn,
            change_id=change_id,
            changes=done,
            notes=notes,
        ),
        left=tuple(left),
    )


def _parents(name: str, domain: str) -> list[str]:
    """The domains an identity relying on record set ``name`` could be: its strict parents, bar ``domain``."""
    labels = name.split(".")
    out = []
    for i in range(1, len(labels) - 1):
        parent = ".".join(labels[i:])
        if parent != domain and not parent.startswith("_"):
            out.append(parent)
    return out


def hand_over(
    domain: str, domain_ledger: ledger.DomainLedger, changes: list[RecordChange], store: ledger.LedgerStore
) -> tuple[list[RecordChange], list[LeftRecord]]:
    """Changes that no other onboarded domain relies on, and the record sets handed over to one that does.

    Another domain of mailauth (in the same zone) that relies on a set ``domain``'s offboarding would remove or
    un-merge keeps it: the entry moves to that domain's ledger (written before this offboarding's batch, so a
    crash in between leaves the set domain_ledger by the domain still using it), and that domain's offboarding removes
    it later. Idempotent: a set already handed over is recognised in the other ledger.
    """
    keep: list[RecordChange] = []
    handed: list[LeftRecord] = []
    others: dict[str, ledger.DomainLedger] = {}
    for change in changes:
        k = ledger.key(change.record.name, change.record.type)
        heir = None
        for parent in _parents(dns_name(change.record.name), domain):
            other = others.get(parent) or store.get(parent)
            others[parent] = other
            if (
                other.version
                and other.hosted_zone_id == domain_ledger.hosted_zone_id
                and (k in other.relies or k in other.entries)
            ):
                heir = other
                break
        if heir is None or k not in domain_ledger.entries:
            keep.append(change)
            continue
        if k not in heir.entries:
            heir = store.put(
                heir.model_copy(
                    update={
                        "entries": {**heir.entries, k: domain_ledger.entries[k]},
                        "relies": tuple(r for r in heir.relies if r != k),
                    }
                )
            )
            others[heir.domain] = heir
        handed.append(
            LeftRecord(
                name=dns_name(change.record.name),
                type=change.record.type,
                reason=(
                    f"kept: {heir.domain} relies on it too; its ledger lists it now, so offboarding "
                    f"{heir.domain} removes it"
                ),
            )
        )
    return keep, handed


def remove_identity(
    request: OffboardRequest, *, store: ledger.LedgerStore, ses: Ses | None = None
) -> IdentityRemoval:
    domain_ledger = store.get(request.domain)
    if request.keep_identity:
        result = IdentityRemoval(deleted=False, reason="kept, as the request asked")
    elif not domain_ledger.identity_created:
        result = IdentityRemoval(deleted=False, reason="kept: it existed before mailauth adopted it")
    else:
        try:
            deleted = (ses or Ses()).delete_identity(request.domain)
        except Exception as exc:
            if error_code(exc) != "AccessDeniedException":
                raise
            # mailauth's role may delete only identities carrying its creation tag (template.yaml)
            result = IdentityRemoval(
                deleted=False,
                reason=(
                    "kept: AWS refused to let mailauth delete it. mailauth's role may delete only identities "
                    f"that carry its creation tag ({MANAGED_BY_TAG}={MANAGED_BY_CREATED}); if the tag is there, "
                    "an SCP or a changed role refused it. Delete it in SES yourself if nothing sends from it"
                ),
            )
        else:
            result = IdentityRemoval(
                deleted=deleted, reason="deleted: mailauth created it" if deleted else "already gone"
            )
    if domain_ledger.version and not domain_ledger.entries:
        store.delete(request.domain)  # nothing of mailauth's is left for this domain
    elif domain_ledger.version:
        store.put(
            domain_ledger.model_copy(
                update={"identity_created": domain_ledger.identity_created and not result.deleted}
            )
        )
    return result
