"""SES v2 as AWS behaves, answered in memory (moto's sesv2 lacks most of it).

Verification follows what the sandbox DNS server ACTUALLY serves, queried with dnspython as SES queries
the internet: DKIM succeeds once the three ``{token}._domainkey.{domain}`` CNAMEs point to
``{token}.{SigningHostedZone}``; MAIL FROM once exactly one MX at the MAIL FROM domain points to
``feedback-smtp.{region}.amazonses.com``; each fails 72 simulated hours after its window opened.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import dns.exception
import dns.resolver

from . import hooks
from .clock import SimClock
from .dns_server import resolver

VERIFICATION_WINDOW = timedelta(hours=72)
CHECK_INTERVAL = timedelta(minutes=1)

Verify = Literal["dns", "never"] | tuple[Literal["after"], float]


@dataclass
class SesBehaviour:
    """Knobs for the SES emulator."""

    #: "dns" (verify from DNS), "never", or ("after", hours): not before N simulated hours into the window
    verify: Verify = "dns"
    #: the first DKIM window of a domain reports FAILED at the first check that finds the records;
    #: a restart (the identity created again: new tokens) behaves normally
    dkim_fail_once: bool = False
    #: how many DKIM windows of a domain (token generations, counted across re-creations) fail this way;
    #: ``dkim_fail_once`` is ``dkim_failures=1``
    dkim_failures: int = 0
    #: overrides the region's DKIM signing zone
    signing_hosted_zone: str | None = None
    #: Virtual Deliverability Manager, off in a new account (SES Developer Guide, "Virtual Deliverability Manager":
    #: it is turned on by PutAccountVdmAttributes or the console); off, ListRecommendations returns an empty list
    #: (assumption A7: AWS may answer with an error instead; mailauth handles both)
    vdm_enabled: bool = False
    #: key length of new Easy DKIM identities when the request names none
    default_key_length: str = "RSA_2048_BIT"


#: Regions whose Easy DKIM CNAMEs point into a DKIM domain of their own, ``dkim.<region>.amazonses.com``; every
#: other region uses ``dkim.amazonses.com``. AWS General Reference, "Amazon Simple Email Service endpoints and
#: quotas", Easy DKIM domains (https://docs.aws.amazon.com/general/latest/gr/ses.html#ses_dkim_domains), as read
#: in November 2026 through public copies of that table (assumption A1 of docs/local.md: the real-account test
#: records the SigningHostedZone SES returns).
REGIONAL_DKIM_DOMAIN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-northeast-3",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-5",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "il-central-1",
        "me-central-1",
        "us-gov-east-1",
    }
)
#: PutEmailIdentityDkimSigningAttributes: NextSigningKeyLength "can be changed at most once per day" (sesv2 model).
KEY_LENGTH_CHANGE_INTERVAL = timedelta(days=1)


def signing_zone_for(region: str) -> str:
    """Easy DKIM's CNAME target zone in ``region`` (the General Reference's table of Easy DKIM domains)."""
    return f"dkim.{region}.amazonses.com" if region in REGIONAL_DKIM_DOMAIN_REGIONS else "dkim.amazonses.com"


def _token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(32))


def _dn(name: str) -> str:
    return name.strip().lower().rstrip(".")


@dataclass
class Identity:
    """One SES identity's state."""

    name: str
    region: str
    account: str
    created: datetime
    signing_zone: str
    tokens: list[str] = field(default_factory=list)
    key_length: str = "RSA_2048_BIT"
    current_key_length: str = "RSA_2048_BIT"
    key_generated: datetime | None = None
    key_length_changed: datetime | None = None
    signing_enabled: bool = True
    #: verified the legacy way (SES API v1 VerifyDomainIdentity TXT record): verified for sending without DKIM
    legacy_verified: bool = False
    policies: dict[str, str] = field(default_factory=dict)
    dkim_status: str = "PENDING"
    dkim_window: datetime | None = None
    mail_from: str | None = None
    behavior_on_mx_failure: str = "USE_DEFAULT_VALUE"
    mail_from_status: str = "PENDING"
    mail_from_window: datetime | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    configuration_set: str | None = None
    last_checked: datetime | None = None
    last_success: datetime | None = None
    error_type: str | None = None
    checks: int = 0

    @property
    def is_domain(self) -> bool:
        """Domain identities carry DKIM; email-address identities do not here."""
        return "@" not in self.name

    @property
    def arn(self) -> str:
        """The identity ARN."""
        import boto3

        partition = boto3.session.Session().get_partition_for_region(self.region)
        return f"arn:{partition}:ses:{self.region}:{self.account}:identity/{self.name}"


class SesEmulator:
    """In-memory SES v2, answering through ``before-call.sesv2.*``."""

    def __init__(self, clock: SimClock, account_id: str, behaviour: SesBehaviour | None = None) -> None:
        self.clock = clock
        self.account_id = account_id
        self.behaviour = behaviour or SesBehaviour()
        self.dns_address: str | None = None
        self.identities: dict[tuple[str, str], Identity] = {}
        self._first_seen: dict[tuple[str, str], datetime] = {}
        #: DKIM verification windows opened per (region, name), across deletions: the failure knobs count these
        self._dkim_windows: dict[tuple[str, str], int] = {}
        self._lock = threading.RLock()

    # -- dispatch ---------------------------------------------------------------------------------
    def before_call(self, operation: str, params: dict[str, Any], region: str) -> hooks.Response | None:
        """Answer ``operation``; ``None`` (unknown operation) falls through to moto."""
        method = getattr(self, "_op_" + operation, None)
        if method is None:
            return None
        with self._lock:
            result: hooks.Response = method(params, region)
            return result

    def _open_dkim_window(self, ident: Identity, now: datetime) -> None:
        """New Easy DKIM tokens and a new 72-hour verification window (CreateEmailIdentity, or DKIM turned on)."""
        ident.tokens = [_token() for _ in range(3)]
        ident.key_generated = now
        ident.dkim_status = "PENDING"
        ident.dkim_window = now
        ident.last_checked = None
        key = (ident.region, ident.name)
        self._dkim_windows[key] = self._dkim_windows.get(key, 0) + 1

    def add_identity(
        self,
        name: str,
        *,
        region: str,
        easy_dkim: bool = False,
        legacy_verified: bool = True,
        signing_enabled: bool = True,
        tags: dict[str, str] | None = None,
        policies: dict[str, str] | None = None,
        mail_from: str | None = None,
    ) -> Identity:
        """An identity made outside mailauth, as a person or another tool left it (not through the API).

        ``easy_dkim=False, legacy_verified=True``: a domain verified with SES API v1's VerifyDomainIdentity TXT
        record, which SES API v2 reports with DKIM ``NOT_STARTED`` and no tokens but verified for sending.
        """
        with self._lock:
            now = self.clock.now()
            ident = Identity(
                name=_dn(name),
                region=region,
                account=self.account_id,
                created=now,
                signing_zone=self.behaviour.signing_hosted_zone or signing_zone_for(region),
                key_length=self.behaviour.default_key_length,
                current_key_length=self.behaviour.default_key_length,
                signing_enabled=signing_enabled,
                legacy_verified=legacy_verified,
                tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
                policies=dict(policies or {}),
                mail_from=mail_from,
                mail_from_window=now if mail_from else None,
                dkim_status="NOT_STARTED",
            )
            if easy_dkim:
                self._open_dkim_window(ident, now)
            self.identities[(region, ident.name)] = ident
            return ident

    def _get(self, name: str, region: str) -> Identity | None:
        return self.identities.get((region, _dn(name) if "@" not in name else name.strip()))

    @staticmethod
    def _not_found(name: str) -> hooks.Response:
        return hooks.error("NotFoundException", f"Email identity {name} does not exist.", 404)

    # -- operations -------------------------------------------------------------------------------
    def _op_CreateEmailIdentity(self, params: dict[str, Any], region: str) -> hooks.Response:
        raw = str(params.get("EmailIdentity", ""))
        name = raw.strip() if "@" in raw else _dn(raw)
        if not name:
            return hooks.error("BadRequestException", "EmailIdentity is required")
        if (region, name) in self.identities:
            return hooks.error("AlreadyExistsException", f"Email identity {name} already exist.")
        signing = params.get("DkimSigningAttributes") or {}
        if signing.get("DomainSigningSelector") or signing.get("DomainSigningPrivateKey"):
            return hooks.error("BadRequestException", "sandbox: BYODKIM is not emulated")
        now = self.clock.now()
        key_length = signing.get("NextSigningKeyLength") or self.behaviour.default_key_length
        ident = Identity(
            name=name,
            region=region,
            account=self.account_id,
            created=now,
            signing_zone=self.behaviour.signing_hosted_zone or signing_zone_for(region),
            key_length=key_length,
            current_key_length=key_length,
            tags=list(params.get("Tags") or []),
            configuration_set=params.get("ConfigurationSetName"),
        )
        if ident.is_domain:
            self._open_dkim_window(ident, now)
        else:
            ident.dkim_status = "NOT_STARTED"
        self.identities[(region, name)] = ident
        return hooks.response(
            {
                "IdentityType": "DOMAIN" if ident.is_domain else "EMAIL_ADDRESS",
                "VerifiedForSendingStatus": False,
                "DkimAttributes": self._dkim_shape(ident),
            }
        )

    def _op_GetEmailIdentity(self, params: dict[str, Any], region: str) -> hooks.Response:
        ident = self._get(str(params.get("EmailIdentity", "")), region)
        if ident is None:
            return self._not_found(str(params.get("EmailIdentity")))
        self.refresh(ident)
        verified = ident.dkim_status == "SUCCESS" or ident.legacy_verified
        parsed: dict[str, Any] = {
            "IdentityType": "DOMAIN" if ident.is_domain else "EMAIL_ADDRESS",
            "FeedbackForwardingStatus": True,
            "VerifiedForSendingStatus": verified,
            "DkimAttributes": self._dkim_shape(ident),
            "MailFromAttributes": {
                "MailFromDomain": ident.mail_from or "",
                "MailFromDomainStatus": ident.mail_from_status if ident.mail_from else "PENDING",
                "BehaviorOnMxFailure": ident.behavior_on_mx_failure,
            },
            "Policies": dict(ident.policies),
            "Tags": list(ident.tags),
            "VerificationStatus": "SUCCESS" if verified else ident.dkim_status,
            "VerificationInfo": self._verification_info(ident),
        }
        if ident.configuration_set:
            parsed["ConfigurationSetName"] = ident.configuration_set
        return hooks.response(parsed)

    def _op_DeleteEmailIdentity(self, params: dict[str, Any], region: str) -> hooks.Response:
        ident = self._get(str(params.get("EmailIdentity", "")), region)
        if ident is None:
            return self._not_found(str(params.get("EmailIdentity")))
        del self.identities[(region, ident.name)]
        return hooks.response({})

    def _op_ListEmailIdentities(self, params: dict[str, Any], region: str) -> hooks.Response:
        idents = sorted((i for (r, _), i in self.identities.items() if r == region), key=lambda i: i.name)
        start = int(params.get("NextToken") or 0)
        size = int(params.get("PageSize") or 1000)
        page = idents[start : start + size]
        for ident in page:
            self.refresh(ident)
        parsed: dict[str, Any] = {
            "EmailIdentities": [
                {
                    "IdentityType": "DOMAIN" if i.is_domain else "EMAIL_ADDRESS",
                    "IdentityName": i.name,
                    "SendingEnabled": True,
                    "VerificationStatus": i.dkim_status,
                }
                for i in page
            ]
        }
        if start + size < len(idents):
            parsed["NextToken"] = str(start + size)
        return hooks.response(parsed)

    def _op_PutEmailIdentityMailFromAttributes(self, params: dict[str, Any], region: str) -> hooks.Response:
        ident = self._get(str(params.get("EmailIdentity", "")), region)
        if ident is None:
            return self._not_found(str(params.get("EmailIdentity")))
        domain = _dn(str(params.get("MailFromDomain") or ""))
        if domain and not domain.endswith("." + ident.name):
            return hooks.error(
                "BadRequestException", f"Custom MAIL FROM domain {domain} must be a subdomain of {ident.name}"
            )
        ident.mail_from = domain or None
        ident.behavior_on_mx_failure = params.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"
        ident.mail_from_status = "PENDING"
        ident.mail_from_window = self.clock.now() if domain else None
        ident.last_checked = None
        return hooks.response({})

    def _op_PutEmailIdentityDkimSigningAttributes(
        self, params: dict[str, Any], region: str
    ) -> hooks.Response:
        """What the operation's documentation lists, and no more (sesv2 model, PutEmailIdentityDkimSigningAttributes).

        * "Change from using no DKIM authentication to using Easy DKIM": tokens issued, PENDING, new window.
        * "Update the key length that should be used for Easy DKIM": NextSigningKeyLength changes; the key length
          "can be changed at most once per day". SES refuses the length the identity already has (reported
          from AWS: "you can't switch to the same key length"). Nothing documents new tokens or a new
          verification window here, so none are issued (assumption A3 in docs/local.md, recorded by the
          real-account test).
        * BYODKIM (EXTERNAL) is not emulated.
        """
        ident = self._get(str(params.get("EmailIdentity", "")), region)
        if ident is None:
            return self._not_found(str(params.get("EmailIdentity")))
        origin = params.get("SigningAttributesOrigin")
        if origin != "AWS_SES":
            return hooks.error(
                "BadRequestException", f"sandbox: SigningAttributesOrigin {origin} is not emulated"
            )
        wanted = (params.get("SigningAttributes") or {}).get("NextSigningKeyLength")
        now = self.clock.now()
        if not ident.tokens:
            ident.key_length = wanted or self.behaviour.default_key_length
            ident.current_key_length = ident.key_length
            ident.signing_enabled = True
            self._open_dkim_window(ident, now)
        elif not wanted or wanted == ident.key_length:
            return hooks.error(
                "BadRequestException",
                f"Easy DKIM is already set up for {ident.name} with key length {ident.key_length}; you can't "
                "switch to the same key length.",
            )
        elif (
            ident.key_length_changed is not None
            and now - ident.key_length_changed < KEY_LENGTH_CHANGE_INTERVAL
        ):
            return hooks.error(
                "BadRequestException",
                f"The signing key length of {ident.name} can be changed at most once per day.",
            )
        else:
            ident.key_length = wanted
            ident.key_length_changed = now
        return hooks.response(
            {
                "DkimStatus": ident.dkim_status,
                "DkimTokens": list(ident.tokens),
                "SigningHostedZone": ident.signing_zone,
            }
        )

    def _op_PutEmailIdentityDkimAttributes(self, params: dict[str, Any], region: str) -> hooks.Response:
        ident = self._get(str(params.get("EmailIdentity", "")), region)
        if ident is None:
            return self._not_found(str(params.get("EmailIdentity")))
        ident.signing_enabled = bool(params.get("SigningEnabled"))
        return hooks.response({})

    def _ident_by_arn(self, arn: str) -> Identity | None:
        return next((i for i in self.identities.values() if i.arn == arn), None)

    def _op_TagResource(self, params: dict[str, Any], region: str) -> hooks.Response:
        ident = self._ident_by_arn(str(params.get("ResourceArn")))
        if ident is None:
            return hooks.error("NotFoundException", f"Resource {params.get('ResourceArn')} not found", 404)
        tags = {t["Key"]: t["Value"] for t in ident.tags}
        tags.update({t["Key"]: t["Value"] for t in params.get("Tags") or []})
        ident.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
        return hooks.response({})

    def _op_UntagResource(self, params: dict[str, Any], region: str) -> hooks.Response:
        ident = self._ident_by_arn(str(params.get("ResourceArn")))
        if ident is None:
            return hooks.error("NotFoundException", f"Resource {params.get('ResourceArn')} not found", 404)
        drop = set(params.get("TagKeys") or [])
        ident.tags = [t for t in ident.tags if t["Key"] not in drop]
        return hooks.response({})

    def _op_ListTagsForResource(self, params: dict[str, Any], region: str) -> hooks.Response:
        ident = self._ident_by_arn(str(params.get("ResourceArn")))
        if ident is None:
            return hooks.error("NotFoundException", f"Resource {params.get('ResourceArn')} not found", 404)
        return hooks.response({"Tags": list(ident.tags)})

    def _op_GetAccount(self, params: dict[str, Any], region: str) -> hooks.Response:
        return hooks.response(
            {
                "DedicatedIpAutoWarmupEnabled": False,
                "EnforcementStatus": "HEALTHY",
                "ProductionAccessEnabled": False,
                "SendingEnabled": True,
                "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0},
                "VdmAttributes": {"VdmEnabled": "ENABLED" if self.behaviour.vdm_enabled else "DISABLED"},
            }
        )

    def _op_PutAccountVdmAttributes(self, params: dict[str, Any], region: str) -> hooks.Response:
        self.behaviour.vdm_enabled = (params.get("VdmAttributes") or {}).get("VdmEnabled") == "ENABLED"
        return hooks.response({})

    def _op_ListRecommendations(self, params: dict[str, Any], region: str) -> hooks.Response:
        recs: list[dict[str, Any]] = []
        if self.behaviour.vdm_enabled:
            for ident in sorted(self.identities.values(), key=lambda i: i.name):
                if ident.region == region and ident.is_domain:
                    recs += self._recommendations(ident)
        filt: dict[str, str] = params.get("Filter") or {}
        field_of = {"TYPE": "Type", "IMPACT": "Impact", "STATUS": "Status", "RESOURCE_ARN": "ResourceArn"}
        for key, value in filt.items():
            recs = [r for r in recs if r.get(field_of.get(key, key)) == value]
        start = int(params.get("NextToken") or 0)
        size = int(params.get("PageSize") or 100)
        if not 1 <= size <= 100:
            return hooks.error("BadRequestException", "PageSize must be between 1 and 100")
        parsed: dict[str, Any] = {"Recommendations": recs[start : start + size]}
        if start + size < len(recs):
            parsed["NextToken"] = str(start + size)
        return hooks.response(parsed)

    # -- verification -----------------------------------------------------------------------------
    def refresh(self, ident: Identity, force: bool = False) -> None:
        """Re-check DNS for ``ident`` (at most once per simulated minute) and update its statuses."""
        now = self.clock.now()
        if not ident.is_domain:
            return
        if not force and ident.last_checked is not None and now - ident.last_checked < CHECK_INTERVAL:
            return
        ident.last_checked = now
        ident.checks += 1
        if ident.dkim_status == "PENDING" and ident.dkim_window is not None:
            ok, error = self._dkim_served(ident)
            ident.error_type = error
            if ok and self._allowed(now - ident.dkim_window):
                window = self._dkim_windows.get((ident.region, ident.name), 1)
                if window <= max(self.behaviour.dkim_failures, int(self.behaviour.dkim_fail_once)):
                    ident.dkim_status = "FAILED"
                else:
                    ident.dkim_status = "SUCCESS"
                    ident.last_success = now
                    ident.error_type = None
            elif now - ident.dkim_window >= VERIFICATION_WINDOW:
                ident.dkim_status = "FAILED"
        if ident.mail_from and ident.mail_from_status == "PENDING" and ident.mail_from_window is not None:
            elapsed = now - ident.mail_from_window
            if self._mail_from_served(ident) and self._allowed(elapsed):
                ident.mail_from_status = "SUCCESS"
            elif elapsed >= VERIFICATION_WINDOW:
                ident.mail_from_status = "FAILED"

    def _allowed(self, elapsed: timedelta) -> bool:
        verify = self.behaviour.verify
        if verify == "dns":
            return True
        if verify == "never":
            return False
        return elapsed >= timedelta(hours=float(verify[1]))

    def _query(self, name: str, rtype: str) -> tuple[list[str], str | None]:
        """Values served for ``name``/``rtype`` and an SES-style error type when there are none."""
        if not self.dns_address:
            return [], "DNS_SERVER_ERROR"
        try:
            answer = resolver(self.dns_address).resolve(name, rtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return [], "HOST_NOT_FOUND"
        except (dns.exception.DNSException, OSError):
            return [], "DNS_SERVER_ERROR"
        if answer.rrset is None:
            return [], "TYPE_NOT_FOUND"
        return [r.to_text() for r in answer.rrset], None

    def _dkim_served(self, ident: Identity) -> tuple[bool, str | None]:
        for token in ident.tokens:
            values, error = self._query(f"{token}._domainkey.{ident.name}", "CNAME")
            if error:
                return False, error
            if [_dn(v) for v in values] != [f"{token}.{_dn(ident.signing_zone)}"]:
                return False, "INVALID_VALUE"
        return True, None

    def _mail_from_served(self, ident: Identity) -> bool:
        values, _ = self._query(str(ident.mail_from), "MX")
        hosts = [_dn(v.split()[-1]) for v in values]
        return hosts == [f"feedback-smtp.{ident.region}.amazonses.com"]

    def _txt(self, name: str) -> list[str]:
        values, _ = self._query(name, "TXT")
        return ["".join(part.strip('"') for part in v.split('" "')) for v in values]

    def _recommendations(self, ident: Identity) -> list[dict[str, Any]]:
        self.refresh(ident)
        now = self.clock.now()
        found: list[tuple[str, str, bool]] = [
            (
                "DKIM",
                f"DKIM is not verified for {ident.name} (status {ident.dkim_status}).",
                ident.dkim_status != "SUCCESS",
            ),
        ]
        dmarc = [v for v in self._txt(f"_dmarc.{ident.name}") if v.startswith("v=DMARC1")]
        found.append(("DMARC", f"No valid DMARC record was found for {ident.name}.", len(dmarc) != 1))
        if ident.mail_from:
            spf = [v for v in self._txt(ident.mail_from) if v.startswith("v=spf1")]
            found.append(
                (
                    "SPF",
                    f"No valid SPF record was found for MAIL FROM domain {ident.mail_from}.",
                    len(spf) != 1,
                )
            )
        recs = []
        for rtype, description, is_open in found:
            key = (ident.arn, rtype)
            if not is_open and key not in self._first_seen:
                continue
            created = self._first_seen.setdefault(key, now)
            recs.append(
                {
                    "ResourceArn": ident.arn,
                    "Type": rtype,
                    "Description": description,
                    "Status": "OPEN" if is_open else "FIXED",
                    "Impact": "HIGH",
                    "CreatedTimestamp": created,
                    "LastUpdatedTimestamp": now,
                }
            )
        return recs

    # -- shapes -----------------------------------------------------------------------------------
    def _dkim_shape(self, ident: Identity) -> dict[str, Any]:
        if not ident.is_domain or not ident.tokens:
            return {"SigningEnabled": False, "Status": "NOT_STARTED"}
        shape: dict[str, Any] = {
            "SigningEnabled": ident.signing_enabled,
            "Status": ident.dkim_status,
            "Tokens": list(ident.tokens),
            "SigningHostedZone": ident.signing_zone,
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": ident.key_length,
            "CurrentSigningKeyLength": ident.current_key_length,
        }
        if ident.key_generated:
            shape["LastKeyGenerationTimestamp"] = ident.key_generated
        return shape

    @staticmethod
    def _verification_info(ident: Identity) -> dict[str, Any]:
        info: dict[str, Any] = {}
        if ident.last_checked:
            info["LastCheckedTimestamp"] = ident.last_checked
        if ident.last_success:
            info["LastSuccessTimestamp"] = ident.last_success
        if ident.error_type and ident.dkim_status != "SUCCESS":
            info["ErrorType"] = ident.error_type
        return info
