"""A task waiting for its task token (``.waitForTaskToken``) waits on the simulated clock (issue 12, item 3): its
TimeoutSeconds are simulated seconds, a SendTaskSuccess from another execution wakes it at once, and a token sent
before the task began to wait is not lost. Step Functions Developer Guide, "Wait for a Callback with Task Token":
the task pauses until SendTaskSuccess or SendTaskFailure with its token, or fails with States.Timeout when its
TimeoutSeconds pass; a token sent after that is refused with TaskTimedOut."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mailauth_sandbox import LocalAws
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]


def waiting_machine(local: LocalAws, park_arn: str, timeout: int) -> str:
    """Park (a Lambda that receives the token) waits up to ``timeout`` s; States.Timeout is caught."""
    return local.create_state_machine(
        f"waits{timeout}",
        {
            "StartAt": "Park",
            "States": {
                "Park": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": park_arn, "Payload": {"token.$": "$$.Task.Token"}},
                    "TimeoutSeconds": timeout,
                    "ResultPath": "$.woken",
                    "Catch": [
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timedOut", "Next": "Done"}
                    ],
                    "Next": "Done",
                },
                "Done": {"Type": "Pass", "End": True},
            },
        },
    )


@pytest.fixture
def tokens() -> list[str]:
    return []


def test_a_task_nobody_calls_back_times_out_in_simulated_time(
    local_aws_factory: Factory, tokens: list[str]
) -> None:
    local = local_aws_factory(template=None)
    park = local.register_function("Park", lambda event, _: tokens.append(event["token"]))
    arn = local.start_execution({}, name="alone", state_machine_arn=waiting_machine(local, park, 3600))

    began = time.monotonic()
    result = local.wait(arn, timeout=30)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert json.loads(result["output"])["timedOut"]["Error"] == "States.Timeout"
    assert local.clock.elapsed() == timedelta(hours=1)
    assert time.monotonic() - began < 20  # an hour of simulated waiting, not of wall time
    # the token is dead now: SendTaskSuccess is refused as AWS refuses it
    sfn = local.client("stepfunctions")
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=tokens[0], output="{}")


def test_another_execution_s_callback_wakes_the_task_at_once(
    local_aws_factory: Factory, tokens: list[str]
) -> None:
    local = local_aws_factory(template=None)
    sfn = local.client("stepfunctions")
    park = local.register_function("Park", lambda event, _: tokens.append(event["token"]))

    again: list[str] = []

    def wake(event: Any, _: Any) -> None:
        sfn.send_task_success(taskToken=tokens[0], output=json.dumps({"status": "SUCCESS"}))
        try:  # the task has closed: a second answer is refused
            sfn.send_task_success(taskToken=tokens[0], output="{}")
        except sfn.exceptions.TaskTimedOut:
            again.append("TaskTimedOut")

    waker = local.create_state_machine(
        "waker",
        {
            "StartAt": "Later",
            "States": {
                "Later": {"Type": "Wait", "Seconds": 90, "Next": "Wake"},
                "Wake": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": local.register_function("Wake", wake)},
                    "End": True,
                },
            },
        },
    )
    with local.clock.held():
        parked = local.start_execution(
            {}, name="parked", state_machine_arn=waiting_machine(local, park, 3600)
        )
        waking = local.start_execution({}, name="waker", state_machine_arn=waker)

    result = local.wait(parked, timeout=30)

    assert result["status"] == "SUCCEEDED", failure(local, parked)
    assert json.loads(result["output"])["woken"] == {"status": "SUCCESS"}
    assert timedelta(seconds=90) <= local.clock.elapsed() < timedelta(seconds=100)
    assert local.wait(waking, timeout=30)["status"] == "SUCCEEDED", failure(local, waking)
    assert again == ["TaskTimedOut"]


def test_a_token_sent_before_the_task_waits_is_not_lost(local_aws_factory: Factory) -> None:
    local = local_aws_factory(template=None)
    sfn = local.client("stepfunctions")

    def park_and_answer(event: Any, _: Any) -> None:  # the function itself answers, before the task waits
        sfn.send_task_success(taskToken=event["token"], output=json.dumps({"answered": True}))

    park = local.register_function("Park", park_and_answer)
    arn = local.start_execution({}, name="quick", state_machine_arn=waiting_machine(local, park, 600))

    result = local.wait(arn, timeout=30)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert json.loads(result["output"])["woken"] == {"answered": True}
    assert local.clock.elapsed() < timedelta(seconds=5)


def test_a_late_token_of_a_running_execution_and_an_unknown_token_are_refused(
    local_aws_factory: Factory, tokens: list[str]
) -> None:
    local = local_aws_factory(template=None)
    sfn = local.client("stepfunctions")
    park = local.register_function("Park", lambda event, _: tokens.append(event["token"]))
    refused: list[str] = []

    def late(event: Any, _: Any) -> None:
        for token in (tokens[0], "AQCEAAAAKgAAAAMAAAAA-not-issued"):
            try:
                sfn.send_task_success(taskToken=token, output="{}")
            except sfn.exceptions.ClientError as error:
                refused.append(error.response["Error"]["Code"])

    machine = local.create_state_machine(
        "late",
        {
            "StartAt": "Park",
            "States": {
                "Park": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": park, "Payload": {"token.$": "$$.Task.Token"}},
                    "TimeoutSeconds": 60,
                    "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}],
                    "End": True,
                },
                "Late": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": local.register_function("Late", late)},
                    "End": True,
                },
            },
        },
    )
    arn = local.start_execution({}, name="late", state_machine_arn=machine)

    assert local.wait(arn, timeout=30)["status"] == "SUCCEEDED", failure(local, arn)
    assert refused == ["TaskTimedOut", "InvalidToken"]
