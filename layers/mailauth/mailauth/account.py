"""The SES account's sending status (SES v2 GetAccount) and what it means for mail from the domain.

A domain can be fully verified and still unable to reach anyone: an account in the SES sandbox sends only to
verified identities, and an account whose sending is paused sends nothing. Both are per account and region, so
mailauth reads them when it sets up the identity (an early warning) and again when it reports.

Sources: the sesv2 botocore model (GetAccountResponse: ProductionAccessEnabled, SendingEnabled, EnforcementStatus
HEALTHY/PROBATION/SHUTDOWN, Details.ReviewDetails.Status PENDING/GRANTED/DENIED/FAILED, SendQuota with -1 for
unlimited; PutAccountDetails requires MailType and WebsiteURL; PutAccountSendingAttributes cannot resume sending
that AWS paused) and the SES Developer Guide, "Request production access (Moving out of the Amazon SES sandbox)"
(https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mailauth import clock
from mailauth.aws import refusal_code
from mailauth.aws.ses import Ses
from mailauth.models import AccountStatus, AuditFinding

if TYPE_CHECKING:
    from mailauth.aws.dynamodb import Table

CHECK = "ses.account"
GUIDE = "https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html"


def read_account(ses: Ses) -> AccountStatus:
    """GetAccount as an :class:`AccountStatus`. Throttling propagates (the state machine retries it); any other
    AWS error (AccessDenied, ...) becomes a status that says it could not be read: the account's status informs
    the report, it never decides whether a domain gets onboarded."""
    region = ses.region
    try:
        found = ses.account()
    except Exception as exc:
        return AccountStatus(region=region, error=refusal_code(exc))
    return from_response(found, region)


#: how long one GetAccount answers for every onboarding in the region (seconds): a batch of a thousand domains
#: reads the account's status a few times, not a thousand (each read is one of SES's requests per second)
SHARED_SECONDS = 600


class SharedAccountStatus:
    """The account's status, read once and shared by every onboarding in the region for :data:`SHARED_SECONDS`:
    one item of the pace table (``account#<region>``). A status that could not be read is never shared. A write
    that fails costs nothing but the next onboarding's GetAccount: the status is a warning's input, not a
    decision's, so a step never fails for it."""

    def __init__(self, table: Table, region: str) -> None:
        self.table = table
        self.key = {"bucket": f"account#{region}"}

    def fresh(self) -> AccountStatus | None:
        """The status another onboarding read less than SHARED_SECONDS ago, or None."""
        item = self.table.get(self.key)
        if not item or not isinstance(item.get("read_at"), int) or not isinstance(item.get("status"), str):
            return None
        if clock.now().timestamp() - float(item["read_at"]) >= SHARED_SECONDS:
            return None
        try:
            return AccountStatus.model_validate_json(str(item["status"]))
        except ValueError:  # written by another version: read the account again
            return None

    def keep(self, status: AccountStatus) -> None:
        """Share a status just read (not one that could not be read)."""
        if status.error is not None:
            return
        item: dict[str, str | int | bool] = {
            **self.key,
            "read_at": int(clock.now().timestamp()),
            "status": status.model_dump_json(),
        }
        try:
            self.table.put(item)
        except Exception:  # see the class: the next onboarding reads the account itself
            return


def from_response(found: dict[str, Any], region: str) -> AccountStatus:
    review = (found.get("Details") or {}).get("ReviewDetails") or {}
    quota = found.get("SendQuota") or {}
    return AccountStatus(
        region=region,
        production_access=found.get("ProductionAccessEnabled"),
        sending_enabled=found.get("SendingEnabled"),
        enforcement_status=found.get("EnforcementStatus"),
        review_status=review.get("Status"),
        review_case_id=review.get("CaseId"),
        max_24_hour_send=quota.get("Max24HourSend"),
        max_send_rate=quota.get("MaxSendRate"),
    )


def _quota(status: AccountStatus) -> str:
    if status.max_24_hour_send is None:
        return ""
    day = (
        "no daily limit"
        if status.max_24_hour_send < 0
        else f"{status.max_24_hour_send:g} messages per 24 hours"
    )
    rate = f", {status.max_send_rate:g} per second" if status.max_send_rate is not None else ""
    return f" ({day}{rate})"


def _production_access_fix(status: AccountStatus) -> str:
    case = f" (case {status.review_case_id})" if status.review_case_id else ""
    if status.review_status == "PENDING":
        return f"A request for production access is under review{case}; AWS answers it, nothing else to do."
    ask = (
        "Request production access: SES console, Account dashboard, Request production access; or "
        f"`aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL --website-url "
        f"https://YOUR-SITE --use-case-description '...' --region {status.region}` ({GUIDE})."
    )
    if status.review_status == "DENIED":
        return (
            f"AWS denied the last request for production access{case}; reply in that case or ask again. {ask}"
        )
    return ask


def finding(status: AccountStatus, domain: str) -> AuditFinding:
    """One finding on the account: ok, warn (sandbox, probation, unknown) or fail (sending paused)."""
    region = status.region
    if status.error is not None:
        return AuditFinding(
            check=CHECK,
            status="warn",
            detail=f"the SES account's sending status in {region} could not be read ({status.error})",
            fix=(
                "Allow ses:GetAccount to mailauth's roles (the template grants it), or look at the SES console's "
                "Account dashboard to see whether the account is in the sandbox or paused."
            ),
        )
    if status.sending_enabled is False or status.enforcement_status == "SHUTDOWN":
        by_aws = status.enforcement_status == "SHUTDOWN"
        who = (
            "AWS paused it (enforcement status SHUTDOWN)"
            if by_aws
            else "sending was turned off in the account"
        )
        fix = (
            "Fix the cause named in AWS's notice to the account (SES console, Account dashboard, Reputation "
            "metrics), then ask AWS Support to resume sending; the API cannot resume sending that AWS paused."
            if by_aws
            else f"Resume it: `aws sesv2 put-account-sending-attributes --sending-enabled --region {region}`."
        )
        return AuditFinding(
            check=CHECK,
            status="fail",
            detail=f"sending is paused for the SES account in {region}: {who}; no mail from {domain} leaves SES",
            fix=fix,
        )
    if status.production_access is False:
        return AuditFinding(
            check=CHECK,
            status="warn",
            detail=(
                f"the SES account in {region} is in the SES sandbox{_quota(status)}: mail from {domain} reaches "
                "only verified addresses and domains, and SES refuses every other recipient"
            ),
            fix=_production_access_fix(status),
        )
    if status.enforcement_status == "PROBATION":
        return AuditFinding(
            check=CHECK,
            status="warn",
            detail=(
                f"the SES account in {region} is under review (enforcement status PROBATION): it sends, but AWS "
                "may pause it if its bounce or complaint rate does not improve"
            ),
            fix="See SES console, Account dashboard, Reputation metrics, and fix what it names.",
        )
    return AuditFinding(
        check=CHECK,
        status="ok",
        detail=f"the SES account in {region} has production access and sending is enabled{_quota(status)}",
    )
