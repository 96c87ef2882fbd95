"""``GET /domains/{domain}``: what SES says of the identity and how the latest onboarding went."""

from __future__ import annotations

from typing import Any

from mailauth.aws.ses import Ses
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
    }
