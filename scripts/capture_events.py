"""Regenerate the per-step sample events in events/ from a real run in the embedded AWS.

Each file is exactly what the state machine passed to that function, so `sam local invoke -e` and the handler
tests see real shapes; events/slack_webhook.json carries what NotifyFunction publishes for
events/notify_timeout.json. Run: `.venv/bin/python scripts/capture_events.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "mailauth"), str(ROOT / "sandbox"), str(ROOT)]

from mailauth_sandbox import LocalAws, SesBehaviour  # noqa: E402

STEPS = {
    "ResolveFunction": "resolve",
    "EnsureIdentityFunction": "ensure_identity",
    "PublishRecordsFunction": "publish_records",
    "AwaitChangeFunction": "await_change",
    "CheckVerificationFunction": "check_verification",
    "RecommendationsFunction": "recommendations",
}


def first_inputs(local: LocalAws) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for inv in local.invocations:
        out.setdefault(inv.function, inv.event)
    return out


def main() -> None:
    with LocalAws(ses=SesBehaviour(dkim_fail_once=True)) as local:
        local.create_hosted_zone("example.com")
        arn = local.start_execution({"request": {"domain": "example.com"}}, name="capture")
        local.wait(arn)
        inputs = first_inputs(local)
        restart = next(i.event for i in local.invocations if i.event.get("restart_dkim"))
    for function, name in STEPS.items():
        (ROOT / "events" / f"{name}.json").write_text(json.dumps(inputs[function], indent=2) + "\n")
    (ROOT / "events" / "ensure_identity_restart_dkim.json").write_text(json.dumps(restart, indent=2) + "\n")
    (ROOT / "events" / "workflow_input.json").write_text(
        json.dumps({"request": {"domain": "example.com", "dmarc": {"policy": "none"}}}, indent=2) + "\n"
    )
    write_slack_event()


def write_slack_event() -> None:
    """The SNS event SlackWebhookFunction receives for the timeout sample: its Message is what Notify publishes."""
    from mailauth.notify.compose import compose
    from mailauth.notify.state import parse_state

    state, _ = parse_state(json.loads((ROOT / "events" / "notify_timeout.json").read_text()))
    message = compose(state, execution_arn=state.execution, region="us-east-1")
    path = ROOT / "events" / "slack_webhook.json"
    event = json.loads(path.read_text())
    sns = event["Records"][0]["Sns"]
    sns["Message"] = json.dumps(message.chatbot, ensure_ascii=False)
    sns["Subject"] = message.subject
    path.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
