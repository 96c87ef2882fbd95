"""Each function's settings: read once at the cold start, a missing or malformed variable named there."""

from __future__ import annotations

import pytest

from mailauth.settings import (
    FUNCTIONS,
    ApiSettings,
    ResolveSettings,
    Settings,
    SettingsError,
    SlackSettings,
    TriggerSettings,
    VerificationSettings,
)

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:mailauth-onboard-domain"


def test_values_are_parsed_into_their_types() -> None:
    settings = ResolveSettings.load(
        {
            "MAILAUTH_LEDGER_TABLE_NAME": "mailauth-ledger",
            "MAILAUTH_PACE_TABLE_NAME": "mailauth-pace",
            "MAILAUTH_DNS_NAMESERVERS": "127.0.0.1:5353, 192.0.2.53",
            "MAILAUTH_ALLOWED_MAIL_FROM_LABELS": "mail, bounce",
            "MAILAUTH_ALLOWED_ROLE_ARNS": "",
            "PATH": "/usr/bin",  # not mailauth's: ignored
        }
    )
    assert settings.dns_nameservers == ("127.0.0.1:5353", "192.0.2.53")
    assert settings.nameservers == "127.0.0.1:5353,192.0.2.53"
    assert settings.allowed_mail_from_labels == ("mail", "bounce")
    assert settings.allowed_role_arns == ()
    assert (
        TriggerSettings.load(
            {
                "MAILAUTH_STATE_MACHINE_ARN": ARN,
                "MAILAUTH_TABLE_NAME": "mailauth-domains",
                "MAILAUTH_PACE_TABLE_NAME": "mailauth-pace",
                "MAILAUTH_AUTO_ONBOARD": "false",
            }
        ).auto_onboard
        is False
    )


def test_defaults_apply_when_a_variable_is_absent() -> None:
    settings = VerificationSettings.load(
        {"MAILAUTH_PACE_TABLE_NAME": "mailauth-pace", "MAILAUTH_WAIT_TABLE_NAME": "mailauth-wait"}
    )
    assert (settings.poll_first_seconds, settings.poll_cap_seconds, settings.dns_nameservers) == (
        60,
        1800,
        (),
    )
    assert SlackSettings.load({"MAILAUTH_SLACK_WEBHOOK_PARAMETER": "/p"}).slack_allowed_url_prefix == (
        "https://hooks.slack.com/"
    )


def test_every_missing_or_malformed_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as info:
        ApiSettings.load(
            {
                "MAILAUTH_STATE_MACHINE_ARN": "mailauth-onboard-domain",
                "MAILAUTH_DNS_NAMESERVERS": "ns1.example.net",
            }
        )
    message = str(info.value)
    assert message.startswith("ApiSettings: ")
    for words in (
        "MAILAUTH_STATE_MACHINE_ARN: String should match pattern",
        "MAILAUTH_DNS_NAMESERVERS: Value error, 'ns1.example.net' is not an IP address",
        "MAILAUTH_TABLE_NAME: Field required",
        "MAILAUTH_OFFBOARD_STATE_MACHINE_ARN: Field required",
    ):
        assert words in message


@pytest.mark.parametrize(
    ("model", "environ", "named"),
    [
        (VerificationSettings, {"MAILAUTH_POLL_FIRST_SECONDS": "soon"}, "MAILAUTH_POLL_FIRST_SECONDS"),
        (VerificationSettings, {"MAILAUTH_POLL_CAP_SECONDS": "0"}, "MAILAUTH_POLL_CAP_SECONDS"),
        (
            TriggerSettings,
            {
                "MAILAUTH_STATE_MACHINE_ARN": ARN,
                "MAILAUTH_TABLE_NAME": "t-1",
                "MAILAUTH_AUTO_ONBOARD": "maybe",
            },
            "MAILAUTH_AUTO_ONBOARD",
        ),
    ],
)
def test_a_malformed_value_is_refused(model: type[Settings], environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        model.load(environ)


def test_every_template_function_has_a_model_whose_variables_are_mailauths() -> None:
    assert len(FUNCTIONS) == 15
    for name, model in FUNCTIONS.items():
        assert all(v.startswith("MAILAUTH_") for v in set(model.variables()) - model.RUNTIME), name
