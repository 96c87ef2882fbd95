"""Invocations of concurrent executions overlap in simulated time (issue 12, item 1): one that waits lets the
other run, each keeps its own function's environment, and what a handler prints goes to its invocation's log."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mailauth_sandbox import LocalAws
from mailauth_sandbox.environ import ThreadEnviron, layered
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]


def test_overlapping_invocations_keep_their_own_environment_and_output(
    local_aws_factory: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    local = local_aws_factory(template=None)

    def handler(event: Any, context: Any) -> dict[str, Any]:
        before = os.environ["WHO"]
        print(f"hello from {before}")
        local.clock.sleep(5)  # a back-off: the other execution's invocation runs meanwhile
        return {"before": before, "after": os.environ["WHO"]}

    machines = []
    for who in ("a", "b"):
        arn = local.register_function(f"Fn{who}", handler, environment={"WHO": who})
        task = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": arn},
        }
        machines.append(
            local.create_state_machine(f"m{who}", {"StartAt": "T", "States": {"T": {**task, "End": True}}})
        )
    with local.clock.held():
        arns = [
            local.start_execution({}, name=f"run-{i}", state_machine_arn=m) for i, m in enumerate(machines)
        ]
    for arn in arns:
        assert local.wait(arn, timeout=30)["status"] == "SUCCEEDED", failure(local, arn)

    by_function = {inv.function: inv for inv in local.invocations}
    assert by_function["Fna"].result == {"before": "a", "after": "a"}
    assert by_function["Fnb"].result == {"before": "b", "after": "b"}
    # both ran from 0 s to 5 s: overlapping, not one after the other
    for inv in by_function.values():
        assert inv.started_at == local.clock.start
        assert inv.finished_at == local.clock.start + timedelta(seconds=5)
    assert by_function["Fna"].output == ["hello from a", "\n"]
    assert "hello from" not in capsys.readouterr().out
    assert "WHO" not in os.environ


def test_a_thread_environ_layer_is_seen_by_its_own_thread_only(monkeypatch: pytest.MonkeyPatch) -> None:
    base = {"SHARED": "1", "GONE": "x"}
    monkeypatch.setattr(os, "environ", ThreadEnviron(base))  # what the sandbox's patches do
    with layered({"OWN": "2", "GONE": None}):
        assert dict(os.environ) == {"SHARED": "1", "OWN": "2"}
        os.environ["WRITTEN"] = "3"  # a handler's write stays in its layer
        assert os.environ["WRITTEN"] == "3"
    assert dict(os.environ) == {"SHARED": "1", "GONE": "x"}
    assert base == {"SHARED": "1", "GONE": "x"}
