"""The last step: tell people what happened — an e-mail text and an AWS Chatbot custom notification.

One SNS publish (``MessageStructure=json``) carries both: the ``email`` key is the plain-text report for
e-mail subscribers, ``default`` is the Chatbot custom notification JSON for everything else (AWS Chatbot's
HTTPS subscription, the optional Slack webhook Lambda, SQS). The state may come from any point of the
workflow: a failure before Resolve leaves only the raw request and the error, so every section copes with
missing keys.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from mailauth import mrkdwn
from mailauth.models import DnsCheck, ErrorInfo, NotifyInput, RecordSet

NotifyOutcome = Literal["success", "timeout", "failure", "action_required"]

# SNS Publish, Subject: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
# characters long" (sns model documentation); mailauth sends printable ASCII only.
SUBJECT_MAX = 99
DESCRIPTION_MAX = 4000  # Chatbot custom notification description (kept well inside Slack's limits)
NEXT_STEP_MAX = 800
EMAIL_MAX = 200_000  # characters of the e-mail text before the byte budget below is applied
#: SNS Publish: the message and its attributes together at most 262,144 bytes (256 KiB); a little is kept for
#: the two small message attributes.
SNS_BODY_MAX = 262_144 - 2_048
NO_DOMAIN = "(no domain)"
EMOJI: dict[NotifyOutcome, str] = {"success": "✅", "timeout": "⏰", "failure": "❌"}
RERUN_SAFE = (
    "Re-running is safe: mailauth adopts the existing identity and keeps records that are already right."
)


class Message(BaseModel):
    """What the Notify step publishes: one subject, the e-mail text and the Chatbot notification."""

    model_config = ConfigDict(frozen=True)

    outcome: NotifyOutcome
    domain: str
    subject: str
    email_text: str
    chatbot: dict[str, Any]


# ------------------------------------------------------------------------------------------------ parsing
def parse_state(event: Mapping[str, Any]) -> tuple[NotifyInput, tuple[str, ...]]:
    """The workflow state as a NotifyInput, and the names of keys that had to be dropped as malformed.

    Accepts the flat state (``{"request": ..., "zone": ..., "execution": ...}``) and the state wrapped by the
    ASL as ``{"state": {...}, "execution": ...}``. A key that does not fit its model is dropped rather than
    failing the step: a notification with less detail beats no notification.
    """
    data: dict[str, Any] = dict(event)
    wrapped = data.get("state")
    if "request" not in data and isinstance(wrapped, Mapping):
        data = {**wrapped, **{k: v for k, v in data.items() if k != "state"}}
    if not isinstance(data.get("request"), dict):
        data["request"] = {}
    dropped: list[str] = []
    for _ in range(len(NotifyInput.model_fields)):
        try:
            return NotifyInput.model_validate(data), tuple(dropped)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]} - {"request"}
            if not bad:
                raise
            dropped.extend(sorted(bad))
            data = {k: v for k, v in data.items() if k not in bad}
    return NotifyInput.model_validate(data), tuple(dropped)


def outcome_of(state: NotifyInput) -> NotifyOutcome:
    """success (SES verified), timeout (deadline passed) or failure (an error, or SES said FAILED)."""
    if state.error is not None:
        return "failure"
    if state.operation == "offboard":
        return "success"
    outcome = state.verification.outcome if state.verification else None
    if outcome == "verified":
        return "success"
    if outcome == "timeout":
        return "timeout"
    return "failure"


def domain_of(state: NotifyInput) -> str:
    """The domain as the request named it, read defensively: the request may be the invalid raw input, which is
    shown defanged (see :func:`defang`) so that nobody can put a link into a notification through it."""
    value = state.request.get("domain")
    if isinstance(value, str) and _is_domain(value):
        return value.strip()
    if state.zone is not None:
        return state.zone.domain  # validated and normalised by Resolve
    if value is None or value == "":
        return NO_DOMAIN
    return defang(_clip(value.strip() if isinstance(value, str) else repr(value), 120))


def _is_domain(value: str) -> bool:
    from mailauth.domain import normalise_domain

    try:
        normalise_domain(value)
    except ValueError:
        return False
    return True


_SCHEME = re.compile(r"(?i)\b(https?|ftp|file|mailto|javascript|data|tel|sms|slack)(:)")
_QUOTED = re.compile(r"'[^'\n]{0,300}'")


def defang(text: str) -> str:
    """Untrusted text that no mail client or Slack turns into a link: schemes as ``https[:]``, dots as ``[.]``."""
    return _SCHEME.sub(r"\1[:]", text).replace(".", "[.]")


def error_text(error: ErrorInfo) -> str:
    """An error's message with the request content it quotes (``'...'``) defanged."""
    return _QUOTED.sub(lambda m: defang(m.group(0)), error.message)


def console_link(execution_arn: str, region: str) -> str:
    """The Step Functions console page of the execution."""
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


# ------------------------------------------------------------------------------------------------ helpers
def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def _ascii(text: str) -> str:
    """Printable ASCII only (SNS subjects): IDN labels to punycode where possible, the rest as '?'."""
    if not text.isascii():
        with contextlib.suppress(UnicodeError, ValueError):
            text = text.encode("idna").decode("ascii")
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text.replace("\n", " "))


def _hours(state: NotifyInput) -> str:
    value = state.request.get("max_wait_hours", 48)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return "48"


def _status(check: DnsCheck) -> str:
    from mailauth.dnscheck import OUT_OF_TIME

    if check.ok:
        return "OK"
    if check.error == OUT_OF_TIME:
        return "UNCHECKED"
    return "MISSING" if not check.found else "WRONG"


def _record_value(rtype: str, value: str) -> str:
    return f'"{value}"' if rtype == "TXT" and not value.startswith('"') else value


def _record_line(check: DnsCheck) -> str:
    values = " / ".join(_record_value(check.type, v) for v in check.expected)
    return f"{check.name} {check.type} {values}"


def _error_name(error: ErrorInfo) -> str:
    return error.error.rsplit(".", 1)[-1] if error.error.startswith("mailauth.") else error.error


def _record_set(record: RecordSet) -> str:
    return f"{record.name} {record.type} {' / '.join(record.values)}"


def _bullets(lines: Iterable[str], indent: str = "  ") -> list[str]:
    """``- item`` lines; an item's own line breaks are indented under it."""
    return [f"{indent}- " + line.replace("\n", "\n" + indent + "  ") for line in lines]


def _lines(message: str) -> list[str]:
    """A multi-line error message as separate items (``- `` list markers removed)."""
    return [line.strip().removeprefix("- ") for line in message.splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------- subject
def subject_for(state: NotifyInput, outcome: NotifyOutcome) -> str:
    """Fewer than 100 printable ASCII characters; a long domain is shortened so the outcome stays visible."""
    prefix = "mailauth: "
    if outcome == "success":
        suffix = " verified"
    elif outcome == "timeout":
        suffix = f" NOT verified after {_hours(state)} h"
    elif state.error is not None:
        suffix = f" onboarding failed: {_ascii(_error_name(state.error))}"
    else:
        suffix = " SES verification failed"
    suffix = _clip(suffix, SUBJECT_MAX - len(prefix) - 10)
    domain = _clip(_ascii(domain_of(state)), SUBJECT_MAX - len(prefix) - len(suffix))
    return _clip(prefix + domain + suffix, SUBJECT_MAX)


# ------------------------------------------------------------------------------------------- next steps
def _dns_fixes(state: NotifyInput) -> list[str]:
    zone = state.zone
    where = f" in hosted zone {zone.zone_name} ({zone.hosted_zone_id})" if zone else ""
    steps = []
    if zone is not None and zone.delegation == "undelegated":
        seen = ", ".join(zone.public_name_servers) or "no name servers"
        steps.append(
            f"Fix the delegation first: at the registrar (or in the parent zone) set the name servers of "
            f"{zone.zone_name} to exactly {', '.join(zone.name_servers)} (the internet now sees {seen}). "
            "No record can verify until then."
        )
    for check in state.verification.dns if state.verification else ():
        if check.ok:
            continue
        if check.found:
            steps.append(
                f"Replace what {check.name} {check.type} serves ({' / '.join(check.found)}) with: "
                f"{_record_line(check)}{where}"
            )
        else:
            steps.append(f"Publish {_record_line(check)}{where}")
    return steps


def next_steps(state: NotifyInput, outcome: NotifyOutcome, link: str | None) -> list[str]:
    """What a person should do now, as specific as the state allows."""
    domain = domain_of(state)
    if outcome == "success":
        dmarc = state.request.get("dmarc")
        policy = dmarc.get("policy", "none") if isinstance(dmarc, dict) else "none"
        steps = [
            f"Send a test message from an address at {domain} and check that the received headers show "
            "dkim=pass, spf=pass and dmarc=pass."
        ]
        if policy == "none":
            steps.append(
                "Consider moving DMARC from p=none to p=quarantine after reviewing a few weeks of aggregate "
                "(rua) reports."
            )
        elif policy == "quarantine":
            steps.append("Consider moving DMARC from p=quarantine to p=reject once the reports stay clean.")
        if state.report is not None:
            steps += [f"{f.check}: {f.fix}" for f in state.report.audit if f.status == "fail" and f.fix]
        return steps
    if outcome == "timeout":
        steps = _dns_fixes(state)
        if not steps:
            verification = state.verification
            status = (
                f"DKIM {verification.dkim_status}, MAIL FROM {verification.mail_from_status}"
                if verification
                else "unknown"
            )
            steps.append(
                f"Public DNS serves every record as expected but SES has not confirmed ({status}). "
                "SES keeps checking for up to 72 hours: re-run the onboarding to wait again."
            )
        else:
            steps.append(f"Then re-run the onboarding. {RERUN_SAFE}")
        return steps
    return _failure_steps(state, domain, link)


def _failure_steps(state: NotifyInput, domain: str, link: str | None) -> list[str]:
    error = state.error
    look = f"Look at the execution for details: {link}" if link else "Look at the execution for details."
    if error is None:
        verification = state.verification
        if verification is not None and verification.outcome == "failed":
            return [
                f"SES marked the verification FAILED (DKIM {verification.dkim_status}, MAIL FROM "
                f"{verification.mail_from_status}) after mailauth restarted it.",
                *_dns_fixes(state),
                f"Fix the records, then re-run the onboarding: it starts a new 72-hour window. {RERUN_SAFE}",
            ]
        return ["The workflow ended without a verification result.", look]
    name, message = _error_name(error), error_text(error)
    if name == "RecordConflictError":
        return [*_lines(message), f"Fix the conflicting records and re-run the onboarding. {RERUN_SAFE}"]
    if name == "InvalidRequestError":
        return [f"Fix the request: {message}", "Then submit it again."]
    if name == "ExecutionConflictError":
        return [
            f"An event asked to onboard {domain} with a different request while another run for it was in "
            f"progress, so the event was not applied: {message}",
            "When that run has ended, send the event again (or POST /domains with the request you want).",
        ]
    if name in ("NoPublicZoneError", "PrivateZoneOnlyError"):
        return [
            message,
            f"Create a public Route 53 hosted zone for {domain} (or a parent domain) and delegate it at the "
            "registrar, or pass hosted_zone_id naming the public zone to use; then submit again.",
        ]
    if name == "AwsThrottledError":
        return [
            f"AWS throttled mailauth or had a transient fault ({message}).",
            f"Re-run later. {RERUN_SAFE}",
        ]
    if name == "LedgerConflictError":
        return [
            f"Another run changed {domain}'s ownership ledger at the same moment, again after every retry: {message}.",
            f"When the other run for {domain} (or for a domain sharing its MAIL FROM name) has ended, re-run. "
            f"{RERUN_SAFE}",
        ]
    if name == "DnsLookupError":
        return [
            f"Public DNS did not answer: {message}. For DNS hosted outside Route 53, mailauth plans the records "
            "from what public DNS serves, and will not plan without an answer.",
            f"Check that the domain's name servers answer (dig NS {domain}; dig TXT {domain}), then re-run the "
            f"onboarding. {RERUN_SAFE}",
        ]
    refused = _ACCESS_DENIED.search(message or "")
    if refused is not None:
        return [
            f"AWS refused mailauth the permission to call {refused.group(2)} ({refused.group(1)}): {message}",
            "Check that the stack runs this version's template (its roles grant every call mailauth makes), "
            "that no permissions boundary or service control policy denies the call, and, for a hosted zone in "
            'another account, the policy of the role there (docs/operations.md, "Hosted zones in another AWS '
            f'account"). Then re-run the onboarding. {RERUN_SAFE}',
            look,
        ]
    return [f"{name}: {message}" if message else name, look]


#: botocore's ClientError text for the access-denied codes of the services mailauth calls
_ACCESS_DENIED = re.compile(
    r"An error occurred \((AccessDenied|AccessDeniedException|AuthorizationError)\) when calling the (\w+) "
    r"operation"
)


# --------------------------------------------------------------------------------------------- e-mail
def _done_section(state: NotifyInput) -> list[str]:
    lines = ["WHAT WAS DONE"]
    zone, identity, published = state.zone, state.identity, state.publish
    if zone is None:
        lines.append("  Nothing: the workflow stopped before a hosted zone was chosen.")
        return lines
    lines.append(
        f"  Hosted zone: {zone.zone_name} ({zone.hosted_zone_id}), name servers "
        f"{', '.join(zone.name_servers) or '(unknown)'}; delegation {zone.delegation}"
    )
    if identity is None:
        lines.append("  SES identity: not reached")
    else:
        how = "adopted (it already existed)" if identity.adopted else "created"
        lines.append(f"  SES identity: {identity.identity_arn} {how}, region {identity.region}")
        lines.append(f"  Custom MAIL FROM domain: {identity.mail_from_domain}")
        if identity.dkim_restarts:
            lines.append(f"  DKIM setup restarted {identity.dkim_restarts} time(s) (new tokens, new records)")
    if published is None:
        lines.append("  Records: not published")
        return lines
    lines.append(f"  Records added or changed ({len(published.changes)}):")
    lines += [
        f"    {c.action} {_record_set(c.record)}  [{c.purpose}: {c.reason}]" for c in published.changes
    ] or ["    none"]
    lines.append(f"  Records already right, kept ({len(published.kept)}):")
    lines += [f"    {_record_set(k.record)}  [{k.purpose}: {k.reason}]" for k in published.kept] or [
        "    none"
    ]
    if published.notes:
        lines.append("  Notes:")
        lines += _bullets(published.notes, "    ")
    return lines


def _ses_section(state: NotifyInput) -> list[str]:
    v = state.verification
    lines = ["WHAT SES REPORTS"]
    if v is None:
        lines.append("  Not checked: the workflow stopped before the verification step.")
        return lines
    lines += [
        f"  DKIM: {v.dkim_status}",
        f"  MAIL FROM: {v.mail_from_status}",
        f"  Verified for sending: {'yes' if v.verified_for_sending else 'no'}",
        f"  Checked {v.attempt} time(s), last at {v.checked_at.isoformat()}",
        f"  Deadline: {v.deadline.isoformat()}",
    ]
    if v.verification_error:
        lines.append(f"  SES verification error: {v.verification_error}")
    if v.dkim_restarts or v.mail_from_restarts:
        lines.append(f"  Restarts: DKIM {v.dkim_restarts}, MAIL FROM {v.mail_from_restarts}")
    return lines


def _dns_section(state: NotifyInput) -> list[str]:
    lines = ["WHAT PUBLIC DNS SERVES"]
    checks = state.verification.dns if state.verification else ()
    if not checks:
        lines.append("  Not checked.")
    for check in checks:
        lines.append(f"  {_status(check):<8}{check.type} {check.name}  ({check.purpose})")
        lines.append(f"          expected: {' / '.join(check.expected) or '-'}")
        found = " / ".join(check.found) or "nothing"
        lines.append(f"          found:    {found}" + (f" ({check.error})" if check.error else ""))
    if state.verification and state.verification.diagnosis:
        lines += ["", "DIAGNOSIS", *_bullets(state.verification.diagnosis)]
    return lines


def _report_section(state: NotifyInput) -> list[str]:
    report = state.report
    lines = ["AUDIT"]
    if report is None:
        if state.report_error is not None:
            why = f"{state.report_error.error}: {state.report_error.message}"
            return [*lines, f"  No audit: the recommendations step failed ({why}).", ""]
        return [*lines, "  No audit: the recommendations step did not run.", ""]
    for f in report.audit:
        lines.append(f"  [{f.status.upper()}] {f.check}: {f.detail}" + (f" Fix: {f.fix}" if f.fix else ""))
    if not report.audit:
        lines.append("  No findings.")
    lines += ["", "SES RECOMMENDATIONS"]
    for r in report.recommendations:
        lines.append(f"  [{r.impact} {r.type}, {r.status}] {r.description}")
    if report.recommendations_note:
        lines.append(f"  {report.recommendations_note}")
    elif not report.recommendations:
        lines.append("  None.")
    return [*lines, ""]


def _headline(state: NotifyInput, outcome: NotifyOutcome, region: str) -> str:
    domain = domain_of(state)
    if outcome == "success":
        return f"{domain} is verified for sending with Amazon SES in {region}."
    if outcome == "timeout":
        return f"{domain} was NOT verified by SES within {_hours(state)} hours."
    if state.error is not None:
        return f"Onboarding {domain} failed: {_error_name(state.error)}."
    return f"SES verification of {domain} failed."


def email_text(state: NotifyInput, outcome: NotifyOutcome, *, execution_arn: str | None, region: str) -> str:
    """The plain-text report for e-mail subscribers."""
    link = console_link(execution_arn, region) if execution_arn else None
    lines = [_headline(state, outcome, region), ""]
    if state.error is not None:
        lines += [
            "ERROR",
            f"  {_error_name(state.error)}",
            *(f"  {m}" for m in error_text(state.error).splitlines()),
            "",
        ]
    lines += [*_done_section(state), "", *_ses_section(state), "", *_dns_section(state), ""]
    if state.zone is not None and state.zone.warnings:
        lines += ["DELEGATION", *_bullets(state.zone.warnings), ""]
    if outcome != "failure" or state.report is not None:
        lines += _report_section(state)
    lines += ["WHAT TO DO NEXT", *_bullets(next_steps(state, outcome, link)), ""]
    lines.append(f"Execution: {execution_arn or '(unknown)'}")
    if link:
        lines.append(f"Console:   {link}")
    return _clip("\n".join(lines) + "\n", EMAIL_MAX)


# -------------------------------------------------------------------------------------------- chatbot
def _problems(state: NotifyInput) -> list[str]:
    problems: list[str] = []
    if state.error is not None:
        problems.append(f"{_error_name(state.error)}: {_clip(error_text(state.error), 1200)}")
    if state.zone is not None and state.zone.delegation != "ok":
        problems += list(state.zone.warnings)
    if state.verification is not None:
        problems += [d for d in state.verification.diagnosis if d not in problems]
    if state.report is not None and not problems:
        problems += [f"{f.check}: {f.detail}" for f in state.report.audit if f.status == "fail"]
    return problems


def custom_notification(
    *,
    title: str,
    description: str,
    next_steps: list[str],
    domain: str,
    summary: str,
    event_type: str,
    related: tuple[str | None, ...] = (),
    context: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An AWS Chatbot custom notification (version 1.0, client-markdown): what Slack shows.

    ``description`` is Slack mrkdwn already (see :mod:`mailauth.mrkdwn`); ``next_steps`` are plain text, escaped
    here.
    """
    metadata: dict[str, Any] = {"threadId": domain, "summary": summary, "eventType": event_type}
    if any(related):
        metadata["relatedResources"] = [r for r in related if r]
    if context:
        metadata["additionalContext"] = context
    return {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": title,
            "description": _clip(description, DESCRIPTION_MAX),
            "nextSteps": [mrkdwn.escape(_clip(step, NEXT_STEP_MAX)) for step in next_steps],
        },
        "metadata": metadata,
    }


def chatbot_notification(
    state: NotifyInput, outcome: NotifyOutcome, subject: str, *, execution_arn: str | None, region: str
) -> dict[str, Any]:
    """The AWS Chatbot custom notification (version 1.0, client-markdown)."""
    domain = domain_of(state)
    link = console_link(execution_arn, region) if execution_arn else None
    lines = [f"{EMOJI[outcome]} {mrkdwn.escape(_headline(state, outcome, region))}"]
    v = state.verification
    if v is not None:
        lines.append(
            f"{mrkdwn.bold('DKIM')} {v.dkim_status} · {mrkdwn.bold('MAIL FROM')} {v.mail_from_status} · "
            f"{mrkdwn.bold('Verified for sending')} {'yes' if v.verified_for_sending else 'no'}"
        )
    if state.zone is not None:
        lines.append(
            f"{mrkdwn.bold('Zone')} {mrkdwn.escape(state.zone.zone_name)} ({state.zone.hosted_zone_id}), "
            f"delegation {state.zone.delegation}"
        )
    if state.publish is not None:
        lines.append(
            f"{mrkdwn.bold('Records')} {len(state.publish.changes)} added/changed, {len(state.publish.kept)} kept"
        )
    problems = _problems(state)
    if problems:
        lines += ["", mrkdwn.bold("Problems"), *(mrkdwn.bullet(_clip(p, 600)) for p in problems)]
    if link:
        lines += ["", mrkdwn.link(link, "Execution")]
    identity_arn = state.identity.identity_arn if state.identity else None
    context = {"domain": domain, "outcome": outcome, "region": region}
    if state.zone is not None:
        context["hostedZoneId"] = state.zone.hosted_zone_id
    if state.error is not None:
        context["error"] = _error_name(state.error)
    return custom_notification(
        title=f"{EMOJI[outcome]} {subject}",
        description="\n".join(lines),
        next_steps=next_steps(state, outcome, link),
        domain=domain,
        summary=subject,
        event_type=f"mailauth.{outcome}",
        related=(identity_arn, execution_arn),
        context=context,
    )


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
    subject = _clip(
        _ascii(f"mailauth: action required: create {len(changes)} DNS records for {domain}"), SUBJECT_MAX
    )
    hours = state.request.get("max_wait_hours", 48)
    hours_text = f"{hours:g}" if isinstance(hours, int | float) else str(hours)
    lines = [
        f"{domain}'s DNS is not in Route 53, so mailauth changed nothing.",
        "Create these records at your DNS provider; mailauth checks public DNS and SES until they verify",
        f"(at most {hours_text} hours) and then reports.",
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


def offboard_message(state: NotifyInput, *, execution_arn: str | None, region: str) -> Message:
    """What offboarding removed, what it left (and why), and what happened to the SES identity."""
    domain = domain_of(state)
    outcome = outcome_of(state)
    link = console_link(execution_arn, region) if execution_arn else None
    verb = "offboarded" if outcome == "success" else "offboarding failed"
    subject = _clip(_ascii(f"mailauth: {domain} {verb}"), SUBJECT_MAX)
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
        steps.append(
            f"{_error_name(state.error)}: {error_text(state.error)}. Re-running offboarding is safe."
        )
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


def compose(state: NotifyInput, *, execution_arn: str | None, region: str) -> Message:
    """Subject, e-mail text and Chatbot notification for the state the workflow ended in."""
    execution_arn = execution_arn or state.execution
    if state.announce:
        return announce_message(state, execution_arn=execution_arn, region=region)
    if state.operation == "offboard":
        return offboard_message(state, execution_arn=execution_arn, region=region)
    outcome = outcome_of(state)
    subject = subject_for(state, outcome)
    return Message(
        outcome=outcome,
        domain=domain_of(state),
        subject=subject,
        email_text=email_text(state, outcome, execution_arn=execution_arn, region=region),
        chatbot=chatbot_notification(state, outcome, subject, execution_arn=execution_arn, region=region),
    )


# -------------------------------------------------------------------------------------------- publish
def sns_body(message: Message) -> str:
    """The ``MessageStructure=json`` body, the e-mail text shortened until the whole is within SNS's byte limit.

    SNS counts UTF-8 bytes of the JSON document (escapes included), not characters: a text of two-byte characters
    or many line breaks needs more than its length.
    """
    chatbot = json.dumps(message.chatbot, ensure_ascii=False)
    email = message.email_text
    while True:
        body = json.dumps({"default": chatbot, "email": email}, ensure_ascii=False)
        excess = len(body.encode("utf-8")) - SNS_BODY_MAX
        if excess <= 0 or not email:
            return body
        email = _clip(email, max(len(email) - excess // 2 - 64, 0))


def publish(message: Message, *, topic_arn: str, sns_client: Any = None) -> str:
    """One SNS publish: ``email`` gets the text, every other protocol (``default``) the Chatbot JSON.

    Throttling and 5xx errors become AwsThrottledError, which the state machine retries.
    """
    from mailauth.aws import client as make_client
    from mailauth.aws import transient_as_throttled

    sns = sns_client if sns_client is not None else make_client("sns")
    body = sns_body(message)
    with transient_as_throttled("Publish"):
        response = sns.publish(
            TopicArn=topic_arn,
            MessageStructure="json",
            Message=body,
            Subject=message.subject,
            MessageAttributes={
                "outcome": {"DataType": "String", "StringValue": message.outcome},
                "domain": {"DataType": "String", "StringValue": message.domain},
            },
        )
    return str(response["MessageId"])
