"""CloudFormation: a deployed stack's outputs (the CLI finds the state machines and tables by them)."""

from __future__ import annotations

from typing import Any

from mailauth.aws import client as make_client
from mailauth.aws import transient_as_throttled


def stack_outputs(stack: str, client: Any = None) -> dict[str, str]:
    """``OutputKey`` → ``OutputValue`` of the stack named ``stack`` (or its ARN)."""
    cloudformation = client if client is not None else make_client("cloudformation")
    with transient_as_throttled("DescribeStacks"):
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in described.get("Outputs", [])}
