"""The fleet: each run's outcome as one summary, kept on the domain's item of the domains table (for ``GET /domains``)
and put on EventBridge (for platforms that react without polling), and the paginated list of every domain.

The summary is written by Notify when it reports an outcome, on the condition that the item still names that run's
execution: a newer run of the domain owns the item, and an older run's late write changes nothing. Items are flat
(str, int, bool), so the warnings are stored as one JSON string.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mailauth import clock
from mailauth.aws.dynamodb import ConditionFailedError, Item, Table
from mailauth.aws.stepfunctions import StepFunctions
from mailauth.errors import InvalidRequestError
from mailauth.models import NotifyInput

Status = Literal["STARTING", "RUNNING", "VERIFIED", "TIMED_OUT", "FAILED", "OFFBOARDED"]
STATUSES: tuple[str, ...] = ("STARTING", "RUNNING", "VERIFIED", "TIMED_OUT", "FAILED", "OFFBOARDED")
MAX_WARNINGS = 20
MAX_WARNING = 300
MAX_LIMIT = 100
#: the domains table's index of each batch's domains (template.yaml, DomainsTable)
BATCH_INDEX = "BatchIndex"

#: EventBridge detail-type of each outcome (docs/events.md)
DETAIL_TYPES = {
    ("onboard", "success"): "DomainVerified",
    ("onboard", "timeout"): "DomainVerificationTimedOut",
    ("onboard", "failure"): "DomainOnboardingFailed",
    ("offboard", "success"): "DomainOffboarded",
    ("offboard", "failure"): "DomainOffboardingFailed",
}


class Outcome(BaseModel):
    """How one run ended, in the API's words (camelCase): the domains table's summary and the event's detail."""

    model_config = ConfigDict(frozen=True)

    domain: str
    operation: Literal["onboard", "offboard"]
    outcome: Literal["success", "timeout", "failure"]
    status: Status
    executionArn: str
    finishedAt: str
    verifiedAt: str | None = None
    dkimStatus: str | None = None
    mailFromStatus: str | None = None
    verifiedForSending: bool | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    subject: str
    region: str
    identityArn: str | None = None
    hostedZoneId: str | None = None

    @property
    def detail_type(self) -> str:
        return DETAIL_TYPES.get((self.operation, self.outcome), DETAIL_TYPES[(self.operation, "failure")])


def outcome_of(
    state: NotifyInput, outcome: str, *, domain: str, subject: str, execution_arn: str, region: str
) -> Outcome:
    """The summary of an outcome Notify reports (success, timeout or failure of an onboarding or offboarding)."""
    verification = state.verification
    offboard = state.operation == "offboard"
    status: Status
    if outcome == "success":
        status = "OFFBOARDED" if offboard else "VERIFIED"
    elif outcome == "timeout":
        status = "TIMED_OUT"
    else:
        status = "FAILED"
    now = clock.now().isoformat()
    return Outcome(
        domain=domain,
        operation=state.operation,
        outcome="success" if outcome == "success" else "timeout" if outcome == "timeout" else "failure",
        status=status,
        executionArn=execution_arn,
        finishedAt=now,
        verifiedAt=verification.checked_at.isoformat() if status == "VERIFIED" and verification else None,
        dkimStatus=verification.dkim_status if verification else None,
        mailFromStatus=verification.mail_from_status if verification else None,
        verifiedForSending=verification.verified_for_sending if verification else None,
        warnings=_warnings(state),
        error=state.error.error.rsplit(".", 1)[-1] if state.error else None,
        subject=subject,
        region=region,
        identityArn=state.identity.identity_arn if state.identity else None,
        hostedZoneId=(state.zone.hosted_zone_id or None) if state.zone else None,
    )


def _warnings(state: NotifyInput) -> tuple[str, ...]:
    """What the last report warned about: the early warnings and every audit finding that is not ok."""
    found: list[str] = list(state.publish.early_warnings) if state.publish else []
    if state.report is not None:
        found += [f"{f.check}: {f.detail}" for f in state.report.audit if f.status != "ok"]
    unique = list(dict.fromkeys(found))
    return tuple(w if len(w) <= MAX_WARNING else w[: MAX_WARNING - 3] + "..." for w in unique[:MAX_WARNINGS])


def record(table: Table, outcome: Outcome, *, watch: str | None = None) -> bool:
    """Keep the summary on the domain's item (and, for a run that verified it, what the watch compares the domain
    with: ``watch``, mailauth.drift.watch_field); False when the item names another execution (a newer run)."""
    fields: dict[str, str | bool] = {
        "outcome": outcome.model_dump_json(),
        "outcome_execution_arn": outcome.executionArn,
    }
    if watch is not None:
        fields["watch"] = watch
    try:
        table.update({"domain": outcome.domain}, fields, expect=("execution_arn", outcome.executionArn))
    except ConditionFailedError:
        return False
    return True


# ------------------------------------------------------------------------------------------------- the list
def list_domains(
    table: Table,
    executions: StepFunctions,
    *,
    limit: int = 50,
    token: str | None = None,
    status: str | None = None,
    batch: str | None = None,
) -> dict[str, Any]:
    """``GET /domains``: at most ``limit`` domains (those with ``status``, those ``batch`` started, when given) and
    the next page's token. A batch's domains are read from its index, not by scanning the whole table."""
    from mailauth.batch import BATCH_NAME

    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequestError(f"limit: must be between 1 and {MAX_LIMIT}, not {limit}")
    if status is not None and status not in STATUSES:
        raise InvalidRequestError(f"status: must be one of {', '.join(STATUSES)}, not {status[:40]!r}")
    if batch is not None and not re.fullmatch(BATCH_NAME, batch):
        raise InvalidRequestError(
            f"batch: {batch[:70]!r} is not a batch name (letters, digits, . _ -; up to 64)"
        )
    start = _decode_token(token, batch) if token else None
    found: list[dict[str, Any]] = []
    while True:
        if batch is None:
            items, start = table.scan(limit=limit - len(found), start=start)
        else:
            items, start = table.query(BATCH_INDEX, {"batch": batch}, limit=limit - len(found), start=start)
        for item in items:
            row = domain_row(item, executions)
            if status is None or row["status"] == status:
                found.append(row)
        if start is None or len(found) >= limit:
            break
    return {"domains": found, "nextToken": _encode_token(start) if start else None}


def domain_row(item: Item, executions: StepFunctions) -> dict[str, Any]:
    """One domain as the list shows it: the recorded outcome of its latest run, or that run's live status."""
    arn = str(item.get("execution_arn", ""))
    claimed = item.get("claimed_at")
    base: dict[str, Any] = {
        "domain": item["domain"],
        "batch": item.get("batch"),
        "operation": str(item.get("kind", "onboard")),
        "executionArn": arn,
        "startedAt": datetime.fromtimestamp(claimed, UTC).isoformat() if isinstance(claimed, int) else None,
        "finishedAt": None,
        "verifiedAt": None,
        "dkimStatus": None,
        "mailFromStatus": None,
        "verifiedForSending": None,
        "warnings": [],
    }
    if item.get("outcome_execution_arn") == arn and isinstance(item.get("outcome"), str):
        recorded = Outcome.model_validate_json(str(item["outcome"]))
        return {
            **base,
            **{k: recorded.model_dump()[k] for k in ("status", "finishedAt", "verifiedAt", "dkimStatus")},
            "mailFromStatus": recorded.mailFromStatus,
            "verifiedForSending": recorded.verifiedForSending,
            "warnings": list(recorded.warnings),
        }
    execution = executions.describe(arn) if arn else None
    if execution is None:
        return {**base, "status": "STARTING"}
    if execution.status == "RUNNING":
        return {**base, "status": "RUNNING"}
    # ended without a recorded outcome (its notification failed: the alerts topic said so)
    return {**base, "status": "FAILED", "finishedAt": execution.stop_date}


def _encode_token(key: Item) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def _decode_token(token: str, batch: str | None = None) -> Item:
    """The key a page starts at: the table's (``domain``), or with ``batch`` its index's (``batch`` and ``domain``,
    of that very batch)."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    names = {"domain"} if batch is None else {"domain", "batch"}
    valid = isinstance(key, dict) and set(key) == names and all(isinstance(v, str) for v in key.values())
    if not valid or (batch is not None and key["batch"] != batch):
        raise InvalidRequestError("nextToken: not a token this API gave out for this list")
    return {name: key[name] for name in sorted(names)}
