"""DynamoDB: one table's items as plain Python values, read consistently, written under a condition.

Items are flat maps of ``str``, ``int`` and ``bool`` (the only types mailauth stores); the attribute-value
encoding (``{"S": ...}``, ``{"N": ...}``, ``{"BOOL": ...}``) stays in here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from mailauth.aws import Adapter, error_code, transient_as_throttled

Value = str | int | bool
Item = dict[str, Value]


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


#: ``expect=(attribute, ABSENT)``: the write succeeds only while the item has no such attribute (for the key
#: attribute: while there is no item)
ABSENT: Final = _Absent()

#: a write's condition: the attribute holds this value (or is absent); None: unconditional
Expect = tuple[str, Value | _Absent] | None


class ConditionFailedError(Exception):
    """The item did not meet the write's condition (DynamoDB's ConditionalCheckFailedException): someone wrote it
    since it was read. Callers turn it into their own named error or read again."""


def encode(value: Value) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    return {"S": value}


def decode(attribute: Mapping[str, Any]) -> Value:
    if "BOOL" in attribute:
        return bool(attribute["BOOL"])
    if "N" in attribute:
        return int(attribute["N"])
    return str(attribute["S"])


def _condition(expect: Expect) -> dict[str, Any]:
    if expect is None:
        return {}
    attribute, value = expect
    if isinstance(value, _Absent):
        return {
            "ConditionExpression": "attribute_not_exists(#a)",
            "ExpressionAttributeNames": {"#a": attribute},
        }
    return {
        "ConditionExpression": "#a = :v",
        "ExpressionAttributeNames": {"#a": attribute},
        "ExpressionAttributeValues": {":v": encode(value)},
    }


class Table(Adapter):
    """One table, named at construction; ``client`` is a DynamoDB client (built on first use when None)."""

    service = "dynamodb"

    def __init__(self, name: str, client: Any = None) -> None:
        super().__init__(client)
        self.name = name

    def get(self, key: Mapping[str, Value]) -> Item | None:
        """The item (strongly consistent read), or None."""
        with transient_as_throttled("GetItem"):
            item = self.client.get_item(
                TableName=self.name, Key={k: encode(v) for k, v in key.items()}, ConsistentRead=True
            ).get("Item")
        return {k: decode(v) for k, v in item.items()} if item else None

    def put(self, item: Mapping[str, Value], *, expect: Expect = None) -> None:
        """Write the whole item; raises :class:`ConditionFailedError` when ``expect`` does not hold."""
        with _write("PutItem"):
            self.client.put_item(
                TableName=self.name, Item={k: encode(v) for k, v in item.items()}, **_condition(expect)
            )

    def update(self, key: Mapping[str, Value], fields: Mapping[str, Value], *, expect: Expect = None) -> None:
        """Set ``fields`` on the item (other attributes stay); raises :class:`ConditionFailedError` when ``expect``
        does not hold."""
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":f{i}": encode(value) for i, value in enumerate(fields.values())}
        condition = _condition(expect)
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "Key": {k: encode(v) for k, v in key.items()},
            "UpdateExpression": "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))),
            "ExpressionAttributeNames": {**names, **condition.get("ExpressionAttributeNames", {})},
            "ExpressionAttributeValues": {**values, **condition.get("ExpressionAttributeValues", {})},
        }
        if "ConditionExpression" in condition:
            kwargs["ConditionExpression"] = condition["ConditionExpression"]
        with _write("UpdateItem"):
            self.client.update_item(**kwargs)

    def scan(self, *, limit: int, start: Mapping[str, Value] | None = None) -> tuple[list[Item], Item | None]:
        """One page of at most ``limit`` items (strongly consistent), and the key to start the next page at."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Limit": limit, "ConsistentRead": True}
        if start:
            kwargs["ExclusiveStartKey"] = {k: encode(v) for k, v in start.items()}
        with transient_as_throttled("Scan"):
            page = self.client.scan(**kwargs)
        items = [{k: decode(v) for k, v in item.items()} for item in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return items, ({k: decode(v) for k, v in last.items()} if last else None)

    def delete(self, key: Mapping[str, Value], *, expect: Expect = None) -> None:
        """Delete the item (nothing happens when there is none); raises :class:`ConditionFailedError` when
        ``expect`` does not hold."""
        with _write("DeleteItem"):
            self.client.delete_item(
                TableName=self.name, Key={k: encode(v) for k, v in key.items()}, **_condition(expect)
            )


@contextmanager
def _write(operation: str) -> Iterator[None]:
    """``transient_as_throttled``, and ConditionalCheckFailedException as :class:`ConditionFailedError`."""
    try:
        with transient_as_throttled(operation):
            yield
    except Exception as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise ConditionFailedError(str(exc)) from exc
        raise
