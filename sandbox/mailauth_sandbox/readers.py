"""What tests and scenarios read from the world: executions and their history, zones, topics and queues; and
the few changes a person makes by hand (a state machine, an execution, a hosted zone, a record)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .clock import SimClock
from .provision import Stack


class Readers:
    """The test's view of the stack; its calls are the test's own (not counted, not judged by a role)."""

    def __init__(
        self, stack: Stack, clock: SimClock, published: Mapping[str, tuple[datetime, str | None]]
    ) -> None:
        self.stack = stack
        self.clock = clock
        #: when each SNS message was published and for which execution, by MessageId (CallGate.published)
        self.published = published

    # -- Step Functions ---------------------------------------------------------------------------
    def create_state_machine(self, name: str, definition: Mapping[str, Any] | str) -> str:
        """Create a state machine from an ASL dict or JSON text; return its ARN."""
        text = definition if isinstance(definition, str) else json.dumps(definition)
        arn: str = self.stack.client("stepfunctions").create_state_machine(
            name=name, definition=text, roleArn=self.stack.iam_role
        )["stateMachineArn"]
        return arn

    def start_execution(
        self, input: Mapping[str, Any], name: str, state_machine_arn: str | None = None
    ) -> str:
        """Start an execution (named: moto needs it) of the template's state machine or the given one."""
        arn = state_machine_arn or self.stack.state_machine_arn
        if not arn:
            raise RuntimeError("no state machine: the template has none; pass state_machine_arn")
        result: str = self.stack.client("stepfunctions").start_execution(
            stateMachineArn=arn, name=name, input=json.dumps(input)
        )["executionArn"]
        return result

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll until the execution leaves RUNNING (wall-clock ``timeout``); return describe_execution."""
        sfn = self.stack.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                _join(execution_arn, deadline)
                return described
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{execution_arn} still RUNNING after {timeout}s "
                    f"(simulated time {self.clock.now().isoformat()})"
                )
            time.sleep(0.01)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """Every history event of the execution (paginated)."""
        sfn = self.stack.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def states_entered(self, execution_arn: str) -> list[str]:
        """Names of the states entered, in order."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history(execution_arn)
            if e["type"].endswith("StateEntered")
        ]

    def transitions(self, execution_arn: str) -> int:
        """Number of state transitions (StateEntered events), what Standard workflows bill."""
        return len(self.states_entered(execution_arn))

    def stop_executions(self) -> None:
        """Stop every running execution of every state machine (the sandbox is stopping)."""
        sfn = self.stack.client("stepfunctions")
        for machine in sfn.list_state_machines()["stateMachines"]:
            for execution in sfn.list_executions(
                stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
            )["executions"]:
                sfn.stop_execution(executionArn=execution["executionArn"], cause="sandbox stopped")

    # -- Route 53 ---------------------------------------------------------------------------------
    def create_hosted_zone(self, name: str, private: bool = False, account_id: str | None = None) -> str:
        """Create a hosted zone (public by default; in another account with ``account_id``); return its id."""
        kwargs: dict[str, Any] = {"Name": name, "CallerReference": str(uuid.uuid4())}
        if private:
            kwargs["HostedZoneConfig"] = {"PrivateZone": True, "Comment": "sandbox private zone"}
            kwargs["VPC"] = {"VPCRegion": self.stack.region, "VPCId": "vpc-0sandbox"}
        zone_id: str = self.stack.client("route53", account_id).create_hosted_zone(**kwargs)["HostedZone"][
            "Id"
        ]
        return zone_id.rsplit("/", 1)[-1]

    def zone_records(
        self, zone_id: str, account_id: str | None = None
    ) -> dict[tuple[str, str], tuple[str, ...]]:
        """``{(name, type): values}`` of every record set in the zone (names without the trailing dot)."""
        return {key: values for key, (_ttl, values) in self.zone_sets(zone_id, account_id).items()}

    def zone_sets(
        self, zone_id: str, account_id: str | None = None
    ) -> dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]:
        """``{(name, type): (ttl, values)}`` of every record set in the zone (alias sets: no TTL, no values)."""
        out: dict[tuple[str, str], tuple[int | None, tuple[str, ...]]] = {}
        client = self.stack.client("route53", account_id)
        for page in client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
            for item in page["ResourceRecordSets"]:
                values = tuple(sorted(r["Value"] for r in item.get("ResourceRecords", [])))
                out[(item["Name"].rstrip("."), item["Type"])] = (item.get("TTL"), values)
        return out

    def add_record(
        self, zone_id: str, name: str, rtype: str, *values: str, ttl: int = 300, account_id: str | None = None
    ) -> None:
        """CREATE a record set in the zone, as a person editing it would (not counted as a handler call)."""
        change = {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}
        self.add_record_set(zone_id, change, account_id=account_id)

    def add_record_set(self, zone_id: str, rrset: dict[str, Any], account_id: str | None = None) -> None:
        """CREATE any ResourceRecordSet (routed, alias) in the zone, as a person editing it would."""
        self.stack.client("route53", account_id).change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": rrset}]},
        )

    # -- SQS and SNS ------------------------------------------------------------------------------
    def dead_letters(self, logical: str = "DeadLetterQueue") -> list[dict[str, Any]]:
        """The messages in a template queue (read without taking them): ``body`` and ``attributes``."""
        sqs = self.stack.client("sqs")
        url = self.stack.resources[logical]["Ref"]
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return [
            {
                "body": json.loads(m["Body"]),
                "attributes": {k: v["StringValue"] for k, v in (m.get("MessageAttributes") or {}).items()},
            }
            for m in messages
        ]

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the notification topic: ``subject``, ``email``, ``chatbot``, ``attributes``,
        ``at`` (when, on the simulated clock) and ``execution`` (the execution the publishing handler ran for)."""
        from moto.sns.models import sns_backends

        topic = sns_backends[self.stack.account_id][self.stack.region].topics[self.stack.topic_arn]
        out = []
        for message_id, message, subject, attributes, _group in topic.sent_notifications:
            body = json.loads(message)
            out.append(
                {
                    "subject": subject,
                    "email": body.get("email", ""),
                    "chatbot": json.loads(body["default"]),
                    "attributes": attributes,
                    "at": self.published.get(message_id, (None, None))[0],
                    "execution": self.published.get(message_id, (None, None))[1],
                }
            )
        return out

    def alerts(self) -> list[dict[str, Any]]:
        """Messages published to the alerts topic (``AlertTopic``): ``subject``, ``message``, ``at``."""
        from moto.sns.models import sns_backends

        arn = self.stack.resources.get("AlertTopic", {}).get("Ref")
        topic = sns_backends[self.stack.account_id][self.stack.region].topics.get(arn or "")
        if topic is None:
            return []
        return [
            {"subject": subject, "message": message, "at": self.published.get(message_id, (None, None))[0]}
            for message_id, message, subject, _attributes, _group in topic.sent_notifications
        ]


#: the longest :meth:`Readers.wait` waits for a finished execution's thread (it ends within milliseconds)
JOIN_SECONDS = 10.0


def _join(execution_arn: str, deadline: float) -> None:
    """Wait for the execution's thread to end, which retires its actor: moto reports the status a moment before,
    and a caller that then moves the clock (a day later, say) must find no execution running, or the template's
    schedules fire as if one were (schedules.py), and a reader's retries wait for an actor that is gone."""
    from .patches import EXECUTION_THREAD

    name = f"{EXECUTION_THREAD} {execution_arn}"
    for thread in threading.enumerate():
        if thread.name == name and thread is not threading.current_thread():
            thread.join(min(max(deadline - time.monotonic(), 1.0), JOIN_SECONDS))
