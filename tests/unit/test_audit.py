"""The DNS audit of the report, against a world on the sandbox's DNS server: what it flags and what it passes."""

from __future__ import annotations

from mailauth import dnscheck, report
from mailauth.models import AuditFinding
from mailauth_sandbox import LocalAws


def by_check(findings: list[AuditFinding]) -> dict[str, AuditFinding]:
    return {f.check: f for f in findings}


def test_report_mailboxes_at_a_domain_that_receives_no_mail_are_flagged(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone("example.com")
    bare_aws.add_record(
        zone,
        "_dmarc.example.com",
        "TXT",
        '"v=DMARC1; p=reject; rua=mailto:d@example.com; ruf=mailto:f@nomail.example.com"',
    )
    bare_aws.add_record(zone, "example.com", "MX", "10 inbound.example.com.")
    bare_aws.add_record(zone, "nomail.example.com", "TXT", '"exists, but receives no mail"')
    found = by_check(report._dmarc_findings(dnscheck.make_resolver(bare_aws.dns_address), "example.com"))
    assert "dmarc.rua.mailbox" not in found  # example.com has an MX
    assert (
        found["dmarc.ruf.mailbox"].status == "warn"
        and "nomail.example.com" in found["dmarc.ruf.mailbox"].detail
    )
    # an address is RFC 5321's implicit MX: that domain can receive the reports
    bare_aws.add_record(zone, "nomail.example.com", "A", "192.0.2.25")
    again = by_check(report._dmarc_findings(dnscheck.make_resolver(bare_aws.dns_address), "example.com"))
    assert "dmarc.ruf.mailbox" not in again


def test_tags_dmarcbis_removes_are_flagged_with_what_to_do_instead(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone("example.com")
    bare_aws.add_record(zone, "_dmarc.example.com", "TXT", '"v=DMARC1; p=quarantine; pct=25; ri=3600"')
    found = by_check(report._dmarc_findings(dnscheck.make_resolver(bare_aws.dns_address), "example.com"))
    assert found["dmarc.pct"].status == "warn" and "p= steps" in (found["dmarc.pct"].fix or "")
    assert found["dmarc.ri"].status == "warn"
    assert "dmarc.rf" not in found


def test_a_subdomain_without_a_record_is_audited_by_the_policy_it_inherits(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone("example.com")
    bare_aws.add_record(zone, "_dmarc.example.com", "TXT", '"v=DMARC1; p=reject; rua=mailto:d@example.com"')
    bare_aws.add_record(zone, "example.com", "MX", "10 inbound.example.com.")
    found = by_check(report._dmarc_findings(dnscheck.make_resolver(bare_aws.dns_address), "news.example.com"))
    assert found["dmarc"].status == "ok"
    assert "receivers apply p=reject from _dmarc.example.com" in found["dmarc"].detail


def test_the_mail_from_spf_is_judged_through_its_includes(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone("vendor.example")
    bare_aws.add_record(zone, "_spf.vendor.example", "TXT", '"v=spf1 include:amazonses.com -all"')
    many = " ".join(f"a:h{i}.vendor.example" for i in range(10))
    bare_aws.add_record(zone, "_big.vendor.example", "TXT", f'"v=spf1 {many} -all"')
    resolver = dnscheck.make_resolver(bare_aws.dns_address)

    reached = report._spf_finding(resolver, "mail.example.com", "v=spf1 include:_spf.vendor.example -all")
    assert reached.status == "ok"  # SES is reached through the vendor's include
    too_many = report._spf_finding(
        resolver, "mail.example.com", "v=spf1 include:_big.vendor.example include:amazonses.com -all"
    )
    assert too_many.status == "fail" and "12 DNS lookups" in too_many.detail
    assert "include:_big.vendor.example (11 lookups)" in too_many.detail
    missing = report._spf_finding(resolver, "mail.example.com", "v=spf1 ip4:192.0.2.1 -all")
    assert missing.status == "fail" and "does not reach amazonses.com" in missing.detail


def test_dkim_cnames_that_resolve_elsewhere_are_told_apart_from_missing_ones(bare_aws: LocalAws) -> None:
    from mailauth.models import IdentityInfo
    from mailauth.request import OnboardRequest

    zone = bare_aws.create_hosted_zone("example.com")
    bare_aws.add_record(zone, "tok1._domainkey.example.com", "CNAME", "tok1.dkim.amazonses.com.")
    bare_aws.add_record(zone, "tok2._domainkey.example.com", "CNAME", "selector.other-esp.example.net.")
    identity = IdentityInfo(
        domain="example.com",
        identity_arn="arn:aws:ses:us-east-1:123456789012:identity/example.com",
        region="us-east-1",
        adopted=False,
        dkim_tokens=("tok1", "tok2", "tok3"),
        signing_hosted_zone="dkim.amazonses.com",
        mail_from_domain="mail.example.com",
    )
    found = by_check(
        report.audit(
            OnboardRequest(domain="example.com"), identity, dnscheck.make_resolver(bare_aws.dns_address)
        )
    )
    assert found["dkim"].status == "fail" and found["dkim"].detail.endswith("tok3._domainkey.example.com")
    target = found["dkim.target"]
    assert target.status == "fail"
    assert "tok2._domainkey.example.com -> selector.other-esp.example.net" in target.detail
