"""What a scenario run reports: each submission as it ended, and every zone's difference from how it began."""

from __future__ import annotations

import json
from typing import Any

from ..engine import LocalAws
from .spec import ZoneSpec


class Reporter:
    """The zones as they began (noted as the runner creates them), and each submission described at its end."""

    def __init__(self) -> None:
        self.accounts: dict[str, str | None] = {}
        #: every zone's record sets as it began: {zone id: {(name, type): (ttl, values)}}
        self.before: dict[str, dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]] = {}
        #: every zone's name in reports ("NAME (private)" for a private zone), by zone id
        self.zone_names: dict[str, str] = {}

    def note_zone(self, local: LocalAws, zone_id: str, spec: ZoneSpec) -> None:
        """Remember a zone as it is now, and its name in reports."""
        self.accounts[zone_id] = spec.account
        self.before[zone_id] = local.zone_sets(zone_id, spec.account)
        self.zone_names[zone_id] = spec.name + (" (private)" if spec.private else "")

    def zones(self, local: LocalAws) -> dict[str, Any]:
        """Every zone's difference from how it began, by name."""
        return {self.zone_names[zone_id]: self.zone_diff(local, zone_id) for zone_id in self.before}

    def describe(self, local: LocalAws, item: dict[str, Any]) -> dict[str, Any]:
        arn = item.get("execution_arn")
        submission_calls = item.pop("_submission_calls", {})
        submitted_at = item.pop("_submitted_at", local.clock.start)
        out: dict[str, Any] = {
            **item,
            "status": None,
            "error": None,
            "executions": _executions(local, item["domain"]),
            "api_calls": dict(sorted(submission_calls.items())),
        }
        if item["via"] == "plan":
            plan = item.get("api_response", {})
            zone_id = (plan.get("zone") or {}).get("hosted_zone_id")
            out.update(
                plan=plan,
                plan_verdict=plan.get("verdict"),
                api_calls=submission_calls,
                zone=self.zone_diff(local, zone_id),
            )
            return out
        if not arn:
            out["zone"] = self.zone_diff(local, self.zone_of(item["domain"]))
            return out
        description = local.client("stepfunctions").describe_execution(executionArn=arn)
        state = json.loads(description.get("output") or "{}")
        failed = next((e for e in reversed(local.history(arn)) if e["type"] == "ExecutionFailed"), None)
        mine = [i for i in local.invocations if i.execution == arn]
        notify = next((i for i in reversed(mine) if i.function == "NotifyFunction"), None)
        if notify is not None and not state:
            state = notify.event.get("state", {})
        calls: dict[str, int] = dict(submission_calls)
        for inv in mine:
            for key, count in inv.calls.items():
                calls[key] = calls.get(key, 0) + count
        times = [t for i in mine for t in (i.started_at, i.finished_at) if t is not None]
        zone_id = (
            (state.get("zone") or {}).get("hosted_zone_id")
            or (state.get("publish") or {}).get("hosted_zone_id")
            or self.zone_of(item["domain"])
        )
        domain = (state.get("request") or {}).get("domain") or item["domain"]
        out.update(
            domain=domain,
            status=description["status"],
            error=failed["executionFailedEventDetails"].get("error") if failed else None,
            step_error=(state.get("error") or {}).get("Error"),
            state_error=state.get("error"),
            outcome=(notify.result or {}).get("outcome") if notify is not None else None,
            verification=state.get("verification"),
            report=state.get("report"),
            publish=state.get("publish"),
            zone=self.zone_diff(local, zone_id),
            notifications=[
                _notification(n, submitted_at)
                for n in local.notifications()
                if n["execution"] == arn or (n["execution"] is None and _attr(n, "domain") == domain)
            ],
            api_calls=dict(sorted(calls.items())),
            state_transitions=local.transitions(arn),
            simulated_seconds=(max(times) - min(times)).total_seconds() if times else 0.0,
        )
        return out

    def zone_of(self, domain: str) -> str | None:
        """The public zone a domain's records would go to (the longest zone name it ends with), if any."""
        names = {
            zone_id: name
            for zone_id, name in self.zone_names.items()
            if not name.endswith(" (private)") and (domain == name or domain.endswith("." + name))
        }
        return max(names, key=lambda z: len(names[z]), default=None)

    def zone_diff(self, local: LocalAws, zone_id: str | None) -> dict[str, Any] | None:
        """What changed in the zone since it began, TTLs included."""
        if zone_id is None or zone_id not in self.before:
            return None
        before, after = self.before[zone_id], local.zone_sets(zone_id, self.accounts.get(zone_id))

        def row(key: tuple[str, str], ttl: int | None, values: tuple[str, ...]) -> dict[str, Any]:
            return {"name": key[0], "type": key[1], "ttl": ttl, "values": list(values)}

        return {
            "id": zone_id,
            "added": [row(k, *after[k]) for k in sorted(after.keys() - before.keys())],
            "removed": [row(k, *before[k]) for k in sorted(before.keys() - after.keys())],
            "changed": [
                {
                    "name": k[0],
                    "type": k[1],
                    "before": list(before[k][1]),
                    "after": list(after[k][1]),
                    "ttl_before": before[k][0],
                    "ttl_after": after[k][0],
                }
                for k in sorted(before.keys() & after.keys())
                if before[k] != after[k]
            ],
        }


def _executions(local: LocalAws, domain: str) -> int:
    """Executions started for ``domain`` so far, on every state machine of the template."""
    sfn = local.client("stepfunctions")
    count = 0
    for res in local.resources.values():
        arn = res.get("Arn", "")
        if ":stateMachine:" not in arn:
            continue
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
            for execution in page["executions"]:
                body = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
                request = body.get("request") if isinstance(body, dict) else None
                count += isinstance(request, dict) and request.get("domain") == domain
    return count


def _notification(n: dict[str, Any], submitted_at: Any) -> dict[str, Any]:
    """A notification as the report shows it: when it came, in hours after the submission."""
    at = n.get("at")
    hours = (at - submitted_at).total_seconds() / 3600 if at is not None else None
    return {
        **n,
        "at": at.isoformat() if at is not None else None,
        "after_hours": hours,
        "outcome": _attr(n, "outcome"),
    }


def _attr(notification: dict[str, Any], key: str) -> str | None:
    value = (notification.get("attributes") or {}).get(key)
    return value.get("Value") if isinstance(value, dict) else None
