"""SNS subscriber: post each mailauth notification to a Slack incoming webhook (an alternative to Chatbot).

The webhook URL comes from the SSM SecureString named by ``MAILAUTH_SLACK_WEBHOOK_PARAMETER`` and is never
logged. A failed post raises, so Lambda retries the asynchronous invocation and the failure shows in the
function's Errors metric and logs: it is never silent.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.settings import SlackSettings
from mailauth.slack import SlackRejectedError, SlackTransientError, post, to_slack_payload, webhook_url

logger = Logger()
settings = SlackSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = [r for r in event.get("Records") or [] if isinstance(r, dict)]
    url = webhook_url(settings.slack_webhook_parameter, allowed_prefix=settings.slack_allowed_url_prefix)
    posted = 0
    for record in records:
        sns = record.get("Sns") or {}
        payload = to_slack_payload(str(sns.get("Message") or ""), subject=sns.get("Subject"))
        attributes = sns.get("MessageAttributes") or {}
        domain = (attributes.get("domain") or {}).get("Value")
        logger.append_keys(sns_message_id=sns.get("MessageId"), domain=domain)
        try:
            status = post(url, payload)
        except SlackRejectedError as exc:
            logger.error(
                "Slack rejected the notification", extra={"status": exc.status, "slack_body": exc.body}
            )
            raise
        except SlackTransientError as exc:
            logger.warning("Slack post failed; the invocation will be retried", extra={"reason": str(exc)})
            raise
        logger.info("notification posted to Slack", extra={"status": status})
        posted += 1
    return {"posted": posted}
