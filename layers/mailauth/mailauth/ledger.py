"""The ownership ledger: every record value mailauth created or merged, so offboarding removes exactly that.

One entry per record set mailauth touched (``name|TYPE``): the values the set held before mailauth's first
change (``before``, empty when mailauth created it) and after its last (``after``). Undoing an entry takes out
what mailauth added (``after - before``) and puts back what it replaced (``before - after``, e.g. the SPF value
before ``include:amazonses.com`` was merged in) — but only while the set still holds everything mailauth added;
a set someone changed since is left alone and reported. Entries are written before the change batch is
submitted (write-ahead), so a crash between the two can only leave an entry for a change that never happened,
which undo then skips as "not there".

The words, one each: a domain's *ledger* (:class:`DomainLedger`, one item of the ledger table, read and written
by :class:`LedgerStore`) holds its *entries* (:class:`Entry`, one per record set, in :data:`Entries` by key). In
the table the entries are the attribute ``records`` (a JSON list; the name is kept for the items already stored).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from mailauth.aws.dynamodb import ABSENT, ConditionFailedError, Item, Table
from mailauth.domain import dns_name
from mailauth.errors import LedgerConflictError
from mailauth.models import LeftRecord, RecordChange, RecordSet
from mailauth.txt import unquote


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    ttl: int
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


#: the entries of one domain, by key (``name|TYPE``)
Entries = dict[str, Entry]


def key(name: str, rtype: str) -> str:
    return f"{dns_name(name)}|{rtype.upper()}"


def _same(rtype: str, a: str, b: str) -> bool:
    if rtype == "TXT":
        return unquote(a) == unquote(b)
    return dns_name(a) == dns_name(b)


def _contains(rtype: str, values: Iterable[str], value: str) -> bool:
    return any(_same(rtype, v, value) for v in values)


def _without(rtype: str, values: Iterable[str], remove: Iterable[str]) -> list[str]:
    remove = list(remove)
    return [v for v in values if not _contains(rtype, remove, v)]


def record(
    ledger: Mapping[str, Entry], changes: Sequence[RecordChange], existing: Mapping[str, Sequence[RecordSet]]
) -> Entries:
    """The ledger after ``changes`` (planned against ``existing``) are applied."""
    out = dict(ledger)
    for change in changes:
        k = key(change.record.name, change.record.type)
        if change.action == "DELETE":
            out.pop(k, None)  # mailauth removed its own record (retired DKIM): nothing left to undo
            continue
        current = next(
            (s for s in existing.get(dns_name(change.record.name), []) if s.type == change.record.type), None
        )
        before = out[k].before if k in out else (current.values if current else ())
        out[k] = Entry(
            name=dns_name(change.record.name),
            type=change.record.type,
            ttl=change.record.ttl,
            before=tuple(before),
            after=change.record.values,
        )
    return out


def in_effect(change: RecordChange, current: Mapping[str, Sequence[RecordSet]]) -> bool:
    """Whether the zone shows ``change`` applied (a DELETE: the set is gone; an UPSERT: the set holds its values)."""
    now = next(
        (s for s in current.get(dns_name(change.record.name), []) if s.type == change.record.type), None
    )
    if change.action == "DELETE":
        return now is None
    return now is not None and sorted(now.values) == sorted(change.record.values)


def undo(
    ledger: Mapping[str, Entry], current: Mapping[str, Sequence[RecordSet]]
) -> tuple[list[RecordChange], list[LeftRecord], Entries]:
    """Changes that take mailauth's values out of the zone, what is left (and why), and the remaining ledger."""
    changes: list[RecordChange] = []
    left: list[LeftRecord] = []
    remaining: Entries = {}
    for k, entry in ledger.items():
        now = next((s for s in current.get(entry.name, []) if s.type == entry.type), None)
        added = _without(entry.type, entry.after, entry.before)
        replaced = _without(entry.type, entry.before, entry.after)
        if now is None:
            if entry.before:
                left.append(LeftRecord(name=entry.name, type=entry.type, reason="deleted by someone since"))
            continue  # nothing of mailauth's is there any more
        if entry.before and sorted(now.values) == sorted(entry.before):
            continue  # already undone (a run that stopped after its change, before updating the ledger)
        if not all(_contains(entry.type, now.values, v) for v in added):
            left.append(
                LeftRecord(
                    name=entry.name,
                    type=entry.type,
                    reason="changed since mailauth wrote it; left as it is: " + " ".join(now.values),
                )
            )
            remaining[k] = entry
            continue
        restored = [*_without(entry.type, now.values, added), *replaced]
        if restored:
            record_set = RecordSet(name=entry.name, type=entry.type, ttl=now.ttl, values=tuple(restored))
            changes.append(
                RecordChange(
                    action="UPSERT", record=record_set, purpose=_purpose(entry), reason=_why(entry, added)
                )
            )
        else:
            changes.append(
                RecordChange(
                    action="DELETE", record=now, purpose=_purpose(entry), reason="mailauth created it"
                )
            )
    return changes, left, remaining


def _purpose(entry: Entry) -> Any:
    if entry.type == "CNAME":
        return "dkim"
    if entry.type == "MX":
        return "mail_from_mx"
    return "dmarc" if entry.name.startswith("_dmarc.") else "mail_from_spf"


def _why(entry: Entry, added: list[str]) -> str:
    if entry.before:
        return "mailauth's values taken out, the values that were there before kept or restored"
    return f"mailauth's {len(added)} value(s) taken out; values others added since are kept"


def dumps(ledger: Mapping[str, Entry]) -> str:
    return "[" + ",".join(e.model_dump_json() for e in ledger.values()) + "]"


def loads(text: str | None) -> Entries:
    return {key(e["name"], e["type"]): Entry.model_validate(e) for e in json.loads(text or "[]")}


class DomainLedger(BaseModel):
    """One domain's ledger: its entries, the zone they were written to, and whether mailauth created the identity."""

    model_config = ConfigDict(frozen=True)

    domain: str
    hosted_zone_id: str | None = None
    role_arn: str | None = None  # the zone's account's role, when it is not this account
    identity_created: bool = False
    entries: Entries = {}
    #: the offboarding execution that last undid records, and its batch: written before the batch is submitted
    #: (write-ahead) and kept after, so a retry of that execution's step (its answer lost to a timeout, or its
    #: ledger write throttled) reports what the earlier attempt did instead of "nothing"
    undo_execution: str | None = None
    undo_changes: tuple[RecordChange, ...] = ()
    #: record sets (keys) this domain relies on that it found already right, written by another domain's run or
    #: by someone else: offboarding never removes them for this domain, and another domain's offboarding hands
    #: its entry for such a set over to this domain instead of removing it (a MAIL FROM name two identities
    #: share: mail.news.example.com for example.com and for news.example.com)
    relies: tuple[str, ...] = ()
    version: int = 0


class LedgerStore:
    """The ledger table (key ``domain``); writes are conditioned on the version read (optimistic locking).
    ``dynamodb``: a client for the table's adapter (built on first use when None)."""

    def __init__(self, table_name: str, dynamodb: Any = None) -> None:
        self.table = Table(table_name, dynamodb)

    def get(self, domain: str) -> DomainLedger:
        item = self.table.get({"domain": domain})
        if not item:
            return DomainLedger(domain=domain)
        text = {k: v for k, v in item.items() if isinstance(v, str)}
        return DomainLedger(
            domain=domain,
            hosted_zone_id=text.get("hosted_zone_id"),
            role_arn=text.get("role_arn"),
            identity_created=item.get("identity_created") is True,
            entries=loads(text.get("records")),
            undo_execution=text.get("undo_execution"),
            undo_changes=tuple(
                RecordChange.model_validate(c) for c in json.loads(text.get("undo_changes", "[]"))
            ),
            relies=tuple(json.loads(text.get("relies", "[]"))),
            version=int(item.get("version", 0)),
        )

    def put(self, domain_ledger: DomainLedger) -> DomainLedger:
        """Store ``domain_ledger`` if nobody wrote since it was read; raises LedgerConflictError (the state machine retries
        the step, which reads the ledger again) if someone did."""
        item: Item = {
            "domain": domain_ledger.domain,
            "records": dumps(domain_ledger.entries),
            "identity_created": domain_ledger.identity_created,
            "version": domain_ledger.version + 1,
        }
        if domain_ledger.hosted_zone_id:
            item["hosted_zone_id"] = domain_ledger.hosted_zone_id
        if domain_ledger.role_arn:
            item["role_arn"] = domain_ledger.role_arn
        if domain_ledger.relies:
            item["relies"] = json.dumps(sorted(domain_ledger.relies))
        if domain_ledger.undo_execution:
            item["undo_execution"] = domain_ledger.undo_execution
            item["undo_changes"] = (
                "[" + ",".join(c.model_dump_json() for c in domain_ledger.undo_changes) + "]"
            )
        try:
            self.table.put(
                item,
                expect=("version", domain_ledger.version) if domain_ledger.version else ("domain", ABSENT),
            )
        except ConditionFailedError as exc:
            raise LedgerConflictError(
                f"the ledger of {domain_ledger.domain} changed while this step updated it (another run for the "
                "domain, or one sharing a record set with it)"
            ) from exc
        return domain_ledger.model_copy(update={"version": domain_ledger.version + 1})

    def delete(self, domain: str) -> None:
        self.table.delete({"domain": domain})
