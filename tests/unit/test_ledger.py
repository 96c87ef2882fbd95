"""The ownership ledger: record what onboarding changes, undo exactly that."""

from __future__ import annotations

from hypothesis import given, settings

from mailauth import ledger, records
from mailauth.domain import dns_name
from mailauth.models import LeftRecord, RecordChange, RecordSet
from tests.unit.test_records import IDENTITY, REQUEST, apply, rs, zone, zones


def onboard(existing: dict[str, list[RecordSet]]) -> tuple[dict[str, list[RecordSet]], ledger.Entries]:
    plan = records.plan(REQUEST, IDENTITY, existing)
    assert not plan.conflicts
    return apply(existing, plan), ledger.record({}, plan.changes, existing)


def offboard(
    current: dict[str, list[RecordSet]], entries: ledger.Entries
) -> tuple[dict[str, list[RecordSet]], list[LeftRecord]]:
    changes, left, _ = ledger.undo(entries, current)
    return apply_exact(current, changes), left


def apply_exact(
    existing: dict[str, list[RecordSet]], changes: list[RecordChange]
) -> dict[str, list[RecordSet]]:
    """Route 53 semantics, DELETE checked to match the set exactly (as Route 53 requires)."""
    out = {k: list(v) for k, v in existing.items()}
    for change in changes:
        name = dns_name(change.record.name)
        here = out.get(name, [])
        if change.action == "DELETE":
            current = next(s for s in here if s.type == change.record.type)
            assert current.values == change.record.values and current.ttl == change.record.ttl
        out[name] = [s for s in here if s.type != change.record.type]
        if change.action != "DELETE":
            out[name].append(change.record.model_copy(update={"name": name}))
        if not out[name]:
            del out[name]
    return out


def normal(z: dict[str, list[RecordSet]]) -> dict[tuple[str, str], tuple[int, frozenset[str]]]:
    return {(dns_name(s.name), s.type): (s.ttl, frozenset(s.values)) for sets in z.values() for s in sets}


def test_created_records_are_deleted_and_merged_values_taken_out_alone() -> None:
    before = zone(rs("mail.example.com", "TXT", '"google-site-verification=1"'))
    after, entries = onboard(before)
    assert entries[ledger.key("mail.example.com", "TXT")].before == ('"google-site-verification=1"',)

    restored, left = offboard(after, entries)

    assert normal(restored) == normal(before)
    assert left == []


def test_an_spf_include_merge_is_restored_to_the_original() -> None:
    before = zone(rs("mail.example.com", "TXT", '"v=spf1 mx -all"'))
    after, entries = onboard(before)
    spf = next(s for s in after["mail.example.com"] if s.type == "TXT")
    assert spf.values == ('"v=spf1 mx include:amazonses.com -all"',)

    restored, _ = offboard(after, entries)

    assert normal(restored) == normal(before)


def test_values_others_added_since_are_kept() -> None:
    after, entries = onboard({})
    spf = next(s for s in after["mail.example.com"] if s.type == "TXT")
    after["mail.example.com"] = [s for s in after["mail.example.com"] if s.type != "TXT"] + [
        spf.model_copy(update={"values": (*spf.values, '"added-later=1"')})
    ]

    restored, left = offboard(after, entries)

    assert [s.values for s in restored["mail.example.com"]] == [('"added-later=1"',)]
    assert left == []


def test_a_record_changed_since_is_left_and_reported() -> None:
    after, entries = onboard({})
    after["mail.example.com"] = [
        s if s.type != "MX" else s.model_copy(update={"values": ("10 inbound.example.net",)})
        for s in after["mail.example.com"]
    ]

    restored, left = offboard(after, entries)

    assert [(r.name, r.type) for r in left] == [("mail.example.com", "MX")]
    assert "changed since" in left[0].reason
    assert [s.type for s in restored["mail.example.com"]] == ["MX"]  # the changed MX stays, the SPF went


def test_undo_twice_changes_nothing_more() -> None:
    after, entries = onboard(zone(rs("_dmarc.example.com", "TXT", '"note=1"')))
    changes, _, remaining = ledger.undo(entries, after)
    restored = apply_exact(after, changes)
    again, left, _ = ledger.undo(entries, restored)  # a re-run that did not see the ledger update
    assert again == [] and left == []
    assert remaining == {}


def test_a_dkim_name_holding_mailauths_earlier_value_is_updated_not_a_conflict() -> None:
    old = rs(
        "tok1._domainkey.example.com", "CNAME", "tok1.dkim.amazonses.com"
    )  # an earlier identity's target
    ours = {ledger.key(old.name, "CNAME"): old.values}
    plan = records.plan(REQUEST, IDENTITY, zone(old), ours=ours)
    assert not plan.conflicts
    change = next(c for c in plan.changes if c.record.name == "tok1._domainkey.example.com")
    assert change.action == "UPSERT" and "ownership ledger" in change.reason
    assert records.plan(REQUEST, IDENTITY, zone(old)).conflicts  # without the ledger: a conflict


def test_serialisation_round_trip() -> None:
    _, entries = onboard(zone(rs("mail.example.com", "TXT", '"a"')))
    assert ledger.loads(ledger.dumps(entries)) == entries


@settings(max_examples=200)
@given(existing=zones())
def test_onboarding_then_offboarding_leaves_the_zone_exactly_as_it_was(
    existing: dict[str, list[RecordSet]],
) -> None:
    plan = records.plan(REQUEST, IDENTITY, existing)
    if plan.conflicts:
        return
    after = apply(existing, plan)
    entries = ledger.record({}, plan.changes, existing)

    restored, left = offboard(after, entries)

    assert left == []
    assert normal(restored) == normal(existing)
