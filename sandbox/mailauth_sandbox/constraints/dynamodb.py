"""DynamoDB documented rules for GetItem, PutItem and DeleteItem: attribute value types, empty sets and
keys.

The documentation of the input shapes of the operations mailauth calls, read and decided (``+`` implemented):

dynamodb GetItem/PutItem/DeleteItem: + exactly one data type per AttributeValue, + no empty sets, + no empty
String/Binary in ``Key``. Which attributes of an ``Item`` are key attributes needs the table: not here.
Legacy ``Expected`` (Exists with/without Value): mailauth uses ConditionExpression, not implemented."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .common import DocumentedRule, as_list, model_quotes, row

_DDB_TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")


def _attribute_values(params: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(path, AttributeValue) for every attribute value of the request, nested M and L included."""
    stack: list[tuple[str, Any]] = []
    for member in ("Key", "Item", "ExpressionAttributeValues"):
        values = params.get(member)
        if isinstance(values, Mapping):
            stack += [(f"{member}[{name!r}]", value) for name, value in values.items()]
    expected = params.get("Expected")
    for name, condition in expected.items() if isinstance(expected, Mapping) else ():
        if isinstance(condition, Mapping):
            if "Value" in condition:
                stack.append((f"Expected[{name!r}].Value", condition["Value"]))
            for index, value in enumerate(as_list(condition.get("AttributeValueList"))):
                stack.append((f"Expected[{name!r}].AttributeValueList[{index}]", value))
    while stack:
        path, value = stack.pop(0)
        yield path, value
        if isinstance(value, Mapping):
            nested = value.get("M")
            if isinstance(nested, Mapping):
                stack += [(f"{path}.M[{k!r}]", v) for k, v in nested.items()]
            stack += [(f"{path}.L[{i}]", v) for i, v in enumerate(as_list(value.get("L")))]


def _check_ddb_one_type(operation: str, params: Mapping[str, Any], strict: bool) -> Iterator[tuple[str, str]]:
    for path, value in _attribute_values(params):
        if not isinstance(value, Mapping):
            continue
        types = [t for t in _DDB_TYPES if t in value]
        if len(types) != 1:
            problem = "is empty" if not types else f"has more than one datatypes set ({', '.join(types)})"
            yield (
                path,
                f"Supplied AttributeValue {problem}, must contain exactly one of the supported datatypes",
            )


def _check_ddb_empty_set(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    names = {"SS": "string", "NS": "number", "BS": "binary"}
    for path, value in _attribute_values(params):
        for kind, name in names.items():
            if isinstance(value, Mapping) and isinstance(value.get(kind), list | tuple) and not value[kind]:
                yield (
                    f"{path}.{kind}",
                    f"One or more parameter values were invalid: An {name} set may not be empty",
                )


def _check_ddb_empty_key(
    operation: str, params: Mapping[str, Any], strict: bool
) -> Iterator[tuple[str, str]]:
    key = params.get("Key")
    for name, value in key.items() if isinstance(key, Mapping) else ():
        if isinstance(value, Mapping) and any(value.get(kind) in ("", b"") for kind in ("S", "B")):
            yield (
                f"Key[{name!r}]",
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
                f"an empty string value. Key: {name}",
            )


_Q_DDB_TYPE = model_quotes(
    "dynamodb",
    "AttributeValue",
    "Each attribute value is described as a name-value pair. The name is the data type, and the value is the data "
    "itself.",
)
_Q_DDB_EMPTY = model_quotes(
    "dynamodb",
    "PutItem",
    "Set type attributes cannot be empty. Invalid Requests with empty values will be rejected with a "
    "ValidationException exception.",
)
_Q_DDB_KEY = model_quotes(
    "dynamodb",
    "PutItem",
    "Attribute values of type String and Binary must have a length greater than zero if the attribute is used as a "
    "key attribute for a table or index.",
)
_DDB_OPERATIONS = ("GetItem", "PutItem", "DeleteItem")

# fmt: off
RULES: list[DocumentedRule] = [
    # ---- DynamoDB (ValidationException, not modeled for these operations)
    row("dynamodb-attribute-value-type", "dynamodb", _DDB_OPERATIONS,
        "every AttributeValue sets exactly one data type",
        "ValidationException", _check_ddb_one_type, _Q_DDB_TYPE,
        "DynamoDB answers 'Supplied AttributeValue is empty, must contain exactly one of the supported "
        "datatypes'"),
    row("dynamodb-empty-set", "dynamodb", _DDB_OPERATIONS,
        "no empty SS, NS or BS",
        "ValidationException", _check_ddb_empty_set, _Q_DDB_EMPTY),
    row("dynamodb-empty-key", "dynamodb", ("GetItem", "DeleteItem"),
        "no empty S or B in Key",
        "ValidationException", _check_ddb_empty_key, _Q_DDB_KEY),
]
# fmt: on
