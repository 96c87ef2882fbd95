"""One execution per domain, even when submissions race: the Submitter against the sandbox's DynamoDB and Step
Functions, with a second submission slipped in between the first one's claim and its StartExecution."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from mailauth.aws.dynamodb import Table
from mailauth.errors import ExecutionConflictError
from mailauth.pace import ADMIT_SECONDS, Admission
from mailauth.request import OnboardRequest
from mailauth.submission import CLAIM_SECONDS, Submission, Submitter
from mailauth_sandbox import LocalAws
from tests.handlers.test_api_and_triggers import HeldMachine

Factory = Callable[..., LocalAws]


class Interrupted(BaseException):
    """The claimant's StartExecution never happened: its Lambda ended between the two calls (timed out or was
    stopped, so no code of its own ran after: a BaseException, which the Submitter does not handle)."""


class RacingSfn:
    """Step Functions as the first submitter sees it: ``before`` runs just before its StartExecution."""

    def __init__(self, sfn: Any, before: Callable[[], None]) -> None:
        self._sfn = sfn
        self._before: Callable[[], None] | None = before

    def start_execution(self, **kwargs: Any) -> Any:
        before, self._before = self._before, None
        if before is not None:
            before()
        return self._sfn.start_execution(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sfn, name)


def submitter(local: LocalAws, sfn: Any = None) -> Submitter:
    """The API's Submitter, with the account's admission timeline (bulk requests are admitted)."""
    pace_table = local.functions["ApiFunction"].environment["MAILAUTH_PACE_TABLE_NAME"]
    return Submitter(
        state_machine_arn=local.state_machine_arn,
        table_name=local.functions["ApiFunction"].environment["MAILAUTH_TABLE_NAME"],
        sfn=sfn or local.client("stepfunctions"),
        dynamodb=local.client("dynamodb"),
        admission=Admission(Table(pace_table, local.client("dynamodb")), "us-east-1"),
    )


def executions(local: LocalAws) -> list[dict[str, Any]]:
    sfn = local.client("stepfunctions")
    return sfn.list_executions(stateMachineArn=local.state_machine_arn)["executions"]


def test_the_same_request_racing_the_claim_gets_the_same_single_execution(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    request = OnboardRequest(domain="example.com")
    second: list[Submission] = []
    first = submitter(
        local,
        RacingSfn(local.client("stepfunctions"), lambda: second.append(submitter(local).submit(request))),
    )

    one = first.submit(request)

    [two] = second
    assert one.execution_arn == two.execution_arn
    assert one.execution_name == "example_com-1"
    assert [e["name"] for e in executions(local)] == ["example_com-1"]
    held.release_all()


def test_a_different_request_racing_the_claim_is_refused(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    refused: list[Exception] = []

    def other() -> None:
        try:
            submitter(local).submit(OnboardRequest(domain="example.com", dmarc={"policy": "reject"}))
        except ExecutionConflictError as exc:
            refused.append(exc)

    one = submitter(local, RacingSfn(local.client("stepfunctions"), other)).submit(
        OnboardRequest(domain="example.com")
    )

    [error] = refused
    assert "is starting" in str(error) and one.execution_arn in str(error)
    assert [e["name"] for e in executions(local)] == ["example_com-1"]
    held.release_all()


def _abandon(local: LocalAws, request: OnboardRequest) -> None:
    """A claimant that claimed the domain and ended before its StartExecution."""

    def crash() -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        submitter(local, RacingSfn(local.client("stepfunctions"), crash)).submit(request)
    assert executions(local) == []


def test_an_abandoned_claim_is_finished_by_the_same_request(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    request = OnboardRequest(domain="example.com")
    _abandon(local, request)

    again = submitter(local).submit(request)

    assert again.execution_name == "example_com-1" and again.started
    assert [e["name"] for e in executions(local)] == ["example_com-1"]
    held.release_all()


def test_an_abandoned_bulk_claim_is_finished_with_the_start_time_it_booked(
    local_aws_factory: Factory,
) -> None:
    """A bulk claim books its start time once: the identical submission that finishes it starts the execution
    with that very input (StartExecution is idempotent only for the same input) and books no other turn."""
    local = local_aws_factory()
    held = HeldMachine(local)
    assert submitter(local).admission.not_before() is None  # type: ignore[union-attr]  # another's turn: now
    request = OnboardRequest(domain="example.com", priority="bulk")
    _abandon(local, request)
    pace_table = local.functions["ApiFunction"].environment["MAILAUTH_PACE_TABLE_NAME"]
    timeline = local.client("dynamodb").get_item(
        TableName=pace_table, Key={"bucket": {"S": "admit#us-east-1"}}
    )

    again = submitter(local).submit(request)

    assert again.execution_name == "example_com-1" and again.started and again.not_before is not None
    sfn = local.client("stepfunctions")
    started = sfn.describe_execution(executionArn=again.execution_arn)
    assert json.loads(started["input"])["not_before"] == again.not_before
    due = datetime.fromisoformat(again.not_before.replace("Z", "+00:00"))
    assert 0 < (due - local.clock.now()).total_seconds() <= ADMIT_SECONDS + 1
    after = local.client("dynamodb").get_item(TableName=pace_table, Key={"bucket": {"S": "admit#us-east-1"}})
    assert after["Item"] == timeline["Item"]
    held.release_all()


def test_an_abandoned_claim_blocks_another_request_only_while_it_may_be_in_flight(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    _abandon(local, OnboardRequest(domain="example.com"))
    other = OnboardRequest(domain="example.com", dmarc={"policy": "reject"})

    with pytest.raises(ExecutionConflictError):
        submitter(local).submit(other)
    local.clock.advance(timedelta(seconds=CLAIM_SECONDS + 1).total_seconds())
    later = submitter(local).submit(other)

    assert later.execution_name == "example_com-2" and later.started
    assert [e["name"] for e in executions(local)] == ["example_com-2"]
    held.release_all()


def test_a_claim_without_a_time_from_an_older_version_is_not_in_flight(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    table = local.functions["ApiFunction"].environment["MAILAUTH_TABLE_NAME"]
    local.client("dynamodb").put_item(
        TableName=table,
        Item={
            "domain": {"S": "example.com"},
            "generation": {"N": "4"},
            "execution_name": {"S": "example_com-4"},
            "execution_arn": {
                "S": local.state_machine_arn.replace(":stateMachine:", ":execution:") + ":example_com-4"
            },
            "request_hash": {"S": "0" * 64},
            "kind": {"S": "onboard"},
        },
    )

    started = submitter(local).submit(OnboardRequest(domain="example.com"))

    assert started.execution_name == "example_com-5"
    held.release_all()


def _table(local: LocalAws) -> str:
    return local.functions["ApiFunction"].environment["MAILAUTH_TABLE_NAME"]


def _item(local: LocalAws) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        local.client("dynamodb")
        .get_item(TableName=_table(local), Key={"domain": {"S": "example.com"}})
        .get("Item")
    )
    return item


@pytest.mark.parametrize("earlier_run", [False, True], ids=["first-submission", "after-a-run"])
def test_a_start_aws_refused_gives_the_claim_back(local_aws_factory: Factory, earlier_run: bool) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    if earlier_run:
        submitter(local).submit(OnboardRequest(domain="example.com"))
        held.release_all()
        local.wait(local.state_machine_arn.replace(":stateMachine:", ":execution:") + ":example_com-1")
    before = _item(local)
    local.faults.add("stepfunctions", "StartExecution", "AccessDeniedException", times=100)

    with pytest.raises(Exception, match="AccessDenied"):
        submitter(local).submit(OnboardRequest(domain="example.com"))

    assert _item(local) == before  # not held "starting" by an execution that will never start
    local.faults.clear()
    other = submitter(local).submit(OnboardRequest(domain="example.com", dmarc={"policy": "reject"}))
    assert other.started and other.execution_name == ("example_com-2" if earlier_run else "example_com-1")
    held.release_all()


class LostAnswer:
    """Step Functions started the execution, and its answer was lost on the way back."""

    def __init__(self, sfn: Any) -> None:
        self._sfn = sfn

    def start_execution(self, **kwargs: Any) -> Any:
        self._sfn.start_execution(**kwargs)
        raise ConnectionError("read timeout")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sfn, name)


def test_a_start_whose_answer_was_lost_is_the_submission(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)

    started = submitter(local, LostAnswer(local.client("stepfunctions"))).submit(
        OnboardRequest(domain="example.com")
    )

    assert started.started and started.execution_name == "example_com-1"
    assert (_item(local) or {})["execution_name"] == {"S": "example_com-1"}
    assert [e["name"] for e in executions(local)] == ["example_com-1"]
    held.release_all()


def test_a_claim_stays_when_nobody_can_tell_whether_the_start_happened(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    local.faults.add("stepfunctions", "StartExecution", "AccessDeniedException", times=100)
    local.faults.add("stepfunctions", "DescribeExecution", "AccessDeniedException", times=100)

    with pytest.raises(Exception, match="AccessDenied"):
        submitter(local).submit(OnboardRequest(domain="example.com"))

    assert (_item(local) or {})["execution_name"] == {
        "S": "example_com-1"
    }  # in flight: ages out, or finished
    local.faults.clear()
    assert submitter(local).submit(OnboardRequest(domain="example.com")).execution_name == "example_com-1"
    held.release_all()
