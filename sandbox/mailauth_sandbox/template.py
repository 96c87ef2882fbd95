"""Read ``template.yaml`` (CloudFormation short tags included) and resolve what the sandbox can."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns ``!Ref``/``!GetAtt``/``!Sub``/... into their long forms."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _tag)


def load(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)
    return data if isinstance(data, dict) else {}


def condition(name: str, params: Mapping[str, Any], conditions: Mapping[str, Any]) -> bool:
    """Evaluate a template Condition (Fn::Equals/Not/And/Or/Condition) with the parameters' defaults."""

    def value(node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" and arg in params:
                return str(params[arg].get("Default", ""))
            if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
                return truth(node)
        return node

    def truth(node: Any) -> bool:
        ((key, arg),) = node.items()
        if key == "Fn::Equals":
            return bool(str(value(arg[0])) == str(value(arg[1])))
        if key == "Fn::Not":
            return not truth(arg[0])
        if key == "Fn::And":
            return all(truth(a) for a in arg)
        if key == "Fn::Or":
            return any(truth(a) for a in arg)
        if key == "Condition":
            return truth(conditions[arg])
        raise UnresolvedError(repr(node))

    return truth(conditions[name])


class UnresolvedError(Exception):
    """A value the sandbox cannot resolve; the variable is dropped."""


_PSEUDO = re.compile(r"\$\{([^}!]+)\}")


def resolve(value: Any, lookup: Callable[[str, str | None], str], params: Mapping[str, Any]) -> str:
    """Resolve an intrinsic to a string.

    ``lookup(logical_id, attribute)`` answers ``Ref`` (attribute ``None``) and ``GetAtt``; template
    parameters resolve to their defaults. Raises :class:`UnresolvedError` otherwise.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            if arg in params:
                default = params[arg].get("Default") if isinstance(params[arg], dict) else None
                if default is None:
                    raise UnresolvedError(arg)
                return str(default)
            return lookup(str(arg), None)
        if key == "Fn::GetAtt":
            return lookup(str(arg[0]), str(arg[1]))
        if key == "Fn::Sub":
            return _sub(arg, lookup, params)
        if key == "Fn::Join":
            sep, items = arg
            if isinstance(items, dict):  # a list-valued intrinsic, e.g. Ref to a CommaDelimitedList
                items = resolve(items, lookup, params).split(",")
            return str(sep).join(resolve(i, lookup, params) for i in items)
    raise UnresolvedError(repr(value))


def _sub(arg: Any, lookup: Callable[[str, str | None], str], params: Mapping[str, Any]) -> str:
    """``Fn::Sub`` in its string and ``[string, variables]`` forms."""
    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

    def sub(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref in variables:
            return resolve(variables[ref], lookup, params)
        if "." in ref:
            res, att = ref.split(".", 1)
            return lookup(res, att)
        return resolve({"Ref": ref}, lookup, params)

    return _PSEUDO.sub(sub, str(text))
