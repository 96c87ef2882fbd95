"""Domain names as users type them, made into names SES and Route 53 accept, or refused with a reason."""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

MAX_NAME = 253
MAX_LABEL = 63
SHOWN = 80  # characters of a rejected input that an error message quotes
#: RFC 7489 §6.2 rua/ruf are mailto URIs (RFC 6068) of RFC 5322 addresses; mailauth accepts the dot-atom local
#: part of RFC 5322 §3.4.1 in ASCII, less "!" (DMARC's size-limit separator) and "," (its URI separator)
_LOCAL_PART = re.compile(r"^[A-Za-z0-9#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9#$%&'*+/=?^_`{|}~-]+)*$")
MAX_LOCAL_PART = 64  # RFC 5321 §4.5.3.1.1


def shown(value: object) -> str:
    """A rejected input as an error message quotes it: its repr, cut to a short prefix."""
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 4] + "...'"


_LDH = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@cache
def _psl_text() -> str:
    from publicsuffixlist import PSLFILE

    with open(PSLFILE, encoding="utf-8") as source:
        return source.read()


def _rules_of(tld: str) -> list[str]:
    """The rules of the Public Suffix List (the one publicsuffixlist ships) whose last label is ``tld`` as a name
    spells it: ASCII, or punycode for an IDN label (which the list writes in Unicode, and the library encodes with
    ``str.encode("idna")``). A rule is a line's text up to the first space, as the library reads it."""
    text = _psl_text()
    rules = re.findall(rf"(?mi)^([^\s/]\S*\.{re.escape(tld)}|{re.escape(tld)})(?=[ \t\r]|$)", text)
    if tld.startswith("xn--"):
        for rule in re.findall(r"(?m)^[^\s/]\S*", text):
            last = rule.rsplit(".", 1)[-1]
            if not last.isascii():
                try:
                    encoded = last.encode("idna").decode("ascii")
                except UnicodeError:
                    continue  # the library cannot encode it either: it matches no punycode name
                if encoded.lower() == tld:
                    rules.append(rule)
    return [rule.lower() for rule in rules]


@cache
def _psl(tld: str) -> PublicSuffixList:
    """The list's rules for names ending in ``tld``, parsed by publicsuffixlist.

    A rule matches a name only if the rule's labels are the name's rightmost labels (publicsuffix.org, "Formal
    algorithm"), so no rule of another top-level domain can change an answer for this one: these rules answer every
    lookup of a name under ``tld`` as the whole list does (tests/unit/test_domain.py compares them rule by rule).
    Parsing the whole list cost each cold start about 30 ms of CPU (the library punycodes each of its ~10,000
    rules); one top-level domain's rules take a few. Rules all in ASCII need no punycode form.
    """
    from publicsuffixlist import PublicSuffixList

    rules = _rules_of(tld)
    return PublicSuffixList(source=rules, accept_encoded_idn=not all(rule.isascii() for rule in rules))


def _tld(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower()


def _to_ascii(label: str, original: str) -> str:
    if label.isascii():
        return label.lower()
    import idna

    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(
            f"{shown(original)}: label {label!r} is not a valid internationalised name ({exc})"
        ) from None


def _check_label(label: str, original: str) -> None:
    if not label:
        raise ValueError(f"{shown(original)} has an empty label (two dots in a row, or a leading dot)")
    if len(label) > MAX_LABEL:
        raise ValueError(f"{shown(original)}: label {label[:20]!r}... is {len(label)} characters; at most 63")
    if label.startswith("-") or label.endswith("-"):
        raise ValueError(f"{shown(original)}: label {label!r} starts or ends with a hyphen")
    if not _LDH.match(label):
        bad = sorted({c for c in label if not (c.isalnum() or c == "-")})
        raise ValueError(
            f"{shown(original)}: label {label!r} has characters not allowed in a host name: {bad}"
        )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _refuse_non_names(text: str, original: str) -> str:
    """Refuse what is plainly not a domain name (an address, a URL, a wildcard), naming what it is."""
    if not text:
        raise ValueError("domain is empty")
    if any(c.isspace() for c in text):
        raise ValueError(f"{shown(original)} contains spaces")
    if "@" in text:
        raise ValueError(f"{shown(original)} is an e-mail address; give the domain after the @")
    if "*" in text:
        raise ValueError(f"{shown(original)} is a wildcard; SES identities are exact domain names")
    if "/" in text or ":" in text:
        if _is_ip(text):
            raise ValueError(f"{shown(original)} is an IP address, not a domain name")
        raise ValueError(f"{shown(original)} is a URL or has a port; give the bare domain name")
    return text


def _uts46(text: str) -> str:
    """The whole name mapped as UTS #46 (IDNA2008's compatibility processing) says: ideographic and full-width
    full stops become ".", full-width letters plain ones, case folded. A name it cannot map is left as it is, for
    the checks below to name its problem."""
    import idna

    try:
        mapped: str = idna.uts46_remap(text, std3_rules=False, transitional=False)
    except idna.IDNAError:
        return text
    return mapped


def normalise_domain(value: str) -> str:
    """UTS #46 mapping, lower-case, strip one trailing dot, IDN labels to punycode; raise ValueError naming the
    problem."""
    original = value
    text = value.strip()
    if not text.isascii():
        text = _uts46(text)
    text = _refuse_non_names(text, original).removesuffix(".")
    if _is_ip(text):
        raise ValueError(f"{shown(original)} is an IP address, not a domain name")
    labels = [_to_ascii(label, original) for label in text.split(".")]
    for label in labels:
        _check_label(label, original)
    name = ".".join(labels)
    if len(name) > MAX_NAME:
        raise ValueError(f"{shown(original)} is {len(name)} characters long; a domain name has at most 253")
    if labels[-1].isdigit():
        raise ValueError(f"{shown(original)} ends in a numeric label; no top-level domain is numeric")
    if _psl(_tld(name)).is_public(name):
        raise ValueError(
            f"{shown(original)} is a public suffix (like com or co.uk), not a domain you can own"
        )
    if len(labels) < 2:
        raise ValueError(f"{shown(original)} is a single label; a sending domain looks like example.com")
    return name


def validate_label_path(value: str, *, what: str) -> str:
    """A relative name of one or more labels (such as the MAIL FROM subdomain ``mail`` or ``bounce.mail``)."""
    text = value.strip().lower().removesuffix(".")
    if not text:
        raise ValueError(f"{what} is empty")
    for label in text.split("."):
        try:
            _check_label(label, text)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from None
    if text.startswith("_"):
        raise ValueError(f"{what} {shown(value)} must be a host name")
    return text


def validate_mailto(value: str) -> str:
    """A DMARC report URI: ``mailto:local@domain`` (an optional ``!size`` suffix is kept)."""
    text = value.strip()
    uri = text if text.lower().startswith("mailto:") else f"mailto:{text}"
    address = uri[len("mailto:") :]
    size = ""
    if "!" in address:
        address, size = address.split("!", 1)
        if not re.fullmatch(r"\d+[kmgt]?", size):
            raise ValueError(f"DMARC report URI {shown(value)}: size limit {shown(size)} is not like 10m")
        size = "!" + size
    if address.count("@") != 1:
        raise ValueError(f"DMARC report URI {shown(value)} is not mailto:address@domain")
    local, host = address.split("@")
    if not local:
        raise ValueError(f"DMARC report URI {shown(value)} has an empty mailbox")
    if len(local) > MAX_LOCAL_PART or not _LOCAL_PART.match(local):
        raise ValueError(
            f"DMARC report URI {shown(value)}: the mailbox {shown(local)} is not a plain address (ASCII letters, "
            "digits and . _ - + and the like; no spaces, control characters, commas, semicolons or '!')"
        )
    try:
        host = normalise_domain(host)
    except ValueError as exc:
        raise ValueError(f"DMARC report URI {shown(value)}: {exc}") from None
    return f"mailto:{local}@{host}{size}"


def organisational_domain(name: str) -> str:
    """RFC 7489 3.2: the public suffix plus one label (``news.example.co.uk`` -> ``example.co.uk``), by the Public
    Suffix List the layer ships (publicsuffixlist)."""
    return str(_psl(_tld(name)).privatesuffix(name) or name)


def dns_name(name: str) -> str:
    """The form mailauth compares DNS names (and MX/CNAME targets) in: no surrounding space, lower case, no
    trailing dot. Not a validation: :func:`normalise_domain` is for names users type."""
    return name.strip().lower().rstrip(".")


def is_subdomain(name: str, parent: str) -> bool:
    """True when ``name`` equals ``parent`` or lies below it (both normalised, no trailing dot)."""
    return name == parent or name.endswith("." + parent)
