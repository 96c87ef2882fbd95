"""`make demo`: onboard a domain end to end against the embedded AWS and show what happened.

The same state machine file and handlers as in AWS; the domain is submitted through the API handler with an
API Gateway event; SES verifies only once the sandbox's DNS server serves the right records, and here (like
SES on a usual day) not before two simulated hours. Waits run on the simulated clock.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .engine import Invocation, LocalAws
from .ses import SesBehaviour

ROOT = Path(__file__).resolve().parents[2]


def _since(start: datetime, when: datetime) -> str:
    minutes = int((when - start).total_seconds() // 60)
    return f"+{minutes // 60}h{minutes % 60:02d}m"


def _wait(seconds: int) -> str:
    return f"{seconds // 60}m" if seconds >= 60 else f"{seconds}s"


def _describe(function: str, result: Any, error: str | None) -> str:
    if error:
        return f"{error} (the state machine retries)"
    if function == "ResolveFunction":
        zone = result["zone"]
        return f"zone {zone['zone_name']} ({zone['hosted_zone_id']}), delegation {zone['delegation']}"
    if function == "EnsureIdentityFunction":
        verb = "adopted" if result["adopted"] else "created"
        return f"SES identity {verb}: Easy DKIM ({len(result['dkim_tokens'])} tokens), MAIL FROM {result['mail_from_domain']}"
    if function == "PublishRecordsFunction":
        return f"{len(result['changes'])} record change(s) in one batch, {len(result['kept'])} kept"
    if function == "AwaitChangeFunction":
        return f"Route 53 change {result['status']}"
    if function == "ParkFunction":
        return f"parked: the sweep wakes it when SES's status changes, or it wakes after {_wait(result['wait_seconds'])}"
    if function == "CheckVerificationFunction":
        line = f"DKIM {result['dkim_status']}, MAIL FROM {result['mail_from_status']}"
        if not result.get("asked_ses", True):
            line += " (SES not asked: the last sweep saw no change)"
        if result["outcome"] == "pending":
            return f"{line}, next check in {_wait(result['next_wait_seconds'])}"
        return f"{line}: {result['outcome']}"
    if function == "RecommendationsFunction":
        bad = [f["check"] for f in result["audit"] if f["status"] != "ok"]
        return f"{len(result['recommendations'])} SES recommendation(s); audit warnings: {', '.join(bad) or 'none'}"
    if function == "NotifyFunction":
        return f"notified ({result['outcome']}): {result['subject']}"
    return json.dumps(result)[:100]


def run(domain: str, out: Any = sys.stdout) -> int:
    import logging

    from mailauth.slack import payload_text, to_slack_payload

    logging.getLogger("moto").setLevel(logging.CRITICAL)  # the interpreter logs every Fail state as ERROR
    wall = time.monotonic()
    quiet = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}
    with LocalAws(ses=SesBehaviour(verify=("after", 2.0)), env=quiet) as local:
        zone_id = local.create_hosted_zone(domain)
        before = local.zone_records(zone_id)
        print(f"Embedded AWS ready: public hosted zone {zone_id}, DNS on {local.dns_address}", file=out)
        event = json.loads((ROOT / "events" / "api_post_domains.json").read_text())
        event["body"] = json.dumps(
            {"domain": domain, "dmarc": {"policy": "none", "rua": [f"mailto:dmarc@{domain}"]}}
        )
        start = local.clock.start

        seen: dict[str, int] = {}

        def show(inv: Invocation) -> None:  # runs as each handler returns: progress as it happens
            arn = inv.execution
            if inv.function == "ApiFunction" or arn is None:
                return
            states = local.states_entered(
                arn
            )  # every state entered since the previous step, Choices and Waits too
            path = " > ".join(states[seen.get(arn, 0) :]) or "(retried in the same state)"
            seen[arn] = len(states)
            when = _since(start, inv.started_at or start)
            line = f"  {when:>8}  {path}: {_describe(inv.function, inv.result, inv.error_type)}"
            print(line, file=out, flush=True)

        local.observers.append(show)
        response = local.invoke("ApiFunction", event)
        print(f"POST /domains -> {response['statusCode']} {response['body']}\n", file=out)
        if response["statusCode"] != 202:
            return 1
        arn = json.loads(response["body"])["executionArn"]
        result = local.wait(arn, timeout=120)
        print(f"\nExecution {result['status']} after {local.clock.elapsed()} simulated", file=out)
        print(f"States entered: {' > '.join(local.states_entered(arn))}", file=out)
        print("\nZone changes:", file=out)
        after = local.zone_records(zone_id)
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                sign = "+" if key not in before else ("-" if key not in after else "~")
                print(
                    f"  {sign} {key[1]:5} {key[0]:55} {' '.join(after.get(key, before.get(key, ())))}",
                    file=out,
                )
        for message in local.notifications():
            print(
                f"\nE-mail: {message['subject']}\n" + "-" * 78 + f"\n{message['email']}\n" + "-" * 78,
                file=out,
            )
            payload = to_slack_payload(json.dumps(message["chatbot"]), subject=message["subject"])
            print(
                f"Slack (mrkdwn, as the channel receives it):\n{payload_text(payload)}\n" + "-" * 78, file=out
            )
        calls = local.api_calls() - local.api_calls("SweepFunction") - local.api_calls("WatchFunction")
        swept = sum(local.api_calls("SweepFunction").values())
        polls = calls.pop("sesv2:GetEmailIdentity", 0)
        print(
            f"\nAWS API calls: {sum(calls.values())} plus {polls} GetEmailIdentity (status reads) and {swept} by "
            "the fleet sweep (every 5 minutes while a domain waits); "
            f"state transitions: {local.transitions(arn)}; wall time {time.monotonic() - wall:.1f}s",
            file=out,
        )
        if result["status"] != "SUCCEEDED":
            return 1
        _watch(local, zone_id, out)
        return 0


def _watch(local: LocalAws, zone_id: str, out: Any) -> None:
    """After onboarding: someone deletes a DKIM record, and the next day's watch tells it, with the fix."""
    gone = sorted(n for n, t in local.zone_records(zone_id) if t == "CNAME" and "._domainkey." in n)[0]
    ttl, values = local.zone_sets(zone_id)[(gone, "CNAME")]
    record = {"Name": gone, "Type": "CNAME", "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}
    local.client("route53").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]}
    )
    local.clock.advance(24 * 3600)
    told = len(local.notifications())
    watched = local.run_function("WatchFunction", {})
    r = watched.result or {}
    print(
        f"\nThe next day: someone has deleted CNAME {gone}. The watch (hourly; a round every 24 h) audits every "
        f"verified domain: {r.get('audited', 0)} audited, {r.get('drifted', 0)} drifted, {r.get('told', 0)} told "
        f"({sum(watched.calls.values())} AWS calls)",
        file=out,
    )
    for message in local.notifications()[told:]:
        print(f"\nE-mail: {message['subject']}\n" + "-" * 78 + f"\n{message['email']}\n" + "-" * 78, file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Onboard a domain against the embedded AWS.")
    parser.add_argument("--domain", default="example.com")
    args = parser.parse_args(argv)
    return run(args.domain)


if __name__ == "__main__":
    raise SystemExit(main())
