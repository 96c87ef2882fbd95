"""Reading the embedded AWS back: zone contents, notifications, execution output."""

from __future__ import annotations

import json
from typing import Any

from mailauth_sandbox import LocalAws


def zone_records(local: LocalAws, zone_id: str) -> dict[tuple[str, str], tuple[str, ...]]:
    return local.zone_records(zone_id)


def notifications(local: LocalAws) -> list[dict[str, Any]]:
    return local.notifications()


def output(description: dict[str, Any]) -> dict[str, Any]:
    return json.loads(description.get("output") or "{}")


def failure(local: LocalAws, arn: str) -> dict[str, Any]:
    """The execution's failure details (error and cause) from its history."""
    for event in reversed(local.history(arn)):
        if event["type"] == "ExecutionFailed":
            return dict(event["executionFailedEventDetails"])
    return {}


def last_input(local: LocalAws, function: str) -> dict[str, Any]:
    """The state the function last received (for checking what a step saw)."""
    return next(i.event for i in reversed(local.invocations) if i.function == function)


def results(local: LocalAws, function: str) -> list[Any]:
    return [i.result for i in local.invocations if i.function == function and i.ok]
