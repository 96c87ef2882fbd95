"""``GET /domains/{domain}``: what SES says of the identity, how the latest run goes (its progress, from the
execution's history), and ``GET /domains/{domain}/report``: the last run's full report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from mailauth.aws.ses import Ses
from mailauth.aws.stepfunctions import StepFunctions
from mailauth.submission import Submitter


def domain_status(domain: str, submitter: Submitter, *, ses: Ses | None = None) -> dict[str, Any]:
    identity = (ses or Ses()).get_identity(domain)
    latest = submitter.latest(domain)
    execution = submitter.executions.describe(str(latest["execution_arn"])) if latest else None
    return {
        "domain": domain,
        "identity": None
        if identity is None
        else {
            "verifiedForSending": bool(identity.get("VerifiedForSendingStatus")),
            "dkimStatus": (identity.get("DkimAttributes") or {}).get("Status"),
            "mailFromDomain": (identity.get("MailFromAttributes") or {}).get("MailFromDomain"),
            "mailFromStatus": (identity.get("MailFromAttributes") or {}).get("MailFromDomainStatus"),
        },
        "execution": None
        if execution is None
        else {
            "executionArn": execution.arn,
            "status": execution.status,
            "startDate": str(execution.start_date),
            "stopDate": execution.stop_date,
        },
        "progress": None if execution is None else progress(submitter.executions, execution.arn),
    }


def _state(details: dict[str, Any], key: str) -> dict[str, Any]:
    try:
        parsed = json.loads(details.get(key) or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def progress(executions: StepFunctions, arn: str) -> dict[str, Any]:
    """Where the run is: the state it last entered and its last verification check (from the newest page of
    the execution's history, one call)."""
    events = executions.recent_events(arn)
    entered = next((e for e in events if e.get("type", "").endswith("StateEntered")), None)
    check: dict[str, Any] = {}
    for event in events:
        details = event.get("stateExitedEventDetails") or {}
        if details.get("name") == "CheckVerification":
            check = _state(details, "output").get("verification") or {}
            break
    next_at = None
    if check.get("outcome") == "pending" and check.get("checked_at"):
        checked = datetime.fromisoformat(str(check["checked_at"]))
        next_at = (checked + timedelta(seconds=int(check.get("next_wait_seconds") or 0))).isoformat()
    return {
        "state": (entered or {}).get("stateEnteredEventDetails", {}).get("name"),
        "checks": int(check.get("attempt") or 0),
        "dkimStatus": check.get("dkim_status"),
        "mailFromStatus": check.get("mail_from_status"),
        "nextCheckAt": next_at,
        "deadline": check.get("deadline"),
        "diagnosis": list(check.get("diagnosis") or []),
    }


def last_report(domain: str, submitter: Submitter, *, region: str) -> dict[str, Any] | None:
    """The report the last run's Notify sent (composed again from the state Notify was given, as it was), or
    None when the run has not reached Notify yet."""
    from mailauth.notify.compose import compose
    from mailauth.notify.state import parse_state

    latest = submitter.latest(domain)
    if not latest:
        return None
    arn = str(latest["execution_arn"])
    if submitter.executions.describe(arn) is None:
        return None
    for event in submitter.executions.recent_events(arn):
        details = event.get("stateEnteredEventDetails") or {}
        if details.get("name") == "Notify":
            state, _ = parse_state(_state(details, "input"))
            message = compose(state, execution_arn=arn, region=region)
            return {
                "domain": domain,
                "executionArn": arn,
                "outcome": message.outcome,
                "subject": message.subject,
                "text": message.email_text,
            }
    return None
