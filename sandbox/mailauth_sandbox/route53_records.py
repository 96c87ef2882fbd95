"""Route 53's record sets as data: their keys, the values Route 53 accepts, and moto's zones and sets in API shape."""

from __future__ import annotations

import re
from typing import Any

from .names import norm

_QUOTED_TXT = re.compile(r'^\s*("(?:[^"\\]|\\.)*"\s*)+$')
_MX = re.compile(r"^\d{1,5}\s+\S+$")


def zone_id_of(value: str) -> str:
    """``/hostedzone/Z1`` or ``Z1`` -> ``Z1``."""
    return value.rsplit("/", 1)[-1]


def record_values(records: list[Any]) -> list[str]:
    """moto keeps values as strings or ``{"Value": ...}`` dicts; return strings."""
    return [r["Value"] if isinstance(r, dict) else str(r) for r in records]


def sort_key(name: str) -> str:
    """AWS's ListHostedZonesByName order: labels reversed, ``www.example.com.`` -> ``com.example.www.``."""
    labels = [label for label in norm(name).split(".") if label]
    return ".".join(reversed(labels)) + "."


def set_key(rrset: dict[str, Any]) -> tuple[str, str]:
    """A change's record set as ``(name, TYPE)``, the name in :func:`~.names.norm` form."""
    return norm(rrset.get("Name", "")), str(rrset.get("Type", "")).upper()


def check_values(name: str, rtype: str, values: list[str]) -> list[str]:
    """Route 53's InvalidChangeBatch messages for values it refuses: unquoted TXT, malformed MX, a CNAME of two."""
    errors: list[str] = []
    for value in values:
        if rtype in ("TXT", "SPF") and not _QUOTED_TXT.match(value):
            errors.append(
                f"Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should "
                f"be enclosed in quotation marks) encountered with '{value}''"
            )
        if rtype == "MX" and not _MX.match(value.strip()):
            errors.append(
                f"Invalid Resource Record: 'FATAL problem: InvalidMXValue (Value is not a valid "
                f"MX record) encountered with '{value}''"
            )
    if rtype == "CNAME" and len(values) > 1:
        errors.append(
            f"Invalid Resource Record: 'FATAL problem: RRSet with DNS name {name} and type CNAME "
            "can only contain one resource record'"
        )
    return errors


def rrset_shape(rr: Any) -> dict[str, Any]:
    """A moto record set as ListResourceRecordSets returns it."""
    shape: dict[str, Any] = {"Name": norm(rr.name), "Type": str(rr.type).upper()}
    for attr, member in (
        ("set_identifier", "SetIdentifier"),
        ("weight", "Weight"),
        ("region", "Region"),
        ("failover", "Failover"),
        ("geo_location", "GeoLocation"),
        ("multi_value_answer", "MultiValueAnswer"),
        ("health_check_id", "HealthCheckId"),
    ):
        value = getattr(rr, attr, None)
        if value is not None:
            shape[member] = int(value) if member == "Weight" else value
    if rr.alias_target:
        shape["AliasTarget"] = dict(rr.alias_target)
    else:
        shape["TTL"] = int(rr.ttl) if rr.ttl is not None else 300
        shape["ResourceRecords"] = [{"Value": v} for v in record_values(rr.records)]
    return shape


def zone_shape(zone: Any) -> dict[str, Any]:
    """A moto hosted zone as ListHostedZonesByName returns it."""
    config: dict[str, Any] = {"PrivateZone": bool(zone.private_zone)}
    if zone.comment:
        config["Comment"] = zone.comment
    return {
        "Id": zone.id,
        "Name": norm(zone.name),
        "CallerReference": zone.caller_reference,
        "Config": config,
        "ResourceRecordSetCount": len(zone.rrsets),
    }
