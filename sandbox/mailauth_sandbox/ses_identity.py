"""SES identities and their verification: the emulator's knobs, each identity's state, and the DNS checks that move it.

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

from .clock import SimClock
from .dns_server import resolver
from .names import bare

VERIFICATION_WINDOW = timedelta(hours=72)
CHECK_INTERVAL = timedelta(minutes=1)

Verify = Literal["dns", "never"] | tuple[Literal["after"], float]


@dataclass
class SesAccount:
    """What GetAccount answers for the account (sesv2 model, GetAccountResponse).

    The default is an account with production access, sending enabled and HEALTHY: a scenario's choice, not
    AWS's. AWS places every new account in the sandbox, per region (SES Developer Guide, "Request production
    access (Moving out of the Amazon SES sandbox)"), where it sends at most 200 messages per 24 hours and 1 per
    second (same page; "Service quotas in Amazon SES"). Out of the sandbox the quota "varies based on your
    specific use case" (same quotas page), so the production figures below are an assumption (A19 of
    docs/local.md); mailauth only reports them.
    """

    production_access: bool = True
    sending_enabled: bool = True
    enforcement_status: Literal["HEALTHY", "PROBATION", "SHUTDOWN"] = "HEALTHY"
    #: the latest production-access request (Details.ReviewDetails.Status), None when there was none
    review_status: Literal["PENDING", "GRANTED", "DENIED", "FAILED"] | None = None
    review_case_id: str | None = None

    def response(self, *, vdm_enabled: bool) -> dict[str, Any]:
        sandbox = not self.production_access
        found: dict[str, Any] = {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": self.enforcement_status,
            "ProductionAccessEnabled": self.production_access,
            "SendingEnabled": self.sending_enabled,
            "SendQuota": {
                "Max24HourSend": 200.0 if sandbox else 50000.0,
                "MaxSendRate": 1.0 if sandbox else 14.0,
                "SentLast24Hours": 0.0,
            },
            "VdmAttributes": {"VdmEnabled": "ENABLED" if vdm_enabled else "DISABLED"},
        }
        if self.review_status is not None:
            review = {
                "Status": self.review_status,
                **({"CaseId": self.review_case_id} if self.review_case_id else {}),
            }
            found["Details"] = {"ReviewDetails": review}
        return found


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
    #: the account's sending status (GetAccount)
    account: SesAccount = field(default_factory=SesAccount)


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


def signing_zone_for(region: str) -> str:
    """Easy DKIM's CNAME target zone in ``region`` (the General Reference's table of Easy DKIM domains)."""
    return f"dkim.{region}.amazonses.com" if region in REGIONAL_DKIM_DOMAIN_REGIONS else "dkim.amazonses.com"


def _token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(32))


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


class SesIdentities:
    """An account's SES identities, and what SES finds for them in public DNS (the API is :class:`.ses.SesEmulator`)."""

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

    def _open_dkim_window(self, ident: Identity, now: datetime) -> None:
        """New Easy DKIM tokens and a new 72-hour verification window (CreateEmailIdentity, or DKIM turned on)."""
        ident.tokens = [_token() for _ in range(3)]
        ident.key_generated = now
        ident.dkim_status = "PENDING"
        ident.dkim_window = now
        ident.last_checked = None
        key = (ident.region, ident.name)
        self._dkim_windows[key] = self._dkim_windows.get(key, 0) + 1

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
            if [bare(v) for v in values] != [f"{token}.{bare(ident.signing_zone)}"]:
                return False, "INVALID_VALUE"
        return True, None

    def _mail_from_served(self, ident: Identity) -> bool:
        values, _ = self._query(str(ident.mail_from), "MX")
        hosts = [bare(v.split()[-1]) for v in values]
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
