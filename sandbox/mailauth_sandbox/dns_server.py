"""An authoritative DNS server on loopback that serves moto's PUBLIC Route 53 hosted zones.

It stands for "the public DNS" that SES and the handlers' checks query. It answers at query time from
moto's record store (so a change is visible as soon as its propagation delay has passed) and never
serves private zones. A zone listed in ``undelegated_zones`` is answered as a registrar's parking
servers would before delegation: other NS at the apex, NXDOMAIN below.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterable
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from .names import norm
from .route53 import Route53Emulator
from .route53_records import record_values

PARKED_NAME_SERVERS = ("ns1.parked-registrar.example.", "ns2.parked-registrar.example.")
#: Names outside every hosted zone that this world serves as the internet does. ``amazonses.com``: the SPF record
#: that ``include:amazonses.com`` reads. SES documents the include (Developer Guide, custom MAIL FROM domain),
#: not the record; that it holds ``ip4`` terms only (no further DNS lookups) is assumption A18 (docs/local.md).
#: In AWS mailauth reads the real record from public DNS, so either answer works.
INTERNET: dict[str, dict[str, dict[str, tuple[int, list[str]]]]] = {
    "amazonses.com.": {
        "amazonses.com.": {
            "TXT": (300, ['"v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 -all"'])
        }
    }
}
SERVED_TYPES = {"A", "AAAA", "TXT", "MX", "CNAME", "NS", "SOA", "CAA", "SRV", "PTR", "SPF"}


def octal_to_decimal_escapes(value: str) -> str:
    """``\\ooo`` (Route 53: a byte as three OCTAL digits) to ``\\ddd`` (RFC 1035 zone files: DECIMAL digits).

    Route 53 Developer Guide, TXT record type, special characters
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#TXTFormat); dnspython
    parses zone-file text, where ``\\DDD`` is decimal (RFC 1035 section 5.1).
    """
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            digits = value[i + 1 : i + 4]
            if len(digits) == 3 and all(c in "01234567" for c in digits):
                out.append(f"\\{int(digits, 8):03d}")
                i += 4
                continue
            out.append(value[i : i + 2])
            i += 2
            continue
        out.append(value[i])
        i += 1
    return "".join(out)


class _Zone:
    """A snapshot of one hosted zone: ``{name: {type: (ttl, [values])}}``."""

    def __init__(
        self, name: str, records: dict[str, dict[str, tuple[int, list[str]]]], name_servers: list[str]
    ) -> None:
        self.name = name
        self.records = records
        self.name_servers = name_servers


class DnsServer:
    """UDP (and TCP when the same port is free) DNS server on 127.0.0.1."""

    def __init__(
        self,
        route53: Route53Emulator,
        undelegated_zones: Iterable[str] = (),
        host: str = "127.0.0.1",
        requested_port: int = 0,
    ) -> None:
        self.route53 = route53
        self.undelegated_zones: set[str] = {norm(z) for z in undelegated_zones}
        self.host = host
        #: the port to bind (0: an ephemeral one); ``mailauth-sandbox serve --dns-port``
        self.requested_port = requested_port
        self.queries: list[tuple[str, str]] = []
        self._udp: socketserver.ThreadingUDPServer | None = None
        self._tcp: socketserver.ThreadingTCPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The UDP port (0 before start)."""
        return self._udp.server_address[1] if self._udp else 0

    @property
    def address(self) -> str:
        """``ip:port``, the form ``MAILAUTH_DNS_NAMESERVERS`` takes."""
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        """Bind and serve in daemon threads."""
        server = self

        class Udp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                reply = server.handle_wire(data, max_size=65535 if len(data) > 512 else 512)
                if reply is not None:
                    sock.sendto(reply, self.client_address)

        class Tcp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(2)
                try:
                    head = sock.recv(2)
                    if len(head) < 2:
                        return
                    (length,) = struct.unpack("!H", head)
                    data = b""
                    while len(data) < length:
                        chunk = sock.recv(length - len(data))
                        if not chunk:
                            return
                        data += chunk
                    reply = server.handle_wire(data, max_size=65535)
                    if reply is not None:
                        sock.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:
                    return

        socketserver.ThreadingUDPServer.daemon_threads = True
        self._udp = socketserver.ThreadingUDPServer((self.host, self.requested_port), Udp)
        try:
            socketserver.ThreadingTCPServer.allow_reuse_address = True
            socketserver.ThreadingTCPServer.daemon_threads = True
            self._tcp = socketserver.ThreadingTCPServer((self.host, self.port), Tcp)
        except OSError:
            self._tcp = None
        for srv in (self._udp, self._tcp):
            if srv is not None:
                thread = threading.Thread(
                    target=srv.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"mailauth-dns-{type(srv).__name__}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving and join the threads."""
        for srv in (self._udp, self._tcp):
            if srv is not None:
                srv.shutdown()
                srv.server_close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        self._udp = self._tcp = None

    # -- answering --------------------------------------------------------------------------------
    def handle_wire(self, data: bytes, max_size: int = 512) -> bytes | None:
        """Answer one query in wire format."""
        try:
            query = dns.message.from_wire(data)
        except Exception:
            return None
        try:
            reply = self.answer(query)
        except Exception:
            reply = dns.message.make_response(query)
            reply.set_rcode(dns.rcode.SERVFAIL)
        try:
            return reply.to_wire(max_size=max_size)
        except dns.exception.TooBig:
            reply.answer.clear()
            reply.flags |= dns.flags.TC
            return reply.to_wire()

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        """Build the authoritative reply to ``query``."""
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        if not query.question:
            reply.set_rcode(dns.rcode.FORMERR)
            return reply
        question = query.question[0]
        qname = norm(question.name.to_text())
        qtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((qname, qtype))
        zone = self._zone_for(qname)
        if zone is None:  # in no zone of this world: the registry's answer for a domain nobody delegated
            reply.flags &= ~dns.flags.AA
            reply.set_rcode(dns.rcode.NXDOMAIN)
            return reply
        if zone.name in self.undelegated_zones:
            if qname == zone.name and qtype == "NS":
                reply.answer.append(self._rrset(qname, "NS", 3600, list(PARKED_NAME_SERVERS)))
            else:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            return reply
        self._resolve(reply, zone, qname, qtype, depth=0)
        return reply

    def _resolve(self, reply: dns.message.Message, zone: _Zone, qname: str, qtype: str, depth: int) -> None:
        node = zone.records.get(qname)
        if node is not None and "CNAME" in node and qtype != "CNAME":
            ttl, values = node["CNAME"]
            reply.answer.append(self._rrset(qname, "CNAME", ttl, values))
            target = norm(values[0])
            target_zone = self._zone_for(target)
            if depth < 8 and target_zone is not None and target_zone.name not in self.undelegated_zones:
                self._resolve(reply, target_zone, target, qtype, depth + 1)
            return
        if node is not None and qtype in node:
            ttl, values = node[qtype]
            reply.answer.append(self._rrset(qname, qtype, ttl, values))
            return
        if depth > 0:
            return
        exists = node is not None or any(name.endswith("." + qname) for name in zone.records)
        if not exists:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        soa = zone.records.get(zone.name, {}).get("SOA")
        if soa is not None:
            reply.authority.append(self._rrset(zone.name, "SOA", soa[0], soa[1]))

    @staticmethod
    def _rrset(name: str, rtype: str, ttl: int, values: list[str]) -> dns.rrset.RRset:
        """Route 53's presentation values as an RRset (TXT escapes turned from Route 53's octal to RFC 1035's)."""
        rdtype = dns.rdatatype.from_text(rtype)
        rrset = dns.rrset.RRset(dns.name.from_text(name), dns.rdataclass.IN, rdtype)
        for value in values:
            text = value if rtype not in ("NS", "CNAME", "PTR") or value.endswith(".") else value + "."
            if rtype in ("TXT", "SPF"):
                text = octal_to_decimal_escapes(text)
            rrset.add(
                dns.rdata.from_text(dns.rdataclass.IN, rdtype, text, origin=dns.name.root, relativize=False),
                ttl,
            )
        return rrset

    def _zone_for(self, qname: str) -> _Zone | None:
        """The most specific public zone containing ``qname``, as served now."""
        best: Any = None
        for zone in self.route53.zones():
            if zone.private_zone:
                continue
            zname = norm(zone.name)
            if (qname == zname or qname.endswith("." + zname)) and (
                best is None or len(zname) > len(norm(best.name))
            ):
                best = zone
        if best is None:
            internet = next((z for z in INTERNET if qname == z or qname.endswith("." + z)), None)
            return None if internet is None else _Zone(internet, INTERNET[internet], [])
        return self._snapshot(best)

    def _snapshot(self, zone: Any) -> _Zone:
        zname = norm(zone.name)
        records: dict[str, dict[str, tuple[int, list[str]]]] = {}
        for rr in list(zone.rrsets):
            rtype = str(rr.type).upper()
            if rtype not in SERVED_TYPES or rr.alias_target or not rr.records:
                continue
            name = norm(rr.name)
            if not self.route53.visible(name, rtype):
                continue
            try:
                ttl = int(rr.ttl) if rr.ttl is not None else 300
            except (TypeError, ValueError):
                ttl = 300
            node = records.setdefault(name, {})
            old = node.get(rtype)
            node[rtype] = (ttl, (old[1] if old else []) + record_values(rr.records))
        name_servers = list(zone.delegation_set.name_servers) if zone.delegation_set else []
        apex = records.setdefault(zname, {})
        if name_servers:
            apex["NS"] = (172800, name_servers)
        if "SOA" not in apex:
            primary = norm(name_servers[0]) if name_servers else "ns.sandbox.invalid."
            apex["SOA"] = (900, [f"{primary} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"])
        return _Zone(zname, records, name_servers)


def resolver(address: str, lifetime: float = 2.0) -> Any:
    """A dnspython resolver that asks only this server (``address`` is ``ip:port``)."""
    import dns.resolver

    host, _, port = address.partition(":")
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [host]
    res.port = int(port or 53)
    res.lifetime = lifetime
    res.timeout = lifetime
    res.cache = None
    return res
