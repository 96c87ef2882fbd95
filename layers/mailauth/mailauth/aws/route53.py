"""Route 53: find the zone, read record sets, submit one atomic change, follow it to INSYNC."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mailauth.aws import Adapter, error_code, transient_as_throttled
from mailauth.aws import client as make_client
from mailauth.domain import dns_name
from mailauth.errors import (
    InvalidRequestError,
    NoPublicZoneError,
    PrivateZoneOnlyError,
    RecordConflictError,
)
from mailauth.models import RecordChange, RecordSet

LIST_PAGE = 300  # Route 53's maximum page of ListResourceRecordSets
NAME_PAGE = 20  # one name rarely holds more record sets; a weighted group may span pages


@dataclass(frozen=True)
class HostedZone:
    id: str
    name: str
    private: bool
    name_servers: tuple[str, ...] = ()


#: which member of a ResourceRecordSet says how Route 53 routes it (Route 53 API reference, ResourceRecordSet)
_ROUTING_KEYS = (
    ("Weight", "weighted"),
    ("Region", "latency"),
    ("Failover", "failover"),
    ("GeoLocation", "geolocation"),
    ("GeoProximityLocation", "geoproximity"),
    ("MultiValueAnswer", "multivalue answer"),
    ("CidrRoutingConfig", "IP-based"),
)


def _routing(item: dict[str, Any]) -> str | None:
    """How a listed set is routed ("weighted (SetIdentifier a)"), "alias", or None for a simple set."""
    if "SetIdentifier" in item:
        kind = next((name for key, name in _ROUTING_KEYS if key in item), "routed")
        return f"{kind} (SetIdentifier {item['SetIdentifier']})"
    return "alias" if item.get("AliasTarget") else None


def _zone_id(raw: str) -> str:
    return raw.rsplit("/", 1)[-1]


class Route53(Adapter):
    """Route 53 in this account, or, with ``role_arn``, in the account whose role mailauth assumes."""

    service = "route53"

    def __init__(self, client: Any = None, *, role_arn: str | None = None, sts: Any = None) -> None:
        super().__init__(client)
        self.role_arn = role_arn
        self._sts = sts

    def _new_client(self) -> Any:
        return self._assumed() if self.role_arn else make_client("route53")

    def _assumed(self) -> Any:
        sts = self._sts or make_client("sts")
        try:
            with transient_as_throttled("AssumeRole"):
                creds = sts.assume_role(
                    RoleArn=self.role_arn, RoleSessionName="mailauth", DurationSeconds=900
                )["Credentials"]
        except Exception as exc:
            if error_code(exc) == "AccessDenied":
                raise InvalidRequestError(
                    f"mailauth may not assume {self.role_arn}: {exc}. The role's trust policy must allow this "
                    "stack's functions (docs/operations.md, cross-account zones)"
                ) from exc
            raise
        return make_client(
            "route53",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    # ---------------------------------------------------------------------------------------- zones
    def zones_named(self, name: str) -> list[HostedZone]:
        """Every hosted zone whose name is exactly ``name`` (ListHostedZonesByName lists from it onward)."""
        zones: list[HostedZone] = []
        kwargs: dict[str, Any] = {"DNSName": name + ".", "MaxItems": "10"}
        while True:
            with transient_as_throttled("ListHostedZonesByName"):
                page = self.client.list_hosted_zones_by_name(**kwargs)
            for zone in page.get("HostedZones", []):
                if dns_name(zone["Name"]) != name:
                    return zones
                zones.append(
                    HostedZone(
                        id=_zone_id(zone["Id"]),
                        name=name,
                        private=bool(zone.get("Config", {}).get("PrivateZone", False)),
                    )
                )
            if not page.get("IsTruncated"):
                return zones
            kwargs = {
                "DNSName": page["NextDNSName"],
                "HostedZoneId": page["NextHostedZoneId"],
                "MaxItems": "10",
            }

    def find_public_zone(self, domain: str) -> HostedZone:
        """The most specific public zone containing ``domain`` (a subdomain may live in its parent's zone)."""
        labels = domain.split(".")
        private_seen: list[str] = []
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            zones = self.zones_named(candidate)
            public = [z for z in zones if not z.private]
            private_seen += [f"{z.name} ({z.id})" for z in zones if z.private]
            if len(public) > 1:
                ids = ", ".join(z.id for z in public)
                raise InvalidRequestError(
                    f"{len(public)} public hosted zones are named {candidate} ({ids}); pass hosted_zone_id "
                    "to say which one the internet is delegated to"
                )
            if public:
                return public[0]
        if private_seen:
            raise PrivateZoneOnlyError(
                f"{domain} is only in private hosted zones ({', '.join(private_seen)}); SES verifies through "
                "public DNS, so create a public hosted zone for it"
            )
        raise NoPublicZoneError(
            f"no public Route 53 hosted zone contains {domain}; create one (and delegate the domain to its "
            "name servers) or pass hosted_zone_id"
        )

    def get_zone(self, zone_id: str) -> HostedZone:
        try:
            with transient_as_throttled("GetHostedZone"):
                response = self.client.get_hosted_zone(Id=zone_id)
        except Exception as exc:
            if error_code(exc) in ("NoSuchHostedZone", "InvalidInput"):
                raise NoPublicZoneError(f"hosted zone {zone_id} does not exist in this account") from exc
            raise
        zone = response["HostedZone"]
        return HostedZone(
            id=_zone_id(zone["Id"]),
            name=dns_name(zone["Name"]),
            private=bool(zone.get("Config", {}).get("PrivateZone", False)),
            name_servers=tuple(
                dns_name(ns) for ns in response.get("DelegationSet", {}).get("NameServers", [])
            ),
        )

    # -------------------------------------------------------------------------------------- records
    def _list(self, zone_id: str, **kwargs: Any) -> dict[str, Any]:
        with transient_as_throttled("ListResourceRecordSets"):
            result: dict[str, Any] = self.client.list_resource_record_sets(HostedZoneId=zone_id, **kwargs)
        return result

    def records_at(self, zone_id: str, names: Iterable[str]) -> dict[str, list[RecordSet]]:
        """Record sets at each of ``names``: one listing for a small zone, else one per name."""
        wanted = {dns_name(n) for n in names}
        found: dict[str, list[RecordSet]] = {n: [] for n in wanted}
        first = self._list(zone_id, MaxItems=str(LIST_PAGE))
        pages = [first]
        if first.get("IsTruncated"):
            pages = [self._records_from(zone_id, name) for name in sorted(wanted)]
        for page in pages:
            for item in page.get("ResourceRecordSets", []):
                name = dns_name(item["Name"].replace("\\052", "*"))
                if name not in found:
                    continue
                alias = item.get("AliasTarget")
                values = (
                    (f"ALIAS {alias.get('DNSName', '')}",)
                    if alias
                    else tuple(r["Value"] for r in item.get("ResourceRecords", []))
                )
                record = RecordSet(
                    name=name,
                    type=item["Type"],
                    ttl=int(item.get("TTL", 300)),
                    values=values,
                    routing=_routing(item),
                )
                if record not in found[name]:
                    found[name].append(record)
        return found

    def _records_from(self, zone_id: str, name: str) -> dict[str, Any]:
        """The record sets at one name (all types), following pages while they stay at that name.

        botocore's paginator passes NextRecordName, NextRecordType AND NextRecordIdentifier back as the Start*
        parameters: without the identifier, a page that ends inside a group of sets sharing name and type
        (weighted, latency, failover routing ...) restarts at the group's first set (Route 53 API reference,
        ListResourceRecordSets).
        """
        items: list[dict[str, Any]] = []
        pages = self.client.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=zone_id, StartRecordName=name + ".", PaginationConfig={"PageSize": NAME_PAGE}
        )
        with transient_as_throttled("ListResourceRecordSets"):
            for page in pages:
                sets = page.get("ResourceRecordSets", [])
                here = [i for i in sets if dns_name(i["Name"].replace("\\052", "*")) == name]
                items += here
                if len(here) < len(sets):
                    break
        return {"ResourceRecordSets": items}

    def change(self, zone_id: str, changes: Sequence[RecordChange], comment: str) -> str:
        """Submit all changes in one atomic batch; return the change ID."""
        batch = {
            "Comment": comment[:256],
            "Changes": [
                {
                    "Action": c.action,
                    "ResourceRecordSet": {
                        "Name": c.record.name + ".",
                        "Type": c.record.type,
                        "TTL": c.record.ttl,
                        "ResourceRecords": [{"Value": v} for v in c.record.values],
                    },
                }
                for c in changes
            ],
        }
        try:
            with transient_as_throttled("ChangeResourceRecordSets"):
                response = self.client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
        except Exception as exc:
            if error_code(exc) == "InvalidChangeBatch":
                raise RecordConflictError(
                    f"Route 53 refused the change batch, so nothing was changed: {exc}. A record was probably "
                    "created or changed at one of these names since mailauth read the zone; re-run to re-plan."
                ) from exc
            raise
        return str(response["ChangeInfo"]["Id"]).rsplit("/", 1)[-1]

    def change_status(self, change_id: str) -> str:
        with transient_as_throttled("GetChange"):
            response = self.client.get_change(Id=change_id)
        return str(response["ChangeInfo"]["Status"])
