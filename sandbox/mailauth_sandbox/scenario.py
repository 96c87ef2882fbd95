"""Scenarios: a world (zones, SES, DNS, faults) and what arrives in it, run against the embedded AWS.

A scenario file is YAML (docs/scenarios.md). Running one starts a :class:`LocalAws`, builds the zones (records
given inline or as the JSON ``aws route53 list-resource-record-sets`` prints), submits every request the way AWS
would deliver it (an API Gateway event to the API function, a CloudTrail event or a custom event through the
template's EventBridge rules), waits for every execution, and reports per domain. ``expect`` blocks turn a
scenario into a test.
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from .engine import Invocation, LocalAws
from .ses import SesBehaviour

ROOT = Path(__file__).resolve().parents[2]
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}
#: the account standing for "another DNS provider": its zones are public DNS, not mailauth's Route 53
PROVIDER_ACCOUNT = "210987654321"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordSpec(_Spec):
    name: str
    type: str
    ttl: int = 300
    values: list[str]


class ZoneSpec(_Spec):
    name: str
    private: bool = False
    #: another AWS account holding the zone (reached through a role the request names)
    account: str | None = None
    records: list[RecordSpec] = []
    #: a file holding `aws route53 list-resource-record-sets` output (relative to the scenario file)
    records_file: str | None = None
    #: "start": exists before anything arrives; "cloudtrail": created when its CloudTrail event is submitted
    created: Literal["start", "cloudtrail"] = "start"
    #: "route53": in Route 53 (this account's, or ``account``'s); "elsewhere": at another DNS provider, served by
    #: public DNS but invisible to mailauth's Route 53 (the sandbox keeps it in an account of its own)
    hosted: Literal["route53", "elsewhere"] = "route53"


class IdentitySpec(_Spec):
    """An SES identity that exists before anything arrives, as a person or another tool left it."""

    name: str
    #: Easy DKIM tokens already generated (DKIM pending until DNS serves their CNAMEs)
    easy_dkim: bool = False
    #: verified for sending by SES API v1's TXT record (DKIM NOT_STARTED)
    legacy_verified: bool = True
    signing_enabled: bool = True
    tags: dict[str, str] = {}
    mail_from: str | None = None


class SesSpec(_Spec):
    verify: Literal["dns", "never"] = "dns"
    verify_after_hours: float | None = None
    dkim_fail_once: bool = False
    vdm_enabled: bool = False
    identities: list[IdentitySpec] = []


class WithheldSpec(_Spec):
    name: str
    type: str


class DnsSpec(_Spec):
    propagation_delay_hours: float = 0
    undelegated: list[str] = []
    #: record sets public DNS never serves, although they are in the zone
    withhold: list[WithheldSpec] = []
    #: for "dns": "external" requests: the person at the other DNS provider creates the announced records
    external_provider_acts: bool = False


class FaultSpec(_Spec):
    service: str
    operation: str
    code: str
    times: int = 1
    status: int = 400
    #: matching attempts let through before the fault starts failing them
    skip: int = 0
    #: whose calls fail: any handler's ("*"), one function's (its template logical ID), or every caller's
    #: ("any": the state machine's own service integrations and the scenario runner's reads included)
    function: str = "*"
    #: only calls naming this DynamoDB table (template logical ID, e.g. LedgerTable, or the table's name)
    table: str | None = None
    #: only calls made by handlers running for this workflow's executions
    workflow: Literal["onboard", "offboard"] | None = None


class SubmitSpec(_Spec):
    via: Literal["api", "plan", "cloudtrail", "event", "offboard"] = "api"
    #: the request (api, event); for cloudtrail, the zone name to create and announce; for offboard, the
    #: domain (DELETE /domains/{domain}, after every earlier submission has finished)
    request: dict[str, Any] = {}
    zone: str | None = None
    keep_identity: bool = False


class Expect(_Spec):
    status: Literal["SUCCEEDED", "FAILED"] | None = None
    error: str | None = None  # the execution's failure error (VerificationTimedOut, OnboardingFailed, ...)
    step_error: str | None = None  # the step error the notification reports (RecordConflictError, ...)
    outcome: Literal["success", "timeout", "failure"] | None = None
    api_status: int | None = None
    plan_verdict: Literal["ready", "conflicts", "blocked"] | None = None  # via: plan (a dry run)
    max_transitions: int | None = None
    min_hours: float | None = None
    max_hours: float | None = None
    records_added: int | None = None
    zone_unchanged: bool | None = None
    kept: list[str] = []  # "TYPE name" of records that must be kept unchanged
    diagnosis_contains: list[str] = []
    notification_contains: list[str] = []
    #: executions started for this domain in the whole scenario, either workflow (0: none at all)
    executions: int | None = None
    #: AWS operations this run must not have called ("service:Operation"; "sesv2:*" for any of a service)
    no_calls: list[str] = []
    #: notifications about this run (its execution), and when they came after the submission
    notifications: int | None = None
    notified_within_hours: float | None = None
    notified_after_hours: float | None = None


class ZoneExpect(_Spec):
    """The zone's difference from how it began, exactly: records as ``NAME TTL TYPE VALUE...`` lines, each an
    ``fnmatch`` pattern (``*`` for the random part of a DKIM name)."""

    unchanged: bool | None = None
    added: list[str] | None = None
    removed: list[str] | None = None
    #: ``BEFORE-LINE -> AFTER-LINE``
    changed: list[str] | None = None


class PhaseSpec(_Spec):
    """One step of a scenario: set the faults, submit, wait for every execution to end, let time pass."""

    name: str = ""
    #: the faults in force from now on (replacing those still pending); absent: the pending ones stay
    faults: list[FaultSpec] | None = None
    submit: list[SubmitSpec] = []
    #: simulated hours that pass once the phase's executions have ended
    advance_hours: float = 0
    #: checked at the end of this phase, on this phase's submissions and every zone
    expect: dict[str, Expect] = {}
    expect_zones: dict[str, ZoneExpect] = {}


class Scenario(_Spec):
    name: str
    description: str = ""
    region: str = "us-east-1"
    parameters: dict[str, str] = {}
    zones: list[ZoneSpec] = []
    ses: SesSpec = SesSpec()
    dns: DnsSpec = DnsSpec()
    faults: list[FaultSpec] = []
    #: one phase in short: everything submitted at once, then awaited
    submit: list[SubmitSpec] = []
    phases: list[PhaseSpec] = []
    #: per domain; the key "*" applies to every domain; checked at the end, on every submission
    expect: dict[str, Expect] = {}
    #: per zone name (a private zone: "NAME (private)"), checked at the end
    expect_zones: dict[str, ZoneExpect] = {}

    @model_validator(mode="after")
    def _one_way_to_submit(self) -> Scenario:
        if bool(self.submit) == bool(self.phases):
            raise ValueError("a scenario has either `submit` or `phases` (and not both)")
        if self.phases and not any(p.submit for p in self.phases):
            raise ValueError("no phase submits anything")
        return self

    def steps(self) -> list[PhaseSpec]:
        """The phases; a scenario with ``submit`` is one phase."""
        return self.phases or [PhaseSpec(submit=self.submit)]

    @classmethod
    def load(cls, path: Path) -> Scenario:
        return cls.model_validate(yaml.safe_load(path.read_text()))


def _records_from_cli_json(path: Path) -> list[RecordSpec]:
    """`aws route53 list-resource-record-sets` output; apex NS/SOA are the sandbox's own, aliases skipped."""
    data = json.loads(path.read_text())
    out = []
    for item in data.get("ResourceRecordSets", []):
        if "ResourceRecords" not in item or item["Type"] in ("NS", "SOA"):
            continue
        out.append(
            RecordSpec(
                name=item["Name"],
                type=item["Type"],
                ttl=int(item.get("TTL", 300)),
                values=[r["Value"] for r in item["ResourceRecords"]],
            )
        )
    return out


class Runner:
    def __init__(self, scenario: Scenario, base_dir: Path) -> None:
        self.scenario = scenario
        self.base_dir = base_dir
        self.zone_ids: dict[str, str] = {}
        self.accounts: dict[str, str | None] = {}
        #: every zone's record sets as it began: {zone id: {(name, type): (ttl, values)}}
        self.before: dict[str, dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]] = {}
        #: every zone's name in reports ("NAME (private)" for a private zone), by zone id
        self.zone_names: dict[str, str] = {}

    def behaviour(self) -> SesBehaviour:
        ses = self.scenario.ses
        verify: Any = ("after", ses.verify_after_hours) if ses.verify_after_hours is not None else ses.verify
        return SesBehaviour(verify=verify, dkim_fail_once=ses.dkim_fail_once, vdm_enabled=ses.vdm_enabled)

    def create_zone(self, local: LocalAws, spec: ZoneSpec) -> str:
        if spec.hosted == "elsewhere":
            spec = spec.model_copy(update={"account": PROVIDER_ACCOUNT})
        zone_id = local.create_hosted_zone(spec.name, private=spec.private, account_id=spec.account)
        records = list(spec.records)
        if spec.records_file:
            records += _records_from_cli_json(self.base_dir / spec.records_file)
        for record in records:
            local.add_record(
                zone_id, record.name, record.type, *record.values, ttl=record.ttl, account_id=spec.account
            )
        if not spec.private:
            self.zone_ids[spec.name] = zone_id
        self.accounts[zone_id] = spec.account
        self.before[zone_id] = local.zone_sets(zone_id, spec.account)
        self.zone_names[zone_id] = spec.name + (" (private)" if spec.private else "")
        return zone_id

    @staticmethod
    def add_fault(local: LocalAws, spec: FaultSpec) -> None:
        """Plan a fault, its table and workflow named as the template names them."""
        table = spec.table
        if table is not None and table in local.resources:
            table = local.resources[table]["Ref"]
        machine = {"onboard": "OnboardStateMachine", "offboard": "OffboardStateMachine"}.get(
            spec.workflow or ""
        )
        local.faults.add(
            spec.service,
            spec.operation,
            spec.code,
            times=spec.times,
            status=spec.status,
            skip=spec.skip,
            function=None if spec.function == "any" else spec.function,
            table=table,
            workflow=local.resources[machine]["Name"] if machine else None,
        )

    def submit(self, local: LocalAws, spec: SubmitSpec, phase: int = 0) -> dict[str, Any]:
        """Deliver one submission the way AWS would; note when (simulated) and in which phase."""
        at = local.clock.now()
        item = self._deliver(local, spec)
        item.update(phase=phase, _submitted_at=at)
        return item

    def _deliver(self, local: LocalAws, spec: SubmitSpec) -> dict[str, Any]:
        if spec.via == "offboard":
            domain = str(spec.request.get("domain"))
            invocation = local.api_delete(domain, keep_identity=spec.keep_identity)
            body = json.loads(invocation.result["body"]) if invocation.ok else {}
            return {
                "_submission_calls": dict(invocation.calls),
                "domain": domain,
                "via": "offboard",
                "api_status": invocation.result["statusCode"] if invocation.ok else None,
                "api_response": body,
                "execution_arn": body.get("executionArn"),
            }
        if spec.via in ("api", "plan"):
            invocation = local.api_post({**spec.request, **({"dry_run": True} if spec.via == "plan" else {})})
            if not invocation.ok:
                raise RuntimeError(f"ApiFunction failed: {invocation.error_type}: {invocation.error_message}")
            response = invocation.result
            body = json.loads(response["body"])
            return {
                "_submission_calls": dict(invocation.calls),
                "domain": body.get("domain") or str(spec.request.get("domain")),
                "via": spec.via,
                "api_status": response["statusCode"],
                "api_response": body,
                "execution_arn": body.get("executionArn"),
            }
        if spec.via == "cloudtrail":
            name = spec.zone or str(spec.request.get("domain"))
            zone_spec = next((z for z in self.scenario.zones if z.name == name), ZoneSpec(name=name))
            zone_id = self.create_zone(local, zone_spec)
            event = json.loads((ROOT / "events" / "trigger_create_hosted_zone.json").read_text())
            event["time"] = local.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
            detail = event["detail"]
            detail["requestParameters"]["name"] = name
            detail["requestParameters"]["hostedZoneConfig"]["privateZone"] = zone_spec.private
            detail["responseElements"]["hostedZone"].update(id=f"/hostedzone/{zone_id}", name=name + ".")
            deliveries = local.events.deliver(event)
        else:
            deliveries = local.events.put_events(
                [
                    {
                        "EventBusName": local.events.mailauth_bus,
                        "Source": "mailauth",
                        "DetailType": "OnboardDomain",
                        "Detail": json.dumps(spec.request),
                    }
                ]
            )
            name = str(spec.request.get("domain"))
        results = [d.invocation.result for d in deliveries if d.invocation is not None and d.invocation.ok]
        arn = next((r.get("executionArn") for r in results if isinstance(r, dict)), None)
        calls: dict[str, int] = {}
        for d in deliveries:
            for key, count in (d.invocation.calls if d.invocation else {}).items():
                calls[key] = calls.get(key, 0) + count
        return {
            "_submission_calls": calls,
            "domain": name,
            "via": spec.via,
            "deliveries": len(deliveries),
            "execution_arn": arn,
        }

    @contextmanager
    def world(self) -> Iterator[LocalAws]:
        """The scenario's world, before anything is submitted: zones, SES and DNS knobs, faults.

        While it is open, plain boto3 clients talk to it, so read-only tools (``mailauth plan --scenario``) run
        against it unchanged (with its DNS server, ``local.dns_address``, as their public DNS).
        """
        dns = self.scenario.dns
        with LocalAws(
            region=self.scenario.region,
            ses=self.behaviour(),
            propagation_delay=dns.propagation_delay_hours * 3600,
            undelegated_zones=dns.undelegated,
            parameters=self.scenario.parameters,
            env={**QUIET},
        ) as local:
            for withheld in dns.withhold:
                local.route53.withhold(withheld.name, withheld.type)
            if dns.external_provider_acts:
                act_on_announcements(local)
            for zone in self.scenario.zones:
                if zone.created == "start":
                    self.create_zone(local, zone)
            for ident in self.scenario.ses.identities:
                local.ses.add_identity(
                    ident.name,
                    region=local.region,
                    easy_dkim=ident.easy_dkim,
                    legacy_verified=ident.legacy_verified,
                    signing_enabled=ident.signing_enabled,
                    tags=ident.tags,
                    mail_from=ident.mail_from,
                )
            for fault in self.scenario.faults:
                self.add_fault(local, fault)
            yield local

    def run(self) -> dict[str, Any]:
        wall = time.monotonic()
        expectations: list[dict[str, Any]] = []
        domains: list[dict[str, Any]] = []
        phases = self.scenario.steps()
        with self.world() as local:
            for number, phase in enumerate(phases, start=1):
                if phase.faults is not None:
                    local.faults.clear()
                    for fault in phase.faults:
                        self.add_fault(local, fault)
                submitted: list[dict[str, Any]] = []
                for spec in phase.submit:
                    if spec.via == "offboard":  # offboarding follows what came before it
                        self.wait_all(local, submitted)
                    submitted.append(self.submit(local, spec, number if self.scenario.phases else 0))
                self.wait_all(local, submitted)
                described = [self.describe(local, item) for item in submitted]
                domains += described
                if self.scenario.phases:
                    zones = self.zones(local)
                    for result in check(phase.expect, described) + check_zones(phase.expect_zones, zones):
                        expectations.append({**result, "phase": phase.name or str(number)})
                local.clock.advance(phase.advance_hours * 3600)
            zones = self.zones(local)
            result = {
                "scenario": self.scenario.name,
                "simulated_seconds": local.clock.elapsed().total_seconds(),
                "wall_seconds": round(time.monotonic() - wall, 3),
                "domains": domains,
                "zones": zones,
            }
        expectations += check(self.scenario.expect, domains) + check_zones(self.scenario.expect_zones, zones)
        result["expectations"] = expectations
        return result

    def zones(self, local: LocalAws) -> dict[str, Any]:
        """Every zone's difference from how it began, by name."""
        return {self.zone_names[zone_id]: self.zone_diff(local, zone_id) for zone_id in self.before}

    @staticmethod
    def wait_all(local: LocalAws, submitted: list[dict[str, Any]]) -> None:
        for item in submitted:
            if item.get("execution_arn"):
                local.wait(item["execution_arn"], timeout=300)

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
    return {**n, "at": at.isoformat() if at is not None else None, "after_hours": hours}


def record_line(name: str, ttl: int | None, rtype: str, values: list[str]) -> str:
    """A record set as one line, ``NAME TTL TYPE VALUE...`` (the form ``expect_zones`` uses)."""
    return " ".join([name, str(ttl), rtype, *values])


def zone_lines(diff: dict[str, Any]) -> dict[str, list[str]]:
    """A zone diff as ``added``/``removed``/``changed`` lines."""
    return {
        "added": [record_line(r["name"], r["ttl"], r["type"], r["values"]) for r in diff["added"]],
        "removed": [record_line(r["name"], r["ttl"], r["type"], r["values"]) for r in diff["removed"]],
        "changed": [
            record_line(r["name"], r["ttl_before"], r["type"], r["before"])
            + " -> "
            + record_line(r["name"], r["ttl_after"], r["type"], r["after"])
            for r in diff["changed"]
        ],
    }


def _match_all(patterns: list[str], lines: list[str]) -> bool:
    """Each line matched by its own pattern (``fnmatch``: ``*`` for DKIM tokens), and no line or pattern left."""
    if len(patterns) != len(lines):
        return False
    owner: dict[int, int] = {}  # line -> pattern: a bipartite matching, grown by augmenting paths

    def place(p: int, seen: set[int]) -> bool:
        for i, line in enumerate(lines):
            if i not in seen and fnmatch.fnmatchcase(line, patterns[p]):
                seen.add(i)
                if i not in owner or place(owner[i], seen):
                    owner[i] = p
                    return True
        return False

    return all(place(p, set()) for p in range(len(patterns)))


def check_zones(expect: dict[str, ZoneExpect], zones: dict[str, Any]) -> list[dict[str, Any]]:
    """Every zone expectation, as {domain (the zone's name), check, ok, detail}."""
    results = []
    for name, wanted in expect.items():
        diff = zones.get(name)
        if diff is None:
            results.append({"domain": name, "check": "zone", "ok": False, "detail": "no such zone"})
            continue
        lines = zone_lines(diff)
        if wanted.unchanged is not None:
            same = not any(lines.values())
            results.append(
                {"domain": name, "check": "zone unchanged", "ok": same == wanted.unchanged, "detail": lines}
            )
        for part in ("added", "removed", "changed"):
            want = getattr(wanted, part)
            if want is not None:
                ok = _match_all(want, lines[part])
                results.append(
                    {
                        "domain": name,
                        "check": f"zone {part}",
                        "ok": ok,
                        "detail": f"{lines[part]}, expected {sorted(want)}",
                    }
                )
    return results


def _attr(notification: dict[str, Any], key: str) -> str | None:
    value = (notification.get("attributes") or {}).get(key)
    return value.get("Value") if isinstance(value, dict) else None


def _value_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Expectations on single values: statuses, counts, simulated hours."""
    out: list[tuple[str, bool, str]] = []
    for key in ("status", "error", "step_error", "outcome", "api_status", "plan_verdict"):
        wanted = getattr(expect, key)
        if wanted is not None:
            out.append((key, d.get(key) == wanted, f"{d.get(key)!r}, expected {wanted!r}"))
    hours = d.get("simulated_seconds", 0) / 3600
    transitions = d.get("state_transitions", 0)
    added = len((d.get("zone") or {}).get("added", []))
    bounds = [
        (
            "max_transitions",
            expect.max_transitions,
            transitions <= (expect.max_transitions or 0),
            transitions,
        ),
        ("min_hours", expect.min_hours, hours >= (expect.min_hours or 0), f"{hours:.2f} h"),
        ("max_hours", expect.max_hours, hours <= (expect.max_hours or 0), f"{hours:.2f} h"),
        ("records_added", expect.records_added, added == expect.records_added, added),
        ("executions", expect.executions, d.get("executions") == expect.executions, d.get("executions")),
    ]
    out += [
        (name, ok, f"{seen}, expected {wanted}") for name, wanted, ok, seen in bounds if wanted is not None
    ]
    return out


def _content_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Expectations on contents: the zone diff, kept records, diagnosis and notification text."""
    out: list[tuple[str, bool, str]] = []
    zone = d.get("zone") or {}
    if expect.zone_unchanged is not None:
        same = not (zone.get("added") or zone.get("removed") or zone.get("changed"))
        out.append(("zone_unchanged", same == expect.zone_unchanged, f"diff: {zone}"))
    kept = {
        f"{k['record']['type']} {k['record']['name'].rstrip('.')}"
        for k in (d.get("publish") or {}).get("kept", [])
    }
    out += [(f"kept {r}", r in kept, f"kept: {sorted(kept)}") for r in expect.kept]
    diagnosis = (d.get("verification") or {}).get("diagnosis", [])
    for words in expect.diagnosis_contains:
        found = any(words in line for line in diagnosis)
        out.append((f"diagnosis contains {words!r}", found, "; ".join(diagnosis)[:300]))
    text = "\n".join(n["email"] for n in d.get("notifications", []))
    out += [(f"notification contains {w!r}", w in text, text[:200]) for w in expect.notification_contains]
    return out + _negative_checks(expect, d) + _time_checks(expect, d)


def _negative_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Operations that must not have been called."""
    out = []
    calls = d.get("api_calls") or {}
    for pattern in expect.no_calls:
        made = sorted(k for k in calls if fnmatch.fnmatchcase(k, pattern))
        out.append((f"no call to {pattern}", not made, f"called: {made}"))
    return out


def _time_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """How many notifications this run sent, and when, in hours after its submission."""
    out: list[tuple[str, bool, str]] = []
    hours = [n["after_hours"] for n in d.get("notifications", []) if n.get("after_hours") is not None]
    if expect.notifications is not None:
        out.append(("notifications", len(hours) == expect.notifications, f"{len(hours)} sent"))
    seen = ", ".join(f"{h:.2f} h" for h in hours) or "none"
    if expect.notified_within_hours is not None:
        ok = bool(hours) and max(hours) <= expect.notified_within_hours
        out.append(("notified_within_hours", ok, f"{seen}, expected <= {expect.notified_within_hours} h"))
    if expect.notified_after_hours is not None:
        ok = bool(hours) and min(hours) >= expect.notified_after_hours
        out.append(("notified_after_hours", ok, f"{seen}, expected >= {expect.notified_after_hours} h"))
    return out


def _checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return _value_checks(expect, d) + _content_checks(expect, d)


def check(expectations: dict[str, Expect], domains: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every expectation, per domain, as {domain, check, ok, detail}."""
    results = []
    for key, expect in expectations.items():
        targets = domains if key == "*" else [d for d in domains if d["domain"] == key]
        if not targets:
            results.append({"domain": key, "check": "submitted", "ok": False, "detail": "no such domain ran"})
        for d in targets:
            for name, ok, detail in _checks(expect, d):
                results.append({"domain": d["domain"], "check": name, "ok": ok, "detail": detail})
    return results


def run_file(path: Path) -> dict[str, Any]:
    return Runner(Scenario.load(path), path.parent).run()
