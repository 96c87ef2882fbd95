"""EventBridge: put one mailauth event on a bus (the account's default bus, where outcome events go too)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from mailauth.aws import Adapter, transient_as_throttled
from mailauth.errors import EventNotPutError

#: every mailauth event's ``source`` (docs/events.md)
SOURCE = "mailauth"


class Bus(Adapter):
    """One event bus; the client is built at the first put when none is passed."""

    service = "events"

    def __init__(self, name: str = "default", client: Any = None) -> None:
        super().__init__(client)
        self.name = name

    def put(self, detail_type: str, detail: Mapping[str, Any], *, resources: Sequence[str] = ()) -> str:
        """Put one event; its EventId. PutEvents answers 200 even when it refused the entry (FailedEntryCount,
        the entry's ErrorCode: EventBridge API Reference, PutEvents), which becomes EventNotPutError; throttling
        and 5xx errors become AwsThrottledError."""
        entry: dict[str, Any] = {
            "EventBusName": self.name,
            "Source": SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(detail, separators=(",", ":")),
        }
        if resources:
            entry["Resources"] = list(resources)
        with transient_as_throttled("PutEvents"):
            response = self.client.put_events(Entries=[entry])
        [answer] = response.get("Entries") or [{}]
        if response.get("FailedEntryCount") or not answer.get("EventId"):
            raise EventNotPutError(
                f"EventBridge did not accept the {detail_type} event: "
                f"{answer.get('ErrorCode', 'no event id')}: {answer.get('ErrorMessage', '')}".rstrip(": ")
            )
        return str(answer["EventId"])
