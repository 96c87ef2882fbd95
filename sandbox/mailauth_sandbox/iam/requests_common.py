"""What the request mappings of every service share: :class:`AuthzRequest`, the caller's :class:`Env` and the
``aws:RequestTag``/``aws:TagKeys`` context of a request's tags."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from .conditions import ContextValue


@dataclass(frozen=True)
class AuthzRequest:
    """One IAM authorisation AWS performs for an API call."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


#: the tags of an existing resource, by ARN (None when it does not exist)
ResourceTags: TypeAlias = Callable[[str], "Mapping[str, str] | None"]


@dataclass(frozen=True)
class Env:
    """Where the call is made: region, account, partition, the KMS key of each encrypted topic, live tags."""

    region: str
    account_id: str
    partition: str
    topic_keys: Mapping[str, str]
    #: the tags of an existing resource by ARN (None: it does not exist); unset: ``aws:ResourceTag`` is unknown
    resource_tags: ResourceTags | None = None

    def tag_context(self, arn: str) -> dict[str, ContextValue]:
        """``aws:ResourceTag/<key>`` of the resource as it is before the call (a missing one has none)."""
        if self.resource_tags is None:
            return {}
        context: dict[str, ContextValue] = {"aws:ResourceTag/": None}
        for key, value in (self.resource_tags(arn) or {}).items():
            context[f"aws:ResourceTag/{key}"] = value
        return context

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        region = self.region if regional else ""
        owner = self.account_id if account else ""
        return f"arn:{self.partition}:{service}:{region}:{owner}:{resource}"


#: one operation's mapping: the IAM requests of its parameters
Mapper: TypeAlias = Callable[[Env, Mapping[str, Any]], list[AuthzRequest]]


def request_tag_context(tags: Any) -> dict[str, ContextValue]:
    """``aws:RequestTag/<key>`` and ``aws:TagKeys`` of a request's ``Tags`` (``[{Key, Value}]`` or a mapping)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(tags, Mapping):
        pairs = [(str(k), str(v)) for k, v in tags.items()]
    elif isinstance(tags, list):
        pairs = [(str(t.get("Key")), str(t.get("Value", ""))) for t in tags if isinstance(t, Mapping)]
    context: dict[str, ContextValue] = {"aws:RequestTag/": None, "aws:TagKeys": [k for k, _ in pairs] or None}
    for key, value in pairs:
        context[f"aws:RequestTag/{key}"] = value
    return context


def star(action: str) -> Callable[[Env, Mapping[str, Any]], list[AuthzRequest]]:
    """An action authorised on ``*`` (the request names no resource)."""
    return lambda env, params: [AuthzRequest(action, "*")]
