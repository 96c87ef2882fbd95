"""The watch's message (mailauth.watch): what drifted on an onboarded domain since SES verified it, each problem
with its fix, what mailauth re-created, or that the drift told before is gone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mailauth import mrkdwn
from mailauth.drift import Finding, WatchTarget
from mailauth.notify.chatbot import custom_notification
from mailauth.notify.message import Message
from mailauth.notify.text import bullets, clip, defang_quoted, subject_line


def drift_message(
    target: WatchTarget, findings: Sequence[Finding], *, region: str, since: datetime | None = None
) -> Message:
    """The drift message of one audit; no findings: the drift told before is gone. ``since``: a reminder of a
    drift first told then."""
    domain = target.request.domain
    verified = target.verified_at.strftime("%Y-%m-%d %H:%M UTC")
    open_ = [f for f in findings if not f.repaired]
    repaired = [f for f in findings if f.repaired]
    if not findings:
        subject = f"mailauth: {domain} is as it was verified again"
        lines = [
            f"mailauth's watch found {domain} as SES verified it on {verified}: the drift it told is gone."
        ]
    else:
        what = f"{len(open_)} problem(s)" if open_ else f"{len(repaired)} record(s) re-created"
        subject = f"mailauth: {domain} drifted: {what}" + (" (reminder)" if since else "")
        lines = [f"mailauth's watch found that {domain} changed since SES verified it on {verified}."]
        if since:
            lines.append(f"It was first told on {since.strftime('%Y-%m-%d %H:%M UTC')} and is still there.")
    if open_:
        lines += ["", "Problems, each with its fix:"]
        lines += bullets(f"{defang_quoted(f.detail)}.\nFix: {defang_quoted(f.fix)}." for f in open_)
    if repaired:
        lines += ["", "Re-created by mailauth (repair_drift is on for this domain):"]
        lines += bullets(f"{f.type} {f.name}" for f in repaired)
    lines += [
        "",
        "mailauth never changes a record someone else changed; it re-creates only records it created itself, and "
        "only for domains onboarded with repair_drift.",
        f"Region {region}; zone {target.zone.zone_name} ({target.zone.hosted_zone_id or 'DNS hosted elsewhere'}).",
    ]
    emoji = "⚠️" if open_ else "🔧" if repaired else "✅"
    description = [f"{emoji} {mrkdwn.escape(lines[0])}"]
    if open_:
        description += ["", mrkdwn.bold("Problems")]
        description += [mrkdwn.bullet(clip(defang_quoted(f.detail), 600)) for f in open_]
    if repaired:
        description += ["", mrkdwn.bold("Re-created")]
        description += [mrkdwn.bullet(mrkdwn.escape(f"{f.type} {f.name}")) for f in repaired]
    chatbot = custom_notification(
        title=f"{emoji} {subject}",
        description="\n".join(description),
        next_steps=[defang_quoted(f.fix) for f in open_],
        domain=domain,
        summary=subject,
        event_type="mailauth.drift",
        related=(target.identity.identity_arn,),
        context={"domain": domain, "outcome": "drift", "region": region},
    )
    return Message(
        outcome="drift",
        domain=domain,
        subject=subject_line(subject),
        email_text="\n".join(lines),
        chatbot=chatbot,
    )
