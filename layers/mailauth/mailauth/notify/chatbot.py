"""The AWS Chatbot custom notification: what Slack shows (through Chatbot or the Slack webhook function).

Its description is Slack mrkdwn (see :mod:`mailauth.mrkdwn`); its next steps are plain text, escaped here.
"""

from __future__ import annotations

from typing import Any

from mailauth import mrkdwn
from mailauth.models import NotifyInput
from mailauth.notify.advice import next_steps
from mailauth.notify.state import NotifyOutcome, domain_of, error_name, error_text, headline
from mailauth.notify.text import clip, console_link

DESCRIPTION_MAX = 4000  # Chatbot custom notification description (kept well inside Slack's limits)
NEXT_STEP_MAX = 800
EMOJI: dict[NotifyOutcome, str] = {"success": "✅", "timeout": "⏰", "failure": "❌"}


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
            "description": clip(description, DESCRIPTION_MAX),
            "nextSteps": [mrkdwn.escape(clip(step, NEXT_STEP_MAX)) for step in next_steps],
        },
        "metadata": metadata,
    }


def _problems(state: NotifyInput) -> list[str]:
    problems: list[str] = []
    if state.error is not None:
        problems.append(f"{error_name(state.error)}: {clip(error_text(state.error), 1200)}")
    if state.zone is not None and state.zone.delegation != "ok":
        problems += list(state.zone.warnings)
    if state.verification is not None:
        problems += [d for d in state.verification.diagnosis if d not in problems]
    if state.report is not None and not problems:
        problems += [f"{f.check}: {f.detail}" for f in state.report.audit if f.status == "fail"]
    return problems


def chatbot_notification(
    state: NotifyInput, outcome: NotifyOutcome, subject: str, *, execution_arn: str | None, region: str
) -> dict[str, Any]:
    """The Chatbot custom notification of an onboarding's outcome."""
    domain = domain_of(state)
    link = console_link(execution_arn, region) if execution_arn else None
    lines = [f"{EMOJI[outcome]} {mrkdwn.escape(headline(state, outcome, region))}"]
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
        lines += ["", mrkdwn.bold("Problems"), *(mrkdwn.bullet(clip(p, 600)) for p in problems)]
    if link:
        lines += ["", mrkdwn.link(link, "Execution")]
    identity_arn = state.identity.identity_arn if state.identity else None
    context = {"domain": domain, "outcome": outcome, "region": region}
    if state.zone is not None:
        context["hostedZoneId"] = state.zone.hosted_zone_id
    if state.error is not None:
        context["error"] = error_name(state.error)
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
