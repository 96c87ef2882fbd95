"""The messages sent before the wait: for DNS hosted outside Route 53 the "action required" message (exactly
which records to create at the DNS provider, also as zone-file lines, and any early warnings); for Route 53 the
"started, with warnings" message when there are early warnings (:mod:`mailauth.early`)."""

from __future__ import annotations

from mailauth import mrkdwn
from mailauth.models import NotifyInput
from mailauth.notify.chatbot import custom_notification
from mailauth.notify.message import Message
from mailauth.notify.state import domain_of, hours
from mailauth.notify.text import bullets, console_link, subject_line


def zone_file_lines(state: NotifyInput) -> list[str]:
    """The records to create, as BIND zone-file lines (absolute names), for DNS hosted outside Route 53."""
    lines = []
    for change in state.publish.changes if state.publish else ():
        record = change.record
        for value in record.values:
            target = value if record.type == "TXT" else value.rstrip(".") + "."
            lines.append(f"{record.name}. {record.ttl} IN {record.type} {target}")
    return lines


def announce_message(state: NotifyInput, *, execution_arn: str | None, region: str) -> Message:
    """External DNS: exactly which records to create, before mailauth starts waiting for them."""
    domain = domain_of(state)
    changes = state.publish.changes if state.publish else ()
    subject = subject_line(f"mailauth: action required: create {len(changes)} DNS records for {domain}")
    lines = [
        f"{domain}'s DNS is not in Route 53, so mailauth changed nothing.",
        "Create these records at your DNS provider; mailauth checks public DNS and SES until they verify",
        f"(at most {hours(state)} hours) and then reports.",
        "",
        "RECORDS TO CREATE",
    ]
    for c in changes:
        verb = "create" if c.action == "CREATE" else "set the record set to"
        lines.append(f"  {verb}: {c.record.name}  {c.record.type}  TTL {c.record.ttl}")
        lines += [f"      {v}" for v in c.record.values]
        lines.append(f"      ({c.reason})")
    lines += ["", "AS ZONE-FILE LINES", *[f"  {line}" for line in zone_file_lines(state)]]
    kept = state.publish.kept if state.publish else ()
    right = [k for k in kept if k.as_requested]
    if right:
        lines += [
            "",
            "ALREADY RIGHT (leave as they are)",
            *[f"  {k.record.type} {k.record.name}" for k in right],
        ]
    other = [k for k in kept if not k.as_requested]
    if other:
        lines += [
            "",
            "KEPT AS THEY ARE, NOT AS REQUESTED",
            *[f"  {k.record.type} {k.record.name}: {k.reason}" for k in other],
        ]
    warnings = _warnings(state)
    if warnings:
        lines += ["", "WARNINGS", *bullets(warnings)]
    if execution_arn:
        lines += ["", f"Execution: {execution_arn}", f"Console:   {console_link(execution_arn, region)}"]
    chatbot = custom_notification(
        title="📝 " + subject,
        description="\n".join(mrkdwn.code(line) for line in zone_file_lines(state)),
        next_steps=[f"Create these {len(changes)} records at your DNS provider", *warnings],
        domain=domain,
        summary=subject,
        event_type="mailauth.action_required",
        related=(execution_arn,),
    )
    return Message(
        outcome="action_required",
        domain=domain,
        subject=subject,
        email_text="\n".join(lines),
        chatbot=chatbot,
    )


def _warnings(state: NotifyInput) -> tuple[str, ...]:
    return state.publish.early_warnings if state.publish else ()


def warning_message(state: NotifyInput, *, execution_arn: str | None, region: str) -> Message:
    """Route 53: the records are published and mailauth starts waiting, but a person should know now what the
    final report would otherwise tell them only after the wait."""
    domain = domain_of(state)
    warnings = _warnings(state)
    subject = subject_line(f"mailauth: {domain} onboarding started, with {len(warnings)} warning(s)")
    changes = state.publish.changes if state.publish else ()
    lines = [
        f"mailauth published {len(changes)} record(s) for {domain} and is waiting for SES to verify them (at most "
        f"{hours(state)} hours); a report follows either way. Act on these now:",
        "",
        "WARNINGS",
        *bullets(warnings),
    ]
    if execution_arn:
        lines += ["", f"Execution: {execution_arn}", f"Console:   {console_link(execution_arn, region)}"]
    chatbot = custom_notification(
        title="⚠️ " + subject,
        description="\n".join(mrkdwn.bullet(w) for w in warnings),
        next_steps=list(warnings),
        domain=domain,
        summary=subject,
        event_type="mailauth.warning",
        related=(execution_arn,),
    )
    return Message(
        outcome="warning", domain=domain, subject=subject, email_text="\n".join(lines), chatbot=chatbot
    )
