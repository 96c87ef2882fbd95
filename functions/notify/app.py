"""Step 6 — Notify: e-mail and Chatbot/Slack notification of the outcome (success, timeout or failure).

The ASL passes the whole state plus ``execution`` (``$$.Execution.Id``); the result tells its Choice state
which Fail or Succeed state ends the execution.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.aws.sns import Topic
from mailauth.models import NotificationResult, NotifyInput, OutcomeEvent
from mailauth.notify.compose import compose
from mailauth.notify.message import Message
from mailauth.notify.state import parse_state
from mailauth.settings import NotifySettings

logger = Logger()
settings = NotifySettings.load()  # the cold start fails here, naming a missing or malformed variable
metrics = Metrics()

_METRIC_BY_OUTCOME = {
    "success": "DomainsOnboarded",
    "timeout": "OnboardingsTimedOut",
    "failure": "OnboardingsFailed",
}


def _record_metrics(state: NotifyInput, message: Message) -> None:
    if message.outcome == "action_required":  # not an outcome: the run goes on
        metrics.add_metric(name="RecordsAnnounced", unit=MetricUnit.Count, value=1)
        return
    if message.outcome == "warning":  # not an outcome either: sent before the wait
        metrics.add_metric(name="EarlyWarnings", unit=MetricUnit.Count, value=1)
        return
    if state.operation == "offboard":
        name = "DomainsOffboarded" if message.outcome == "success" else "OffboardingsFailed"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name=_METRIC_BY_OUTCOME[message.outcome], unit=MetricUnit.Count, value=1)
    if message.outcome == "success" and state.verification is not None and state.zone is not None:
        elapsed = state.verification.checked_at - state.zone.requested_at
        metrics.add_metric(name="HoursToVerify", unit=MetricUnit.NoUnit, value=elapsed.total_seconds() / 3600)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    state, dropped = parse_state(event)
    execution = event.get("execution") or state.execution
    message = compose(state, execution_arn=execution, region=settings.region)
    logger.append_keys(domain=message.domain, execution=execution)
    if dropped:
        logger.warning(
            "state keys did not match their models; notifying without them", extra={"keys": dropped}
        )
    outcome_event = None
    if message.outcome in ("success", "timeout", "failure") and execution:
        # before the send: a retry repeats no message
        outcome_event = _record_outcome(
            state, message, execution, keep=_keeps_outcome(message.domain, execution)
        )
    message_id = message.send_to(Topic(settings.topic_arn))
    _record_metrics(state, message)
    logger.info(
        "notification published",
        extra={"outcome": message.outcome, "subject": message.subject, "message_id": message_id},
    )
    return NotificationResult(
        outcome=message.outcome, subject=message.subject, message_id=message_id, event=outcome_event
    ).model_dump(mode="json")


def _keeps_outcome(domain: str, execution: str) -> bool:
    """Whether the domains table can hold this run's outcome: not for a rejected event's execution, nor for a
    request whose domain is invalid (neither owns a domain's item)."""
    from mailauth.domain import normalise_domain
    from mailauth.submission import REJECTED_PREFIX

    if execution.rsplit(":", 1)[-1].startswith(REJECTED_PREFIX):
        return False
    try:
        return normalise_domain(domain) == domain
    except ValueError:
        return False


def _record_outcome(state: NotifyInput, message: Message, execution: str, *, keep: bool) -> OutcomeEvent:
    """Keep the outcome on the domain's item for GET /domains, and describe the event to put on the bus. A table
    that refuses the write (throttling that outlasts the SDK's retries included) does not stop the notification:
    it is logged and counted (OutcomesNotRecorded), and the list shows the run from its execution's status."""
    from mailauth.aws.dynamodb import Table
    from mailauth.drift import target_of, watch_field
    from mailauth.fleet import outcome_of, record

    outcome = outcome_of(
        state,
        message.outcome,
        domain=message.domain,
        subject=message.subject,
        execution_arn=execution,
        region=settings.region,
    )
    try:
        target = target_of(state) if outcome.status == "VERIFIED" else None
        watch = watch_field(target, execution) if target is not None else None
        if keep and not record(Table(settings.table_name), outcome, watch=watch):
            logger.info("a newer run owns the domain's item; its outcome is not overwritten")
    except Exception:  # throttling that outlasted the SDK's retries included: the message matters more
        logger.exception("the outcome could not be kept in the domains table")
        metrics.add_metric(name="OutcomesNotRecorded", unit=MetricUnit.Count, value=1)
    return OutcomeEvent(detail_type=outcome.detail_type, detail=outcome.model_dump(mode="json"))
