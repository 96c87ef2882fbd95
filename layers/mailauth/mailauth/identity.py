"""Step 2: get or create the SES domain identity (adopt, never delete), Easy DKIM, MAIL FROM, tags."""

from __future__ import annotations

from typing import Any

from mailauth.aws.ses import Ses
from mailauth.errors import IdentityConflictError
from mailauth.models import MANAGED_BY_TAG, IdentityInfo, OnboardRequest


def identity_arn(region: str, account_id: str, domain: str) -> str:
    return f"arn:aws:ses:{region}:{account_id}:identity/{domain}"


def _info(
    request: OnboardRequest,
    *,
    arn: str,
    region: str,
    adopted: bool,
    dkim: dict[str, Any],
    mail_from: dict[str, Any],
    restarts: int = 0,
) -> IdentityInfo:
    return IdentityInfo(
        domain=request.domain,
        identity_arn=arn,
        region=region,
        adopted=adopted,
        dkim_tokens=tuple(dkim.get("Tokens") or dkim.get("DkimTokens") or ()),
        signing_hosted_zone=str(dkim.get("SigningHostedZone") or "dkim.amazonses.com"),
        dkim_status=str(dkim.get("Status") or dkim.get("DkimStatus") or "PENDING"),
        mail_from_domain=request.mail_from_domain,
        mail_from_status=str(mail_from.get("MailFromDomainStatus") or "PENDING"),
        dkim_restarts=restarts,
    )


def check_adoptable(request: OnboardRequest, existing: dict[str, Any]) -> None:
    dkim = existing.get("DkimAttributes") or {}
    if dkim.get("SigningAttributesOrigin") == "EXTERNAL":
        raise IdentityConflictError(
            f"SES identity {request.domain} signs with its own DKIM key (BYODKIM); mailauth manages Easy DKIM "
            "only and will not replace your key. Publish the records for your selector yourself."
        )
    current = (existing.get("MailFromAttributes") or {}).get("MailFromDomain")
    if current and current.lower() != request.mail_from_domain:
        raise IdentityConflictError(
            f"SES identity {request.domain} already uses MAIL FROM {current}; pass "
            f"mail_from_subdomain={current.removesuffix('.' + request.domain)!r} to keep it, or change it in "
            "SES first. mailauth does not move a working MAIL FROM domain."
        )


def ensure_identity(request: OnboardRequest, *, account_id: str, ses: Ses | None = None) -> IdentityInfo:
    """Create the identity, or adopt the one that exists; set MAIL FROM; return what SES reports."""
    ses = ses or Ses()
    region = ses.region
    arn = identity_arn(region, account_id, request.domain)
    tags = {**request.tags, MANAGED_BY_TAG: "mailauth"}
    created = ses.create_identity(
        request.domain,
        key_length=request.dkim_key_length,
        tags=tags,
        configuration_set=request.configuration_set,
    )
    adopted = created is None
    mail_from: dict[str, Any] = {}
    if created is None or not (created.get("DkimAttributes") or {}).get("SigningHostedZone"):
        existing = ses.get_identity(request.domain) or {}
        if adopted:
            check_adoptable(request, existing)
            ses.tag(arn, {MANAGED_BY_TAG: "mailauth (adopted)", **request.tags})
        dkim = existing.get("DkimAttributes") or {}
        mail_from = existing.get("MailFromAttributes") or {}
    else:
        dkim = created["DkimAttributes"]
    if (
        mail_from.get("MailFromDomain", "").lower() != request.mail_from_domain
        or mail_from.get("BehaviorOnMxFailure") != request.behavior_on_mx_failure
    ):
        ses.put_mail_from(request.domain, request.mail_from_domain, request.behavior_on_mx_failure)
        mail_from = {"MailFromDomainStatus": "PENDING"}
    return _info(request, arn=arn, region=region, adopted=adopted, dkim=dkim, mail_from=mail_from)


def restart_dkim(request: OnboardRequest, identity: IdentityInfo, *, ses: Ses | None = None) -> IdentityInfo:
    """After DKIM FAILED: new tokens (so new CNAMEs to publish) and a new verification window."""
    ses = ses or Ses()
    response = ses.restart_dkim(request.domain, request.dkim_key_length)
    dkim = {
        "DkimTokens": response.get("DkimTokens", []),
        "DkimStatus": response.get("DkimStatus", "PENDING"),
        "SigningHostedZone": response.get("SigningHostedZone") or identity.signing_hosted_zone,
    }
    return _info(
        request,
        arn=identity.identity_arn,
        region=identity.region,
        adopted=identity.adopted,
        dkim=dkim,
        mail_from={"MailFromDomainStatus": identity.mail_from_status},
        restarts=identity.dkim_restarts + 1,
    )
