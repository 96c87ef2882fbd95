"""SPF (RFC 7208) just as far as mailauth needs it: find, count DNS lookups as receivers do, merge an include.

RFC 7208 section 4.6.4: an evaluation may cause at most 10 DNS-querying terms (the ``include``, ``a``, ``mx``,
``ptr`` and ``exists`` mechanisms and the ``redirect`` modifier), counted through every ``include`` and
``redirect`` it follows, and at most 2 "void lookups" (a query answered with no records or NXDOMAIN); past
either, the result is permerror, at every receiver. An ``include`` or ``redirect`` whose domain has no SPF record
is a permerror too (sections 5.2 and 6.1). :func:`cost` counts a record that way, reading the records it
includes through ``fetch`` (public DNS in the functions, :func:`mailauth.dnscheck.spf_fetch`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_LOOKUPS = 10
MAX_VOID_LOOKUPS = 2
#: the domain whose SPF record lists SES's sending addresses (SES Developer Guide, custom MAIL FROM domain)
SES_INCLUDE = "amazonses.com"
_LOOKUP_TERM = re.compile(r"^[+\-~?]?(include:|a$|a:|a/|mx$|mx:|mx/|ptr$|ptr:|exists:|redirect=)", re.I)
_ALL = re.compile(r"^[+\-~?]?all$", re.I)


def is_spf(value: str) -> bool:
    text = value.strip().lower()
    return text == "v=spf1" or text.startswith("v=spf1 ")


def terms(value: str) -> list[str]:
    return value.split()[1:]


def lookup_count(value: str) -> int:
    """DNS-querying terms written in this record itself (:func:`cost` follows includes)."""
    return sum(1 for term in terms(value) if _LOOKUP_TERM.match(term))


#: the TXT strings (joined) served at a name; an empty tuple for NXDOMAIN or no TXT records; raises
#: :class:`mailauth.errors.DnsLookupError` when DNS did not answer
Fetch = Callable[[str], tuple[str, ...]]


@dataclass(frozen=True)
class Cost:
    """What evaluating one SPF record costs a receiver."""

    lookups: int = 0  # DNS-querying terms, through every include and redirect
    void: int = 0  # include/redirect targets that answered with nothing
    #: where the lookups come from, one line a term that costs more than itself (``include:x (4 lookups)``)
    chain: tuple[str, ...] = ()
    #: why the record is already a permerror, or None
    problems: tuple[str, ...] = field(default=())
    #: every domain whose record the evaluation reads through include or redirect (nested ones too)
    reaches: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return not self.problems and self.lookups <= MAX_LOOKUPS and self.void <= MAX_VOID_LOOKUPS

    def verdict(self) -> str:
        """One sentence: why a receiver would answer permerror (empty when it would not)."""
        reasons = list(self.problems)
        if self.lookups > MAX_LOOKUPS:
            reasons.append(f"{self.lookups} DNS lookups, SPF allows {MAX_LOOKUPS}")
        if self.void > MAX_VOID_LOOKUPS:
            reasons.append(f"{self.void} void lookups, SPF allows {MAX_VOID_LOOKUPS}")
        return "; ".join(reasons)

    def where(self) -> str:
        """Where the lookups come from, as a sentence tail (empty when nothing nests)."""
        return ("; the lookups: " + ", ".join(line.strip() for line in self.chain)) if self.chain else ""


def written_cost(value: str) -> Cost:
    """The cost of what is written in ``value`` alone, includes not followed: for planning without DNS (a plan
    made with public DNS uses :func:`cost`)."""
    return Cost(lookups=lookup_count(value))


def _target(term: str) -> str | None:
    """The domain an ``include:`` or ``redirect=`` term names (None for another term, or a macro)."""
    lowered = term.lower().lstrip("+-~?")
    for prefix in ("include:", "redirect="):
        if lowered.startswith(prefix):
            domain = term.lstrip("+-~?")[len(prefix) :].rstrip(".").lower()
            return None if "%" in domain else domain
    return None


def cost(value: str, fetch: Fetch, *, _seen: tuple[str, ...] = ()) -> Cost:
    """What ``value`` costs a receiver, following its includes and its redirect (RFC 7208 4.6.4)."""
    lookups, void = 0, 0
    chain: list[str] = []
    problems: list[str] = []
    reached: set[str] = set()
    written = terms(value)
    has_all = any(_ALL.match(t) for t in written)
    for term in written:
        if not _LOOKUP_TERM.match(term):
            continue
        if term.lower().startswith("redirect=") and has_all:
            continue  # RFC 7208 6.1: with an "all" mechanism, redirect is never followed
        lookups += 1
        domain = _target(term)
        if domain is None:
            continue
        if domain in _seen:
            problems.append(f"{term} loops back to {domain}")
            continue
        if lookups > MAX_LOOKUPS:  # a receiver has given up by now: the count is "at least"
            continue
        answer = fetch(domain)
        served = [v for v in answer if is_spf(v)]
        if not served:
            if not answer:
                void += 1
            problems.append(f"{term}: {domain} publishes no SPF record")
            continue
        if len(served) > 1:
            problems.append(f"{term}: {domain} publishes {len(served)} SPF records")
            continue
        nested = cost(served[0], fetch, _seen=(*_seen, domain))
        reached |= {domain, *nested.reaches}
        lookups += nested.lookups
        void += nested.void
        problems += nested.problems
        if nested.lookups:
            chain.append(f"{term} ({1 + nested.lookups} lookups)")
            chain += [f"  {line}" for line in nested.chain]
    return Cost(
        lookups=lookups, void=void, chain=tuple(chain), problems=tuple(problems), reaches=frozenset(reached)
    )


def includes(value: str, domain: str) -> bool:
    wanted = f"include:{domain}".lower()
    return any(term.lower().lstrip("+") == wanted for term in terms(value))


def merge_include(value: str, domain: str) -> str:
    """Add ``include:<domain>`` before the ``all`` (or ``redirect=``) term (whether the result stays within SPF's
    limits is :func:`cost`'s question)."""
    if includes(value, domain):
        return value
    parts = terms(value)
    position = next(
        (i for i, term in enumerate(parts) if _ALL.match(term) or term.lower().startswith("redirect=")),
        len(parts),
    )
    parts.insert(position, f"include:{domain}")
    return " ".join(["v=spf1", *parts])
