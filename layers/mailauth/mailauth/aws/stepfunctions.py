"""Step Functions: start an execution under a chosen name, and ask about one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailauth.aws import Adapter, error_code, transient_as_throttled


@dataclass(frozen=True)
class Execution:
    arn: str
    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE
    start_date: str | None = None
    stop_date: str | None = None


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN an execution named ``name`` of that state machine has (known before it is started)."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"


class StepFunctions(Adapter):
    """``client``: a Step Functions client (built on first use when None)."""

    service = "stepfunctions"

    def describe(self, arn: str) -> Execution | None:
        """The execution, or None when it does not exist (ExecutionDoesNotExist)."""
        try:
            with transient_as_throttled("DescribeExecution"):
                described = self.client.describe_execution(executionArn=arn)
        except Exception as exc:
            if error_code(exc) == "ExecutionDoesNotExist":
                return None
            raise
        start, stop = described.get("startDate"), described.get("stopDate")
        return Execution(
            arn=arn,
            status=str(described["status"]),
            start_date=str(start) if start else None,
            stop_date=str(stop) if stop else None,
        )

    def start(self, state_machine_arn: str, name: str, body: str) -> tuple[str, bool]:
        """Start the execution named ``name``: its ARN, and False when it existed already.

        StartExecution is idempotent for the same name and input while that execution runs (it returns it); an
        execution of that name that has ended answers ExecutionAlreadyExists, which is that execution too.
        """
        try:
            with transient_as_throttled("StartExecution"):
                started = self.client.start_execution(
                    stateMachineArn=state_machine_arn, name=name, input=body
                )
        except Exception as exc:
            if error_code(exc) != "ExecutionAlreadyExists":
                raise
            return execution_arn(state_machine_arn, name), False
        return str(started["executionArn"]), True

    def answer(self, token: str, output: dict[str, Any]) -> bool:
        """SendTaskSuccess: wake the task waiting for ``token`` with ``output``; False when that task has closed
        (TaskTimedOut: its wait ran out, or its execution ended) or the token is unknown (InvalidToken)."""
        import json

        try:
            with transient_as_throttled("SendTaskSuccess"):
                self.client.send_task_success(taskToken=token, output=json.dumps(output))
        except Exception as exc:
            if error_code(exc) in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
                return False
            raise
        return True

    def recent_events(self, arn: str, *, max_results: int = 100) -> list[dict[str, Any]]:
        """The execution's latest history events, newest first (one page of GetExecutionHistory, reverseOrder):
        enough to see the state it is in, its last verification check and the state Notify was given."""
        with transient_as_throttled("GetExecutionHistory"):
            page = self.client.get_execution_history(
                executionArn=arn, reverseOrder=True, maxResults=max_results, includeExecutionData=True
            )
        return list(page.get("events", []))
