"""Typed data of every step: each step's output, and the workflow state they build up (the request: request.py).

The state machine passes the whole state to every Lambda (``Payload.$: $``) and stores each result under
one key; each handler parses only the keys it needs (``extra="ignore"`` on step inputs).
"""

# No ``from __future__ import annotations``: pydantic would compile each field's annotation from its string as
# each model is created (about 2 ms of every cold start for models.py and request.py, `make bench`).
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailauth.request import OnboardRequest, Strict

RecordType = Literal["CNAME", "TXT", "MX"]
Purpose = Literal["dkim", "dmarc", "mail_from_mx", "mail_from_spf"]
SesStatus = Literal["PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE", "NOT_STARTED"]
Outcome = Literal["pending", "verified", "timeout", "failed", "restart_dkim"]

#: Easy DKIM's CNAME target zone in most regions (some have their own; SES says which: SigningHostedZone)
DEFAULT_SIGNING_ZONE = "dkim.amazonses.com"


class _Step(BaseModel):
    """A step's input: the whole workflow state, of which the step reads a few keys. ``defer_build`` as on
    :class:`~mailauth.request.Strict`."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


# ------------------------------------------------------------------------------------------ step data
class ErrorInfo(BaseModel):
    """What a Catch stores at ``$.error``."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)
    error: str = Field(alias="Error")
    cause: str = Field(default="", alias="Cause")

    @property
    def message(self) -> str:
        """The errorMessage inside Lambda's Cause JSON, or the raw cause."""
        import json

        try:
            parsed = json.loads(self.cause)
        except ValueError:
            return self.cause
        if isinstance(parsed, dict):
            return str(parsed.get("errorMessage") or self.cause)
        return self.cause


class ZoneInfo(Strict):
    """Resolve's output: where the domain's records go, and whether the internet can see them."""

    domain: str
    dns: Literal["route53", "external"] = "route53"
    hosted_zone_id: str = ""  # empty when DNS is external
    role_arn: str | None = None  # assumed for Route 53 when the zone is in another account
    zone_name: str
    name_servers: tuple[str, ...] = ()
    delegation: Literal["ok", "undelegated", "unknown"] = "unknown"
    public_name_servers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    requested_at: datetime


class AccountStatus(Strict):
    """The SES account's sending status in one region (SES v2 GetAccount), or why it could not be read."""

    region: str
    #: False: the account is in the SES sandbox and sends only to verified identities
    production_access: bool | None = None
    sending_enabled: bool | None = None
    #: HEALTHY, PROBATION or SHUTDOWN (GetAccountResponse.EnforcementStatus)
    enforcement_status: str | None = None
    #: the latest production-access request: PENDING, GRANTED, DENIED or FAILED (Details.ReviewDetails)
    review_status: str | None = None
    review_case_id: str | None = None
    #: -1: unlimited (SendQuota.Max24HourSend)
    max_24_hour_send: float | None = None
    max_send_rate: float | None = None
    #: the error code when GetAccount failed (the status is then unknown)
    error: str | None = None


class IdentityInfo(Strict):
    """EnsureIdentity's output: the SES identity as SES reports it after our changes."""

    domain: str
    identity_arn: str
    region: str
    adopted: bool
    dkim_tokens: tuple[str, ...]
    signing_hosted_zone: str
    dkim_status: str = "PENDING"
    mail_from_domain: str
    mail_from_status: str = "PENDING"
    dkim_restarts: int = 0
    #: what mailauth changed on an identity it adopted or restarted (Easy DKIM turned on, re-created ...)
    notes: tuple[str, ...] = ()
    #: the account's sending status when the identity was set up (the report reads it again at the end)
    account: AccountStatus | None = None

    @property
    def dkim_target_zone(self) -> str:
        return self.signing_hosted_zone or DEFAULT_SIGNING_ZONE


class RecordSet(Strict):
    """One Route 53 record set, values in Route 53's presentation format (TXT values quoted)."""

    name: str
    type: str = Field(description="CNAME, TXT or MX for what mailauth writes; any type for what it reads")
    ttl: int = 300
    values: tuple[str, ...]
    #: read from a zone only: the routing of a set that has a SetIdentifier ("weighted (SetIdentifier a)"), or
    #: "alias" for an alias record (its value is ``ALIAS <target>``); mailauth writes simple sets only
    routing: str | None = None


class RecordChange(Strict):
    action: Literal["CREATE", "UPSERT", "DELETE"]
    record: RecordSet
    purpose: Purpose
    reason: str


class KeptRecord(Strict):
    record: RecordSet
    purpose: Purpose
    reason: str
    #: False: kept as it is although it is not what was requested (an existing DMARC policy, a delegated or
    #: inherited one): a report never lists it as "already right"
    as_requested: bool = True
    #: True: a record at another domain's name that applies to this one (an inherited DMARC policy)
    elsewhere: bool = False


class Conflict(Strict):
    name: str
    type: str
    purpose: Purpose
    existing: tuple[str, ...]
    wanted: tuple[str, ...]
    explanation: str
    fix: str


class Plan(Strict):
    changes: tuple[RecordChange, ...] = ()
    kept: tuple[KeptRecord, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    notes: tuple[str, ...] = ()


class PublishResult(Strict):
    """PublishRecords' output: what was changed, what was kept, and the Route 53 change to wait for."""

    hosted_zone_id: str
    role_arn: str | None = None
    change_id: str | None = None
    changes: tuple[RecordChange, ...] = ()
    kept: tuple[KeptRecord, ...] = ()
    notes: tuple[str, ...] = ()
    dkim_tokens: tuple[str, ...] = ()
    #: what to tell a person now, before the wait (mailauth.early); empty after a DKIM restart (told already)
    early_warnings: tuple[str, ...] = ()


class ChangeStatus(Strict):
    change_id: str | None
    status: Literal["INSYNC", "PENDING", "NONE"]


class DnsCheck(Strict):
    """What public DNS serves at one name, against what mailauth expects there."""

    name: str
    type: RecordType
    purpose: Purpose
    expected: tuple[str, ...]
    found: tuple[str, ...] = ()
    ok: bool = False
    error: str | None = None


class VerificationState(Strict):
    """CheckVerification's output: SES's and DNS's view, and what the workflow does next."""

    outcome: Outcome
    next_wait_seconds: int = 0
    attempt: int = 0
    started_at: datetime
    deadline: datetime
    checked_at: datetime
    dkim_status: str = "PENDING"
    mail_from_status: str = "PENDING"
    verified_for_sending: bool = False
    verification_error: str | None = None
    #: the identity's VerificationStatus (what the fleet sweep compares: mailauth.sweep)
    identity_status: str = "PENDING"
    #: False: this check asked SES nothing (a sweep read the status after the run parked, and it had not changed)
    asked_ses: bool = True
    dkim_restarts: int = 0
    mail_from_restarts: int = 0
    #: the check the back-off counts its waits from: the first, or the one that first saw DKIM SUCCESS (MAIL FROM
    #: usually follows within minutes, and the sweep cannot tell: its listing has no MAIL FROM status)
    backoff_from: int = 0
    dns: tuple[DnsCheck, ...] = ()
    diagnosis: tuple[str, ...] = ()


class Recommendation(Strict):
    type: str
    impact: str
    status: str
    description: str


class AuditFinding(Strict):
    check: str
    status: Literal["ok", "warn", "fail"]
    detail: str
    fix: str | None = None


class Report(Strict):
    recommendations: tuple[Recommendation, ...] = ()
    recommendations_note: str | None = None
    audit: tuple[AuditFinding, ...] = ()
    #: the account's sending status when the report was built
    account: AccountStatus | None = None


class LeftRecord(Strict):
    """A record set offboarding did not touch, and why."""

    name: str
    type: str
    reason: str


class IdentityRemoval(Strict):
    deleted: bool
    reason: str


class OutcomeEvent(Strict):
    """The EventBridge event the workflow puts after an outcome's notification (docs/events.md)."""

    detail_type: str
    detail: dict[str, Any]


class NotificationResult(Strict):
    outcome: Literal["success", "timeout", "failure", "action_required", "warning"]
    subject: str
    message_id: str | None = None
    #: outcomes only (not the messages sent before the wait): what PutOutcomeEvent puts on the event bus
    event: OutcomeEvent | None = None


# --------------------------------------------------------------------------------------- step inputs
class ResolveInput(_Step):
    request: dict[str, Any]


class EnsureIdentityInput(_Step):
    request: OnboardRequest
    zone: ZoneInfo
    restart_dkim: bool = False
    identity: IdentityInfo | None = None


class PublishInput(_Step):
    request: OnboardRequest
    zone: ZoneInfo
    identity: IdentityInfo
    publish: PublishResult | None = None  # an earlier publish (DKIM restart): its DKIM records are ours


class AwaitChangeInput(_Step):
    publish: PublishResult


class Wake(BaseModel):
    """Why a parked run woke (``$.wake``): the sweep saw its identity's status change (``status``), or its wait ran
    out (the Catch of ``States.Timeout``: ``Error``, ``Cause``)."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    status: str | None = None
    swept_at: datetime | None = None
    #: a bulk run woken with others goes on at its turn (the WakeInTurn state waits until then)
    not_before: datetime | None = None
    Error: str | None = None

    @property
    def timed_out(self) -> bool:
        return self.Error == "States.Timeout"


class CheckInput(_Step):
    request: OnboardRequest
    zone: ZoneInfo
    identity: IdentityInfo
    publish: PublishResult | None = (
        None  # what mailauth put in the zone: "in the zone, not served" vs "missing"
    )
    verification: VerificationState | None = None
    wake: Wake | None = None


class ParkInput(BaseModel):
    """The Park task's payload: the token to keep, whose it is, what SES said last, and how long it waits."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    token: str = Field(min_length=1, max_length=2048)  # states model: TaskToken, 1 to 2048 characters
    domain: str
    execution: str
    status: str
    wait_seconds: int = Field(ge=1)
    #: the run's priority: the sweep staggers the bulk runs it wakes (absent in payloads of earlier versions)
    priority: Literal["interactive", "bulk"] = "interactive"


class RecommendationsInput(_Step):
    request: OnboardRequest
    zone: ZoneInfo
    identity: IdentityInfo
    verification: VerificationState | None = None


class NotifyInput(_Step):
    request: dict[str, Any]
    zone: ZoneInfo | None = None
    identity: IdentityInfo | None = None
    publish: PublishResult | None = None
    verification: VerificationState | None = None
    report: Report | None = None
    report_error: ErrorInfo | None = None  # the report step failed; the notification still goes out
    error: ErrorInfo | None = None
    execution: str | None = None
    operation: Literal["onboard", "offboard"] = "onboard"
    left: tuple[LeftRecord, ...] = ()  # offboarding: records left in place
    announce: bool = False  # external DNS: the records to create, sent before the wait
    warn_early: bool = False  # the "started, with warnings" notification, sent before the wait
    identity_removal: IdentityRemoval | None = None  # offboarding: what happened to the SES identity
