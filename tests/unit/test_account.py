"""mailauth.account: the SES account's sending status (GetAccount) read, judged and told in the notification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mailauth import account
from mailauth.errors import AwsThrottledError
from mailauth.models import AccountStatus, NotifyInput
from mailauth.notify.compose import compose
from mailauth.notify.state import parse_state

EVENTS = Path(__file__).resolve().parents[2] / "events"
REGION = "eu-west-1"

#: GetAccount answers, shaped as the sesv2 model's GetAccountResponse
PRODUCTION: dict[str, Any] = {
    "ProductionAccessEnabled": True,
    "SendingEnabled": True,
    "EnforcementStatus": "HEALTHY",
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 3.0},
}
SANDBOX: dict[str, Any] = {
    **PRODUCTION,
    "ProductionAccessEnabled": False,
    "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0},
}


class FakeSes:
    """The two members read_account uses: ``region`` and ``account()``."""

    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls = 0
        self.region = REGION

    def account(self) -> dict[str, Any]:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetAccount")


def status(answer: dict[str, Any]) -> AccountStatus:
    return account.from_response(answer, REGION)


# ------------------------------------------------------------------------------------------------ reading
def test_read_account_maps_the_response() -> None:
    found = account.read_account(FakeSes(SANDBOX))  # type: ignore[arg-type]
    assert found == AccountStatus(
        region=REGION,
        production_access=False,
        sending_enabled=True,
        enforcement_status="HEALTHY",
        max_24_hour_send=200.0,
        max_send_rate=1.0,
    )


@pytest.mark.parametrize("code", ["AccessDeniedException", "BadRequestException", "NotFoundException"])
def test_an_aws_error_is_a_status_that_says_it_could_not_be_read(code: str) -> None:
    found = account.read_account(FakeSes(client_error(code)))  # type: ignore[arg-type]
    assert found == AccountStatus(region=REGION, error=code)
    judged = account.finding(found, "example.com")
    assert judged.status == "warn" and code in judged.detail and "ses:GetAccount" in (judged.fix or "")


def test_throttling_propagates_for_the_state_machine_to_retry() -> None:
    with pytest.raises(AwsThrottledError):
        account.read_account(FakeSes(AwsThrottledError("GetAccount throttled")))  # type: ignore[arg-type]


def test_a_non_aws_error_is_not_swallowed() -> None:
    with pytest.raises(KeyError):
        account.read_account(FakeSes(KeyError("bug")))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ judging
def test_production_access_is_ok_and_quotes_the_quota() -> None:
    judged = account.finding(status(PRODUCTION), "example.com")
    assert judged.status == "ok" and judged.fix is None
    assert "50000 messages per 24 hours, 14 per second" in judged.detail


def test_an_unlimited_quota_is_said_so() -> None:
    unlimited = {**PRODUCTION, "SendQuota": {"Max24HourSend": -1.0, "MaxSendRate": 500.0}}
    assert "no daily limit, 500 per second" in account.finding(status(unlimited), "example.com").detail


def test_the_sandbox_is_a_warning_with_the_way_out() -> None:
    judged = account.finding(status(SANDBOX), "example.com")
    assert judged.status == "warn"
    assert "in the SES sandbox (200 messages per 24 hours, 1 per second)" in judged.detail
    assert "only verified addresses and domains" in judged.detail
    assert "aws sesv2 put-account-details --production-access-enabled" in (judged.fix or "")
    assert f"--region {REGION}" in (judged.fix or "")
    assert account.GUIDE in (judged.fix or "")


def test_a_pending_review_says_to_wait_not_to_ask_again() -> None:
    pending = {**SANDBOX, "Details": {"ReviewDetails": {"Status": "PENDING", "CaseId": "1234567890"}}}
    judged = account.finding(status(pending), "example.com")
    assert judged.status == "warn"
    assert "under review (case 1234567890)" in (judged.fix or "")
    assert "put-account-details" not in (judged.fix or "")


def test_a_denied_review_names_the_case_and_how_to_ask_again() -> None:
    denied = {**SANDBOX, "Details": {"ReviewDetails": {"Status": "DENIED", "CaseId": "42"}}}
    fix = account.finding(status(denied), "example.com").fix or ""
    assert "denied the last request for production access (case 42)" in fix and "put-account-details" in fix


def test_sending_paused_by_aws_fails_and_says_the_api_cannot_resume_it() -> None:
    shutdown = {**PRODUCTION, "SendingEnabled": False, "EnforcementStatus": "SHUTDOWN"}
    judged = account.finding(status(shutdown), "example.com")
    assert judged.status == "fail"
    assert "AWS paused it" in judged.detail and "no mail from example.com leaves SES" in judged.detail
    assert "AWS Support" in (judged.fix or "") and "put-account-sending-attributes" not in (judged.fix or "")


def test_sending_paused_in_the_account_fails_with_the_command_that_resumes_it() -> None:
    paused = {**PRODUCTION, "SendingEnabled": False}
    judged = account.finding(status(paused), "example.com")
    assert judged.status == "fail" and "turned off in the account" in judged.detail
    assert f"put-account-sending-attributes --sending-enabled --region {REGION}" in (judged.fix or "")


def test_probation_is_a_warning() -> None:
    judged = account.finding(status({**PRODUCTION, "EnforcementStatus": "PROBATION"}), "example.com")
    assert judged.status == "warn" and "PROBATION" in judged.detail


# ------------------------------------------------------------------------------------------ notification
def success_state(
    identity_account: dict[str, Any] | None, report_account: dict[str, Any] | None
) -> NotifyInput:
    event = json.loads((EVENTS / "notify_success.json").read_text())
    state = event.get("state", event)
    if identity_account is not None:
        state["identity"]["account"] = status(identity_account).model_dump(mode="json")
    if report_account is not None:
        state["report"]["account"] = status(report_account).model_dump(mode="json")
    parsed, dropped = parse_state(event)
    assert dropped == ()
    return parsed


def test_a_verified_domain_in_a_sandboxed_account_says_so_in_the_headline_and_first_step() -> None:
    message = compose(success_state(SANDBOX, None), execution_arn=None, region="us-east-1")
    first_line = message.email_text.splitlines()[0]
    assert "is verified for sending" in first_line and "But the SES account" in first_line
    assert "in the SES sandbox" in first_line
    steps = message.chatbot["content"]["nextSteps"]
    assert "Request production access" in steps[0]
    assert "in the SES sandbox" in message.chatbot["content"]["description"]


def test_the_report_s_later_reading_wins_over_the_one_at_the_start() -> None:
    message = compose(success_state(SANDBOX, PRODUCTION), execution_arn=None, region="us-east-1")
    assert "sandbox" not in message.email_text.splitlines()[0]
    assert not any("production access" in step for step in message.chatbot["content"]["nextSteps"])


def test_an_account_in_production_adds_nothing_to_the_headline() -> None:
    message = compose(success_state(PRODUCTION, None), execution_arn=None, region="us-east-1")
    assert (
        message.email_text.splitlines()[0]
        == "example.com is verified for sending with Amazon SES in us-east-1."
    )


# ------------------------------------------------------------------------- shared by a batch (issue 12)
class BrokenTable:
    """A table whose reads find nothing and whose writes fail (throttled, denied: any AWS error)."""

    def get(self, key: Any) -> None:
        return None

    def put(self, item: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutItem")


@pytest.fixture
def pace_table(pace_local: Any) -> Any:
    from mailauth.aws.dynamodb import Table

    return Table("pace")


def test_a_status_read_is_shared_for_ten_minutes_in_its_region(pace_table: Any) -> None:
    from mailauth import clock

    shared = account.SharedAccountStatus(pace_table, REGION)
    assert shared.fresh() is None
    status = account.from_response(SANDBOX, REGION)
    shared.keep(status)

    assert account.SharedAccountStatus(pace_table, REGION).fresh() == status
    assert account.SharedAccountStatus(pace_table, "us-east-1").fresh() is None  # another region's account
    clock.sleep(account.SHARED_SECONDS)
    assert shared.fresh() is None  # read again: production access may have been granted since


def test_a_status_that_could_not_be_read_is_never_shared(pace_table: Any) -> None:
    shared = account.SharedAccountStatus(pace_table, REGION)
    shared.keep(AccountStatus(region=REGION, error="AccessDeniedException"))
    assert shared.fresh() is None


def test_a_failed_write_costs_the_next_onboarding_a_read_not_its_step() -> None:
    shared = account.SharedAccountStatus(BrokenTable(), REGION)  # type: ignore[arg-type]
    shared.keep(account.from_response(PRODUCTION, REGION))  # no exception
    assert shared.fresh() is None
