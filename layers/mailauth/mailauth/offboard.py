"""Offboarding: take out of the zone exactly what the ledger says mailauth added, then the SES identity.

Records someone changed since mailauth wrote them are left and reported. The SES identity is deleted only
when mailauth created it (an adopted identity predates mailauth and is kept) and the request does not ask to
keep it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from mailauth import ledger
from mailauth.aws.route53 import Route53
from mailauth.aws.ses import Ses
from mailauth.domain import normalise_domain
from mailauth.models import IdentityRemoval, LeftRecord, PublishResult


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
    request: OffboardRequest, *, route53: Route53 | None = None, store: ledger.LedgerStore | None = None
) -> Unpublished:
    """One atomic batch that undoes every ledger entry still as mailauth left it."""
    store = store or ledger.LedgerStore()
    owned = store.get(request.domain)
    if not owned.entries or owned.hosted_zone_id is None:
        return Unpublished(
            publish=PublishResult(
                hosted_zone_id=owned.hosted_zone_id or "", notes=("the ledger lists no records",)
            )
        )
    route53 = route53 or Route53(role_arn=owned.role_arn)
    current = route53.records_at(owned.hosted_zone_id, {e.name for e in owned.entries.values()})
    changes, left, remaining = ledger.undo(owned.entries, current)
    change_id = (
        route53.change(owned.hosted_zone_id, changes, f"mailauth: offboard {request.domain}")
        if changes
        else None
    )
    store.put(owned.model_copy(update={"entries": remaining}))
    return Unpublished(
        # the role too: the change lives in the zone's account, and GetChange must be asked there
        publish=PublishResult(
            hosted_zone_id=owned.hosted_zone_id,
            role_arn=owned.role_arn,
            change_id=change_id,
            changes=tuple(changes),
        ),
        left=tuple(left),
    )


def remove_identity(
    request: OffboardRequest, *, ses: Ses | None = None, store: ledger.LedgerStore | None = None
) -> IdentityRemoval:
    store = store or ledger.LedgerStore()
    owned = store.get(request.domain)
    if request.keep_identity:
        result = IdentityRemoval(deleted=False, reason="kept, as the request asked")
    elif not owned.identity_created:
        result = IdentityRemoval(deleted=False, reason="kept: it existed before mailauth adopted it")
    else:
        deleted = (ses or Ses()).delete_identity(request.domain)
        result = IdentityRemoval(
            deleted=deleted, reason="deleted: mailauth created it" if deleted else "already gone"
        )
    if owned.version and not owned.entries:
        store.delete(request.domain)  # nothing of mailauth's is left for this domain
    elif owned.version:
        store.put(
            owned.model_copy(update={"identity_created": owned.identity_created and not result.deleted})
        )
    return result
