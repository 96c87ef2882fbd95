"""The offboarding report: what offboarding removed or restored, what it left in place (and why), and what
happened to the SES identity."""

from __future__ import annotations

from mailauth import mrkdwn
from mailauth.models import NotifyInput
from mailauth.notify.chatbot import custom_notification
from mailauth.notify.message import Message
from mailauth.notify.state import domain_of, error_name, error_text, outcome_of
from mailauth.notify.text import console_link, subject_line


def offboard_message(state: NotifyInput, *, execution_arn: str | None, region: str) -> Message:
    """What offboarding removed, what it left (and why), and what happened to the SES identity."""
    domain = domain_of(state)
    outcome = outcome_of(state)
    link = console_link(execution_arn, region) if execution_arn else None
    verb = "offboarded" if outcome == "success" else "offboarding failed"
    subject = subject_line(f"mailauth: {domain} {verb}")
    changes = state.publish.changes if state.publish else ()
    lines = [
        f"{domain} was {verb} in {region}." if outcome == "success" else f"Offboarding {domain} failed.",
        "",
    ]
    lines.append(f"RECORDS REMOVED OR RESTORED ({len(changes)})")
    lines += [
        f"  {c.action} {c.record.name} {c.record.type} {' '.join(c.record.values)}  [{c.reason}]"
        for c in changes
    ]
    lines += ["  none"] if not changes else []
    lines += ["", f"LEFT IN PLACE ({len(state.left)})"]
    lines += [f"  {r.type} {r.name}: {r.reason}" for r in state.left] or ["  none"]
    if state.identity_removal is not None:
        lines += ["", f"SES IDENTITY: {state.identity_removal.reason}"]
    steps: list[str] = []
    if state.error is not None:
        steps.append(f"{error_name(state.error)}: {error_text(state.error)}. Re-running offboarding is safe.")
    if state.left:
        steps.append("Review the records left in place: someone changed them after mailauth wrote them.")
    lines += [
        "",
        "WHAT TO DO NEXT",
        *[f"  - {step}" for step in steps or ["Nothing: the zone holds no record of mailauth's."]],
    ]
    if link:
        lines += ["", f"Execution: {execution_arn}", f"Console:   {link}"]
    identity = (
        f" · {mrkdwn.bold('Identity')} {mrkdwn.escape(state.identity_removal.reason)}"
        if state.identity_removal
        else ""
    )
    chatbot = custom_notification(
        title=("✅ " if outcome == "success" else "❌ ") + subject,
        description=f"{mrkdwn.bold('Removed or restored')} {len(changes)} · {mrkdwn.bold('Left')} {len(state.left)}{identity}",
        next_steps=steps,
        domain=domain,
        summary=subject,
        event_type=f"mailauth.offboard.{outcome}",
        related=(execution_arn,),
    )
    return Message(
        outcome=outcome, domain=domain, subject=subject, email_text="\n".join(lines), chatbot=chatbot
    )
