"""The request every trigger submits (OnboardRequest, its DMARC settings) and the rules it is checked against.

The deployment's allow-lists (AllowedMailFromLabels, HostedZoneRoleArns) are checked here too: the API refuses
a request they forbid before anything starts. Validated once, where it enters (the API's body, the trigger's event, the Resolve step); every step after that
takes the typed model.
"""

# No ``from __future__ import annotations``: pydantic would compile each field's annotation from its string as
# each model is created (about 2 ms of every cold start for models.py and request.py, `make bench`).
from collections.abc import Iterable
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mailauth.domain import normalise_domain, validate_label_path, validate_mailto
from mailauth.errors import InvalidRequestError

DkimKeyLength = Literal["RSA_1024_BIT", "RSA_2048_BIT"]

#: Tag on every SES identity mailauth manages. CreateEmailIdentity itself carries ``mailauth`` (so ownership
#: survives a retried step); an identity that existed before is tagged ``mailauth:adopted`` afterwards.
MANAGED_BY_TAG = "mailauth:managed-by"
MANAGED_BY_CREATED = "mailauth"
MANAGED_BY_ADOPTED = "mailauth:adopted"
MAX_USER_TAGS = 49  # SES allows 50 tags; mailauth adds one.
MAX_REPORT_URIS = 10  # per rua / ruf: receivers send to each, and the record must fit one TXT value
#: Route 53: one record value is at most 4,000 characters (route53 model, ResourceRecord Value: max 4000)
ROUTE53_VALUE_MAX = 4000
#: SES v2 Tag (sesv2 model, documentation of shape Tag): "The characters can be Unicode letters, digits, white
#: space, or one of the following symbols: _ . : / = + -"; keys up to 128 characters, values up to 256; "The
#: aws: prefix is reserved for use by Amazon Web Services; you can't use it in any tag keys or values".
SES_TAG_SYMBOLS = frozenset("_.:/=+-")
#: SES configuration set names (SES API v2, CreateConfigurationSet, ConfigurationSetName): up to 64 letters,
#: numbers, hyphens and underscores.
CONFIGURATION_SET_NAME = r"^[A-Za-z0-9_-]{1,64}$"


def ses_tag_problem(key: str, value: str) -> str | None:
    """Why SES would refuse this tag, or None (the rules of the sesv2 Tag documentation).

    "White space" is read as Unicode's separators (category Z, as AWS's tag patterns write ``\\p{Z}``): a space,
    not a tab or a line break.
    """
    import unicodedata

    def bad_characters(text: str) -> list[str]:
        return sorted(
            {
                c
                for c in text
                if not (
                    c.isalpha() or unicodedata.category(c)[0] == "N" or c.isspace() or c in SES_TAG_SYMBOLS
                )
            }
        )

    if not 1 <= len(key) <= 128:
        return f"tag key {key[:40]!r}: 1 to 128 characters"
    if len(value) > 256:
        return f"tag {key!r}: the value has {len(value)} characters; at most 256"
    if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
        return f"tag {key!r}: the aws: prefix is reserved by AWS"
    for what, text in (("key", key), ("value", value)):
        bad = bad_characters(text)
        if bad:
            return (
                f"tag {key!r}: the {what} has characters SES does not allow: {bad} (allowed: letters, digits, "
                "spaces and _ . : / = + -)"
            )
    return None


class Strict(BaseModel):
    """Base of mailauth's data: unknown keys are refused, values are frozen.

    ``defer_build``: pydantic builds a model's validator at its first use, not at import, so a function builds the
    models its own input nests and none of the others (``make bench``: about 5 ms of a cold start's CPU).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --------------------------------------------------------------------------------------------- request
class DmarcSettings(Strict):
    """The DMARC policy to publish at ``_dmarc.<domain>`` (RFC 7489 tags)."""

    policy: Literal["none", "quarantine", "reject"] = "none"
    sp: Literal["none", "quarantine", "reject"] | None = None
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    adkim: Literal["r", "s"] | None = None
    aspf: Literal["r", "s"] | None = None
    #: replace an existing DMARC record at _dmarc (otherwise it is kept unchanged, whatever its policy), or publish
    #: a policy weaker than the one the domain inherits from a parent (otherwise the inherited one stays in force)
    replace_existing: bool = False

    @field_validator("rua", "ruf", mode="before")
    @classmethod
    def _mailto(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a mailto: URI or a list of them")
        if len(value) > MAX_REPORT_URIS:
            raise ValueError(f"at most {MAX_REPORT_URIS} report URIs")
        return tuple(validate_mailto(v) for v in value)


class OnboardRequest(Strict):
    """What every trigger submits: the domain to onboard and how."""

    domain: str = Field(description="The sending domain, e.g. example.com or news.example.com")
    hosted_zone_id: str | None = Field(default=None, description="Route 53 zone ID; found when absent")
    hosted_zone_role_arn: str | None = Field(
        default=None,
        description="a role in the account that holds the hosted zone, assumed for every Route 53 call",
        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$",
        max_length=600,
    )
    mail_from_subdomain: str = Field(default="mail", description="Label(s) of the custom MAIL FROM domain")
    behavior_on_mx_failure: Literal["USE_DEFAULT_VALUE", "REJECT_MESSAGE"] = "USE_DEFAULT_VALUE"
    dmarc: DmarcSettings = DmarcSettings()
    dkim_key_length: DkimKeyLength = "RSA_2048_BIT"
    configuration_set: str | None = Field(
        default=None,
        description="an existing SES configuration set (up to 64 letters, digits, hyphens, underscores)",
    )
    tags: dict[str, str] = Field(default_factory=dict)
    max_wait_hours: float = Field(default=48, gt=0, le=72, description="SES itself gives up after 72 h")
    priority: Literal["interactive", "bulk"] = Field(
        default="interactive",
        description="interactive: a domain someone is waiting for; bulk: one of a batch, whose SES calls yield "
        "SES's 1 request/s to interactive work (docs/operations.md, fleets)",
    )
    repair_drift: bool = Field(
        default=False,
        description="the daily watch re-creates, in the hosted zone, a record mailauth created that is found deleted "
        "(never one someone changed, nor one mailauth did not create); off: the watch only reports drift",
    )
    dns: Literal["route53", "external", "auto"] = Field(
        default="route53",
        description="route53: publish in the public hosted zone; external: DNS is hosted elsewhere, mailauth "
        "sends the records to create and verifies; auto: route53 when a public zone exists, else external",
    )

    @field_validator("domain", mode="before")
    @classmethod
    def _domain(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("domain must be a string")
        return normalise_domain(value)

    @field_validator("hosted_zone_id", mode="before")
    @classmethod
    def _zone_id(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValueError("must be a string, like Z0123456789ABC")
        text = value.strip()
        text = text.removeprefix("/hostedzone/")
        if not text.isalnum() or not text.isupper() or len(text) > 32:
            raise ValueError(
                f"hosted_zone_id {value!r} is not a Route 53 hosted zone ID (like Z0123456789ABC)"
            )
        return text

    @field_validator("mail_from_subdomain", mode="before")
    @classmethod
    def _mail_from(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string, like mail")
        return validate_label_path(value, what="mail_from_subdomain")

    @field_validator("configuration_set")
    @classmethod
    def _configuration_set(cls, value: str | None) -> str | None:
        import re

        if value is not None and not re.fullmatch(CONFIGURATION_SET_NAME, value):
            raise ValueError(
                f"{value[:80]!r} is not an SES configuration set name: up to 64 letters, digits, hyphens (-) "
                "and underscores (_)"
            )
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_USER_TAGS:
            raise ValueError(f"at most {MAX_USER_TAGS} tags (SES allows 50; mailauth adds one)")
        for key, val in value.items():
            problem = ses_tag_problem(key, val)
            if problem:
                raise ValueError(problem)
        if MANAGED_BY_TAG in value:
            raise ValueError(f"tag {MANAGED_BY_TAG!r} is reserved for mailauth")
        return value

    @model_validator(mode="after")
    def _fits(self) -> Self:
        from mailauth import dmarc
        from mailauth.txt import quote

        if len(self.mail_from_domain) > 253:
            raise ValueError(f"MAIL FROM domain {self.mail_from_domain!r} is longer than 253 characters")
        size = len(quote(dmarc.render(self.dmarc)))
        if size > ROUTE53_VALUE_MAX:
            raise ValueError(
                f"dmarc: the DMARC record would be {size} characters; Route 53 allows {ROUTE53_VALUE_MAX} in one "
                "value: use fewer or shorter report URIs"
            )
        return self

    @property
    def mail_from_domain(self) -> str:
        return f"{self.mail_from_subdomain}.{self.domain}"


# ------------------------------------------------------------------------------ the deployment's allow-lists
def check_mail_from_allowed(request: OnboardRequest, allowed: Iterable[str]) -> None:
    """The deployment's IAM policy lets mailauth write only ``<label>.*`` names for its allowed MAIL FROM labels
    (``allowed``: AllowedMailFromLabels; empty: any)."""
    labels = {label.lower() for label in allowed}
    first = request.mail_from_subdomain.split(".")[0]
    if labels and first not in labels:
        raise InvalidRequestError(
            f"mail_from_subdomain {request.mail_from_subdomain!r} is not allowed by this deployment "
            f"(AllowedMailFromLabels: {', '.join(sorted(labels))}); use one of those, or redeploy with "
            f"{first!r} added"
        )


def check_role_allowed(request: OnboardRequest, allowed: Iterable[str]) -> None:
    """Only the cross-account roles this deployment lists (``allowed``: HostedZoneRoleArns) may be assumed."""
    if request.hosted_zone_role_arn is None:
        return
    roles = set(allowed)
    if request.hosted_zone_role_arn not in roles:
        raise InvalidRequestError(
            f"hosted_zone_role_arn {request.hosted_zone_role_arn} is not allowed by this deployment "
            f"(HostedZoneRoleArns: {', '.join(sorted(roles)) or 'none'}); redeploy with it added"
        )


def validation_message(exc: ValidationError) -> str:
    """One line per problem, naming the field: what a person needs to fix the request."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "request"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "; ".join(lines)
