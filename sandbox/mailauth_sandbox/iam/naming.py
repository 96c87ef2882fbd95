"""The physical names and attributes the sandbox gives template resources (:class:`SandboxNames`)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from .. import template as _sandbox_template
from .errors import UnresolvedValue
from .resolver import Lookup, Resolver


class SandboxNames:
    """The sandbox's physical names and attributes of template resources, as a :data:`Lookup`.

    Mirrors ``provision.Stack._declare``/``lookup``: a function, table, topic, rule, role or alarm is named by its
    logical ID unless its name property says otherwise; a state machine by its (resolved) ``StateMachineName`` or
    ``Name``; ``Ref`` of a topic or state machine is its ARN; a KMS key gets a deterministic key id. Use it alone
    or behind the sandbox's own lookup (:func:`chain_lookups`).
    """

    def __init__(
        self, template: Mapping[str, Any], *, region: str, account_id: str, partition: str, stack_name: str
    ) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self.stack_name = stack_name
        self._resolver = Resolver(
            template,
            lookup=self,
            region=region,
            account_id=account_id,
            partition=partition,
            stack_name=stack_name,
        )

    def _id(self, logical_id: str, length: int = 0) -> str:
        seed = f"mailauth-sandbox:{self.partition}:{self.account_id}:{self.region}:{self.stack_name}:{logical_id}"
        if length:
            return hashlib.sha256(seed.encode()).hexdigest()[:length]
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))

    def _name(self, props: Mapping[str, Any], key: str, default: str) -> str:
        return self._resolver.string(props[key]) if props.get(key) is not None else default

    def __call__(self, logical_id: str, attribute: str | None) -> str:
        resource = (self.template.get("Resources") or {}).get(logical_id)
        if not isinstance(resource, dict):
            raise UnresolvedValue(f"no resource {logical_id}")
        values = self._attributes(logical_id, str(resource.get("Type")), resource.get("Properties") or {})
        key = attribute or "Ref"
        if key not in values:
            raise UnresolvedValue(f"the sandbox does not name {logical_id} ({resource.get('Type')}).{key}")
        return values[key]

    def _attributes(self, logical: str, rtype: str, props: Mapping[str, Any]) -> dict[str, str]:  # noqa: C901
        p, r, a = self.partition, self.region, self.account_id
        if rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            name = self._name(props, "FunctionName", logical)
            return {"Ref": name, "Arn": f"arn:{p}:lambda:{r}:{a}:function:{name}"}
        if rtype in ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"):
            key = "StateMachineName" if props.get("StateMachineName") is not None else "Name"
            name = self._name(props, key, logical)
            arn = f"arn:{p}:states:{r}:{a}:stateMachine:{name}"
            return {"Ref": arn, "Arn": arn, "Name": name}
        if rtype in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            name = self._name(props, "TableName", logical)
            return {"Ref": name, "Arn": f"arn:{p}:dynamodb:{r}:{a}:table/{name}"}
        if rtype == "AWS::SNS::Topic":
            name = self._name(props, "TopicName", logical)
            arn = f"arn:{p}:sns:{r}:{a}:{name}"
            return {"Ref": arn, "TopicArn": arn, "TopicName": name}
        if rtype == "AWS::SQS::Queue":
            name = self._name(props, "QueueName", f"{self.stack_name}-{logical}")
            return {
                "Ref": f"https://sqs.{r}.amazonaws.com/{a}/{name}",
                "Arn": f"arn:{p}:sqs:{r}:{a}:{name}",
                "QueueName": name,
            }
        if rtype == "AWS::SNS::Subscription":
            return {"Ref": f"{self._resolver.string(props.get('TopicArn'))}:{self._id(logical)}"}
        if rtype == "AWS::KMS::Key":
            key_id = self._id(logical)
            return {"Ref": key_id, "KeyId": key_id, "Arn": f"arn:{p}:kms:{r}:{a}:key/{key_id}"}
        if rtype == "AWS::KMS::Alias":
            return {"Ref": self._resolver.string(props.get("AliasName"))}
        if rtype == "AWS::Logs::LogGroup":
            name = self._name(props, "LogGroupName", f"{self.stack_name}-{logical}")
            return {"Ref": name, "Arn": f"arn:{p}:logs:{r}:{a}:log-group:{name}:*"}
        if rtype == "AWS::IAM::Role":
            name = self._name(props, "RoleName", logical)
            path = self._name(props, "Path", "/")
            return {
                "Ref": name,
                "Arn": f"arn:{p}:iam::{a}:role{path}{name}",
                "RoleId": "AROA" + self._id(logical, 17),
            }
        if rtype == "AWS::IAM::ManagedPolicy":
            name = self._name(props, "ManagedPolicyName", logical)
            path = self._name(props, "Path", "/")
            arn = f"arn:{p}:iam::{a}:policy{path}{name}"
            return {"Ref": arn, "PolicyArn": arn}
        if rtype == "AWS::Events::EventBus":
            name = self._name(props, "Name", logical)
            arn = f"arn:{p}:events:{r}:{a}:event-bus/{name}"
            return {"Ref": name, "Arn": arn, "Name": name}
        if rtype == "AWS::Events::Rule":
            name = self._name(props, "Name", logical)
            bus = self._name(props, "EventBusName", "default")
            bus = bus.rsplit("/", 1)[-1]
            arn = (
                f"arn:{p}:events:{r}:{a}:rule/{name}"
                if bus == "default"
                else f"arn:{p}:events:{r}:{a}:rule/{bus}/{name}"
            )
            return {"Ref": name, "Arn": arn}
        if rtype == "AWS::ApiGateway::RestApi":
            return {"Ref": self._id(logical, 10), "RootResourceId": self._id(logical + "/", 10)}
        if rtype == "AWS::ApiGateway::Stage":
            return {"Ref": self._name(props, "StageName", logical)}
        if rtype == "AWS::ApiGateway::Account":
            return {"Ref": self._id(logical, 10)}
        if rtype == "AWS::ApiGateway::Deployment":
            return {"Ref": self._id(logical, 6)}
        if rtype in ("AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion"):
            name = self._name(props, "LayerName", logical)
            return {"Ref": f"arn:{p}:lambda:{r}:{a}:layer:{name}:1"}
        if rtype == "AWS::CloudWatch::Alarm":
            name = self._name(props, "AlarmName", logical)
            return {"Ref": name, "Arn": f"arn:{p}:cloudwatch:{r}:{a}:alarm:{name}"}
        if rtype == "AWS::Chatbot::SlackChannelConfiguration":
            name = self._name(props, "ConfigurationName", logical)
            arn = f"arn:{p}:chatbot::{a}:chat-configuration/slack-channel/{name}"
            return {"Ref": arn, "Arn": arn}
        raise UnresolvedValue(f"the sandbox does not name resources of type {rtype} ({logical})")


def chain_lookups(*lookups: Lookup) -> Lookup:
    """A lookup that asks each of ``lookups`` in turn, moving on when one cannot answer."""

    def lookup(logical_id: str, attribute: str | None) -> str:
        errors: list[str] = []
        for each in lookups:
            try:
                return each(logical_id, attribute)
            except (UnresolvedValue, _sandbox_template.UnresolvedError, KeyError) as exc:
                errors.append(str(exc))
        raise UnresolvedValue(f"{logical_id}.{attribute or 'Ref'}: {'; '.join(errors)}")

    return lookup
