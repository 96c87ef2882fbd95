"""The "action required" message for DNS hosted outside Route 53: exactly which records to create at the DNS
provider (also as zone-file lines), sent before mailauth starts waiting for them."""

from __future__ import annotations

from mailauth import mrkdwn
from mailauth.models import NotifyInput
from mailauth.notify.chatbot import custom_notification
from mailauth.notify.message import Message
from mailauth.notify.state import domain_of, hours
from mailauth.notify.text import console_link, subject_line


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
    if kept:
        lines += [
            "",
            "ALREADY RIGHT (leave as they are)",
            *[f"  {k.record.type} {k.record.name}" for k in kept],
        ]
    if execution_arn:
        lines += ["", f"Execution: {execution_arn}", f"Console:   {console_link(execution_arn, region)}"]
    chatbot = custom_notification(
        title="📝 " + subject,
        description="\n".join(mrkdwn.code(line) for line in zone_file_lines(state)),
        next_steps=[f"Create these {len(changes)} records at your DNS provider"],
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
