"""The loopback DNS server answers from moto's public hosted zones."""

from __future__ import annotations

import dns.rcode
import dns.resolver
import pytest

from mailauth_sandbox import LocalAws
from mailauth_sandbox.dns_server import resolver
from tests.sandbox.helpers import change


@pytest.fixture
def zone(bare_aws: LocalAws) -> str:
    zone_id = bare_aws.create_hosted_zone("example.com")
    r53 = bare_aws.client("route53")
    change(zone_id, r53, "CREATE", "_dmarc.example.com", "TXT", '"v=DMARC1; p=none"')
    change(zone_id, r53, "CREATE", "mail.example.com", "MX", "10 feedback-smtp.us-east-1.amazonses.com")
    change(zone_id, r53, "CREATE", "www.example.com", "CNAME", "web.example.com")
    change(zone_id, r53, "CREATE", "web.example.com", "A", "192.0.2.10")
    change(zone_id, r53, "CREATE", "x.deep.example.com", "TXT", '"deep"')
    return zone_id


def res(local: LocalAws) -> dns.resolver.Resolver:
    r: dns.resolver.Resolver = resolver(local.dns_address)
    return r


def test_txt_mx_cname_answers(bare_aws: LocalAws, zone: str) -> None:
    r = res(bare_aws)
    assert [t.to_text() for t in r.resolve("_dmarc.example.com", "TXT")] == ['"v=DMARC1; p=none"']
    mx = list(r.resolve("mail.example.com", "MX"))
    assert [(m.preference, m.exchange.to_text()) for m in mx] == [
        (10, "feedback-smtp.us-east-1.amazonses.com.")
    ]
    assert r.resolve("www.example.com", "CNAME")[0].to_text() == "web.example.com."
    answer = r.resolve("www.example.com", "A")
    assert [a.to_text() for a in answer] == ["192.0.2.10"]


def test_ns_and_soa_at_apex_from_delegation_set(bare_aws: LocalAws, zone: str) -> None:
    r = res(bare_aws)
    expected = bare_aws.client("route53").get_hosted_zone(Id=zone)["DelegationSet"]["NameServers"]
    assert sorted(n.to_text().rstrip(".") for n in r.resolve("example.com", "NS")) == sorted(expected)
    assert len(r.resolve("example.com", "SOA")) == 1


def test_nxdomain_and_nodata(bare_aws: LocalAws, zone: str) -> None:
    r = res(bare_aws)
    with pytest.raises(dns.resolver.NXDOMAIN):
        r.resolve("missing.example.com", "TXT")
    nodata = r.resolve("_dmarc.example.com", "MX", raise_on_no_answer=False)
    assert nodata.rrset is None and nodata.response.rcode() == dns.rcode.NOERROR
    assert nodata.response.authority and nodata.response.authority[0].rdtype == dns.rdatatype.SOA
    empty = r.resolve("deep.example.com", "TXT", raise_on_no_answer=False)
    assert empty.response.rcode() == dns.rcode.NOERROR


def test_most_specific_public_zone_wins_and_private_is_never_served(bare_aws: LocalAws, zone: str) -> None:
    r53 = bare_aws.client("route53")
    sub = bare_aws.create_hosted_zone("news.example.com")
    change(sub, r53, "CREATE", "_dmarc.news.example.com", "TXT", '"v=DMARC1; p=reject"')
    private = bare_aws.create_hosted_zone("corp.example.com", private=True)
    change(private, r53, "CREATE", "_dmarc.corp.example.com", "TXT", '"v=DMARC1; p=quarantine"')
    r = res(bare_aws)
    assert r.resolve("_dmarc.news.example.com", "TXT")[0].to_text() == '"v=DMARC1; p=reject"'
    with pytest.raises(dns.resolver.NXDOMAIN):
        r.resolve("_dmarc.corp.example.com", "TXT")


def test_propagation_delay(local_aws_factory: object) -> None:
    local: LocalAws = local_aws_factory(template=None, propagation_delay=30)  # type: ignore[operator]
    zone_id = local.create_hosted_zone("example.com")
    change(zone_id, local.client("route53"), "CREATE", "_dmarc.example.com", "TXT", '"v=DMARC1; p=none"')
    r = res(local)
    with pytest.raises(dns.resolver.NXDOMAIN):
        r.resolve("_dmarc.example.com", "TXT")
    local.clock.advance(30)
    assert r.resolve("_dmarc.example.com", "TXT")[0].to_text() == '"v=DMARC1; p=none"'


def test_undelegated_zone_is_invisible(local_aws_factory: object) -> None:
    local: LocalAws = local_aws_factory(template=None, undelegated_zones={"example.com"})  # type: ignore[operator]
    zone_id = local.create_hosted_zone("example.com")
    change(zone_id, local.client("route53"), "CREATE", "_dmarc.example.com", "TXT", '"v=DMARC1; p=none"')
    r = res(local)
    assert next(n.to_text() for n in r.resolve("example.com", "NS")).endswith("parked-registrar.example.")
    with pytest.raises(dns.resolver.NXDOMAIN):
        r.resolve("_dmarc.example.com", "TXT")


def test_tcp_answers_too(bare_aws: LocalAws, zone: str) -> None:
    import dns.message
    import dns.query

    host, port = bare_aws.dns_address.split(":")
    reply = dns.query.tcp(
        dns.message.make_query("_dmarc.example.com", "TXT"), host, port=int(port), timeout=2
    )
    assert reply.answer[0][0].to_text() == '"v=DMARC1; p=none"'


def test_txt_octal_escapes_are_served_as_the_bytes_route53_means(bare_aws: LocalAws) -> None:
    # Route 53 holds "ä" (UTF-8 C3 A4) as \303\244 (octal); public DNS serves the two bytes.
    zone_id = bare_aws.create_hosted_zone("example.org")
    change(zone_id, bare_aws.client("route53"), "CREATE", "txt.example.org", "TXT", '"caf\\303\\251 \\"q\\""')
    answer = res(bare_aws).resolve("txt.example.org", "TXT")
    assert [b"".join(r.strings) for r in answer] == ['café "q"'.encode()]
