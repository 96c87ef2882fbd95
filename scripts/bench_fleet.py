"""`make bench-fleet`: N domains submitted at once, under AWS's account-level API rate limits (printed, never
asserted in tests; issue 12).

Each N runs in its own process (so that peak memory is that run's) in the embedded AWS with the limits on
(`ApiLimits.aws_defaults()`: SES 1 request/s per account and region, Route 53's bucket, 50 ms a call) and
public DNS on loopback. Every domain has its own public hosted zone and is submitted through the API, all within
one simulated instant. Reported per N:

- verified / failed / failures caused by throttling (a run that ended on AwsThrottledError, Throttling or
  TooManyRequestsException);
- SES calls per domain (every SES v2 call any function made), and the GetEmailIdentity calls among them;
- status reads per domain: what the verification checks cost SES (their GetEmailIdentity calls, plus the sweep's
  ListEmailIdentities shared out), the figure issue 12 compares with one GetEmailIdentity per poll;
- state transitions per domain, retries included (what Standard workflows bill);
- simulated time from submission to the last verification, against the floor: the longer of the SES calls that
  must be made, at SES's 1 request/s (N times the SES calls of one domain's run, less its repeated status polls and
  the sweep's listings), and the last identity's creation plus one domain's own time to verification (SES and DNS
  take that long whatever we do);
- wall time and peak memory (max RSS) of the run, and their growth with N.

Default N: 50 and 200; `FLEET_N=50,200,1000 make bench-fleet` for more. `FLEET_VERIFY_HOURS=H` makes SES verify each
domain H hours after its records are served (default 0: at once, as the sandbox's SES does), so that runs wait
and the fleet sweep has something to do; `FLEET_SWEEP=0` runs without the sweep (every check asks SES, as before
issue 12, item 3), for comparison. With `FLEET_VERIFY_HOURS` set, the largest N also runs without the sweep
(`FLEET_BASELINE=0` skips it) and a `polls:` line compares the status reads per domain of the two. The last line is
`fleet: n=<N> verified=<v> failed=<f> throttle_failures=<t> ses_calls_per_domain=<c> ratio_to_floor=<r>` for the
largest N run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "mailauth"), str(ROOT / "sandbox"), str(ROOT)]

THROTTLING = ("AwsThrottledError", "Throttling", "TooManyRequests", "Rate exceeded")
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


def run(n: int) -> dict[str, Any]:
    """Onboard ``n`` domains at once in one embedded AWS with the limits on; return the figures."""
    from mailauth_sandbox import LocalAws, SesBehaviour
    from mailauth_sandbox.limits import ApiLimits

    wall = time.monotonic()
    domains = [f"brand{i:05d}.example" for i in range(n)]
    hours = float(os.environ.get("FLEET_VERIFY_HOURS", "0") or 0)
    behaviour = SesBehaviour(verify=("after", hours) if hours else "dns")
    with LocalAws(limits=ApiLimits.aws_defaults(), env=QUIET, ses=behaviour) as local:
        if os.environ.get("FLEET_SWEEP", "1") == "0" and local.scheduler is not None:
            local.scheduler.stop()
        for domain in domains:
            local.create_hosted_zone(domain)
        start = local.clock.now()
        arns: dict[str, str] = {}
        refused: list[str] = []
        with local.clock.held():
            for domain in domains:
                invocation = local.api_post({"domain": domain, "priority": "bulk"})
                body = json.loads(invocation.result["body"]) if invocation.ok else {}
                if body.get("executionArn"):
                    arns[domain] = body["executionArn"]
                else:
                    refused.append(domain)
        for arn in arns.values():
            local.wait(arn, timeout=3600)
        by_execution: dict[str, list[Any]] = defaultdict(list)
        for inv in local.invocations:
            if inv.execution:
                by_execution[inv.execution].append(inv)
        sfn = local.client("stepfunctions")
        verified_at: list[float] = []
        failed, throttle_failures, transitions = 0, 0, 0
        for arn in arns.values():
            description = sfn.describe_execution(executionArn=arn)
            transitions += billed_transitions(local.history(arn))
            notify = [i for i in by_execution[arn] if i.function == "NotifyFunction" and i.ok]
            outcome = (notify[-1].result or {}).get("outcome") if notify else None
            if outcome == "success":
                verified_at.append((notify[-1].started_at - start).total_seconds())
                continue
            failed += 1
            text = json.dumps([description.get("output"), description.get("error"), description.get("cause")])
            text += json.dumps([i.event.get("state", {}).get("error") for i in notify])
            if any(word in text for word in THROTTLING):
                throttle_failures += 1
        calls = local.api_calls()
        ses = Counter({k: v for k, v in calls.items() if k.startswith("sesv2:")})
        throttled = local.limiter.stats()["throttled"] if local.limiter else {}
        simulated = local.clock.elapsed().total_seconds()
    return {
        "n": n,
        "verified": len(verified_at),
        "failed": failed + len(refused),
        "throttle_failures": throttle_failures,
        "ses_calls": dict(ses),
        "ses_calls_per_domain": sum(ses.values()) / n,
        "polls_per_domain": ses.get("sesv2:GetEmailIdentity", 0) / n,
        "status_reads_per_domain": (
            local.api_calls("CheckVerificationFunction").get("sesv2:GetEmailIdentity", 0)
            + ses.get("sesv2:ListEmailIdentities", 0)
        )
        / n,
        "sweep_lists": ses.get("sesv2:ListEmailIdentities", 0),
        "throttled": throttled,
        "transitions_per_domain": transitions / n,
        "last_verified_seconds": max(verified_at, default=0.0),
        "first_verified_seconds": min(verified_at, default=0.0),
        "simulated_seconds": simulated,
        "wall_seconds": time.monotonic() - wall,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def billed_transitions(history: list[dict[str, Any]]) -> int:
    """What Step Functions bills: every state entered, and every retry of a Task (a retry schedules the task
    again within one state entry)."""
    entered = sum(1 for e in history if e["type"].endswith("StateEntered"))
    tasks = sum(1 for e in history if e["type"] == "TaskStateEntered")
    scheduled = sum(1 for e in history if e["type"] in ("LambdaFunctionScheduled", "TaskScheduled"))
    return entered + max(scheduled - tasks, 0)


def child(n: int, **overrides: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path[:3]), **overrides}
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(n)], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"bench-fleet: the run with n={n} failed (exit {out.returncode})")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


#: SES calls a domain makes up to and including CreateEmailIdentity (Resolve's lookup, the creation), after which
#: the sandbox's SES starts the domain's time to verification (``FLEET_VERIFY_HOURS``)
BEFORE_CREATION = 2


def floor(one: dict[str, Any], n: int) -> float:
    """The fastest the fleet could verify, whichever is longer: the SES calls that must be made (one domain's,
    less its repeated status polls and the sweep's listings, which a fleet shares, times n) at 1 per second; or
    the last identity's creation (n times the calls a domain makes up to it) plus one domain's own time to
    verification (SES and DNS take that long whatever we do)."""
    lists = one["ses_calls"].get("sesv2:ListEmailIdentities", 0)
    must = one["ses_calls_per_domain"] - lists - max(one["polls_per_domain"] - 1, 0)
    return float(max(n * must / 1.0, n * BEFORE_CREATION / 1.0 + one["last_verified_seconds"]))


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(run(int(sys.argv[2]))))
        return 0
    sizes = [int(x) for x in os.environ.get("FLEET_N", "50,200").split(",") if x.strip()]
    one = child(1)
    print(
        f"one domain alone: verified after {one['last_verified_seconds']:.0f} s simulated, "
        f"{one['ses_calls_per_domain']:.0f} SES calls ({one['polls_per_domain']:.0f} GetEmailIdentity polls), "
        f"{one['transitions_per_domain']:.0f} transitions"
    )
    rows = []
    header = (
        f"{'n':>6} {'verified':>8} {'failed':>6} {'thr.fail':>8} {'ses/dom':>7} {'polls/dom':>9} {'reads/dom':>9} "
        f"{'trans/dom':>9} {'last (s)':>9} {'floor (s)':>9} {'ratio':>6} {'wall (s)':>8} {'wall/dom':>8} "
        f"{'RSS MiB':>8}"
    )
    print(header)
    for n in sizes:
        r = child(n)
        r["floor_seconds"] = floor(one, n)
        r["ratio_to_floor"] = r["last_verified_seconds"] / r["floor_seconds"] if r["floor_seconds"] else 0.0
        rows.append(r)
        print(
            f"{n:>6} {r['verified']:>8} {r['failed']:>6} {r['throttle_failures']:>8} "
            f"{r['ses_calls_per_domain']:>7.1f} {r['polls_per_domain']:>9.1f} {r['status_reads_per_domain']:>9.2f} "
            f"{r['transitions_per_domain']:>9.1f} "
            f"{r['last_verified_seconds']:>9.0f} {r['floor_seconds']:>9.0f} {r['ratio_to_floor']:>6.2f} "
            f"{r['wall_seconds']:>8.1f} {r['wall_seconds'] / n:>8.3f} {r['peak_rss_mib']:>8.0f}",
            flush=True,
        )
        if r["throttled"]:
            print(f"       throttled by AWS (retried): {r['throttled']}")
        if r["sweep_lists"]:
            print(f"       fleet sweep: {r['sweep_lists']} ListEmailIdentities calls in all")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(
            f"growth {a['n']} -> {b['n']} domains (x{b['n'] / a['n']:.0f}): wall x{b['wall_seconds'] / a['wall_seconds']:.1f}, "
            f"peak RSS x{b['peak_rss_mib'] / a['peak_rss_mib']:.2f}"
        )
    last = rows[-1]
    hours = os.environ.get("FLEET_VERIFY_HOURS", "0") or "0"
    swept = os.environ.get("FLEET_SWEEP", "1") != "0"
    if float(hours) and swept and os.environ.get("FLEET_BASELINE", "1") != "0":
        base = child(last["n"], FLEET_SWEEP="0")
        fewer = base["status_reads_per_domain"] / last["status_reads_per_domain"]
        print(
            f"without the sweep, n={last['n']}: {base['verified']} verified, {base['ses_calls_per_domain']:.1f} SES calls "
            f"and {base['status_reads_per_domain']:.2f} status reads per domain, last verified after "
            f"{base['last_verified_seconds']:.0f} s, {base['transitions_per_domain']:.1f} transitions per domain"
        )
        print(
            f"polls: n={last['n']} verify_hours={float(hours):g} status_reads_per_domain={last['status_reads_per_domain']:.2f} "
            f"without_sweep={base['status_reads_per_domain']:.2f} fewer={fewer:.1f}x"
        )
    print(
        f"fleet: n={last['n']} verified={last['verified']} failed={last['failed']} "
        f"throttle_failures={last['throttle_failures']} ses_calls_per_domain={last['ses_calls_per_domain']:.1f} "
        f"ratio_to_floor={last['ratio_to_floor']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
