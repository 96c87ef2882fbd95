"""Which message the workflow's state calls for: the "action required" announcement, the "started, with
warnings" message, the offboarding report, or the report of an onboarding's outcome."""

from __future__ import annotations

from mailauth.models import NotifyInput
from mailauth.notify.announce import announce_message, warning_message
from mailauth.notify.chatbot import chatbot_notification
from mailauth.notify.email_text import email_text
from mailauth.notify.message import Message
from mailauth.notify.offboarding import offboard_message
from mailauth.notify.state import domain_of, outcome_of, subject_for


def compose(state: NotifyInput, *, execution_arn: str | None, region: str) -> Message:
    """Subject, e-mail text and Chatbot notification for the state the workflow ended in."""
    execution_arn = execution_arn or state.execution
    if state.announce:
        return announce_message(state, execution_arn=execution_arn, region=region)
    if state.warn_early:
        return warning_message(state, execution_arn=execution_arn, region=region)
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
