"""The "started, with warnings" notification: what a person should act on is sent right after PublishRecords,
before the wait (issue 10), once per run, and a failure to send it is told like any other failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mailauth_sandbox import LocalAws, SesAccount, SesBehaviour
from tests.workflow.helpers import failure, notifications, output

Factory = Callable[..., LocalAws]
SANDBOXED = SesAccount(production_access=False)


def run(local: LocalAws, request: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = local.start_execution({"request": request}, name="run-1")
    return arn, local.wait(arn, timeout=120)


def outcomes(local: LocalAws) -> list[str]:
    return [n["attributes"]["outcome"]["Value"] for n in notifications(local)]


def test_an_account_in_the_sandbox_is_told_before_the_wait(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(account=SANDBOXED))
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    states = local.states_entered(arn)
    assert states[:7] == [
        "Admission",
        "Resolve",
        "EnsureIdentity",
        "PublishRecords",
        "PublishedWhere",
        "WarnEarly",
        "AwaitChange",
    ]
    assert outcomes(local) == ["warning", "success"]
    early, final = notifications(local)
    assert early["subject"] == "mailauth: example.com onboarding started, with 1 warning(s)"
    assert "in the SES sandbox" in early["email"] and "put-account-details" in early["email"]
    assert early["chatbot"]["metadata"]["eventType"] == "mailauth.warning"
    assert "But the SES account in us-east-1 is in the SES sandbox" in final["email"]
    warnings = output(result)["publish"]["early_warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("The SES account in us-east-1 is in the SES sandbox")


def test_nothing_to_warn_about_sends_no_early_notification(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert "WarnEarly" not in local.states_entered(arn)
    assert outcomes(local) == ["success"]
    assert output(result)["publish"]["early_warnings"] == []


def test_a_dkim_restart_does_not_warn_again(local_aws_factory: Factory) -> None:
    local = local_aws_factory(ses=SesBehaviour(dkim_fail_once=True, account=SANDBOXED))
    local.create_hosted_zone("example.com")

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    states = local.states_entered(arn)
    assert states.count("PublishRecords") == 2 and states.count("WarnEarly") == 1
    assert outcomes(local) == ["warning", "success"]
    # the restart keeps the account status read at the start (no second GetAccount from EnsureIdentity)
    assert local.api_calls("EnsureIdentityFunction")["sesv2:GetAccount"] == 1


def test_a_weakening_refused_is_told_at_once(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "_dmarc.example.com", "TXT", '"v=DMARC1; p=reject"')

    arn, result = run(local, {"domain": "example.com", "dmarc": {"policy": "none"}})

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    early = notifications(local)[0]
    assert early["attributes"]["outcome"]["Value"] == "warning"
    assert (
        "Not as requested: TXT _dmarc.example.com: An existing DMARC record is kept unchanged"
        in early["email"]
    )


def test_an_early_warning_that_cannot_be_sent_is_a_failure_told_to_the_operator(
    local_aws_factory: Factory,
) -> None:
    """WarnEarly's Catch goes to Notify like every Task's: here the topic refuses every message, so Notify fails
    too and the alerts topic hears of it; the run ends FAILED at once instead of waiting 48 hours unheard."""
    local = local_aws_factory(ses=SesBehaviour(account=SANDBOXED))
    local.create_hosted_zone("example.com")
    local.faults.add(
        "sns", "Publish", "KMSDisabled", times=1000, message="Key is disabled", function="NotifyFunction"
    )

    arn, result = run(local, {"domain": "example.com"})

    assert result["status"] == "FAILED"
    states = local.states_entered(arn)
    assert "CheckVerification" not in states
    assert states[-4:] == ["WarnEarly", "Notify", "AlertOperator", "NotificationFailed"], states
