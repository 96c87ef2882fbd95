"""DMARC records (RFC 7489): render the one we want, parse the one that is there, compare strength."""

from __future__ import annotations

from collections.abc import Callable
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


def stronger(a: str, b: str) -> bool:
    """Whether policy ``a`` is stricter than ``b`` (none < quarantine < reject; unknown counts as none)."""
    return STRENGTH.get(a.lower(), 0) > STRENGTH.get(b.lower(), 0)


@dataclass(frozen=True)
class InForce:
    """The DMARC policy receivers apply to a domain that has no record of its own, and where it comes from."""

    source: str  # the domain whose _dmarc record applies
    record: str
    policy: str  # sp= of that record when it has one, else p= (RFC 7489 6.6.3; DMARCbis 4.10)
    how: str  # "RFC 7489" (the organisational domain) or "DMARCbis" (the DNS tree walk)

    def sentence(self) -> str:
        return f"p={self.policy} from _dmarc.{self.source} ({self.how}: {self.record!r})"


#: TXT strings (joined) served at a name; empty for NXDOMAIN or no TXT (mailauth.dnscheck supplies it)
Fetch = Callable[[str], tuple[str, ...]]

#: DMARCbis (draft-ietf-dmarc-dmarcbis, "DMARC Policy Discovery"): at most this many names are queried
TREE_WALK_MAX = 8


def _applied(domain: str, source: str, records: tuple[str, ...], how: str) -> InForce | None:
    found = [r for r in records if is_dmarc(r)]
    if len(found) != 1:  # none, or several: receivers apply none of them (RFC 7489 6.6.3)
        return None
    parsed = parse(found[0])
    policy = (parsed.tags.get("sp") if source != domain else None) or parsed.policy
    if not policy or policy.lower() not in STRENGTH:
        return None
    return InForce(source=source, record=found[0], policy=policy.lower(), how=how)


def strictest(inherited: tuple[InForce | None, InForce | None]) -> InForce | None:
    """Of what RFC 7489 and DMARCbis say a domain inherits, the stricter (the one mailauth must not weaken)."""
    known = [x for x in inherited if x is not None]
    return max(known, key=lambda x: STRENGTH[x.policy]) if known else None


def in_force(domain: str, fetch: Fetch, organisational: str) -> tuple[InForce | None, InForce | None]:
    """What receivers apply to ``domain`` when it has no DMARC record of its own: by RFC 7489 (the record of its
    organisational domain, ``organisational``) and by DMARCbis's tree walk (the nearest record above it, at most
    :data:`TREE_WALK_MAX` names queried). Either is None when it finds nothing to apply."""
    rfc7489 = None
    if organisational != domain:
        rfc7489 = _applied(domain, organisational, fetch(f"_dmarc.{organisational}"), "RFC 7489")
    labels = domain.split(".")
    names = [".".join(labels[i:]) for i in range(1, len(labels))]  # the parents, nearest first, TLD last
    if len(labels) > TREE_WALK_MAX:  # DMARCbis: after the domain itself, jump to its last 7 labels
        names = [n for n in names if n.count(".") < TREE_WALK_MAX - 1]
    walked = None
    for name in names[: TREE_WALK_MAX - 1]:  # the first of the 8 queries is the domain's own record
        walked = _applied(domain, name, fetch(f"_dmarc.{name}"), "DMARCbis")
        if walked is not None or any(is_dmarc(r) for r in fetch(f"_dmarc.{name}")):
            break
    return rfc7489, walked


@dataclass(frozen=True)
class Inheritance:
    """What the planner does at a name with no DMARC record, given what the domain inherits."""

    applies: InForce | None  # the inherited policy that stays in force (nothing published), or None: publish
    reason: str = ""
    notes: tuple[str, ...] = ()


def weigh_inherited(
    domain: str, inherited: tuple[InForce | None, InForce | None], wanted: DmarcSettings
) -> Inheritance:
    """Never weaker than what applies today: the requested record is published at a domain that inherits a policy
    only when it is stricter (or as strict, with report addresses of its own), or when ``replace_existing`` asks
    for a weaker one (said in a note); otherwise the inherited policy stays in force and nothing is published."""
    rfc7489, dmarcbis = inherited
    applies = strictest(inherited)
    if applies is None:
        return Inheritance(None)
    notes: list[str] = []
    if rfc7489 and dmarcbis and (rfc7489.source, rfc7489.policy) != (dmarcbis.source, dmarcbis.policy):
        notes.append(
            f"receivers differ on the DMARC policy {domain} inherits: {rfc7489.sentence()} by RFC 7489, "
            f"{dmarcbis.sentence()} by DMARCbis; mailauth compares the request with the stricter"
        )
    requested = wanted.policy
    if stronger(requested, applies.policy) or (requested == applies.policy and (wanted.rua or wanted.ruf)):
        how = "stricter" if requested != applies.policy else "as strict, with its own report addresses"
        notes.append(
            f"{domain} inherits {applies.sentence()}; the requested p={requested} is {how}, so it is published "
            f"at _dmarc.{domain}"
        )
        return Inheritance(None, notes=tuple(notes))
    if stronger(applies.policy, requested) and wanted.replace_existing:
        notes.append(
            f"WEAKER: the requested p={requested} is published at _dmarc.{domain} although {domain} inherits the "
            f"stricter {applies.sentence()}, because dmarc.replace_existing asks; receivers will apply "
            f"p={requested} to {domain} from now on"
        )
        return Inheritance(None, notes=tuple(notes))
    tail = (
        "weaken it; dmarc.replace_existing would publish it anyway)"
        if requested != applies.policy
        else "change nothing)"
    )
    reason = (
        f"inherited: {applies.sentence()} applies to {domain} and is at least as strict as the requested "
        f"p={requested}, so no DMARC record is published at _dmarc.{domain} (publishing the request would {tail}"
    )
    return Inheritance(applies, reason, tuple(notes))


def weakening(name: str, before: str, after: str) -> list[str]:
    """Notes for a replacement (asked for explicitly) that makes the policy at ``name``, or the one its
    subdomains inherit (sp=, else p=), weaker than the record it replaces (docs/merge-rules.md R28)."""
    old, new = parse(before), parse(after)
    old_p, new_p = (old.policy or "none").lower(), (new.policy or "none").lower()
    old_sp, new_sp = (old.tags.get("sp") or old_p).lower(), (new.tags.get("sp") or new_p).lower()
    notes = []
    if stronger(old_p, new_p):
        notes.append(f"WEAKER: {name} goes from p={old_p} to p={new_p}, as dmarc.replace_existing asks")
    if stronger(old_sp, new_sp):
        notes.append(
            f"WEAKER: subdomains without a record of their own go from {old_sp} to {new_sp} (sp=, else p=, of "
            f"{name}), as dmarc.replace_existing asks"
        )
    return notes
