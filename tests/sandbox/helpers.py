"""Small helpers shared by the sandbox tests."""

from __future__ import annotations

from typing import Any


def change(
    zone_id: str, client: Any, action: str, name: str, rtype: str, *values: str, ttl: int = 300
) -> Any:
    """Submit one record change."""
    return client.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": action,
                    "ResourceRecordSet": {
                        "Name": name,
                        "Type": rtype,
                        "TTL": ttl,
                        "ResourceRecords": [{"Value": v} for v in values],
                    },
                }
            ]
        },
    )
