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
from mailauth.models import NotificationResult, NotifyInput
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
    message_id = message.send_to(Topic(settings.topic_arn))
    _record_metrics(state, message)
    logger.info(
        "notification published",
        extra={"outcome": message.outcome, "subject": message.subject, "message_id": message_id},
    )
    return NotificationResult(
        outcome=message.outcome, subject=message.subject, message_id=message_id
    ).model_dump(mode="json")
