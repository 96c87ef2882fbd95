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
    since it was read. Callers turn it into their own named error or read again. ``item``: the item as it was,
    when the write asked for it (ReturnValuesOnConditionCheckFailure=ALL_OLD) and there was one."""

    def __init__(self, message: str, item: Item | None = None) -> None:
        super().__init__(message)
        self.item = item


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

    def reserve(
        self,
        key: Mapping[str, Value],
        attribute: str,
        *,
        now: int,
        interval: int,
        horizon: int | None,
        busy_first: bool = False,
        slack: int = 0,
    ) -> int | None:
        """Book the next ``interval`` of a timeline kept in ``attribute`` (an integer: when the next free slot
        starts); return the booking's start, or None when the timeline is booked past ``now + horizon``
        (``horizon=None``: no limit).

        Two kinds of atomic write: on an idle timeline (nothing booked after ``now``) a conditional SET books from
        ``now + slack`` (time for the booking's own round trip, which must not make the call late); on a busy one
        a conditional ``ADD`` books after the last booking. Concurrent callers never overlap. The write expected
        to succeed goes first (``busy_first``); a write that fails returns the timeline as it was
        (ReturnValuesOnConditionCheckFailure), which decides the next: usually one UpdateItem in all, also for a
        refusal; at most three (the timeline changed between two of them).
        """
        names = {"#a": attribute}
        busy = busy_first
        for _ in range(3):
            if busy:  # after the last booking, unless that is before now (idle) or past the horizon (full)
                values = {":interval": encode(interval), ":now": encode(now)}
                condition = "#a >= :now"
                if horizon is not None:
                    condition += " AND #a <= :limit"
                    values[":limit"] = encode(now + horizon)
                booked, until = self._book(key, "ADD #a :interval", condition, names, values, attribute)
                if booked is not None:
                    return booked - interval
            else:  # from now (and a slack later), unless something is booked after now
                values = {":next": encode(now + slack + interval), ":now": encode(now)}
                condition = "attribute_not_exists(#a) OR #a <= :now"
                booked, until = self._book(key, "SET #a = :next", condition, names, values, attribute)
                if booked is not None:
                    return now + slack
            if until is None or until <= now:
                busy = False
            elif horizon is not None and until > now + horizon:
                return None
            else:
                busy = True
        return None

    def _book(
        self,
        key: Mapping[str, Value],
        update: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
        attribute: str,
    ) -> tuple[int | None, int | None]:
        """One conditional write of a timeline: ``(its new end, None)``, or ``(None, its end as it was)`` when the
        condition failed (the failed write returns the item: ReturnValuesOnConditionCheckFailure)."""
        try:
            with _write("UpdateItem"):
                response = self.client.update_item(
                    TableName=self.name,
                    Key={k: encode(v) for k, v in key.items()},
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValues="UPDATED_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ConditionFailedError as failed:
            return None, int_or_none((failed.item or {}).get(attribute))
        return int_or_none(decode(response["Attributes"][attribute])), None

    def scan(self, *, limit: int, start: Mapping[str, Value] | None = None) -> tuple[list[Item], Item | None]:
        """One page of at most ``limit`` items (strongly consistent), and the key to start the next page at."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Limit": limit, "ConsistentRead": True}
        if start:
            kwargs["ExclusiveStartKey"] = {k: encode(v) for k, v in start.items()}
        with transient_as_throttled("Scan"):
            return _page(self.client.scan(**kwargs))

    def query(
        self, index: str, key: Mapping[str, Value], *, limit: int, start: Mapping[str, Value] | None = None
    ) -> tuple[list[Item], Item | None]:
        """One page of at most ``limit`` items of global secondary index ``index`` whose partition key is ``key``
        (one attribute), and the key to start the next page at. Eventually consistent: "Strongly consistent reads
        are not supported on global secondary indexes" (dynamodb model, QueryInput ConsistentRead)."""
        [(name, value)] = key.items()
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": name},
            "ExpressionAttributeValues": {":k": encode(value)},
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = {k: encode(v) for k, v in start.items()}
        with transient_as_throttled("Query"):
            return _page(self.client.query(**kwargs))

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
            old = (getattr(exc, "response", None) or {}).get("Item")
            raise ConditionFailedError(
                str(exc), {k: decode(v) for k, v in old.items()} if old else None
            ) from exc
        raise


def _page(response: Mapping[str, Any]) -> tuple[list[Item], Item | None]:
    """A Scan's or Query's items, and the key the next page starts at (None: the last page)."""
    items = [{k: decode(v) for k, v in item.items()} for item in response.get("Items", [])]
    last = response.get("LastEvaluatedKey")
    return items, ({k: decode(v) for k, v in last.items()} if last else None)


def int_or_none(value: object) -> int | None:
    """A numeric attribute as an int (a fraction truncated); None when absent or not a number."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
