"""The plain-text report for e-mail subscribers of an onboarding: what was done, what SES and public DNS
report, the audit, and what to do next."""

from __future__ import annotations

from mailauth.models import DnsCheck, NotifyInput
from mailauth.notify.advice import next_steps
from mailauth.notify.state import NotifyOutcome, error_name, error_text, headline, sending_today
from mailauth.notify.text import bullets, clip, console_link, record_line

EMAIL_MAX = 200_000  # characters of the e-mail text before the SNS byte budget (mailauth.notify.message)


def email_text(state: NotifyInput, outcome: NotifyOutcome, *, execution_arn: str | None, region: str) -> str:
    """The plain-text report for e-mail subscribers."""
    link = console_link(execution_arn, region) if execution_arn else None
    lines = [headline(state, outcome, region), ""]
    if state.error is not None:
        lines += [
            "ERROR",
            f"  {error_name(state.error)}",
            *(f"  {m}" for m in error_text(state.error).splitlines()),
            "",
        ]
    lines += [*_done_section(state), "", *_ses_section(state), "", *_dns_section(state), ""]
    if state.zone is not None and state.zone.warnings:
        lines += ["DELEGATION", *bullets(state.zone.warnings), ""]
    if outcome != "failure" or state.report is not None:
        lines += _report_section(state)
    lines += ["WHAT TO DO NEXT", *bullets(next_steps(state, outcome, link)), ""]
    lines.append(f"Execution: {execution_arn or '(unknown)'}")
    if link:
        lines.append(f"Console:   {link}")
    return clip("\n".join(lines) + "\n", EMAIL_MAX)


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
        f"    {c.action} {record_line(c.record.name, c.record.type, c.record.values)}  [{c.purpose}: {c.reason}]"
        for c in published.changes
    ] or ["    none"]
    right = [k for k in published.kept if k.as_requested]
    lines.append(f"  Records already right, kept ({len(right)}):")
    lines += [
        f"    {record_line(k.record.name, k.record.type, k.record.values)}  [{k.purpose}: {k.reason}]"
        for k in right
    ] or ["    none"]
    other = [k for k in published.kept if not k.as_requested]
    if other:
        lines.append(f"  Records kept as they are, not as requested ({len(other)}):")
        lines += [
            f"    {record_line(k.record.name, k.record.type, k.record.values)}  [{k.purpose}: {k.reason}]"
            for k in other
        ]
    if published.notes:
        lines.append("  Notes:")
        lines += bullets(published.notes, "    ")
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
        f"  Verified for sending: {'yes' if v.verified_for_sending else 'no'}"
        + (" (by DKIM; the custom MAIL FROM is not verified)" if sending_today(state) else ""),
        f"  Checked {v.attempt} time(s), last at {v.checked_at.isoformat()}",
        f"  Deadline: {v.deadline.isoformat()}",
    ]
    if v.verification_error:
        lines.append(f"  SES verification error: {v.verification_error}")
    if v.dkim_restarts or v.mail_from_restarts:
        lines.append(f"  Restarts: DKIM {v.dkim_restarts}, MAIL FROM {v.mail_from_restarts}")
    return lines


def _status(check: DnsCheck) -> str:
    from mailauth.dnscheck import OUT_OF_TIME

    if check.ok:
        return "OK"
    if check.error == OUT_OF_TIME:
        return "UNCHECKED"
    return "MISSING" if not check.found else "WRONG"


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
        lines += ["", "DIAGNOSIS", *bullets(state.verification.diagnosis)]
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
