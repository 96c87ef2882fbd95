"""Each function's settings: the environment variables its template declares, as a typed model read once.

A handler loads its model at import (the cold start): a variable that is missing or malformed fails there, with
a message naming the variable and the problem, instead of a KeyError in the middle of the first invocation that
needs it. :data:`FUNCTIONS` says which model each template function uses; the template test derives each
function's variables from it, so template.yaml and the code cannot drift apart.
"""

# No ``from __future__ import annotations`` here: pydantic would compile every field's annotation from its string
# as each class is created (about 1 ms of every cold start, `make bench`).
import ipaddress
import os
from collections.abc import Mapping
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mailauth.backoff import DEFAULT_CAP, DEFAULT_FIRST
from mailauth.errors import MailauthError

DEFAULT_SLACK_URL_PREFIX = "https://hooks.slack.com/"


class SettingsError(MailauthError):
    """A function's environment is missing a variable or holds a malformed one (a deployment error)."""


class Settings(BaseModel):
    """Base: fields carry their variable's name as alias; unknown variables are ignored.

    ``defer_build``: a handler validates only its own model (at import, in :meth:`load`), so pydantic builds that
    one and none of the other functions' models.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)
    #: variables a test may set that the template never declares
    TEST_ONLY: ClassVar[frozenset[str]] = frozenset()
    #: variables the Lambda runtime sets (not the template)
    RUNTIME: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The model from ``environ`` (default: the process's); SettingsError names every bad variable."""
        source = os.environ if environ is None else environ
        values = {name: source[name] for name in cls.variables() if name in source}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise SettingsError(f"{cls.__name__}: {problems}") from None

    @classmethod
    def variables(cls) -> dict[str, bool]:
        """Every variable the model reads, and whether it is required."""
        return {str(f.alias): f.is_required() for f in cls.model_fields.values()}


def _csv(value: object) -> object:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


class LedgerSettings(Settings):
    ledger_table_name: str = Field(alias="MAILAUTH_LEDGER_TABLE_NAME", min_length=3, max_length=255)


class DnsSettings(Settings):
    #: name servers to ask, ``ip`` or ``ip:port``, comma-separated; empty: the system's resolver
    dns_nameservers: tuple[str, ...] = Field((), alias="MAILAUTH_DNS_NAMESERVERS")

    @field_validator("dns_nameservers", mode="before")
    @classmethod
    def _servers(cls, value: object) -> object:
        servers = _csv(value)
        for server in servers if isinstance(servers, tuple) else ():
            host = server.rsplit(":", 1)[0] if server.count(":") == 1 else server
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(f"{server!r} is not an IP address (ip or ip:port)") from None
        return servers

    @property
    def nameservers(self) -> str:
        """The form :func:`mailauth.dnscheck.make_resolver` takes."""
        return ",".join(self.dns_nameservers)


class AllowListSettings(Settings):
    allowed_mail_from_labels: tuple[str, ...] = Field((), alias="MAILAUTH_ALLOWED_MAIL_FROM_LABELS")
    allowed_role_arns: tuple[str, ...] = Field((), alias="MAILAUTH_ALLOWED_ROLE_ARNS")

    @field_validator("allowed_mail_from_labels", "allowed_role_arns", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _csv(value)


class SubmitSettings(Settings):
    state_machine_arn: str = Field(alias="MAILAUTH_STATE_MACHINE_ARN", pattern=r"^arn:[\w-]+:states:")
    table_name: str = Field(alias="MAILAUTH_TABLE_NAME", min_length=3, max_length=255)


class NoSettings(Settings):
    """A function that reads no variable of mailauth's."""


class PaceSettings(Settings):
    """A function that calls SES: every call books a slot on the account's SES timeline first (mailauth.pace)."""

    RUNTIME = frozenset({"AWS_REGION"})

    pace_table_name: str = Field(alias="MAILAUTH_PACE_TABLE_NAME", min_length=3, max_length=255)
    #: the function's region (Lambda sets AWS_REGION): SES's limit is per account and region
    region: str = Field("us-east-1", alias="AWS_REGION", min_length=1)


class ResolveSettings(DnsSettings, LedgerSettings, AllowListSettings, PaceSettings):
    pass


class PublishSettings(DnsSettings, LedgerSettings):
    pass


class IdentitySettings(PaceSettings):
    pass


class RecommendationsSettings(DnsSettings, PaceSettings):
    pass


class RemoveIdentitySettings(LedgerSettings, PaceSettings):
    pass


class WaitSettings(Settings):
    """A function that reads or writes the wait table: parked executions' task tokens, the last sweep
    (mailauth.sweep)."""

    wait_table_name: str = Field(alias="MAILAUTH_WAIT_TABLE_NAME", min_length=3, max_length=255)


class SweepScheduleSettings(Settings):
    #: the sweep's schedule (SweepIntervalMinutes): recorded with each sweep, so checks can tell sweeps still run;
    #: a bulk run's checks leave SES to the sweep for the first two intervals of its wait (mailauth.verification)
    sweep_interval_minutes: int = Field(5, alias="MAILAUTH_SWEEP_INTERVAL_MINUTES", ge=1, le=1440)


class SweepSettings(WaitSettings, PaceSettings, SweepScheduleSettings):
    pass


class VerificationSettings(DnsSettings, PaceSettings, WaitSettings, SweepScheduleSettings):
    poll_first_seconds: int = Field(DEFAULT_FIRST, alias="MAILAUTH_POLL_FIRST_SECONDS", gt=0)
    poll_cap_seconds: int = Field(DEFAULT_CAP, alias="MAILAUTH_POLL_CAP_SECONDS", gt=0)


class NotifySettings(Settings):
    RUNTIME = frozenset({"AWS_REGION"})

    topic_arn: str = Field(alias="MAILAUTH_TOPIC_ARN", pattern=r"^arn:[\w-]+:sns:")
    #: the domains table, where each run's outcome is kept for GET /domains (mailauth.fleet)
    table_name: str = Field(alias="MAILAUTH_TABLE_NAME", min_length=3, max_length=255)
    #: the function's region (Lambda sets AWS_REGION): the console links of the message
    region: str = Field("us-east-1", alias="AWS_REGION", min_length=1)


class WatchSettings(NotifySettings, PaceSettings, LedgerSettings, DnsSettings):
    """The watch (mailauth.watch): the domains table, SES paced as bulk work, the topic drift is told on, and the
    ledger and Route 53 for repair_drift."""

    #: WatchEveryHours: a round of the watch begins this long after the last one began
    watch_every_hours: int = Field(24, alias="MAILAUTH_WATCH_EVERY_HOURS", ge=1, le=168)


class TriggerSettings(SubmitSettings, PaceSettings):
    auto_onboard: bool = Field(True, alias="MAILAUTH_AUTO_ONBOARD")


class ApiSettings(SubmitSettings, DnsSettings, AllowListSettings, PaceSettings):
    RUNTIME = frozenset({"AWS_REGION"})

    offboard_state_machine_arn: str = Field(
        alias="MAILAUTH_OFFBOARD_STATE_MACHINE_ARN", pattern=r"^arn:[\w-]+:states:"
    )
    #: the function's region (Lambda sets AWS_REGION): the console links of a report
    region: str = Field("us-east-1", alias="AWS_REGION", min_length=1)


class SlackSettings(Settings):
    TEST_ONLY = frozenset({"MAILAUTH_SLACK_ALLOWED_URL_PREFIX"})

    slack_webhook_parameter: str = Field(alias="MAILAUTH_SLACK_WEBHOOK_PARAMETER", min_length=1)
    #: tests only: the prefix a webhook URL must start with (a fake Slack on loopback)
    slack_allowed_url_prefix: str = Field(DEFAULT_SLACK_URL_PREFIX, alias="MAILAUTH_SLACK_ALLOWED_URL_PREFIX")


#: the settings model of each function of template.yaml
FUNCTIONS: dict[str, type[Settings]] = {
    "ResolveFunction": ResolveSettings,
    "EnsureIdentityFunction": IdentitySettings,
    "PublishRecordsFunction": PublishSettings,
    "AwaitChangeFunction": NoSettings,
    "CheckVerificationFunction": VerificationSettings,
    "ParkFunction": WaitSettings,
    "SweepFunction": SweepSettings,
    "WatchFunction": WatchSettings,
    "RecommendationsFunction": RecommendationsSettings,
    "NotifyFunction": NotifySettings,
    "UnpublishRecordsFunction": LedgerSettings,
    "RemoveIdentityFunction": RemoveIdentitySettings,
    "ApiFunction": ApiSettings,
    "TriggerFunction": TriggerSettings,
    "SlackWebhookFunction": SlackSettings,
}
