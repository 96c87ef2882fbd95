"""Route 53 as AWS behaves where moto bends it: strict change batches, PENDING changes, AWS listing order.

Every entry point is a botocore hook (see :mod:`mailauth_sandbox.hooks`): ``before_call`` returns AWS's
error (or a full answer) or ``None`` to fall through to moto; ``after_call`` amends moto's answer.
The record sets themselves stay in moto's backend, which the DNS server reads.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import hooks
from .clock import SimClock
from .names import norm
from .route53_records import (
    check_values,
    record_values,
    rrset_shape,
    set_key,
    sort_key,
    zone_id_of,
    zone_shape,
)


@dataclass
class ChangeRecord:
    """A change batch the sandbox has seen."""

    change_id: str
    zone_id: str
    submitted_at: datetime
    comment: str | None
    #: the account whose zone was changed: GetChange is answered only there
    account: str = ""
    polls: int = 0


class Route53Emulator:
    """AWS's Route 53 semantics on top of moto's record store."""

    def __init__(
        self, clock: SimClock, account_id: str, propagation_delay: float = 0.0, insync_after: float = 0.0
    ) -> None:
        self.clock = clock
        self.account_id = account_id
        #: simulated seconds before a created/changed record is served by the DNS server
        self.propagation_delay = propagation_delay
        #: simulated seconds after submission before GetChange may say INSYNC (besides the first PENDING)
        self.insync_after = insync_after
        self.changes: dict[str, ChangeRecord] = {}
        #: ``(name, TYPE)`` record sets public DNS never serves (a broken secondary, a resolver that lags)
        self.withheld: set[tuple[str, str]] = set()
        self._visible_at: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    # -- moto's store ---------------------------------------------------------------------------
    def backend(self, account_id: str | None = None) -> Any:
        """moto's Route 53 backend for an account (the sandbox's by default)."""
        from moto.route53.models import route53_backends

        return route53_backends[account_id or self.account_id]["global"]

    def zones(self, account_id: str | None = None) -> list[Any]:
        """A snapshot of moto's hosted zones: one account's, or (``None``) every account's, as public DNS sees."""
        from moto.route53.models import route53_backends

        for _ in range(5):
            try:
                if account_id is not None:
                    return list(self.backend(account_id).zones.values())
                return [
                    z
                    for a in list(route53_backends)
                    for z in list(route53_backends[a]["global"].zones.values())
                ]
            except RuntimeError:  # changed size during iteration
                continue
        return []

    def withhold(self, name: str, rtype: str) -> None:
        """Public DNS never serves ``name``/``rtype``, although it is in the zone (SES cannot see it either)."""
        self.withheld.add((norm(name), rtype.upper()))

    def visible(self, name: str, rtype: str) -> bool:
        """Whether the DNS server may serve ``name``/``rtype`` yet (propagation delay; never if withheld)."""
        if (norm(name), rtype.upper()) in self.withheld:
            return False
        with self._lock:
            when = self._visible_at.get((norm(name), rtype.upper()))
        return when is None or self.clock.now() >= when

    # -- hooks ------------------------------------------------------------------------------------
    def before_call(
        self, operation: str, params: dict[str, Any], account_id: str | None = None
    ) -> hooks.Response | None:
        """AWS's answer or error for calls moto gets wrong (in the caller's account); ``None`` lets moto answer."""
        account = account_id or self.account_id
        if operation == "ChangeResourceRecordSets":
            return self._validate_batch(params, account)
        if operation == "GetChange":
            return self._get_change(params, account)
        if operation == "ListHostedZonesByName":
            return self._list_by_name(params, account)
        if operation == "ListResourceRecordSets":
            return self._list_records(params, account)
        return None

    def after_call(
        self,
        operation: str,
        params: dict[str, Any],
        status: int,
        parsed: dict[str, Any],
        account_id: str | None = None,
    ) -> None:
        """Give each change a unique id, PENDING status, and note when its records become visible."""
        if operation != "ChangeResourceRecordSets" or status >= 300:
            return
        now = self.clock.now()
        change_id = "/change/C" + "".join(
            secrets.choice(string.ascii_uppercase + string.digits) for _ in range(20)
        )
        batch = params.get("ChangeBatch", {})
        with self._lock:
            self.changes[change_id] = ChangeRecord(
                change_id,
                zone_id_of(params.get("HostedZoneId", "")),
                now,
                batch.get("Comment"),
                account=account_id or self.account_id,
            )
            for change in batch.get("Changes", []):
                rrset = change.get("ResourceRecordSet", {})
                key = set_key(rrset)
                if change.get("Action") in ("CREATE", "UPSERT"):
                    self._visible_at[key] = now + timedelta(seconds=self.propagation_delay)
                else:
                    self._visible_at.pop(key, None)
        info = parsed.setdefault("ChangeInfo", {})
        info.update({"Id": change_id, "Status": "PENDING", "SubmittedAt": now})
        if batch.get("Comment"):
            info["Comment"] = batch["Comment"]

    # -- operations -------------------------------------------------------------------------------
    def _get_change(self, params: dict[str, Any], account: str) -> hooks.Response | None:
        """PENDING, then INSYNC; a change is known only to the account that made it.

        Route 53 changes belong to the account whose hosted zone they changed: GetChange with another account's
        credentials cannot see them and answers NoSuchChange (the route53 model's GetChange error for "A change
        with the specified change ID does not exist").
        """
        raw = str(params.get("Id", ""))
        key = raw if raw.startswith("/change/") else "/change/" + raw
        with self._lock:
            change = self.changes.get(key)
            if change is None:
                return None
            if change.account != account:
                return hooks.error(
                    "NoSuchChange", f"A change with the specified change ID does not exist: {raw}", 404
                )
            change.polls += 1
            # INSYNC: Route 53's own servers have the change (about a minute in AWS); how long resolvers take
            # to serve it (propagation_delay) is a different matter and does not hold the change PENDING
            due = change.submitted_at + timedelta(seconds=self.insync_after)
            insync = change.polls > 1 and self.clock.now() >= due
        info: dict[str, Any] = {
            "Id": change.change_id,
            "Status": "INSYNC" if insync else "PENDING",
            "SubmittedAt": change.submitted_at,
        }
        if change.comment:
            info["Comment"] = change.comment
        return hooks.response({"ChangeInfo": info})

    def _validate_batch(self, params: dict[str, Any], account: str) -> hooks.Response | None:
        zone = self.backend(account).zones.get(zone_id_of(str(params.get("HostedZoneId", ""))))
        if zone is None:
            return None  # moto raises NoSuchHostedZone
        current: dict[tuple[str, str, str | None], tuple[str, list[str]]] = {}
        for rr in list(zone.rrsets):
            current[(norm(rr.name), str(rr.type).upper(), rr.set_identifier)] = (
                str(rr.ttl),
                sorted(record_values(rr.records)),
            )
        zone_name = norm(zone.name)
        errors: list[str] = []
        for change in params.get("ChangeBatch", {}).get("Changes", []):
            action = change.get("Action")
            rrset = change.get("ResourceRecordSet", {})
            name, rtype = set_key(rrset)
            key = (name, rtype, rrset.get("SetIdentifier"))
            values = [str(r.get("Value", "")) for r in rrset.get("ResourceRecords", [])]
            if action in ("CREATE", "UPSERT"):
                errors += check_values(name, rtype, values)
                if action == "CREATE" and key in current:
                    errors.append(
                        f"Tried to create resource record set [name='{name}', type='{rtype}'] "
                        "but it already exists"
                    )
                    continue
                others = {t for (n, t, _) in current if n == name and t != rtype}
                if rtype == "CNAME" and others:
                    errors.append(
                        f"RRSet of type CNAME with DNS name {name} is not permitted as it conflicts "
                        f"with other records with the same DNS name in zone {zone_name}"
                    )
                    continue
                if rtype != "CNAME" and "CNAME" in others:
                    errors.append(
                        f"RRSet of type {rtype} with DNS name {name} is not permitted because a "
                        f"conflicting RRSet of type  CNAME with the same DNS name already exists "
                        f"in zone {zone_name}"
                    )
                    continue
                current[key] = (str(rrset.get("TTL")), sorted(values))
            elif action == "DELETE":
                existing = current.get(key)
                if existing is None:
                    errors.append(
                        f"Tried to delete resource record set [name='{name}', type='{rtype}'] "
                        "but it was not found"
                    )
                elif existing != (str(rrset.get("TTL")), sorted(values)):
                    errors.append(
                        f"Tried to delete resource record set [name='{name}', type='{rtype}'] "
                        "but the values provided do not match the current values"
                    )
                else:
                    del current[key]
        if errors:
            return hooks.error("InvalidChangeBatch", "[" + ", ".join(errors) + "]")
        self._forget_journal_creates(zone, params)
        return None

    @staticmethod
    def _forget_journal_creates(zone: Any, params: dict[str, Any]) -> None:
        """Work around a moto flaw: moto refuses a CREATE identical to one in its change journal whenever any
        record set sorts at or after that name (it asks for the sets *from* the name on, not *at* it), so a set
        deleted and created again (onboarding after offboarding) is refused although Route 53 accepts it. The
        existence check above is Route 53's own; the journal's earlier identical CREATEs of a set that does not
        exist now are dropped before moto looks (moto appends the new CREATE, which later DELETEs match)."""
        creates = {
            set_key(c["ResourceRecordSet"])
            for c in params.get("ChangeBatch", {}).get("Changes", [])
            if c.get("Action") == "CREATE"
        }
        if not creates:
            return
        zone.rr_changes[:] = [
            c
            for c in zone.rr_changes
            if not (c.get("Action") == "CREATE" and set_key(c["ResourceRecordSet"]) in creates)
        ]

    def _list_by_name(self, params: dict[str, Any], account: str) -> hooks.Response:
        zones = sorted(self.zones(account), key=lambda z: (sort_key(z.name), z.id))
        start_name = params.get("DNSName")
        start_id = params.get("HostedZoneId")
        max_items = int(params.get("MaxItems") or 100)
        if start_name:
            start = (sort_key(start_name), "/hostedzone/" + zone_id_of(start_id) if start_id else "")
            zones = [z for z in zones if (sort_key(z.name), z.id) >= start]
        page, rest = zones[:max_items], zones[max_items:]
        parsed: dict[str, Any] = {
            "HostedZones": [zone_shape(z) for z in page],
            "IsTruncated": bool(rest),
            "MaxItems": str(max_items),
        }
        if start_name:
            parsed["DNSName"] = start_name
        if start_id:
            parsed["HostedZoneId"] = start_id
        if rest:
            parsed["NextDNSName"] = norm(rest[0].name)
            parsed["NextHostedZoneId"] = zone_id_of(rest[0].id)
        return hooks.response(parsed)

    def _list_records(self, params: dict[str, Any], account: str) -> hooks.Response | None:
        """ListResourceRecordSets as AWS pages it, including StartRecordIdentifier (moto ignores it).

        Route 53 API reference, ListResourceRecordSets: record sets are sorted by DNS name with the labels
        reversed, then by type; results start at StartRecordName/StartRecordType and, for record sets that share
        name and type (weighted, latency, failover ... routing), StartRecordIdentifier; a truncated page returns
        NextRecordName, NextRecordType and, when the next set has one, NextRecordIdentifier. MaxItems is at most
        300. Sets of one name and type are ordered here by SetIdentifier (AWS documents no order among them).
        """
        zone = self.backend(account).zones.get(zone_id_of(str(params.get("HostedZoneId", ""))))
        if zone is None:
            return None  # moto raises NoSuchHostedZone
        start_type = params.get("StartRecordType")
        start_id = params.get("StartRecordIdentifier")
        if start_type and not params.get("StartRecordName"):
            return hooks.error(
                "InvalidInput", "The input is not valid: StartRecordType requires StartRecordName"
            )
        if start_id and not start_type:
            return hooks.error(
                "InvalidInput", "The input is not valid: StartRecordIdentifier requires a type"
            )
        max_items = min(int(params.get("MaxItems") or 300), 300)

        def key(rr: Any) -> tuple[str, str, str]:
            return (sort_key(rr.name), str(rr.type).upper(), rr.set_identifier or "")

        sets = sorted(list(zone.rrsets), key=key)
        if params.get("StartRecordName"):
            start = (sort_key(str(params["StartRecordName"])), str(start_type or "").upper(), start_id or "")
            sets = [rr for rr in sets if key(rr) >= start]
        page, rest = sets[:max_items], sets[max_items:]
        parsed: dict[str, Any] = {
            "ResourceRecordSets": [rrset_shape(rr) for rr in page],
            "IsTruncated": bool(rest),
            "MaxItems": str(max_items),
        }
        if rest:
            parsed["NextRecordName"] = norm(rest[0].name)
            parsed["NextRecordType"] = str(rest[0].type).upper()
            if rest[0].set_identifier:
                parsed["NextRecordIdentifier"] = rest[0].set_identifier
        return hooks.response(parsed)
