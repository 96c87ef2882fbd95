"""Record planning: what SES needs in DNS, merged with what the zone already holds.

The zone is the user's: a record mailauth did not create is never overwritten or deleted. TXT sets are merged
where the standard allows it (a new value beside others); anything else that is in the way is a conflict,
explained, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from mailauth import dmarc, spf
from mailauth.domain import dns_name
from mailauth.models import Conflict, IdentityInfo, KeptRecord, Plan, Purpose, RecordChange, RecordSet
from mailauth.request import DmarcSettings, OnboardRequest
from mailauth.txt import quote, unquote
from mailauth.wanted import desired_records

#: the DMARC policy a domain inherits (RFC 7489, DMARCbis), either None: what the planner weighs the request against
Inherited = tuple[dmarc.InForce | None, dmarc.InForce | None]


class _Planner:
    def __init__(
        self,
        existing: Mapping[str, Sequence[RecordSet]],
        request_dmarc: DmarcSettings,
        ours: Mapping[str, Sequence[str]],
        spf_cost: Callable[[str], spf.Cost],
        inherited: Inherited,
    ) -> None:
        self.request_dmarc = request_dmarc
        self.spf_cost = spf_cost
        self.inherited = inherited
        self.ours = {k.lower(): [dns_name(v) for v in vs] for k, vs in ours.items()}
        self.existing = {dns_name(name): list(sets) for name, sets in existing.items()}
        self.changes: list[RecordChange] = []
        self.kept: list[KeptRecord] = []
        self.conflicts: list[Conflict] = []
        self.notes: list[str] = []

    def at(self, name: str, rtype: str | None = None) -> list[RecordSet]:
        sets = self.existing.get(dns_name(name), [])
        return [s for s in sets if rtype is None or s.type == rtype]

    def conflict(
        self, purpose: Purpose, wanted: RecordSet, existing: Sequence[str], why: str, fix: str
    ) -> None:
        self.conflicts.append(
            Conflict(
                name=dns_name(wanted.name),
                type=wanted.type,
                purpose=purpose,
                existing=tuple(existing),
                wanted=wanted.values,
                explanation=why,
                fix=fix,
            )
        )

    def create(self, purpose: Purpose, wanted: RecordSet, reason: str) -> None:
        self.changes.append(RecordChange(action="CREATE", record=wanted, purpose=purpose, reason=reason))

    def upsert(self, purpose: Purpose, current: RecordSet, values: tuple[str, ...], reason: str) -> None:
        """Replace the set at ``current``'s name and type with ``values`` (its TTL kept)."""
        record = RecordSet(name=current.name, type=current.type, ttl=current.ttl, values=values)
        self.changes.append(RecordChange(action="UPSERT", record=record, purpose=purpose, reason=reason))

    def keep(
        self,
        purpose: Purpose,
        record: RecordSet,
        reason: str,
        *,
        as_requested: bool = True,
        elsewhere: bool = False,
    ) -> None:
        self.kept.append(
            KeptRecord(
                record=record, purpose=purpose, reason=reason, as_requested=as_requested, elsewhere=elsewhere
            )
        )

    def cname_blocks(self, purpose: Purpose, wanted: RecordSet) -> bool:
        cnames = self.at(wanted.name, "CNAME")
        if cnames and wanted.type != "CNAME":
            self.conflict(
                purpose,
                wanted,
                cnames[0].values,
                f"{dns_name(wanted.name)} is a CNAME; a name with a CNAME can hold no other record, so the "
                f"{wanted.type} record cannot be added",
                f"remove the CNAME at {dns_name(wanted.name)} or choose another mail_from_subdomain",
            )
            return True
        return False

    def routed_blocks(self, purpose: Purpose, wanted: RecordSet) -> bool:
        """A routed (SetIdentifier) or alias set where mailauth must write a simple one: a conflict, explained.
        Route 53 keeps a name/type either simple or routed, and an alias has no values to merge into."""
        routed = [s for s in self.at(wanted.name) if s.routing and s.type in (wanted.type, "CNAME")]
        if not routed:
            return False
        kinds = "; ".join(f"{s.type} {s.routing}" for s in routed)
        self.conflict(
            purpose,
            wanted,
            tuple(v for s in routed for v in s.values),
            f"{dns_name(wanted.name)} holds {kinds}: mailauth writes simple record sets and does not merge into, "
            "or replace, routed or alias ones",
            f"make the {wanted.type} at {dns_name(wanted.name)} a simple record set (or remove it)"
            + (", or choose another mail_from_subdomain" if purpose.startswith("mail_from") else ""),
        )
        return True

    def wildcard_notes(self, wanted: RecordSet) -> None:
        """A wildcard at the parent answers for the name today; once mailauth writes there it no longer does
        (RFC 4592: a wildcard matches only names that do not exist)."""
        name = dns_name(wanted.name)
        parent = name.split(".", 1)[1] if "." in name else ""
        if self.at(name) or not parent:
            return
        for s in self.at(f"*.{parent}"):
            self.notes.append(
                f"the wildcard {s.type} *.{parent} answers for {name} today ({' '.join(s.values)}); once mailauth "
                f"writes at {name}, the wildcard no longer answers there for any type (RFC 4592)"
            )

    # ----------------------------------------------------------------------------------------- kinds
    def dkim(self, wanted: RecordSet) -> None:
        sets = self.at(wanted.name)
        if not sets:
            self.create("dkim", wanted, "DKIM key record for SES Easy DKIM")
            return
        cname = next((s for s in sets if s.type == "CNAME"), None)
        if cname and [dns_name(v) for v in cname.values] == [dns_name(v) for v in wanted.values]:
            self.keep("dkim", cname, "already points at the SES DKIM key")
            return
        if (
            cname
            and len(sets) == 1
            and self.ours.get(f"{dns_name(wanted.name)}|cname") == [dns_name(v) for v in cname.values]
        ):
            why = "mailauth's own DKIM record from an earlier identity of this domain (ownership ledger)"
            self.upsert("dkim", cname, wanted.values, why)
            return
        found = cname.values if cname else tuple(f"{s.type} {v}" for s in sets for v in s.values)
        self.conflict(
            "dkim",
            wanted,
            found,
            f"{dns_name(wanted.name)} already holds {'a CNAME to ' + cname.values[0] if cname else 'other records'}"
            f"; SES needs a CNAME to {wanted.values[0]}",
            f"delete the record at {dns_name(wanted.name)} if it is unused, then run onboarding again",
        )

    def dmarc(self, wanted: RecordSet, settings_text: str) -> None:
        cnames = self.at(wanted.name, "CNAME")
        if cnames:
            self.keep(
                "dmarc",
                cnames[0],
                f"DMARC is delegated by CNAME to {cnames[0].values[0]}; kept as is",
                as_requested=False,
            )
            return
        txt = next(iter(self.at(wanted.name, "TXT")), None)
        values = [unquote(v) for v in txt.values] if txt else []
        found = [v for v in values if dmarc.is_dmarc(v)]
        if not found and self.inherited_applies(wanted):
            return
        if txt is None:
            self.create("dmarc", wanted, "DMARC policy")
            return
        if found and self.request_dmarc.replace_existing:
            self.replace_dmarc(txt, wanted, found, settings_text)
            return
        if len(found) > 1:
            self.keep("dmarc", txt, "kept unchanged, though receivers apply none of them", as_requested=False)
            self.notes.append(
                f"{dns_name(wanted.name)} has {len(found)} DMARC records, so receivers apply none of them; delete "
                "all but one, or pass dmarc.replace_existing to have mailauth publish only the requested one"
            )
            return
        if found:
            strength = dmarc.compare(found[0], self.request_dmarc)
            same = found[0].replace(" ", "") == settings_text.replace(" ", "")
            how = {"stronger": "stricter than", "weaker": "weaker than", "equal": "as strict as"}[strength]
            self.keep(
                "dmarc",
                txt,
                "already the requested DMARC record"
                if same
                else f"an existing DMARC record is kept unchanged (its policy is {how} the requested one)",
                as_requested=same,
            )
            if not same:
                self.notes.append(
                    f"existing DMARC at {dns_name(wanted.name)} kept: {found[0]!r} (requested {settings_text!r}; "
                    f"the existing policy is {strength}; pass dmarc.replace_existing to replace it)"
                )
            return
        self.upsert(
            "dmarc", txt, (*txt.values, *wanted.values), "DMARC value added beside existing TXT values"
        )

    def inherited_applies(self, wanted: RecordSet) -> bool:
        """For a name with no DMARC record: whether the policy the domain inherits decides that nothing is
        published (:func:`mailauth.dmarc.weigh_inherited`; docs/merge-rules.md R25-R27)."""
        domain = dns_name(wanted.name).removeprefix("_dmarc.")
        decision = dmarc.weigh_inherited(domain, self.inherited, self.request_dmarc)
        self.notes += decision.notes
        if decision.applies is None:
            return False
        source = decision.applies
        self.keep(
            "dmarc",
            RecordSet(name=f"_dmarc.{source.source}", type="TXT", values=(quote(source.record),)),
            decision.reason,
            as_requested=False,
            elsewhere=True,
        )
        return True

    def replace_dmarc(self, txt: RecordSet, wanted: RecordSet, found: list[str], settings_text: str) -> None:
        """dmarc.replace_existing: the requested DMARC value instead of the existing one(s); other TXT kept."""
        if [v.replace(" ", "") for v in found] == [settings_text.replace(" ", "")]:
            self.keep("dmarc", txt, "already the requested DMARC record")
            return
        others = tuple(v for v in txt.values if not dmarc.is_dmarc(unquote(v)))
        why = f"replaces {len(found)} existing DMARC record(s), as dmarc.replace_existing asks"
        self.upsert("dmarc", txt, (*others, *wanted.values), why)
        self.notes.append(f"DMARC at {dns_name(wanted.name)} replaced; it was {' | '.join(found)!r}")
        if len(found) == 1:
            self.notes += dmarc.weakening(dns_name(wanted.name), found[0], settings_text)

    def mail_from_mx(self, wanted: RecordSet) -> None:
        if self.cname_blocks("mail_from_mx", wanted):
            return
        mx = next(iter(self.at(wanted.name, "MX")), None)
        if mx is None:
            self.create("mail_from_mx", wanted, "MAIL FROM feedback MX for SES")
            return
        target = dns_name(wanted.values[0].split()[-1])
        hosts = [dns_name(v.split()[-1]) for v in mx.values]
        if hosts == [target]:
            self.keep("mail_from_mx", mx, "already points at the SES feedback endpoint")
            return
        self.conflict(
            "mail_from_mx",
            wanted,
            mx.values,
            f"{dns_name(wanted.name)} already has MX {', '.join(mx.values)}; the MAIL FROM domain must have exactly "
            f"one MX, to {target}, and must not receive other mail",
            "choose another mail_from_subdomain (a name that receives no mail), or remove these MX records",
        )

    def mail_from_spf(self, wanted: RecordSet) -> None:
        if self.at(wanted.name, "CNAME"):
            return  # reported once, for the MX
        txt = next(iter(self.at(wanted.name, "TXT")), None)
        if txt is None:
            self.create("mail_from_spf", wanted, "SPF for the MAIL FROM domain")
            return
        values = [unquote(v) for v in txt.values]
        spfs = [(i, v) for i, v in enumerate(values) if spf.is_spf(v)]
        if len(spfs) > 1:
            self.conflict(
                "mail_from_spf",
                wanted,
                txt.values,
                f"{dns_name(wanted.name)} has {len(spfs)} SPF records; SPF allows one (more is a permanent error)",
                f"merge them into one v=spf1 record that includes {spf.SES_INCLUDE}",
            )
            return
        if not spfs:
            self.upsert(
                "mail_from_spf",
                txt,
                (*txt.values, *wanted.values),
                "SPF value added beside existing TXT values",
            )
            return
        index, current = spfs[0]
        name = dns_name(wanted.name)
        before = self.spf_cost(current)
        if not before.ok:
            self.conflict(
                "mail_from_spf",
                wanted,
                txt.values,
                f"the SPF record at {name} is already a permanent error at every receiver: {before.verdict()}"
                + before.where(),
                "fix the SPF record (flatten nested includes, remove includes of domains without SPF), then run "
                "onboarding again",
            )
            return
        if spf.includes(current, spf.SES_INCLUDE) or spf.SES_INCLUDE in before.reaches:
            how = "includes" if spf.includes(current, spf.SES_INCLUDE) else "reaches, through its includes,"
            self.keep(
                "mail_from_spf", txt, f"SPF already {how} {spf.SES_INCLUDE} ({before.lookups} DNS lookups)"
            )
            return
        new_value = spf.merge_include(current, spf.SES_INCLUDE)
        after = self.spf_cost(new_value)
        if not after.ok:
            self.conflict(
                "mail_from_spf",
                wanted,
                txt.values,
                f"the SPF record at {name} lacks include:{spf.SES_INCLUDE}, and adding it would make "
                f"{after.verdict()} (a permanent error at every receiver)" + after.where(),
                "flatten the SPF record (fewer include/a/mx terms), then run onboarding again",
            )
            return
        new_values = list(txt.values)
        new_values[index] = quote(new_value)
        self.upsert(
            "mail_from_spf",
            txt,
            tuple(new_values),
            f"include:{spf.SES_INCLUDE} merged into the existing SPF record",
        )

    def retire(self, old: RecordSet) -> None:
        """Delete a DKIM record of an earlier token set, only if it is still exactly what mailauth wrote."""
        current = next(iter(self.at(old.name, "CNAME")), None)
        if current is None:
            return
        if current == old:
            self.changes.append(
                RecordChange(
                    action="DELETE", record=old, purpose="dkim", reason="DKIM key of replaced tokens"
                )
            )
        else:
            self.notes.append(f"{dns_name(old.name)} changed since mailauth created it; left in place")


def plan(
    request: OnboardRequest,
    identity: IdentityInfo,
    existing: Mapping[str, Sequence[RecordSet]],
    retired: Sequence[RecordSet] = (),
    *,
    ours: Mapping[str, Sequence[str]] | None = None,
    spf_cost: Callable[[str], spf.Cost] = spf.written_cost,
    inherited: Inherited = (None, None),
) -> Plan:
    """Compare the wanted records with the zone's.

    ``retired``: DKIM records of replaced tokens. ``ours``: what the ownership ledger says mailauth wrote, by
    ``name|TYPE`` (a DKIM name still holding mailauth's value from an earlier identity may be updated).
    ``spf_cost``: what an SPF record costs a receiver, includes followed through public DNS
    (:func:`mailauth.dnscheck.spf_coster`); the default counts only what is written (no DNS). ``inherited``: the
    DMARC policy the domain inherits by RFC 7489 and by DMARCbis (:func:`mailauth.dnscheck.dmarc_in_force`).
    """
    planner = _Planner(existing, request.dmarc, ours or {}, spf_cost, inherited)
    for purpose, wanted in desired_records(request, identity):
        if planner.routed_blocks(purpose, wanted):
            continue
        if purpose != "dkim":  # DKIM names are random: no one relies on a wildcard for them
            planner.wildcard_notes(wanted)
        if purpose == "dkim":
            planner.dkim(wanted)
        elif purpose == "dmarc":
            planner.dmarc(wanted, dmarc.render(request.dmarc))
        elif purpose == "mail_from_mx":
            planner.mail_from_mx(wanted)
        else:
            planner.mail_from_spf(wanted)
    wanted_names = {dns_name(r.name) for _, r in desired_records(request, identity)}
    for old in retired:
        if dns_name(old.name) not in wanted_names:
            planner.retire(old)
    return Plan(
        changes=tuple(planner.changes),
        kept=tuple(planner.kept),
        conflicts=tuple(planner.conflicts),
        notes=tuple(planner.notes),
    )
