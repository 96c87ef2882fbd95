"""Record planning: create what is missing, keep what is right, merge TXT, refuse real conflicts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailauth import records
from mailauth.domain import dns_name
from mailauth.models import IdentityInfo, Plan, RecordSet
from mailauth.request import OnboardRequest
from mailauth.txt import quote, unquote

REQUEST = OnboardRequest(domain="example.com", dmarc={"policy": "quarantine", "rua": ["dmarc@example.com"]})
IDENTITY = IdentityInfo(
    domain="example.com",
    identity_arn="arn:aws:ses:eu-west-1:123456789012:identity/example.com",
    region="eu-west-1",
    adopted=False,
    dkim_tokens=("tok1", "tok2", "tok3"),
    signing_hosted_zone="dkim.eu-west-1.amazonses.com",
    mail_from_domain="mail.example.com",
)
MAIL = "mail.example.com"
SES_MX = "10 feedback-smtp.eu-west-1.amazonses.com"


def rs(name: str, rtype: str, *values: str, ttl: int = 300) -> RecordSet:
    return RecordSet(name=name, type=rtype, ttl=ttl, values=values)


def zone(*sets: RecordSet) -> dict[str, list[RecordSet]]:
    out: dict[str, list[RecordSet]] = {}
    for s in sets:
        out.setdefault(dns_name(s.name), []).append(s)
    return out


def apply(existing: dict[str, list[RecordSet]], plan: Plan) -> dict[str, list[RecordSet]]:
    """Route 53's semantics for CREATE / UPSERT / DELETE, for re-planning."""
    out = {k: list(v) for k, v in existing.items()}
    for change in plan.changes:
        name = dns_name(change.record.name)
        here = [s for s in out.get(name, []) if s.type != change.record.type]
        if change.action != "DELETE":
            here.append(change.record.model_copy(update={"name": name}))
        out[name] = here
    return out


def actions(plan: Plan) -> set[tuple[str, str, str]]:
    return {(c.action, c.record.type, c.record.name) for c in plan.changes}


def test_empty_zone_gets_six_records_all_created_not_upserted() -> None:
    plan = records.plan(REQUEST, IDENTITY, {})
    assert actions(plan) == {
        ("CREATE", "CNAME", "tok1._domainkey.example.com"),
        ("CREATE", "CNAME", "tok2._domainkey.example.com"),
        ("CREATE", "CNAME", "tok3._domainkey.example.com"),
        ("CREATE", "TXT", "_dmarc.example.com"),
        ("CREATE", "MX", MAIL),
        ("CREATE", "TXT", MAIL),
    }
    assert not plan.conflicts
    by_name = {(c.record.type, c.record.name): c.record.values for c in plan.changes}
    # the DKIM target comes from SigningHostedZone, not a hard-coded dkim.amazonses.com
    assert by_name[("CNAME", "tok1._domainkey.example.com")] == ("tok1.dkim.eu-west-1.amazonses.com",)
    assert by_name[("MX", MAIL)] == (SES_MX,)
    assert by_name[("TXT", MAIL)] == ('"v=spf1 include:amazonses.com ~all"',)
    assert by_name[("TXT", "_dmarc.example.com")] == (
        '"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"',
    )


def test_replanning_after_apply_changes_nothing() -> None:
    first = records.plan(REQUEST, IDENTITY, {})
    again = records.plan(REQUEST, IDENTITY, apply({}, first))
    assert again.changes == ()
    assert len(again.kept) == 6


def test_values_compare_as_dns_does() -> None:
    existing = zone(
        rs("TOK1._domainkey.Example.com.", "CNAME", "TOK1.DKIM.eu-west-1.amazonses.com."),
        rs("mail.example.com.", "MX", "10 FEEDBACK-SMTP.eu-west-1.amazonses.com."),
        rs("mail.example.com.", "TXT", '"v=spf1 include:amazonses.com" " ~all"'),
    )
    plan = records.plan(REQUEST, IDENTITY, existing)
    kept = {(k.record.type, dns_name(k.record.name)) for k in plan.kept}
    assert ("CNAME", "tok1._domainkey.example.com") in kept
    assert ("MX", MAIL) in kept and ("TXT", MAIL) in kept


def test_existing_dmarc_is_kept_and_reported() -> None:
    existing = zone(rs("_dmarc.example.com", "TXT", '"v=DMARC1; p=reject; rua=mailto:sec@example.com"'))
    plan = records.plan(REQUEST, IDENTITY, existing)
    assert not any(c.purpose == "dmarc" for c in plan.changes)
    kept = next(k for k in plan.kept if k.purpose == "dmarc")
    assert "stricter than" in kept.reason and not kept.as_requested
    assert any("kept" in n and "p=reject" in n for n in plan.notes)


def test_weaker_existing_dmarc_is_kept_too() -> None:
    existing = zone(rs("_dmarc.example.com", "TXT", '"v=DMARC1; p=none"'))
    plan = records.plan(REQUEST, IDENTITY, existing)
    assert "weaker" in next(k for k in plan.kept if k.purpose == "dmarc").reason
    assert not any(c.purpose == "dmarc" for c in plan.changes)


def test_two_dmarc_records_are_reported_not_fixed() -> None:
    existing = zone(rs("_dmarc.example.com", "TXT", '"v=DMARC1; p=none"', '"v=DMARC1; p=reject"'))
    plan = records.plan(REQUEST, IDENTITY, existing)
    assert not any(c.purpose == "dmarc" for c in plan.changes)
    assert any("2 DMARC records" in n for n in plan.notes)


def test_dmarc_delegated_by_cname_is_kept() -> None:
    existing = zone(rs("_dmarc.example.com", "CNAME", "example.com.dmarc.provider.example"))
    plan = records.plan(REQUEST, IDENTITY, existing)
    assert not plan.conflicts
    assert "delegated" in next(k for k in plan.kept if k.purpose == "dmarc").reason


def test_other_txt_at_dmarc_name_gets_dmarc_beside_it() -> None:
    existing = zone(rs("_dmarc.example.com", "TXT", '"some-verification=abc"', ttl=60))
    change = next(c for c in records.plan(REQUEST, IDENTITY, existing).changes if c.purpose == "dmarc")
    assert change.action == "UPSERT"
    assert change.record.ttl == 60
    assert change.record.values[0] == '"some-verification=abc"'
    assert unquote(change.record.values[1]).startswith("v=DMARC1; p=quarantine")


def test_spf_added_beside_other_txt_values() -> None:
    existing = zone(rs(MAIL, "TXT", '"google-site-verification=xyz"'))
    change = next(
        c for c in records.plan(REQUEST, IDENTITY, existing).changes if c.purpose == "mail_from_spf"
    )
    assert change.action == "UPSERT"
    assert change.record.values == ('"google-site-verification=xyz"', '"v=spf1 include:amazonses.com ~all"')


def test_existing_spf_gets_the_include_merged() -> None:
    existing = zone(rs(MAIL, "TXT", '"v=spf1 ip4:192.0.2.1 -all"', '"other"'))
    change = next(
        c for c in records.plan(REQUEST, IDENTITY, existing).changes if c.purpose == "mail_from_spf"
    )
    assert change.record.values == ('"v=spf1 ip4:192.0.2.1 include:amazonses.com -all"', '"other"')


def test_spf_over_the_lookup_limit_is_a_conflict() -> None:
    spf = "v=spf1 " + " ".join(f"include:s{i}.example.net" for i in range(10)) + " -all"
    plan = records.plan(REQUEST, IDENTITY, zone(rs(MAIL, "TXT", quote(spf))))
    conflict = next(c for c in plan.conflicts if c.purpose == "mail_from_spf")
    assert "11 DNS lookups" in conflict.explanation


def test_two_spf_records_are_a_conflict() -> None:
    plan = records.plan(REQUEST, IDENTITY, zone(rs(MAIL, "TXT", '"v=spf1 -all"', '"v=spf1 mx -all"')))
    assert any(c.purpose == "mail_from_spf" and "2 SPF records" in c.explanation for c in plan.conflicts)


def test_another_mx_at_mail_from_is_a_conflict() -> None:
    plan = records.plan(REQUEST, IDENTITY, zone(rs(MAIL, "MX", "10 mx.mailhost.example")))
    conflict = next(c for c in plan.conflicts if c.purpose == "mail_from_mx")
    assert "must not receive" in conflict.explanation
    assert conflict.existing == ("10 mx.mailhost.example",)


def test_a_cname_at_mail_from_is_one_conflict() -> None:
    plan = records.plan(REQUEST, IDENTITY, zone(rs(MAIL, "CNAME", "elsewhere.example.net")))
    assert [c.purpose for c in plan.conflicts] == ["mail_from_mx"]
    assert "CNAME" in plan.conflicts[0].explanation


def test_dkim_name_pointing_elsewhere_is_a_conflict() -> None:
    plan = records.plan(
        REQUEST, IDENTITY, zone(rs("tok2._domainkey.example.com", "CNAME", "tok2.dkim.amazonses.com"))
    )
    conflict = next(c for c in plan.conflicts if c.purpose == "dkim")
    assert conflict.name == "tok2._domainkey.example.com"
    assert "tok2.dkim.eu-west-1.amazonses.com" in conflict.explanation


def test_txt_at_a_dkim_name_is_a_conflict() -> None:
    plan = records.plan(REQUEST, IDENTITY, zone(rs("tok3._domainkey.example.com", "TXT", '"v=DKIM1; p=abc"')))
    assert any(c.name == "tok3._domainkey.example.com" for c in plan.conflicts)


def test_retired_dkim_records_are_deleted_only_when_unchanged() -> None:
    old_same = rs("old1._domainkey.example.com", "CNAME", "old1.dkim.eu-west-1.amazonses.com", ttl=1800)
    old_edited = rs("old2._domainkey.example.com", "CNAME", "old2.dkim.eu-west-1.amazonses.com", ttl=1800)
    existing = zone(old_same, old_edited.model_copy(update={"values": ("somewhere.else.example",)}))
    plan = records.plan(REQUEST, IDENTITY, existing, retired=[old_same, old_edited])
    assert ("DELETE", "CNAME", "old1._domainkey.example.com") in actions(plan)
    assert not any(c.record.name.startswith("old2") for c in plan.changes)
    assert any("old2._domainkey.example.com changed" in n for n in plan.notes)


OTHER_VALUES = {
    "TXT": st.sampled_from(
        ['"v=spf1 -all"', '"hello"', '"v=DMARC1; p=none"', '"google-site-verification=1"']
    ),
    "MX": st.sampled_from(["10 mx1.example.net", "20 mx2.example.net"]),
    "CNAME": st.sampled_from(["target.example.net"]),
    "A": st.sampled_from(["192.0.2.1"]),
}
NAMES = ["_dmarc.example.com", MAIL, "tok1._domainkey.example.com", "www.example.com", "example.com"]


@st.composite
def zones(draw: st.DrawFn) -> dict[str, list[RecordSet]]:
    out: dict[str, list[RecordSet]] = {}
    for name in draw(st.lists(st.sampled_from(NAMES), unique=True)):
        types = draw(st.lists(st.sampled_from(["TXT", "MX", "CNAME", "A"]), unique=True, min_size=1))
        if "CNAME" in types:
            types = ["CNAME"]
        out[name] = [
            rs(name, t, *draw(st.lists(OTHER_VALUES[t], min_size=1, max_size=2, unique=True))) for t in types
        ]
    return out


@settings(max_examples=200)
@given(existing=zones())
def test_planning_never_drops_or_changes_a_value_it_did_not_create(
    existing: dict[str, list[RecordSet]],
) -> None:
    plan = records.plan(REQUEST, IDENTITY, existing)
    after = apply(existing, plan)
    for name, sets in existing.items():
        for old in sets:
            new = next((s for s in after.get(name, []) if s.type == old.type), None)
            assert new is not None, f"{old.type} {name} disappeared"
            for value in old.values:
                if old.type == "TXT" and records.spf.is_spf(unquote(value)):
                    # the only permitted change of a foreign value: include:amazonses.com merged into SPF
                    merged = [unquote(v) for v in new.values if records.spf.is_spf(unquote(v))]
                    assert merged and set(unquote(value).split()) <= set(merged[0].split())
                else:
                    assert value in new.values, f"{value} at {name} was changed"
    if not plan.conflicts:
        assert records.plan(REQUEST, IDENTITY, after).changes == ()  # applying converges
