"""What public DNS serves, read for a domain whose DNS is elsewhere: answers, empty answers, and no answer."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rcode
import pytest

from mailauth import dnscheck
from mailauth.errors import DnsLookupError
from mailauth_sandbox import LocalAws


@pytest.fixture
def failing_dns() -> Iterator[str]:
    """A name server on loopback that answers every query SERVFAIL (a broken provider, a DNSSEC failure)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            reply = dns.message.make_response(dns.message.from_wire(data))
            reply.set_rcode(dns.rcode.SERVFAIL)
            sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    sock.close()


def test_a_lookup_that_gets_no_answer_is_an_error_not_an_empty_answer(failing_dns: str) -> None:
    with pytest.raises(
        DnsLookupError, match=r"public DNS did not answer for CNAME mail.example.com \(NoNameservers\)"
    ):
        dnscheck.served_records(dnscheck.make_resolver(failing_dns), ["mail.example.com"])


def test_records_already_served_are_read_and_a_missing_name_is_empty(bare_aws: LocalAws) -> None:
    zone = bare_aws.create_hosted_zone("example.com")
    bare_aws.add_record(zone, "mail.example.com", "TXT", '"v=spf1 ip4:192.0.2.1 -all"', '"verify=1"')
    bare_aws.add_record(zone, "mail.example.com", "MX", "10 inbound.example.net.")
    bare_aws.add_record(zone, "x._domainkey.example.com", "CNAME", "x.dkim.example.net.")

    served = dnscheck.served_records(
        dnscheck.make_resolver(bare_aws.dns_address),
        ["mail.example.com", "x._domainkey.example.com", "_dmarc.example.com", "other.example.org"],
    )

    [txt, mx] = served["mail.example.com"]
    assert (txt.type, set(txt.values)) == ("TXT", {'"v=spf1 ip4:192.0.2.1 -all"', '"verify=1"'})
    assert (mx.type, mx.values) == ("MX", ("10 inbound.example.net",))
    assert [(s.type, s.values) for s in served["x._domainkey.example.com"]] == [
        ("CNAME", ("x.dkim.example.net",))
    ]
    assert served["_dmarc.example.com"] == []  # NXDOMAIN in a zone that exists
    assert served["other.example.org"] == []  # a domain nobody delegated


def test_counting_spf_lookups_or_finding_an_inherited_dmarc_policy_never_plans_on_a_guess(
    failing_dns: str,
) -> None:
    """A domain an SPF record includes, or a parent's _dmarc record, that public DNS does not answer for is an
    error (retried by the state machine, told to a person), never an empty answer that would count as void."""
    resolver = dnscheck.make_resolver(failing_dns)
    with pytest.raises(
        DnsLookupError, match=r"TXT _spf.vendor.example \(NoNameservers\), which an SPF record"
    ):
        dnscheck.spf_coster(resolver)("v=spf1 include:_spf.vendor.example -all")
    with pytest.raises(DnsLookupError, match="needed to find the DMARC policy the domain inherits"):
        dnscheck.dmarc_in_force(resolver, "news.example.com")
