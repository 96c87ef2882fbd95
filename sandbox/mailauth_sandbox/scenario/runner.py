"""The scenario runner: builds a scenario's world in a :class:`LocalAws`, delivers its submissions, runs its phases."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..clock import SimClock
from ..engine import LocalAws
from ..limits import ApiLimits
from ..ses import SesAccount, SesBehaviour
from .checks import check, check_watch, check_zones
from .provider import PROVIDER_ACCOUNT, act_on_announcements
from .report import Reporter
from .spec import FaultSpec, Scenario, SubmitSpec, ZoneEdit, ZoneSpec, records_from_cli_json

ROOT = Path(__file__).resolve().parents[3]
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


class Runner:
    """One scenario run: its world built, its phases submitted and awaited, the report and its checks."""

    def __init__(self, scenario: Scenario, base_dir: Path) -> None:
        self.scenario = scenario
        self.base_dir = base_dir
        self.reporter = Reporter()

    def behaviour(self) -> SesBehaviour:
        ses = self.scenario.ses
        verify: Any = ("after", ses.verify_after_hours) if ses.verify_after_hours is not None else ses.verify
        return SesBehaviour(
            verify=verify,
            dkim_fail_once=ses.dkim_fail_once,
            vdm_enabled=ses.vdm_enabled,
            account=SesAccount(**ses.account.model_dump()),
        )

    def create_zone(self, local: LocalAws, spec: ZoneSpec) -> str:
        if spec.hosted == "elsewhere":
            spec = spec.model_copy(update={"account": PROVIDER_ACCOUNT})
        zone_id = local.create_hosted_zone(spec.name, private=spec.private, account_id=spec.account)
        records = list(spec.records)
        if spec.records_file:
            records += records_from_cli_json(self.base_dir / spec.records_file)
        for record in records:
            local.add_record_set(zone_id, record.resource_record_set(), account_id=spec.account)
        self.reporter.note_zone(local, zone_id, spec)
        return zone_id

    def edit(self, local: LocalAws, spec: ZoneEdit) -> None:
        """A person's change to a zone (ZoneEdit), made with the zone account's own Route 53 client."""
        import fnmatch

        names = {name: zone_id for zone_id, name in self.reporter.zone_names.items()}
        if spec.zone not in names:
            raise ValueError(f"edits: no zone {spec.zone!r} in this scenario")
        zone_id = names[spec.zone]
        account = self.reporter.accounts.get(zone_id)
        sets = local.zone_sets(zone_id, account)
        matching = sorted(
            n for n, t in sets if t == spec.type and fnmatch.fnmatchcase(n, spec.name.rstrip("."))
        )
        if spec.action == "delete" and not matching:
            raise ValueError(
                f"edits: no {spec.type} record set matching {spec.name!r} in {spec.zone} to delete"
            )
        name = matching[0] if matching else spec.name.rstrip(".")
        ttl, values = sets.get((name, spec.type), (spec.ttl, ()))
        record = {
            "Name": name,
            "Type": spec.type,
            "TTL": ttl if spec.action == "delete" else spec.ttl,
            "ResourceRecords": [{"Value": v} for v in (values if spec.action == "delete" else spec.values)],
        }
        local.client("route53", account).change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Changes": [{"Action": spec.action.upper(), "ResourceRecordSet": record}]},
        )

    @staticmethod
    def watch(local: LocalAws, label: str) -> dict[str, Any]:
        """Run the Watch function once, as its schedule would; what it did and what it told, per domain."""
        told_before = len(local.notifications())
        invocation = local.run_function("WatchFunction", {})
        told = [
            {
                "domain": n["chatbot"]["metadata"]["threadId"],
                "subject": n["subject"],
                "email": n["email"],
            }
            for n in local.notifications()[told_before:]
            if n["chatbot"]["metadata"].get("eventType") == "mailauth.drift"
        ]
        return {
            "phase": label,
            "result": invocation.result,
            "error": invocation.error_message,
            "api_calls": dict(invocation.calls),
            "told": told,
        }

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
    def world(self, *, clock: SimClock | None = None, dns_port: int = 0) -> Iterator[LocalAws]:
        """The scenario's world, before anything is submitted: zones, SES and DNS knobs, faults.

        While it is open, plain boto3 clients talk to it, so read-only tools (``mailauth plan --scenario``) run
        against it unchanged (with its DNS server, ``local.dns_address``, as their public DNS), and
        ``mailauth-sandbox serve`` serves its API (``clock``, ``dns_port``: the server's).
        """
        dns = self.scenario.dns
        with LocalAws(
            region=self.scenario.region,
            clock=clock,
            dns_port=dns_port,
            ses=self.behaviour(),
            propagation_delay=dns.propagation_delay_hours * 3600,
            undelegated_zones=dns.undelegated,
            parameters=self.scenario.parameters,
            env={**QUIET},
            limits=ApiLimits(**self.scenario.limits.model_dump()) if self.scenario.limits else None,
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
        watched: list[dict[str, Any]] = []
        phases = self.scenario.steps()
        with self.world() as local:
            for number, phase in enumerate(phases, start=1):
                if phase.faults is not None:
                    local.faults.clear()
                    for fault in phase.faults:
                        self.add_fault(local, fault)
                for edit in phase.edits:
                    self.edit(local, edit)
                submitted = self.submit_all(local, phase.submit, number if self.scenario.phases else 0)
                described = [self.reporter.describe(local, item) for item in submitted]
                domains += described
                local.clock.advance(phase.advance_hours * 3600)
                label = phase.name or str(number)
                if phase.watch:
                    watched.append(self.watch(local, label))
                    for result in check_watch(phase.expect_watch, watched[-1]):
                        expectations.append({**result, "phase": label})
                if self.scenario.phases:  # the zones as the phase leaves them (its watch included)
                    zones = self.reporter.zones(local)
                    for result in check(phase.expect, described) + check_zones(phase.expect_zones, zones):
                        expectations.append({**result, "phase": label})
            zones = self.reporter.zones(local)
            result = {
                "scenario": self.scenario.name,
                "simulated_seconds": local.clock.elapsed().total_seconds(),
                "wall_seconds": round(time.monotonic() - wall, 3),
                "domains": domains,
                "zones": zones,
            }
            if watched:
                result["watch"] = watched
        expectations += check(self.scenario.expect, domains) + check_zones(self.scenario.expect_zones, zones)
        result["expectations"] = expectations
        return result

    def submit_all(self, local: LocalAws, specs: list[SubmitSpec], phase: int) -> list[dict[str, Any]]:
        """A phase's submissions, each awaited. Requests submitted together start together: the clock stands
        still until the last is in; an offboarding follows what came before it."""
        submitted: list[dict[str, Any]] = []
        together = contextlib.ExitStack()
        for spec in specs:
            if spec.via == "offboard":
                together.close()
                self.wait_all(local, submitted)
            if not submitted or spec.via == "offboard":
                together.enter_context(local.clock.held())
            submitted.append(self.submit(local, spec, phase))
        together.close()
        self.wait_all(local, submitted)
        return submitted

    @staticmethod
    def wait_all(local: LocalAws, submitted: list[dict[str, Any]]) -> None:
        for item in submitted:
            if item.get("execution_arn"):
                local.wait(item["execution_arn"], timeout=300)
