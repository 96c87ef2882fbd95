"""What public DNS really serves, asked the way a receiving mail server or SES asks.

The resolvers are configurable (the functions' ``MAILAUTH_DNS_NAMESERVERS``: ``ip`` or ``ip:port``, comma-separated); empty means
the system resolver, which in Lambda is a public recursive resolver. The sandbox points it at its DNS server on
loopback, so tests run this very code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from mailauth import dmarc, spf
from mailauth.models import DnsCheck, Purpose, RecordSet
from mailauth.txt import unquote

if TYPE_CHECKING:
    import dns.resolver

TIMEOUT = 3.0
OUT_OF_TIME = "not checked: the step ran out of time"
_DEADLINE = "mailauth_deadline"  # attribute on the resolver: time.monotonic() past which nothing is asked
_monotonic = time.monotonic  # the clock deadlines are measured on (tests replace it)


def make_resolver(nameservers: str = "", *, deadline: float | None = None) -> dns.resolver.Resolver:
    """A resolver for ``nameservers`` (``ip`` or ``ip:port``, comma-separated; empty: the system's).

    ``deadline`` (a ``time.monotonic()`` value) bounds every lookup made with it: each gets at most the time
    left, and none starts after it, so a step's DNS checks end inside its Lambda timeout however slow public
    DNS is (a lookup not made is reported as not checked, never as missing).
    """
    import dns.resolver

    entries = [s.strip() for s in nameservers.split(",") if s.strip()]
    if not entries:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        ips, ports = [], set()
        for entry in entries:
            if entry.count(":") == 1:  # ip:port (IPv6 addresses are given without a port)
                ip, port = entry.split(":")
                ports.add(int(port))
            else:
                ip = entry
            ips.append(ip)
        resolver.nameservers = ips
        if ports:
            resolver.port = ports.pop()
    resolver.lifetime = TIMEOUT
    resolver.timeout = TIMEOUT
    setattr(resolver, _DEADLINE, deadline)
    return resolver


def deadline_for(remaining_ms: int, *, reserve: float = 5.0) -> float:
    """The DNS deadline of a step whose Lambda has ``remaining_ms`` left, keeping ``reserve`` seconds for the rest."""
    return _monotonic() + max(remaining_ms / 1000 - reserve, 0.0)


def lookup(resolver: dns.resolver.Resolver, name: str, rtype: str) -> tuple[tuple[str, ...], str | None]:
    """Values served at ``name``/``rtype`` in mailauth's compare form, and an error label or None.

    CNAME: the target (lower case, no dot). MX: ``pref host``. TXT: the joined character-strings. NS: hosts.
    A, AAAA: addresses.
    """
    import dns.exception
    import dns.resolver

    lifetime = TIMEOUT
    deadline = getattr(resolver, _DEADLINE, None)
    if deadline is not None:
        lifetime = min(TIMEOUT, deadline - _monotonic())
        if lifetime <= 0.05:
            return (), OUT_OF_TIME
    try:
        answer = resolver.resolve(name, rtype, raise_on_no_answer=False, lifetime=lifetime)
    except dns.resolver.NXDOMAIN:
        return (), "NXDOMAIN"
    except (dns.resolver.NoNameservers, dns.exception.Timeout) as exc:
        return (), type(exc).__name__
    if answer.rrset is None:
        return (), None
    values = []
    for rdata in answer.rrset:
        if rtype == "TXT":
            values.append(b"".join(rdata.strings).decode("utf-8", errors="replace"))
        elif rtype == "MX":
            values.append(f"{rdata.preference} {str(rdata.exchange).lower().rstrip('.')}")
        elif rtype in ("A", "AAAA"):
            values.append(str(rdata.address))
        else:
            values.append(str(rdata.target).lower().rstrip("."))
    return tuple(sorted(values)), None


def _ok(purpose: Purpose, expected: tuple[str, ...], found: tuple[str, ...]) -> bool:
    if purpose == "dkim":
        return found == expected
    if purpose == "dmarc":
        return len([v for v in found if dmarc.is_dmarc(v)]) == 1
    if purpose == "mail_from_mx":
        return [v.split()[-1] for v in found] == [v.split()[-1] for v in expected]
    spfs = [v for v in found if spf.is_spf(v)]
    return len(spfs) == 1 and spf.includes(spfs[0], spf.SES_INCLUDE)


def expected_values(record: RecordSet) -> tuple[str, ...]:
    if record.type == "TXT":
        return tuple(sorted(unquote(v) for v in record.values))
    if record.type == "MX":
        return tuple(sorted(f"{v.split()[0]} {v.split()[-1].lower().rstrip('.')}" for v in record.values))
    return tuple(sorted(v.lower().rstrip(".") for v in record.values))


def check_records(
    resolver: dns.resolver.Resolver, wanted: Iterable[tuple[Purpose, RecordSet]]
) -> list[DnsCheck]:
    """Look up every wanted record in public DNS and say whether what is served does the job."""
    checks = []
    for purpose, record in wanted:
        found, error = lookup(resolver, record.name, record.type)
        expected = expected_values(record)
        check = DnsCheck(
            name=record.name,
            type=record.type,
            purpose=purpose,
            expected=expected,
            found=found,
            ok=_ok(purpose, expected, found),
            error=error,
        )
        if purpose == "dmarc" and not any(dmarc.is_dmarc(v) for v in found) and error in (None, "NXDOMAIN"):
            check = _inherited_dmarc(resolver, check)
        checks.append(check)
    return checks


def _inherited_dmarc(resolver: dns.resolver.Resolver, check: DnsCheck) -> DnsCheck:
    """A domain with no DMARC record of its own is covered by the policy it inherits when that is at least as
    strict as the one requested (what the planner decided: docs/merge-rules.md R25): the check names the record
    that applies."""
    from mailauth.errors import DnsLookupError

    requested = dmarc.parse(check.expected[0]).policy if check.expected else None
    try:
        applies = dmarc.strictest(dmarc_in_force(resolver, check.name.removeprefix("_dmarc.")))
    except DnsLookupError:
        return check
    if applies is None or requested is None or dmarc.stronger(requested, applies.policy):
        return check
    return check.model_copy(
        update={"name": f"_dmarc.{applies.source}", "found": (applies.record,), "ok": True}
    )


def public_name_servers(
    resolver: dns.resolver.Resolver, zone_name: str
) -> tuple[tuple[str, ...], str | None]:
    """The NS set the internet sees for the zone apex."""
    return lookup(resolver, zone_name, "NS")


def spf_coster(resolver: dns.resolver.Resolver) -> Callable[[str], spf.Cost]:
    """What an SPF record costs a receiver (:func:`mailauth.spf.cost`), its includes read from public DNS through
    ``resolver`` (each name once). A lookup that got no answer raises DnsLookupError: mailauth does not count, or
    plan, on a guess."""
    fetch = txt_fetch(resolver, "which an SPF record includes")
    return lambda value: spf.cost(value, fetch)


def txt_fetch(resolver: dns.resolver.Resolver, why: str) -> Callable[[str], tuple[str, ...]]:
    """The TXT strings served at a name (each name asked once; NXDOMAIN or no TXT: empty). A lookup that got no
    answer raises DnsLookupError, saying ``why`` mailauth asked: mailauth does not plan on a guess."""
    from mailauth.errors import DnsLookupError

    answers: dict[str, tuple[str, ...]] = {}

    def fetch(name: str) -> tuple[str, ...]:
        if name not in answers:
            values, error = lookup(resolver, name, "TXT")
            if error not in (None, "NXDOMAIN"):
                raise DnsLookupError(f"public DNS did not answer for TXT {name} ({error}), {why}")
            answers[name] = values
        return answers[name]

    return fetch


def dmarc_in_force(
    resolver: dns.resolver.Resolver, domain: str
) -> tuple[dmarc.InForce | None, dmarc.InForce | None]:
    """The DMARC policy receivers apply to ``domain`` while it has no record of its own, by RFC 7489 and by
    DMARCbis (:func:`mailauth.dmarc.in_force`), read from public DNS."""
    from mailauth.domain import organisational_domain

    fetch = txt_fetch(resolver, "needed to find the DMARC policy the domain inherits")
    return dmarc.in_force(domain, fetch, organisational_domain(domain))


def served_records(resolver: dns.resolver.Resolver, names: Iterable[str]) -> dict[str, list[RecordSet]]:
    """What public DNS serves at each name (CNAME, TXT, MX), as record sets the planner can read.

    For DNS hosted outside Route 53, this is the only view of the zone mailauth has: a name that does not exist
    (NXDOMAIN) or has no such record is an empty answer, but a lookup that got no answer at all raises
    DnsLookupError (planning on it would tell the person to create a second SPF record beside one already served).
    """
    from mailauth.errors import DnsLookupError
    from mailauth.txt import quote

    def served(name: str, rtype: str) -> tuple[str, ...]:
        values, error = lookup(resolver, name, rtype)
        if error not in (None, "NXDOMAIN"):
            raise DnsLookupError(f"public DNS did not answer for {rtype} {name} ({error})")
        return values

    out: dict[str, list[RecordSet]] = {}
    for name in names:
        sets: list[RecordSet] = []
        cname = served(name, "CNAME")
        if cname:
            sets.append(RecordSet(name=name, type="CNAME", values=cname))
        else:
            for rtype in ("TXT", "MX"):
                values = served(name, rtype)
                if values:
                    shown = tuple(quote(v) for v in values) if rtype == "TXT" else values
                    sets.append(RecordSet(name=name, type=rtype, values=shown))
        out[name] = sets
    return out
