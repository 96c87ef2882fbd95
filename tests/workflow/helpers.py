"""Reading the embedded AWS back: zone contents, notifications, execution output."""

from __future__ import annotations

import json
from typing import Any

from mailauth_sandbox import LocalAws


def zone_records(local: LocalAws, zone_id: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """{(name, type): values} of every record set in the zone, names without the trailing dot."""
    client = local.client("route53")
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for page in client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        for item in page["ResourceRecordSets"]:
            values = tuple(sorted(r["Value"] for r in item.get("ResourceRecords", [])))
            out[(item["Name"].rstrip("."), item["Type"])] = values
    return out


def notifications(local: LocalAws) -> list[dict[str, Any]]:
    """Messages published to the notification topic: {'subject', 'email', 'chatbot', 'attributes'}."""
    from moto.sns.models import sns_backends

    topic = sns_backends[local.account_id][local.region].topics[local.topic_arn]
    out = []
    for _id, message, subject, attributes, _group in topic.sent_notifications:
        body = json.loads(message)
        out.append(
            {
                "subject": subject,
                "email": body.get("email", ""),
                "chatbot": json.loads(body["default"]),
                "attributes": attributes,
            }
        )
    return out


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
