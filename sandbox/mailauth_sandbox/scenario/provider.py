"""The person at another DNS provider, played for scenarios and tests of ``"dns": "external"`` requests."""

from __future__ import annotations

from ..engine import Invocation, LocalAws

#: the account standing for "another DNS provider": its zones are public DNS, not mailauth's Route 53
PROVIDER_ACCOUNT = "210987654321"


def act_on_announcements(local: LocalAws) -> list[str]:
    """Play the person at an external DNS provider: make exactly the changes mailauth announces.

    The records go into the provider's zone (in :data:`PROVIDER_ACCOUNT`, created if the scenario has none), so
    public DNS serves them; mailauth's Route 53 is never used. A change to a set that exists replaces it, as
    the announcement says. Returns the records written, as they happen.
    """
    created: list[str] = []

    def observe(inv: Invocation) -> None:
        if inv.function != "NotifyFunction" or not inv.ok or not inv.event.get("announce"):
            return
        state = inv.event["state"]
        domain = state["request"]["domain"]
        route53 = local.client("route53", PROVIDER_ACCOUNT)
        zones = route53.list_hosted_zones_by_name(DNSName=domain)["HostedZones"]
        zone_id = next(
            (z["Id"].rsplit("/", 1)[-1] for z in zones if z["Name"].rstrip(".") == domain),
            None,
        ) or local.create_hosted_zone(domain, account_id=PROVIDER_ACCOUNT)
        for change in state["publish"]["changes"]:
            record = change["record"]
            rrset = {
                "Name": record["name"] + ".",
                "Type": record["type"],
                "TTL": record["ttl"],
                "ResourceRecords": [{"Value": v} for v in record["values"]],
            }
            route53.change_resource_record_sets(
                HostedZoneId=zone_id,
                ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": rrset}]},
            )
            created.append(f"{record['type']} {record['name']}")

    local.observers.append(observe)
    return created
