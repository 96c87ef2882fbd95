"""The model walker: the constraints of an operation's input shape (string length in characters, ``pattern``,
``enum``; list and map sizes; numeric ranges; blob length in bytes), checked over the parameters given."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from .common import show
from .patterns import pattern_matches


@dataclass(frozen=True)
class _Found:
    path: str
    rule: str
    message: str
    source: str


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


@dataclass(frozen=True)
class Where:
    """Where the walker is: botocore path, AWS's path, and the wrapper AWS puts around map constraints."""

    path: str
    aws: str
    wrap: str = "{}"

    def member(self, name: str) -> Where:
        return Where(f"{self.path}.{name}" if self.path else name, f"{self.aws}.{_camel(name)}".lstrip("."))

    def item(self, index: int) -> Where:
        return Where(f"{self.path}[{index}]", f"{self.aws}.{index + 1}.member")

    def map_key(self, key: Any) -> Where:
        return Where(f"{self.path}[{key!r}](key)", self.aws, "Map keys must satisfy constraint: [{}]")

    def map_value(self, key: Any) -> Where:
        return Where(f"{self.path}[{key!r}]", self.aws, "Map value must satisfy constraint: [{}]")


def _found(
    where: Where, service: str, shape: Shape, rule: str, constraint: str, trait: str, shown: Any
) -> _Found:
    value = "" if shown is None or shape.metadata.get("sensitive") else f" '{show(shown)}'"
    message = (
        f"1 validation error detected: Value{value} at '{where.aws}' failed to satisfy constraint: "
        + where.wrap.format(constraint)
    )
    return _Found(where.path, rule, message, f"botocore model {service} shape {shape.name}: {trait}")


def _min_max_checks(
    shape: Shape, size: float, where: Where, service: str, kind: str, shown: Any, noun: str = "length"
) -> Iterator[_Found]:
    """The ``min``/``max`` traits: a length or a number of items (``kind``), or a value (``noun="value"``)."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        yield _found(
            where,
            service,
            shape,
            f"min-{kind}",
            f"Member must have {noun} greater than or equal to {low}",
            f"min {low}",
            shown,
        )
    if high is not None and size > high:
        yield _found(
            where,
            service,
            shape,
            f"max-{kind}",
            f"Member must have {noun} less than or equal to {high}",
            f"max {high}",
            shown,
        )


def _string_checks(shape: Shape, value: str, where: Where, service: str) -> Iterator[_Found]:
    yield from _min_max_checks(shape, len(value), where, service, "length", value)
    pattern = shape.metadata.get("pattern")
    if pattern is not None and pattern_matches(pattern, value) is False:
        yield _found(
            where,
            service,
            shape,
            "pattern",
            f"Member must satisfy regular expression pattern: {pattern}",
            f"pattern {pattern}",
            value,
        )
    enum = shape.metadata.get("enum")
    if enum is not None and value not in enum:
        yield _found(
            where,
            service,
            shape,
            "enum",
            f"Member must satisfy enum value set: [{', '.join(enum)}]",
            f"enum {list(enum)}",
            value,
        )


def walk(shape: Shape, value: Any, where: Where, service: str) -> Iterator[_Found]:
    """Model constraint violations of ``value`` (members absent from the shape are botocore's business)."""
    if isinstance(shape, StructureShape):
        if isinstance(value, Mapping):
            for name, member in shape.members.items():
                if value.get(name) is not None:
                    yield from walk(member, value[name], where.member(name), service)
    elif isinstance(shape, ListShape):
        if isinstance(value, list | tuple):
            yield from _min_max_checks(shape, len(value), where, service, "items", None)
            for index, item in enumerate(value):
                yield from walk(shape.member, item, where.item(index), service)
    elif isinstance(shape, MapShape):
        if isinstance(value, Mapping):
            yield from _min_max_checks(shape, len(value), where, service, "items", None)
            for key, item in value.items():
                yield from walk(shape.key, key, where.map_key(key), service)
                yield from walk(shape.value, item, where.map_value(key), service)
    else:
        yield from _scalar_checks(shape, value, where, service)


def _scalar_checks(shape: Shape, value: Any, where: Where, service: str) -> Iterator[_Found]:
    if shape.type_name == "string" and isinstance(value, str):
        yield from _string_checks(shape, value, where, service)
    elif shape.type_name in ("integer", "long", "float", "double"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield from _min_max_checks(shape, value, where, service, "value", value, noun="value")
    elif shape.type_name == "blob":
        data = value.encode("utf-8") if isinstance(value, str) else value
        if isinstance(data, bytes | bytearray):
            yield from _min_max_checks(shape, len(data), where, service, "length", None)
