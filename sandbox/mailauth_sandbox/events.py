"""EventBridge delivery, which moto does not do for Lambda targets: rules read from template.yaml.

Every ``AWS::Events::Rule`` and every function's ``EventBridgeRule`` event in the template becomes a rule on the
default bus: its pattern is matched with moto's own EventBridge pattern matcher, a disabled rule (``State``,
including ``!If`` on a template Condition) is skipped, the target's ``Input``, ``InputPath`` or
``InputTransformer`` is applied, and the target function is invoked in-process, as EventBridge invokes Lambda
(asynchronously: a handler error is recorded, not raised to the sender).

Asynchronous invocation as the Lambda Developer Guide describes it ("How Lambda handles errors and retries with
asynchronous invocation"): a function error is retried twice, one minute before the first retry and two minutes
before the second (on the simulated clock); an event that still fails goes to the function's dead-letter queue
("Adding a dead-letter queue": the event as the message body, with the attributes RequestID, ErrorCode and
ErrorMessage).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import template as cfn
from .clock import SimClock
from .invoke import Invocation, Invoker
from .provision import Stack


@dataclass
class Rule:
    name: str
    pattern: dict[str, Any]
    function: str
    enabled: bool = True
    input: str | None = None
    input_path: str | None = None
    transformer: dict[str, Any] | None = None
    bus: str = "default"  # the event bus the rule listens on (its EventBusName, by name)


@dataclass
class Delivery:
    rule: str
    function: str
    event: dict[str, Any]
    invocation: Invocation | None = None


@dataclass
class EventRouter:
    stack: Stack
    invoker: Invoker
    clock: SimClock
    rules: list[Rule] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @classmethod
    def from_template(cls, stack: Stack, invoker: Invoker, clock: SimClock) -> EventRouter:
        router = cls(stack, invoker, clock)
        tpl = stack.template
        params = stack.parameter_definitions()
        conditions = tpl.get("Conditions") or {}
        for logical, res in (tpl.get("Resources") or {}).items():
            props = res.get("Properties") or {}
            if res.get("Type") == "AWS::Events::Rule":
                enabled = _enabled(props.get("State", "ENABLED"), params, conditions)
                for target in props.get("Targets") or []:
                    arn = target.get("Arn")
                    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
                        router.rules.append(
                            Rule(
                                name=logical,
                                pattern=props.get("EventPattern") or {},
                                function=str(arn["Fn::GetAtt"][0]),
                                enabled=enabled,
                                input=target.get("Input"),
                                input_path=target.get("InputPath"),
                                transformer=target.get("InputTransformer"),
                                bus=router.bus_name(props.get("EventBusName")),
                            )
                        )
            if res.get("Type") == "AWS::Serverless::Function":
                for name, event in (props.get("Events") or {}).items():
                    if event.get("Type") not in ("EventBridgeRule", "CloudWatchEvent"):
                        continue
                    eprops = event.get("Properties") or {}
                    router.rules.append(
                        Rule(
                            name=f"{logical}.{name}",
                            pattern=eprops.get("Pattern") or {},
                            function=logical,
                            enabled=_enabled(eprops.get("State", "ENABLED"), params, conditions),
                            input=eprops.get("Input"),
                            input_path=eprops.get("InputPath"),
                            transformer=eprops.get("InputTransformer"),
                            bus=router.bus_name(eprops.get("EventBusName")),
                        )
                    )
        return router

    def bus_name(self, value: Any) -> str:
        """A rule's or an entry's EventBusName (a name, an ARN, or ``!Ref`` to a template bus) as a bus name."""
        if value is None:
            return "default"
        name = value if isinstance(value, str) else cfn.resolve(value, self.stack.lookup, {})
        return str(name).rsplit("/", 1)[-1]

    @property
    def mailauth_bus(self) -> str:
        """The bus the template's OnboardDomain rule listens on (where custom events go)."""
        return next((r.bus for r in self.rules if r.bus != "default"), "default")

    def envelope(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A PutEvents entry as EventBridge delivers it."""
        detail = entry.get("Detail", "{}")
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": self.stack.account_id,
            "time": self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.stack.region,
            "resources": list(entry.get("Resources", [])),
            "detail": json.loads(detail) if isinstance(detail, str) else detail,
        }

    def put_events(self, entries: list[dict[str, Any]]) -> list[Delivery]:
        """PutEvents: each entry goes to its ``EventBusName`` (the default bus when it names none), where every
        matching enabled rule's target is invoked."""
        out: list[Delivery] = []
        for entry in entries:
            out += self.deliver(self.envelope(entry), bus=self.bus_name(entry.get("EventBusName")))
        return out

    def deliver(self, event: dict[str, Any], bus: str = "default") -> list[Delivery]:
        """Deliver a complete event on ``bus`` (the default bus: where AWS puts CloudTrail events itself)."""
        from moto.events.models import EventPattern, EventPatternParser

        out = []
        for rule in self.rules:
            if rule.bus != bus:
                continue
            pattern = EventPattern(None, EventPatternParser(json.dumps(rule.pattern)).parse())
            if not rule.enabled or not pattern.matches_event(event):  # type: ignore[arg-type]
                continue
            payload = _transform(rule, event)
            delivery = Delivery(rule=rule.name, function=rule.function, event=payload)
            delivery.invocation = self.invoke_async(rule.function, payload)
            self.deliveries.append(delivery)
            out.append(delivery)
        return out

    def invoke_async(self, function: str, payload: Any) -> Invocation:
        """Lambda's asynchronous invocation: a function error retried (:meth:`Invoker.run_async`), then the
        dead-letter queue."""
        invocation = self.invoker.run_async(function, payload, self.clock.sleep)
        target = self.invoker.functions[function].dead_letter_arn
        if invocation.error_type is not None and target:
            name = target.rsplit(":", 1)[1]
            sqs = self.stack.client("sqs")
            sqs.send_message(
                QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"],
                MessageBody=json.dumps(payload),
                MessageAttributes={
                    "RequestID": {"DataType": "String", "StringValue": invocation.request_id},
                    "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                    "ErrorMessage": {
                        "DataType": "String",
                        "StringValue": (invocation.error_message or invocation.error_type)[:1024],
                    },
                },
            )
        return invocation


def _enabled(state: Any, params: dict[str, Any], conditions: dict[str, Any]) -> bool:
    if isinstance(state, dict) and "Fn::If" in state:
        name, when_true, when_false = state["Fn::If"]
        state = when_true if cfn.condition(str(name), params, conditions) else when_false
    return str(state).upper() == "ENABLED"


def _path(event: dict[str, Any], path: str) -> Any:
    node: Any = event
    for part in path.removeprefix("$").strip(".").split("."):
        if not part:
            continue
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _transform(rule: Rule, event: dict[str, Any]) -> Any:
    if rule.input is not None:
        return json.loads(rule.input)
    if rule.input_path:
        return _path(event, rule.input_path)
    if rule.transformer:
        values = {k: _path(event, v) for k, v in (rule.transformer.get("InputPathsMap") or {}).items()}
        text = str(rule.transformer.get("InputTemplate", ""))

        def fill(match: re.Match[str]) -> str:
            value = values.get(match.group(1))
            return value if isinstance(value, str) else json.dumps(value)

        return json.loads(re.sub(r"<([\w.-]+)>", fill, text))
    return event
