"""Step 2: get or create the SES domain identity (adopt, never delete another's), Easy DKIM, MAIL FROM, tags.

**Ownership is decided from evidence that survives a retry**, never from ``AlreadyExistsException`` alone:
CreateEmailIdentity itself carries the tag ``mailauth:managed-by=mailauth``, so an identity mailauth created
says so from the moment it exists. When a retried step (a throttle after the create, a lost response that the
SDK retried) meets ``AlreadyExistsException``, it reads the identity's tags: ``mailauth`` means mailauth created
it; no tag means it existed before mailauth, and it is adopted and tagged ``mailauth:adopted``.

**A FAILED Easy DKIM setup** is restarted as SES documents for a failed verification: "you must restart the
verification process from the beginning" (SES API, VerifyDomainIdentity / GetIdentityVerificationAttributes;
for a revoked DKIM setup the SES Developer Guide says to restart the Easy DKIM set-up procedure from the
beginning). For a v2 domain identity the beginning is CreateEmailIdentity, which issues the tokens: mailauth
deletes the identity and creates it again with the same tags, configuration set, key length and MAIL FROM.
It does that only for an identity it created that carries no sending-authorization policies; anything else
is the owner's to decide, and the run ends with a diagnosis instead. ``PutEmailIdentityDkimSigningAttributes``
is not a restart: its documented uses are changing the key length (at most once a day; SES refuses the length
the identity already has), switching between BYODKIM and Easy DKIM, and turning DKIM on for an identity that
had none (which is what :func:`ensure_identity` uses it for).
"""

from __future__ import annotations

from typing import Any

from mailauth.account import read_account
from mailauth.aws.ses import Ses
from mailauth.errors import IdentityConflictError
from mailauth.models import AccountStatus, IdentityInfo
from mailauth.request import MANAGED_BY_ADOPTED, MANAGED_BY_CREATED, MANAGED_BY_TAG, OnboardRequest


def identity_arn(domain: str, *, partition: str, region: str, account_id: str) -> str:
    """The SES identity's ARN, in the partition the function runs in (aws, aws-cn, aws-us-gov)."""
    return f"arn:{partition}:ses:{region}:{account_id}:identity/{domain}"


def tags_of(identity: dict[str, Any]) -> dict[str, str]:
    """GetEmailIdentity's ``Tags`` as a dict."""
    return {str(t.get("Key")): str(t.get("Value", "")) for t in identity.get("Tags") or []}


def created_by_mailauth(identity: dict[str, Any]) -> bool:
    """True when the identity carries the tag mailauth gives CreateEmailIdentity itself."""
    return tags_of(identity).get(MANAGED_BY_TAG) == MANAGED_BY_CREATED


def _info(
    request: OnboardRequest,
    *,
    arn: str,
    region: str,
    adopted: bool,
    dkim: dict[str, Any],
    mail_from: dict[str, Any],
    restarts: int = 0,
    notes: tuple[str, ...] = (),
    account: AccountStatus | None = None,
) -> IdentityInfo:
    return IdentityInfo(
        domain=request.domain,
        identity_arn=arn,
        region=region,
        adopted=adopted,
        dkim_tokens=tuple(dkim.get("Tokens") or dkim.get("DkimTokens") or ()),
        signing_hosted_zone=str(dkim.get("SigningHostedZone") or ""),
        dkim_status=str(dkim.get("Status") or dkim.get("DkimStatus") or "PENDING"),
        mail_from_domain=request.mail_from_domain,
        mail_from_status=str(mail_from.get("MailFromDomainStatus") or "PENDING"),
        dkim_restarts=restarts,
        notes=notes,
        account=account,
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


def _ensure_dkim(request: OnboardRequest, dkim: dict[str, Any], ses: Ses) -> tuple[dict[str, Any], list[str]]:
    """An identity without Easy DKIM gets it; one with DKIM signing turned off gets it turned on.

    NOT_STARTED with no tokens is an identity verified another way (the legacy TXT record of SES API v1, or the
    console) that never had DKIM: SES documents PutEmailIdentityDkimSigningAttributes (AWS_SES) for "Change from
    using no DKIM authentication to using Easy DKIM". ``SigningEnabled: false`` means DKIM is set up but not
    applied to mail (PutEmailIdentityDkimAttributes: "Used to enable or disable DKIM authentication").
    """
    notes: list[str] = []
    if not (dkim.get("Tokens") or []):
        response = ses.enable_easy_dkim(request.domain, request.dkim_key_length)
        dkim = {
            **dkim,
            "Tokens": response.get("DkimTokens") or [],
            "Status": response.get("DkimStatus") or "PENDING",
            "SigningHostedZone": response.get("SigningHostedZone") or dkim.get("SigningHostedZone"),
            "SigningEnabled": True,
        }
        notes.append("Easy DKIM turned on (the identity had no DKIM)")
    if dkim.get("SigningEnabled") is False:
        ses.enable_signing(request.domain)
        dkim = {**dkim, "SigningEnabled": True}
        notes.append("DKIM signing turned on (it was off)")
    return dkim, notes


def ensure_identity(
    request: OnboardRequest,
    *,
    partition: str,
    account_id: str,
    ses: Ses | None = None,
    account: AccountStatus | None = None,
) -> IdentityInfo:
    """Create the identity, or adopt the one that exists; Easy DKIM on; MAIL FROM set; what SES reports.
    ``account``: the SES account's status when it is known already (shared fleet-wide: mailauth.account.
    SharedAccountStatus); otherwise GetAccount reads it."""
    ses = ses or Ses()
    region = ses.region
    arn = identity_arn(request.domain, partition=partition, region=region, account_id=account_id)
    created = ses.create_identity(
        request.domain,
        key_length=request.dkim_key_length,
        tags={**request.tags, MANAGED_BY_TAG: MANAGED_BY_CREATED},
        configuration_set=request.configuration_set,
    )
    notes: list[str] = []
    mail_from: dict[str, Any] = {}
    if created is not None and (created.get("DkimAttributes") or {}).get("SigningHostedZone"):
        adopted, dkim = False, dict(created["DkimAttributes"])
    else:
        existing = ses.get_identity(request.domain) or {}
        adopted = created is None and not created_by_mailauth(existing)
        tags = tags_of(existing)
        if adopted:
            check_adoptable(request, existing)
            wanted = {MANAGED_BY_TAG: MANAGED_BY_ADOPTED, **request.tags}
        else:
            wanted = dict(request.tags)  # ours: the creation tags are there; add what the request changed
        missing = {k: v for k, v in wanted.items() if tags.get(k) != v}
        if missing:
            ses.tag(arn, missing)
        dkim, notes = _ensure_dkim(request, dict(existing.get("DkimAttributes") or {}), ses)
        mail_from = existing.get("MailFromAttributes") or {}
    if (
        mail_from.get("MailFromDomain", "").lower() != request.mail_from_domain
        or mail_from.get("BehaviorOnMxFailure") != request.behavior_on_mx_failure
    ):
        ses.put_mail_from(request.domain, request.mail_from_domain, request.behavior_on_mx_failure)
        mail_from = {"MailFromDomainStatus": "PENDING"}
    return _info(
        request,
        arn=arn,
        region=region,
        adopted=adopted,
        dkim=dkim,
        mail_from=mail_from,
        notes=tuple(notes),
        account=account or read_account(ses),  # for an early warning when the account cannot send to everyone
    )


def restart_blocker(identity: IdentityInfo, found: dict[str, Any]) -> str | None:
    """Why mailauth must not restart this identity's FAILED DKIM by re-creating it (None: it may)."""
    if identity.adopted or (found and not created_by_mailauth(found)):
        return (
            "the identity existed before mailauth, and restarting a failed DKIM setup means deleting and "
            "creating the identity again (SES: restart the verification process from the beginning); mailauth "
            "does that only for identities it created"
        )
    if found.get("Policies"):
        return "the identity carries sending-authorization policies, which deleting and re-creating it would drop"
    return None


def restart_dkim(request: OnboardRequest, identity: IdentityInfo, *, ses: Ses | None = None) -> IdentityInfo:
    """After DKIM FAILED: delete the identity mailauth created and create it again (new tokens, new window).

    Idempotent, so the state machine may retry it at any point: an identity still holding the failed tokens is
    deleted; one that already holds new tokens (an earlier attempt re-created it) is kept; a missing one is
    created. Tags, configuration set and key length are carried over; MAIL FROM is set again.
    """
    ses = ses or Ses()
    found = ses.get_identity(request.domain)
    settings = found or {}
    if found is not None:
        blocker = restart_blocker(identity, found)
        if blocker:
            raise IdentityConflictError(f"SES DKIM verification of {request.domain} FAILED; {blocker}")
        tokens = tuple((found.get("DkimAttributes") or {}).get("Tokens") or ())
        if tokens == identity.dkim_tokens or (found.get("DkimAttributes") or {}).get("Status") == "FAILED":
            ses.delete_identity(request.domain)
            found = None
    if found is None:
        tags = {**tags_of(settings), **request.tags, MANAGED_BY_TAG: MANAGED_BY_CREATED}
        key_length = (settings.get("DkimAttributes") or {}).get(
            "NextSigningKeyLength"
        ) or request.dkim_key_length
        created = ses.create_identity(
            request.domain,
            key_length=str(key_length),
            tags=tags,
            configuration_set=request.configuration_set or settings.get("ConfigurationSetName"),
        )
        found = created if created is not None else ses.get_identity(request.domain) or {}
        if not (found.get("DkimAttributes") or {}).get("SigningHostedZone"):
            found = ses.get_identity(request.domain) or found
    mail_from = found.get("MailFromAttributes") or {}
    if (mail_from.get("MailFromDomain") or "").lower() != request.mail_from_domain:
        ses.put_mail_from(request.domain, request.mail_from_domain, request.behavior_on_mx_failure)
        mail_from = {"MailFromDomainStatus": "PENDING"}
    return _info(
        request,
        arn=identity.identity_arn,
        region=identity.region,
        adopted=False,
        dkim=dict(found.get("DkimAttributes") or {}),
        mail_from=mail_from,
        restarts=identity.dkim_restarts + 1,
        notes=(*identity.notes, "DKIM restarted: the identity was deleted and created again (new tokens)"),
        account=identity.account,
    )
