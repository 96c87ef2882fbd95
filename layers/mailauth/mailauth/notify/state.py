"""Reading the workflow state Notify receives: what it holds (parsed defensively), how the run ended, and how
that outcome is named (subject line, headline).

The state may come from any point of the workflow: a failure before Resolve leaves only the raw request and the
error, so every reader copes with missing keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ValidationError

from mailauth.models import AuditFinding, ErrorInfo, NotifyInput
from mailauth.notify.text import SUBJECT_MAX, clip, defang, defang_quoted, to_ascii

NotifyOutcome = Literal["success", "timeout", "failure", "action_required", "warning", "drift"]

NO_DOMAIN = "(no domain)"


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
    shown defanged (see :func:`~mailauth.notify.text.defang`) so that nobody can put a link into a notification
    through it."""
    value = state.request.get("domain")
    if isinstance(value, str) and _is_domain(value):
        return value.strip()
    if state.zone is not None:
        return state.zone.domain  # validated and normalised by Resolve
    if value is None or value == "":
        return NO_DOMAIN
    return defang(clip(value.strip() if isinstance(value, str) else repr(value), 120))


def _is_domain(value: str) -> bool:
    from mailauth.domain import normalise_domain

    try:
        normalise_domain(value)
    except ValueError:
        return False
    return True


def error_name(error: ErrorInfo) -> str:
    """The error's class name (the Step Functions Catch's ``Error``), without a ``mailauth.`` module path."""
    return error.error.rsplit(".", 1)[-1] if error.error.startswith("mailauth.") else error.error


def error_text(error: ErrorInfo) -> str:
    """An error's message with the request content it quotes (``'...'``) defanged."""
    return defang_quoted(error.message)


def hours(state: NotifyInput) -> str:
    """The request's ``max_wait_hours`` as text (48, its default, when the request has no valid one)."""
    value = state.request.get("max_wait_hours", 48)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return "48"


def subject_for(state: NotifyInput, outcome: NotifyOutcome) -> str:
    """Fewer than 100 printable ASCII characters; a long domain is shortened so the outcome stays visible."""
    prefix = "mailauth: "
    if outcome == "success":
        suffix = " verified"
    elif outcome == "timeout":
        suffix = f" NOT verified after {hours(state)} h"
    elif state.error is not None:
        suffix = f" onboarding failed: {to_ascii(error_name(state.error))}"
    else:
        suffix = " SES verification failed"
    suffix = clip(suffix, SUBJECT_MAX - len(prefix) - 10)
    domain = clip(to_ascii(domain_of(state)), SUBJECT_MAX - len(prefix) - len(suffix))
    return clip(prefix + domain + suffix, SUBJECT_MAX)


def headline(state: NotifyInput, outcome: NotifyOutcome, region: str) -> str:
    """One sentence saying how the onboarding ended: the e-mail's first line and the Chatbot description's."""
    domain = domain_of(state)
    if outcome == "success":
        caveat = account_problem(state)
        but = f" But {caveat.detail}." if caveat is not None else ""
        return f"{domain} is verified for sending with Amazon SES in {region}.{but}"
    if outcome == "timeout":
        partly = sending_today(state)
        if partly:
            return (
                f"{domain}'s custom MAIL FROM was NOT verified by SES within {hours(state)} hours; {partly}"
            )
        return f"{domain} was NOT verified by SES within {hours(state)} hours."
    if state.error is not None:
        return f"Onboarding {domain} failed: {error_name(state.error)}."
    return f"SES verification of {domain} failed."


def sending_today(state: NotifyInput) -> str:
    """When DKIM verified but the custom MAIL FROM did not: what that means for mail sent today (else empty).

    SES verifies a domain for sending by DKIM; the custom MAIL FROM is a separate setup, and while it is not
    verified SES follows BehaviorOnMxFailure (sesv2 model, PutEmailIdentityMailFromAttributes): UseDefaultValue
    sends with a MAIL FROM under amazonses.com, RejectMessage refuses to send."""
    v = state.verification
    if v is None or v.dkim_status != "SUCCESS" or v.mail_from_status == "SUCCESS":
        return ""
    mail_from = state.identity.mail_from_domain if state.identity else "the MAIL FROM domain"
    if str(state.request.get("behavior_on_mx_failure", "")) == "REJECT_MESSAGE":
        return (
            f"DKIM is verified, but SES rejects every message until {mail_from} is verified "
            "(behavior_on_mx_failure is REJECT_MESSAGE)."
        )
    return (
        f"DKIM is verified, so SES sends mail today, but with its own MAIL FROM (under amazonses.com) instead of "
        f"{mail_from}: SPF passes without aligning with the domain, and DMARC rests on DKIM alone."
    )


def account_problem(state: NotifyInput) -> AuditFinding | None:
    """What keeps the SES account from sending to anyone (sandbox, paused, under review, unknown), as last read:
    by the report when it ran, else when the identity was set up; None when nothing does."""
    from mailauth import account

    status = state.report.account if state.report is not None else None
    if status is None and state.identity is not None:
        status = state.identity.account
    if status is None:
        return None
    found = account.finding(status, domain_of(state))
    return None if found.status == "ok" else found
