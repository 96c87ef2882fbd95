"""The scenario file format: the YAML a scenario is written in, as pydantic models (docs/scenarios.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from ..names import norm


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AliasSpec(_Spec):
    """A Route 53 alias target (AliasTarget): an alias record has no values and no TTL of its own."""

    dns_name: str
    hosted_zone_id: str
    evaluate_target_health: bool = False


class RecordSpec(_Spec):
    """One record set as Route 53 holds it: simple, routed (a SetIdentifier with its routing) or an alias."""

    name: str
    type: str
    ttl: int = 300
    values: list[str] = []
    #: routed sets: SetIdentifier and exactly one routing (Route 53 API, ResourceRecordSet)
    set_identifier: str | None = None
    weight: int | None = None
    region: str | None = None  # latency
    failover: Literal["PRIMARY", "SECONDARY"] | None = None
    multi_value_answer: bool | None = None
    geo_location: dict[str, str] | None = None  # {"CountryCode": "DE"}, {"ContinentCode": "EU"}, ...
    alias: AliasSpec | None = None

    @model_validator(mode="after")
    def _values_or_alias(self) -> RecordSpec:
        if bool(self.values) == (self.alias is not None):
            raise ValueError(
                f"{self.type} {self.name}: give either values or an alias, not both and not neither"
            )
        return self

    def resource_record_set(self) -> dict[str, Any]:
        """The ResourceRecordSet a ChangeResourceRecordSets CREATE carries (the sandbox checks it against the
        route53 service model, as AWS does)."""
        rrset: dict[str, Any] = {"Name": self.name, "Type": self.type}
        if self.alias is not None:
            rrset["AliasTarget"] = {
                "DNSName": self.alias.dns_name,
                "HostedZoneId": self.alias.hosted_zone_id,
                "EvaluateTargetHealth": self.alias.evaluate_target_health,
            }
        else:
            rrset["TTL"] = self.ttl
            rrset["ResourceRecords"] = [{"Value": v} for v in self.values]
        routing = {
            "SetIdentifier": self.set_identifier,
            "Weight": self.weight,
            "Region": self.region,
            "Failover": self.failover,
            "MultiValueAnswer": self.multi_value_answer,
            "GeoLocation": self.geo_location,
        }
        rrset.update({k: v for k, v in routing.items() if v is not None})
        return rrset


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


class AccountSpec(_Spec):
    """The SES account's sending status, as GetAccount reports it (default: production access, sending on)."""

    production_access: bool = True
    sending_enabled: bool = True
    enforcement_status: Literal["HEALTHY", "PROBATION", "SHUTDOWN"] = "HEALTHY"
    review_status: Literal["PENDING", "GRANTED", "DENIED", "FAILED"] | None = None
    review_case_id: str | None = None


class SesSpec(_Spec):
    verify: Literal["dns", "never"] = "dns"
    verify_after_hours: float | None = None
    dkim_fail_once: bool = False
    vdm_enabled: bool = False
    account: AccountSpec = AccountSpec()
    identities: list[IdentitySpec] = []


class LimitsSpec(_Spec):
    """Account-level API rate limits (``mailauth_sandbox.limits``); a missing rate: unlimited."""

    ses_per_second: float | None = 1.0
    ses_burst: float = 1.0
    route53_per_second: float | None = 10.0
    route53_burst: float = 50.0
    #: simulated seconds each AWS call takes (assumption A22)
    call_latency: float = 0.05


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
    #: words no notification about this domain may contain (a warning that must not be given)
    notification_excludes: list[str] = []
    #: a notification sent before the wait (outcome "warning" or "action_required", within an hour of the
    #: submission) contains each of these; [] asserts that there was none
    warned_early: list[str] | None = None
    #: executions started for this domain in the whole scenario, either workflow (0: none at all)
    executions: int | None = None
    #: AWS operations this run must not have called ("service:Operation"; "sesv2:*" for any of a service)
    no_calls: list[str] = []
    #: the most attempts this run may have made of matching operations ("sesv2:*": every SES call; a throttled
    #: call's retries count, so a number that leaves none asserts that nothing was throttled)
    max_calls: dict[str, int] = {}
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


class ZoneEdit(_Spec):
    """A person editing a zone (not a handler's call): ``delete`` the record set at ``name`` and ``type`` as it is
    (``name`` may be an ``fnmatch`` pattern, ``*._domainkey.example.com``: the first matching set, by name), or
    ``upsert`` it with ``values``."""

    zone: str
    action: Literal["delete", "upsert"]
    name: str
    type: str
    values: list[str] = []
    ttl: int = 300

    @model_validator(mode="after")
    def _values(self) -> ZoneEdit:
        if (self.action == "upsert") != bool(self.values):
            raise ValueError("an upsert needs values, and a delete takes none")
        return self


class WatchExpect(_Spec):
    """What the phase's watch (``watch: true``) told about a domain: drift notifications (``mailauth.drift``)."""

    told: int | None = None
    told_contains: list[str] = []
    told_excludes: list[str] = []


class PhaseSpec(_Spec):
    """One step of a scenario: set the faults, edit the zones, submit, wait for every execution to end, let time
    pass, run the watch."""

    name: str = ""
    #: the faults in force from now on (replacing those still pending); absent: the pending ones stay
    faults: list[FaultSpec] | None = None
    #: a person's changes to the zones, made as the phase begins
    edits: list[ZoneEdit] = []
    submit: list[SubmitSpec] = []
    #: simulated hours that pass once the phase's executions have ended
    advance_hours: float = 0
    #: then the Watch function runs once, as its hourly schedule would (a round begins when the last one began
    #: WatchEveryHours ago or none did)
    watch: bool = False
    #: checked at the end of this phase, on this phase's submissions and every zone
    expect: dict[str, Expect] = {}
    expect_zones: dict[str, ZoneExpect] = {}
    #: per domain, what this phase's watch told
    expect_watch: dict[str, WatchExpect] = {}

    @model_validator(mode="after")
    def _watch(self) -> PhaseSpec:
        if self.expect_watch and not self.watch:
            raise ValueError("expect_watch needs watch: true")
        return self


class Scenario(_Spec):
    name: str
    description: str = ""
    region: str = "us-east-1"
    parameters: dict[str, str] = {}
    zones: list[ZoneSpec] = []
    ses: SesSpec = SesSpec()
    dns: DnsSpec = DnsSpec()
    #: AWS's account-level API rate limits (SES 1/s, Route 53 10/s), on the simulated clock; absent: none
    limits: LimitsSpec | None = None
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


def records_from_cli_json(path: Path) -> list[RecordSpec]:
    """`aws route53 list-resource-record-sets` output, routed and alias sets included; the apex NS and SOA are the
    sandbox's own."""
    data = json.loads(path.read_text())
    zone = min(
        (norm(i["Name"]) for i in data.get("ResourceRecordSets", []) if i.get("Type") == "SOA"), default=None
    )
    out = []
    for item in data.get("ResourceRecordSets", []):
        if item["Type"] in ("NS", "SOA") and (zone is None or norm(item["Name"]) == zone):
            continue
        alias = item.get("AliasTarget")
        out.append(
            RecordSpec(
                name=item["Name"],
                type=item["Type"],
                ttl=int(item.get("TTL", 300)),
                values=[r["Value"] for r in item.get("ResourceRecords") or []],
                set_identifier=item.get("SetIdentifier"),
                weight=item.get("Weight"),
                region=item.get("Region"),
                failover=item.get("Failover"),
                multi_value_answer=item.get("MultiValueAnswer"),
                geo_location=item.get("GeoLocation"),
                alias=None
                if alias is None
                else AliasSpec(
                    dns_name=alias["DNSName"],
                    hosted_zone_id=alias["HostedZoneId"],
                    evaluate_target_health=bool(alias.get("EvaluateTargetHealth")),
                ),
            )
        )
    return out
