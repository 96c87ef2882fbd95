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
