"""DMARC records (RFC 7489): render the one we want, parse the one that is there, compare strength."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailauth.request import DmarcSettings

STRENGTH = {"none": 0, "quarantine": 1, "reject": 2}
KNOWN_TAGS = {"v", "p", "sp", "rua", "ruf", "adkim", "aspf", "fo", "pct", "rf", "ri", "np", "t", "psd"}


def render(settings: DmarcSettings) -> str:
    """The DMARC TXT value for these settings, ``v=DMARC1`` first."""
    parts = ["v=DMARC1", f"p={settings.policy}"]
    if settings.sp:
        parts.append(f"sp={settings.sp}")
    if settings.adkim:
        parts.append(f"adkim={settings.adkim}")
    if settings.aspf:
        parts.append(f"aspf={settings.aspf}")
    if settings.rua:
        parts.append("rua=" + ",".join(settings.rua))
    if settings.ruf:
        parts.append("ruf=" + ",".join(settings.ruf))
    return "; ".join(parts)


def is_dmarc(value: str) -> bool:
    """True when a TXT value claims to be a DMARC record (receivers look for ``v=DMARC1`` first)."""
    head = value.strip().split(";", 1)[0].replace(" ", "")
    return head.lower() == "v=dmarc1"


@dataclass
class ParsedDmarc:
    tags: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def policy(self) -> str | None:
        return self.tags.get("p")


def parse(value: str) -> ParsedDmarc:
    """Parse a DMARC TXT value; syntax problems go to ``errors``, weak settings to ``warnings``."""
    result = ParsedDmarc()
    parts = [p.strip() for p in value.split(";")]
    parts = [p for p in parts if p]
    if not parts or parts[0].replace(" ", "").lower() != "v=dmarc1":
        result.errors.append("the record does not start with v=DMARC1")
    for part in parts:
        if "=" not in part:
            result.errors.append(f"{part!r} is not tag=value")
            continue
        key, val = (s.strip() for s in part.split("=", 1))
        key = key.lower()
        if key in result.tags:
            result.errors.append(f"tag {key} appears twice")
        if key not in KNOWN_TAGS:
            result.warnings.append(f"unknown tag {key}")
        result.tags[key] = val
    _check_values(result)
    return result


def _check_values(result: ParsedDmarc) -> None:
    policy = result.tags.get("p")
    if policy is None:
        result.errors.append("no p= policy tag")
    elif policy.lower() not in STRENGTH:
        result.errors.append(f"p={policy} is not none, quarantine or reject")
    elif policy.lower() == "none":
        result.warnings.append("p=none only monitors; receivers do not act on failures")
    for tag in ("rua", "ruf"):
        for uri in filter(None, (u.strip() for u in result.tags.get(tag, "").split(","))):
            if not uri.lower().startswith("mailto:"):
                result.errors.append(f"{tag} URI {uri!r} is not a mailto: URI")
    for tag in ("adkim", "aspf"):
        if tag in result.tags and result.tags[tag].lower() not in ("r", "s"):
            result.errors.append(f"{tag}={result.tags[tag]} is not r or s")


def compare(existing: str, wanted: DmarcSettings) -> str:
    """'stronger', 'weaker' or 'equal': the existing record's policy against the requested one."""
    have = STRENGTH.get((parse(existing).policy or "none").lower(), 0)
    want = STRENGTH[wanted.policy]
    return "stronger" if have > want else "weaker" if have < want else "equal"
