"""SPF (RFC 7208) just as far as mailauth needs it: find, count DNS lookups, merge an include."""

from __future__ import annotations

import re

MAX_LOOKUPS = 10
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
    """DNS-querying terms written in this record (nested includes are not followed here)."""
    return sum(1 for term in terms(value) if _LOOKUP_TERM.match(term))


def includes(value: str, domain: str) -> bool:
    wanted = f"include:{domain}".lower()
    return any(term.lower().lstrip("+") == wanted for term in terms(value))


def merge_include(value: str, domain: str) -> str:
    """Add ``include:<domain>`` before the ``all`` (or ``redirect=``) term; ValueError when SPF forbids it."""
    if includes(value, domain):
        return value
    if lookup_count(value) + 1 > MAX_LOOKUPS:
        raise ValueError(
            f"adding include:{domain} would make {lookup_count(value) + 1} DNS lookups; SPF allows {MAX_LOOKUPS}"
        )
    parts = terms(value)
    position = next(
        (i for i, term in enumerate(parts) if _ALL.match(term) or term.lower().startswith("redirect=")),
        len(parts),
    )
    parts.insert(position, f"include:{domain}")
    return " ".join(["v=spf1", *parts])
