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
from mailauth.domain import normalise_domain
from mailauth.models import (
    MANAGED_BY_CREATED,
    MANAGED_BY_TAG,
    IdentityRemoval,
    LeftRecord,
    PublishResult,
)


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
    execution: str | None = None,
    route53: Route53 | None = None,
    store: ledger.LedgerStore | None = None,
) -> Unpublished:
    """One atomic batch that undoes every ledger entry still as mailauth left it.

    Written ahead as onboarding's changes are: the batch is stored in the ledger with the ``execution`` before it
    is submitted, and kept. A retry of this step in the same execution (an attempt whose answer was lost to a
    timeout, or whose ledger write was throttled) finds the zone already undone, changes nothing more, and still
    reports what the earlier attempt removed or restored, rather than "nothing".
    """
    store = store or ledger.LedgerStore()
    owned = store.get(request.domain)
    same_run = execution is not None and owned.undo_execution == execution
    earlier_batch = owned.undo_changes if same_run else ()
    if owned.hosted_zone_id is None or not (owned.entries or earlier_batch):
        return Unpublished(
            publish=PublishResult(
                hosted_zone_id=owned.hosted_zone_id or "", notes=("the ledger lists no records",)
            )
        )
    route53 = route53 or Route53(role_arn=owned.role_arn)
    names = {e.name for e in owned.entries.values()} | {c.record.name for c in earlier_batch}
    current = route53.records_at(owned.hosted_zone_id, names)
    earlier = tuple(c for c in earlier_batch if ledger.in_effect(c, current))
    changes, left, remaining = ledger.undo(owned.entries, current)
    done = (*earlier, *changes)
    change_id = None
    if changes:
        owned = store.put(owned.model_copy(update={"undo_execution": execution, "undo_changes": done}))
        change_id = route53.change(
            owned.hosted_zone_id or "", changes, f"mailauth: offboard {request.domain}"
        )
    store.put(
        owned.model_copy(update={"entries": remaining, "undo_execution": execution, "undo_changes": done})
    )
    notes = (
        (f"{len(earlier)} of these were made by an earlier attempt of this offboarding",) if earlier else ()
    )
    return Unpublished(
        # the role too: the change lives in the zone's account, and GetChange must be asked there
        publish=PublishResult(
            hosted_zone_id=owned.hosted_zone_id or "",
            role_arn=owned.role_arn,
            change_id=change_id,
            changes=done,
            notes=notes,
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
        try:
            deleted = (ses or Ses()).delete_identity(request.domain)
        except Exception as exc:
            if error_code(exc) != "AccessDeniedException":
                raise
            # mailauth's role may delete only identities carrying its creation tag (template.yaml)
            result = IdentityRemoval(
                deleted=False,
                reason=(
                    f"kept: it no longer carries mailauth's creation tag ({MANAGED_BY_TAG}={MANAGED_BY_CREATED}), "
                    "and mailauth deletes only identities that do; delete it in SES yourself if nothing sends "
                    "from it"
                ),
            )
        else:
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
