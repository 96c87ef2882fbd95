"""SNS: send one message to a topic, a text per protocol (``MessageStructure=json``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailauth.aws import Adapter, transient_as_throttled


class Topic(Adapter):
    """One SNS topic; the client is built at the first send when none is passed."""

    service = "sns"

    def __init__(self, arn: str, client: Any = None) -> None:
        super().__init__(client)
        self.arn = arn

    def send(self, body: str, *, subject: str, attributes: Mapping[str, str]) -> str:
        """Publish ``body``, a JSON object of one text per protocol (``default`` for every protocol it does not
        name), with ``subject`` (for e-mail) and String message ``attributes``; the MessageId.

        Throttling and 5xx errors become AwsThrottledError, which the state machine retries.
        """
        with transient_as_throttled("Publish"):
            response = self.client.publish(
                TopicArn=self.arn,
                MessageStructure="json",
                Message=body,
                Subject=subject,
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
                },
            )
        return str(response["MessageId"])
