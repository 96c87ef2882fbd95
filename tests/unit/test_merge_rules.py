"""One test per row of docs/merge-rules.md, and a check that the table and these rows agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from mailauth import dmarc, records, spf
from mailauth.domain import dns_name
from mailauth.models import IdentityInfo, Plan, RecordSet
from mailauth.request import OnboardRequest
from mailauth.txt import quote, unquote

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "example.com"
MAIL = "mail.example.com"
DMARC = "_dmarc.example.com"
DKIM1 = "tok1._domainkey.example.com"
SES_MX = "10 feedback-smtp.eu-west-1.amazonses.com"
IDENTITY = IdentityInfo(
    domain=DOMAIN,
    identity_arn="arn:aws:ses:eu-west-1:123456789012:identity/example.com",
    region="eu-west-1",
    adopted=False,
    dkim_tokens=("tok1", "tok2", "tok3"),
    signing_hosted_zone="dkim.eu-west-1.amazonses.com",
    mail_from_domain=MAIL,
)


def rs(name: str, rtype: str, *values: str) -> RecordSet:
    return RecordSet(name=name, type=rtype, values=values)


def plan(
    *existing: RecordSet,
    replace: bool = False,
    retired: tuple[RecordSet, ...] = (),
    internet: dict[str, str] | None = None,
    inherited: records.Inherited = (None, None),
    policy: str = "quarantine",
    rua: tuple[str, ...] = (),
) -> Plan:
    """The plan against a zone of ``existing`` sets; ``internet``: the TXT record public DNS serves at each name an
    SPF record includes (given: includes are followed, as the workflow follows them; absent: what is written)."""
    request = OnboardRequest(
        domain=DOMAIN, dmarc={"policy": policy, "replace_existing": replace, "rua": list(rua)}
    )
    zone: dict[str, list[RecordSet]] = {}
    for record in existing:
        zone.setdefault(dns_name(record.name), []).append(record)
    if internet is None:
        return records.plan(request, IDENTITY, zone, retired, inherited=inherited)
    served = {"amazonses.com": "v=spf1 ip4:192.0.2.0/24 -all", **internet}

    def fetch(name: str) -> tuple[str, ...]:
        return (served[name],) if name in served else ()

    return records.plan(
        request, IDENTITY, zone, retired, spf_cost=lambda value: spf.cost(value, fetch), inherited=inherited
    )


def change(p: Plan, name: str, rtype: str) -> tuple[str, tuple[str, ...]] | None:
    for c in p.changes:
        if dns_name(c.record.name) == name and c.record.type == rtype:
            return c.action, c.record.values
    return None


def kept(p: Plan, name: str, rtype: str) -> str | None:
    return next(
        (k.reason for k in p.kept if dns_name(k.record.name) == name and k.record.type == rtype), None
    )


def conflict(p: Plan, name: str) -> str | None:
    return next((c.explanation for c in p.conflicts if c.name == name), None)


def r1() -> None:
    p = plan()
    assert {c.action for c in p.changes} == {"CREATE"}
    assert {(dns_name(c.record.name), c.record.type) for c in p.changes} >= {
        (DKIM1, "CNAME"),
        (DMARC, "TXT"),
        (MAIL, "MX"),
        (MAIL, "TXT"),
    }
    assert len(p.changes) == 6


def r2() -> None:
    assert kept(plan(rs(DKIM1, "CNAME", "tok1.dkim.eu-west-1.amazonses.com")), DKIM1, "CNAME")


def r3() -> None:
    p = plan(rs(DKIM1, "CNAME", "tok1.dkim.amazonses.com"))
    assert conflict(p, DKIM1) and change(p, DKIM1, "CNAME") is None


def r4() -> None:
    assert conflict(plan(rs(DKIM1, "TXT", '"v=DKIM1; p=MIGf"')), DKIM1)


def r5() -> None:
    p = plan(rs(DMARC, "TXT", '"v=DMARC1; p=none"'))
    assert "weaker" in (kept(p, DMARC, "TXT") or "") and change(p, DMARC, "TXT") is None
    assert "stricter than" in (kept(plan(rs(DMARC, "TXT", '"v=DMARC1; p=reject"')), DMARC, "TXT") or "")


def r6() -> None:
    p = plan(rs(DMARC, "TXT", '"v=DMARC1; p=none"', '"other=1"'), replace=True)
    assert change(p, DMARC, "TXT") == ("UPSERT", ('"other=1"', '"v=DMARC1; p=quarantine"'))


def r7() -> None:
    p = plan(rs(DMARC, "TXT", '"v=DMARC1; p=none"', '"v=DMARC1; p=reject"'))
    assert kept(p, DMARC, "TXT") and any("2 DMARC records" in n for n in p.notes)


def r8() -> None:
    p = plan(rs(DMARC, "TXT", '"v=DMARC1; p=none"', '"v=DMARC1; p=reject"'), replace=True)
    assert change(p, DMARC, "TXT") == ("UPSERT", ('"v=DMARC1; p=quarantine"',))


def r9() -> None:
    assert "delegated" in (
        kept(plan(rs(DMARC, "CNAME", "example.com.dmarc.example.net")), DMARC, "CNAME") or ""
    )


def r10() -> None:
    p = plan(rs(DMARC, "TXT", '"note=1"'))
    assert change(p, DMARC, "TXT") == ("UPSERT", ('"note=1"', '"v=DMARC1; p=quarantine"'))


def r11() -> None:
    assert kept(plan(rs(MAIL, "MX", SES_MX)), MAIL, "MX")


def r12() -> None:
    assert "must not receive" in (conflict(plan(rs(MAIL, "MX", "10 mx.example.net")), MAIL) or "")
    assert conflict(plan(rs(MAIL, "MX", SES_MX, "20 backup.example.net")), MAIL)


def r13() -> None:
    p = plan(rs(MAIL, "CNAME", "elsewhere.example.net"))
    assert len(p.conflicts) == 1 and "CNAME" in p.conflicts[0].explanation


def r14() -> None:
    p = plan(rs(MAIL, "TXT", '"verify=1"'))
    assert change(p, MAIL, "TXT") == ("UPSERT", ('"verify=1"', '"v=spf1 include:amazonses.com ~all"'))


def r15() -> None:
    assert kept(plan(rs(MAIL, "TXT", '"v=spf1 include:amazonses.com -all"')), MAIL, "TXT")


def r16() -> None:
    p = plan(rs(MAIL, "TXT", '"v=spf1 mx -all"'))
    assert change(p, MAIL, "TXT") == ("UPSERT", ('"v=spf1 mx include:amazonses.com -all"',))


def r17() -> None:
    spf = "v=spf1 " + " ".join(f"include:s{i}.example.net" for i in range(10)) + " -all"
    assert "11 DNS lookups" in (conflict(plan(rs(MAIL, "TXT", quote(spf))), MAIL) or "")


def r18() -> None:
    assert "2 SPF records" in (
        conflict(plan(rs(MAIL, "TXT", '"v=spf1 -all"', '"v=spf1 mx -all"')), MAIL) or ""
    )


def r19() -> None:
    spf = "v=spf1 " + " ".join(f"ip4:192.0.2.{i}" for i in range(1, 25)) + " -all"
    assert len(spf) > 200
    action, values = change(plan(rs(MAIL, "TXT", quote(spf))), MAIL, "TXT")  # type: ignore[misc]
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', values[0])
    assert action == "UPSERT" and len(strings) == 2
    assert all(len(s.encode()) <= 255 for s in strings)
    assert unquote(values[0]) == spf.replace(" -all", " include:amazonses.com -all")


def r20() -> None:
    p = plan(
        rs("TOK1._DOMAINKEY.Example.COM.", "CNAME", "TOK1.DKIM.EU-WEST-1.amazonses.com."),
        rs("Mail.Example.com.", "MX", "10 FEEDBACK-SMTP.eu-west-1.amazonses.com."),
        rs("mail.example.com.", "TXT", '"v=spf1 include:amazonses.com" " ~all"'),
    )
    assert kept(p, DKIM1, "CNAME") and kept(p, MAIL, "MX") and kept(p, MAIL, "TXT")
    assert not p.conflicts


def r21() -> None:
    old = RecordSet(
        name="old._domainkey.example.com",
        type="CNAME",
        ttl=1800,
        values=("old.dkim.eu-west-1.amazonses.com",),
    )
    assert change(plan(old, retired=(old,)), "old._domainkey.example.com", "CNAME") == ("DELETE", old.values)


def r22() -> None:
    old = RecordSet(
        name="old._domainkey.example.com",
        type="CNAME",
        ttl=1800,
        values=("old.dkim.eu-west-1.amazonses.com",),
    )
    edited = old.model_copy(update={"values": ("somewhere.example.net",)})
    p = plan(edited, retired=(old,))
    assert change(p, "old._domainkey.example.com", "CNAME") is None
    assert any("changed since mailauth created it" in n for n in p.notes)


def r23() -> None:
    vendor = (
        "v=spf1 " + " ".join(f"a:h{i}.vendor.example" for i in range(9)) + " -all"
    )  # 9 lookups of its own
    existing = rs(MAIL, "TXT", '"v=spf1 include:_spf.vendor.example -all"')  # writes 1
    assert change(plan(existing), MAIL, "TXT") is not None  # counted as written, it would be merged
    p = plan(existing, internet={"_spf.vendor.example": vendor})
    explanation = conflict(p, MAIL) or ""
    assert change(p, MAIL, "TXT") is None
    assert "11 DNS lookups, SPF allows 10" in explanation
    assert "include:_spf.vendor.example (10 lookups)" in explanation
    # at 10 after the merge, the same merge goes ahead
    nine = "v=spf1 " + " ".join(f"a:h{i}.vendor.example" for i in range(8)) + " -all"
    assert change(plan(existing, internet={"_spf.vendor.example": nine}), MAIL, "TXT") == (
        "UPSERT",
        ('"v=spf1 include:_spf.vendor.example include:amazonses.com -all"',),
    )


def r24() -> None:
    broken = rs(MAIL, "TXT", '"v=spf1 include:gone.example -all"')
    explanation = conflict(plan(broken, internet={}), MAIL) or ""
    assert (
        "already a permanent error" in explanation and "gone.example publishes no SPF record" in explanation
    )
    # even when it already includes SES, a record every receiver rejects is not "already right"
    both = rs(MAIL, "TXT", '"v=spf1 include:gone.example include:amazonses.com -all"')
    p = plan(both, internet={})
    assert kept(p, MAIL, "TXT") is None and "already a permanent error" in (conflict(p, MAIL) or "")


def parent(policy: str, sp: str | None = None, how: str = "RFC 7489") -> dmarc.InForce:
    record = f"v=DMARC1; p={policy}" + (f"; sp={sp}" if sp else "")
    return dmarc.InForce(source="parent.example", record=record, policy=sp or policy, how=how)


def r25() -> None:
    for inherited in ((parent("reject"), None), (None, parent("quarantine", how="DMARCbis"))):
        p = plan(inherited=inherited)  # requested: quarantine
        assert change(p, DMARC, "TXT") is None
        assert "inherited: p=" in (kept(p, "_dmarc.parent.example", "TXT") or "")
    # the two readings differ: compared with the stricter, both reported
    differ = plan(policy="quarantine", inherited=(parent("none"), parent("reject", how="DMARCbis")))
    assert change(differ, DMARC, "TXT") is None
    assert any("receivers differ" in n for n in differ.notes)


def r26() -> None:
    p = plan(policy="reject", inherited=(parent("quarantine"), None))
    assert change(p, DMARC, "TXT") == ("CREATE", ('"v=DMARC1; p=reject"',))
    assert any("is stricter, so it is published" in n for n in p.notes)
    equal = plan(policy="quarantine", rua=("mailto:d@example.com",), inherited=(parent("quarantine"), None))
    assert change(equal, DMARC, "TXT") is not None


def r27() -> None:
    assert change(plan(policy="none", inherited=(parent("none", sp="reject"), None)), DMARC, "TXT") is None
    p = plan(policy="none", replace=True, inherited=(parent("none", sp="reject"), None))
    assert change(p, DMARC, "TXT") == ("CREATE", ('"v=DMARC1; p=none"',))
    assert any(n.startswith("WEAKER") for n in p.notes)


def r28() -> None:
    p = plan(rs(DMARC, "TXT", '"v=DMARC1; p=reject; sp=reject"'), replace=True)  # requested: quarantine
    assert change(p, DMARC, "TXT") == ("UPSERT", ('"v=DMARC1; p=quarantine"',))
    weaker = [n for n in p.notes if n.startswith("WEAKER")]
    assert len(weaker) == 2 and "p=reject to p=quarantine" in weaker[0] and "subdomains" in weaker[1]
    assert not [n for n in plan(rs(DMARC, "TXT", '"v=DMARC1; p=none"'), replace=True).notes if "WEAKER" in n]


def r29() -> None:
    existing = rs(MAIL, "TXT", '"v=spf1 include:_spf.provider.example -all"')
    p = plan(existing, internet={"_spf.provider.example": "v=spf1 include:amazonses.com ~all"})
    assert change(p, MAIL, "TXT") is None
    assert "reaches, through its includes, amazonses.com" in (kept(p, MAIL, "TXT") or "")


def r30() -> None:
    weighted = RecordSet(
        name=MAIL, type="TXT", values=('"v=spf1 -all"',), routing="weighted (SetIdentifier a)"
    )
    explanation = conflict(plan(weighted), MAIL) or ""
    assert "TXT weighted (SetIdentifier a)" in explanation and change(plan(weighted), MAIL, "TXT") is None


def r31() -> None:
    alias = RecordSet(name=DMARC, type="TXT", values=("ALIAS x.example.net",), routing="alias")
    assert "TXT alias" in (conflict(plan(alias), DMARC) or "")


def r32() -> None:
    p = plan(rs("*.example.com", "MX", "10 catchall.example.net."))
    assert change(p, MAIL, "MX") is not None  # the MAIL FROM name is created as usual
    assert any("wildcard MX *.example.com answers for mail.example.com" in n for n in p.notes)
    assert any("answers for _dmarc.example.com" in n for n in p.notes)


ROWS: dict[str, Callable[[], None]] = {
    f"R{i}": f
    for i, f in enumerate(
        [
            r1,
            r2,
            r3,
            r4,
            r5,
            r6,
            r7,
            r8,
            r9,
            r10,
            r11,
            r12,
            r13,
            r14,
            r15,
            r16,
            r17,
            r18,
            r19,
            r20,
            r21,
            r22,
            r23,
            r24,
            r25,
            r26,
            r27,
            r28,
            r29,
            r30,
            r31,
            r32,
        ],
        start=1,
    )
}


@pytest.mark.parametrize("row", list(ROWS))
def test_row(row: str) -> None:
    ROWS[row]()


def test_the_table_and_the_tests_agree() -> None:
    table = (ROOT / "docs" / "merge-rules.md").read_text()
    assert set(re.findall(r"^\| (R\d+) \|", table, re.M)) == set(ROWS)
