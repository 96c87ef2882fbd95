"""Intrinsic resolution: the ``Ref``, ``Fn::Sub``, ``Fn::If``... of a (transformed) template as plain JSON."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

from .errors import IamError, UnresolvedValue

#: ``lookup(logical_id, attribute)``: ``Ref`` (attribute ``None``) or ``Fn::GetAtt`` of a template resource
Lookup: TypeAlias = Callable[[str, str | None], str]


class _NoValue:
    """``AWS::NoValue``: the element or key that holds it is removed."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()

_INTRINSICS: Final = frozenset(
    {
        "Ref",
        "Fn::GetAtt",
        "Fn::Sub",
        "Fn::Join",
        "Fn::Split",
        "Fn::Select",
        "Fn::If",
        "Fn::FindInMap",
        "Fn::Base64",
        "Fn::GetAZs",
        "Fn::ImportValue",
        "Fn::Cidr",
        "Fn::Transform",
        "Fn::Length",
        "Fn::ToJsonString",
    }
)
_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")


def url_suffix(partition: str) -> str:
    """``AWS::URLSuffix`` of a partition."""
    return {"aws-cn": "amazonaws.com.cn"}.get(partition, "amazonaws.com")


class Resolver:
    """Resolves the intrinsics of a (transformed) template to plain JSON values.

    ``Ref`` of a parameter gives its value (``parameters``) or default (``CommaDelimitedList``/``List<...>`` as a
    list), of a pseudo parameter its value, of a resource ``lookup(logical_id, None)``; ``Fn::GetAtt``
    ``lookup(logical_id, attribute)``. ``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Split``, ``Fn::Select``,
    ``Fn::If`` with the template's ``Conditions`` (``Fn::Equals``/``Not``/``And``/``Or``/``Condition``),
    ``Fn::FindInMap`` and ``AWS::NoValue`` (drops the list element or mapping key) are resolved; anything else
    raises :class:`UnresolvedValue` (nothing is dropped silently).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        lookup: Lookup,
        parameters: Mapping[str, str] | None = None,
        region: str,
        account_id: str,
        partition: str,
        stack_name: str,
    ) -> None:
        self.template = template
        self.lookup = lookup
        self.parameters = dict(parameters or {})
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self.stack_name = stack_name
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()
        unknown = set(self.parameters) - set(template.get("Parameters") or {})
        if unknown:
            raise UnresolvedValue(f"the template has no parameter(s) {', '.join(sorted(unknown))}")

    # -- pseudo parameters and parameters ---------------------------------------------------------
    @property
    def pseudo(self) -> dict[str, Any]:
        """The pseudo parameters (``AWS::NoValue`` excluded)."""
        stack_id = uuid.uuid5(uuid.NAMESPACE_URL, f"mailauth-sandbox:{self.account_id}:{self.stack_name}")
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": url_suffix(self.partition),
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:stack/"
            f"{self.stack_name}/{stack_id}",
            "AWS::NotificationARNs": [],
        }

    def parameter(self, name: str) -> str | list[str]:
        """A parameter's value (given, else default); lists for ``CommaDelimitedList`` and ``List<...>``."""
        spec = (self.template.get("Parameters") or {}).get(name)
        if not isinstance(spec, dict):
            raise UnresolvedValue(f"no parameter {name}")
        if name in self.parameters:
            raw: Any = self.parameters[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise UnresolvedValue(f"parameter {name} has no value and no default")
        kind = str(spec.get("Type", "String"))
        if isinstance(raw, list):
            raw = ",".join(str(v) for v in raw)
        text = scalar(raw)
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and text not in [scalar(v) for v in allowed]:
            raise UnresolvedValue(f"parameter {name}={text!r} is not one of its AllowedValues {allowed}")
        if kind == "CommaDelimitedList" or (
            kind.startswith("List<") and not kind.startswith("List<AWS::SSM")
        ):
            return text.split(",")
        if kind.startswith("AWS::SSM::Parameter::Value"):
            raise UnresolvedValue(f"parameter {name} is an SSM parameter type, which the sandbox cannot read")
        return text

    # -- conditions -------------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        """The value of the template condition ``name``."""
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise UnresolvedValue(f"no condition {name}")
        if name in self._evaluating:
            raise UnresolvedValue(f"condition {name} refers to itself")
        self._evaluating.add(name)
        try:
            value = self._truth(conditions[name])
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = value
        return value

    def _truth(self, node: Any) -> bool:
        if isinstance(node, bool):
            return node
        if not (isinstance(node, dict) and len(node) == 1):
            raise UnresolvedValue(f"not a condition: {node!r}")
        ((key, arg),) = node.items()
        if key == "Condition":
            return self.condition(str(arg))
        if key == "Fn::Equals":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Equals takes two values: {arg!r}")
            left, right = (self._comparable(self.resolve(a)) for a in arg)
            return bool(left == right)
        if key == "Fn::Not":
            if not (isinstance(arg, list) and len(arg) == 1):
                raise UnresolvedValue(f"Fn::Not takes one condition: {arg!r}")
            return not self._truth(arg[0])
        if key in ("Fn::And", "Fn::Or"):
            if not isinstance(arg, list) or not arg:
                raise UnresolvedValue(f"{key} takes a list of conditions: {arg!r}")
            results = [self._truth(a) for a in arg]
            return all(results) if key == "Fn::And" else any(results)
        raise UnresolvedValue(f"not a condition function: {key}")

    @staticmethod
    def _comparable(value: Any) -> Any:
        if isinstance(value, list):
            return [scalar(v) for v in value]
        return scalar(value)

    def exists(self, logical_id: str) -> bool:
        """Whether a resource is in the template and its ``Condition`` (if any) holds."""
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            return False
        name = resource.get("Condition")
        return True if name is None else self.condition(str(name))

    # -- values -----------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic in ``value``; may return :data:`NO_VALUE`."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key in _INTRINSICS:
                    return self._intrinsic(key, arg)
                if key.startswith("Fn::"):
                    raise UnresolvedValue(f"unknown intrinsic function {key}")
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self.resolve(item)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        return value

    def string(self, value: Any) -> str:
        """Resolve ``value`` to one string."""
        resolved = self.resolve(value)
        if resolved is NO_VALUE or isinstance(resolved, (list, dict)) or resolved is None:
            raise UnresolvedValue(f"{value!r} does not resolve to a string (got {resolved!r})")
        return scalar(resolved)

    def strings(self, value: Any) -> list[str]:
        """Resolve ``value`` to a list of strings (a single string becomes a one-element list)."""
        resolved = self.resolve(value)
        if resolved is NO_VALUE:
            return []
        if isinstance(resolved, list):
            if not all(isinstance(v, (str, int, float, bool)) for v in resolved):
                raise UnresolvedValue(f"{value!r} does not resolve to a list of strings (got {resolved!r})")
            return [scalar(v) for v in resolved]
        return [self.string(resolved)]

    def _lookup(self, logical_id: str, attribute: str | None) -> str:
        if logical_id not in self.resources:
            raise UnresolvedValue(f"no resource or parameter {logical_id}")
        if not self.exists(logical_id):
            raise UnresolvedValue(f"{logical_id} is not created: its condition is false")
        try:
            return str(self.lookup(logical_id, attribute))
        except IamError:
            raise
        except Exception as exc:
            raise UnresolvedValue(f"{logical_id}.{attribute or 'Ref'}: {exc}") from exc

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = self.pseudo
        if name in pseudo:
            return pseudo[name]
        if name.startswith("AWS::"):
            raise UnresolvedValue(f"unknown pseudo parameter {name}")
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name)
        return self._lookup(name, None)

    def _intrinsic(self, key: str, arg: Any) -> Any:  # noqa: C901 - one branch per function
        if key == "Ref":
            return self._ref(str(arg))
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::GetAtt takes [resource, attribute]: {arg!r}")
            return self._lookup(str(arg[0]), self.string(arg[1]))
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::Join":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Join takes [separator, list]: {arg!r}")
            return str(arg[0]).join(self.strings(arg[1]))
        if key == "Fn::Split":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Split takes [separator, string]: {arg!r}")
            return self.string(arg[1]).split(str(arg[0]))
        if key == "Fn::Select":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise UnresolvedValue(f"Fn::Select takes [index, list]: {arg!r}")
            items = self.resolve(arg[1])
            index = int(self.string(arg[0]))
            if not isinstance(items, list) or not 0 <= index < len(items):
                raise UnresolvedValue(f"Fn::Select index {index} out of range of {items!r}")
            return items[index]
        if key == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3):
                raise UnresolvedValue(f"Fn::If takes [condition, then, else]: {arg!r}")
            return self.resolve(arg[1] if self.condition(str(arg[0])) else arg[2])
        if key == "Fn::FindInMap":
            if not (isinstance(arg, list) and len(arg) == 3):
                raise UnresolvedValue(f"Fn::FindInMap takes [map, key, key]: {arg!r}")
            mapping, top, second = (self.string(a) for a in arg)
            try:
                return self.resolve((self.template.get("Mappings") or {})[mapping][top][second])
            except KeyError as exc:
                raise UnresolvedValue(f"Fn::FindInMap {mapping}/{top}/{second}: no such entry") from exc
        raise UnresolvedValue(f"{key} is not resolved by the sandbox")

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = self.string(arg[0]), arg[1]
        else:
            raise UnresolvedValue(f"Fn::Sub takes a string or [string, variables]: {arg!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return self.string(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                return self._lookup(resource, attribute)
            value = self._ref(name)
            if isinstance(value, (list, dict)) or value is NO_VALUE:
                raise UnresolvedValue(f"Fn::Sub variable ${{{name}}} is not a string: {value!r}")
            return scalar(value)

        return _SUB_VARIABLE.sub(replace, text)


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
