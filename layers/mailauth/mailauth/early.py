"""Early warnings: what a person should hear as soon as the records are planned, not after up to 48 hours of
waiting. A zone the registrar does not point at cannot verify; a requested DMARC policy that was not published
(it would weaken the one in force, or another record is kept) is not what was asked for; an SES account in the
sandbox, or paused, will not deliver to everyone even once the domain verifies.

The workflow sends them in one "started, with warnings" notification (the ``WarnEarly`` state) right after
PublishRecords; for DNS hosted elsewhere they ride on the "records to create" announcement instead.
"""

from __future__ import annotations

from mailauth import account
from mailauth.models import IdentityInfo, PublishResult, ZoneInfo


def early_warnings(zone: ZoneInfo, identity: IdentityInfo, published: PublishResult) -> tuple[str, ...]:
    """Each warning one sentence with its fix; empty when there is nothing to say before the outcome."""
    found: list[str] = []
    if zone.dns == "route53" and zone.delegation != "ok":
        found += zone.warnings
    if identity.account is not None:
        judged = account.finding(identity.account, identity.domain)
        if judged.status != "ok":
            found.append(f"{_sentence(judged.detail)} {judged.fix or ''}".strip())
    for kept in published.kept:
        if not kept.as_requested:
            found.append(f"Not as requested: {kept.record.type} {kept.record.name}: {_sentence(kept.reason)}")
    found += [_sentence(note) for note in published.notes if note.startswith("WEAKER:")]
    return tuple(found)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", ")")) else text + "."
