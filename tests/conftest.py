"""Shared test set-up: dummy AWS credentials, the sample events, and the embedded AWS fixtures."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mailauth_sandbox.pytest_plugin import bare_aws, local_aws, local_aws_factory  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Mailauth")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "mailauth")


def load_event(name: str) -> Any:
    """A sample event from events/ (the same files `sam local invoke -e` takes)."""
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.fixture
def event() -> Any:
    return load_event


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault matrix's line, from every cell's recorded outcome (workers' too: xdist carries user_properties)."""
    outcomes: dict[str, int] = {"ok": 0, "failed_notified": 0, "bad": 0}
    for status in ("passed", "failed"):
        for report in terminalreporter.stats.get(status, []):
            if getattr(report, "when", "call") != "call":
                continue
            for key, value in getattr(report, "user_properties", []):
                if key == "fault_cell":
                    outcomes[value] = outcomes.get(value, 0) + 1
    cells = sum(outcomes.values())
    if cells:
        terminalreporter.write_line(
            f"fault-matrix: cells={cells} ok={outcomes['ok']} failed_notified={outcomes['failed_notified']} "
            f"bad={outcomes['bad']}"
        )
