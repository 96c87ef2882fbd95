"""Scenarios: a world (zones, SES, DNS, faults) and what arrives in it, run against the embedded AWS.

A scenario file is YAML (docs/scenarios.md). Running one starts a :class:`LocalAws`, builds the zones (records
given inline or as the JSON ``aws route53 list-resource-record-sets`` prints), submits every request the way AWS
would deliver it (an API Gateway event to the API function, a CloudTrail event or a custom event through the
template's EventBridge rules), waits for every execution, and reports per domain. ``expect`` blocks turn a
scenario into a test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .provider import act_on_announcements
from .runner import Runner
from .spec import Scenario

__all__ = ["Runner", "Scenario", "act_on_announcements", "run_file"]


def run_file(path: Path) -> dict[str, Any]:
    return Runner(Scenario.load(path), path.parent).run()
