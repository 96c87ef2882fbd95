"""What the Notify step sends: one :class:`Message` (a subject, the e-mail text and the Chatbot notification),
as one SNS ``MessageStructure=json`` body within SNS's size limit.

The ``email`` key is the plain-text report for e-mail subscribers, ``default`` the Chatbot custom notification
JSON for everything else (AWS Chatbot's HTTPS subscription, the optional Slack webhook Lambda, SQS). The SNS call
itself is :class:`mailauth.aws.sns.Topic`'s.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from mailauth.aws.sns import Topic
from mailauth.notify.state import NotifyOutcome
from mailauth.notify.text import clip

#: SNS Publish: the message and its attributes together at most 262,144 bytes (256 KiB); a little is kept for
#: the two small message attributes.
SNS_BODY_MAX = 262_144 - 2_048


class Message(BaseModel):
    """What the Notify step publishes: one subject, the e-mail text and the Chatbot notification."""

    model_config = ConfigDict(frozen=True)

    outcome: NotifyOutcome
    domain: str
    subject: str
    email_text: str
    chatbot: dict[str, Any]

    def send_to(self, topic: Topic) -> str:
        """Send the message to ``topic``: ``email`` subscribers get the text, every other protocol (``default``)
        the Chatbot JSON; SNS's message ID. Throttling and 5xx errors become AwsThrottledError, which the state
        machine retries."""
        return topic.send(
            sns_body(self), subject=self.subject, attributes={"outcome": self.outcome, "domain": self.domain}
        )


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
        email = clip(email, max(len(email) - excess // 2 - 64, 0))
