"""`make bench`: the performance figures of the onboarding workflow (printed, never asserted in tests).

- cold start of each function as its first invocation pays it (scripts/coldstart.py): the handler's import and its
  first invocation, replayed outside the sandbox, against bare boto3 making the same calls (target: ratio <= 1.5)
- AWS API calls on the happy path by operation, verification polls excluded (target: <= 20: 17 calls that do the
  job, and 3 writes that book SES's request rate fleet-wide, docs/decisions.md)
- state transitions on the happy path with one poll (target: <= 20) and over a 48-hour timeout (<= 400)
- wall time and peak memory of the embedded runs
- the built layer's size (the layer ships its own pinned boto3/botocore) and a cold `import boto3` + client
  from it (byte-compiled by `make build`), which is what the pinned SDK adds to a cold start besides the larger
  layer download
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "layers" / "mailauth"), str(ROOT / "sandbox"), str(ROOT)]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ENV = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "1"}


def imports() -> None:
    from scripts import coldstart

    print(
        f"Cold start: each function's first invocation replayed in a fresh interpreter laid out as Lambda lays it out\n"
        f"(scripts/coldstart.py), against bare boto3 making the same calls; CPU ms, median of {RUNS} pairs "
        f"(target: ratio <= {coldstart.TARGET})"
    )
    over = coldstart.report(coldstart.measure(RUNS))
    print(f"  {over} function(s) over {coldstart.TARGET} or not measured (*)")


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def layer() -> None:
    import io
    import zipfile

    built = ROOT / ".aws-sam" / "build" / "MailauthLayer" / "python"
    if not built.is_dir():
        print("\nLayer: not built (make build)")
        return
    sdk = sum(_size(built / name) for name in ("boto3", "botocore", "s3transfer") if (built / name).is_dir())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in built.rglob("*"):
            if path.is_file():
                archive.write(path, path.relative_to(built.parent))
    print(
        f"\nLayer (built): {_size(built) / 2**20:.1f} MiB unzipped, {len(buffer.getvalue()) / 2**20:.1f} MiB "
        f"zipped; the pinned SDK (boto3, botocore, s3transfer) is {sdk / 2**20:.1f} MiB of it"
    )
    env = {**ENV, "PYTHONPATH": str(built)}
    times = []
    for _ in range(RUNS):
        probe = "import time; t = time.perf_counter(); import boto3; boto3.client('sesv2'); print(time.perf_counter() - t)"
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    print(f"  cold `import boto3` + an sesv2 client from the layer: {statistics.median(times) * 1000:.0f} ms")


def workflows() -> None:
    import logging

    from mailauth_sandbox import LocalAws, SesBehaviour

    logging.getLogger("moto").setLevel(logging.CRITICAL)  # the interpreter logs every Fail state as ERROR

    quiet = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}
    start = time.monotonic()
    with LocalAws(env=quiet) as local:
        local.create_hosted_zone("example.com")
        arn = local.start_execution({"request": {"domain": "example.com"}}, name="bench-happy")
        status = local.wait(arn, timeout=120)["status"]
        # the verification polls: CheckVerification's calls (its SES slot and GetEmailIdentity)
        poll_calls = local.api_calls("CheckVerificationFunction", tables=True)
        calls = local.api_calls(tables=True) - poll_calls
        polls = poll_calls.get("sesv2:GetEmailIdentity", 0)
        happy_transitions = local.transitions(arn)
    happy_wall = time.monotonic() - start
    print(f"\nHappy path ({status}, {polls} verification poll(s)), wall {happy_wall:.2f} s")
    print(f"  AWS API calls excluding polls: {sum(calls.values())} (target <= 20)")
    for key, count in sorted(calls.items()):
        print(f"    {key:45} {count}")
    print(f"  State transitions: {happy_transitions} (target <= 20)")

    start = time.monotonic()
    with LocalAws(ses=SesBehaviour(verify="never"), env=quiet) as local:
        local.create_hosted_zone("example.com")
        arn = local.start_execution({"request": {"domain": "example.com"}}, name="bench-timeout")
        status = local.wait(arn, timeout=300)["status"]
        checks = sum(1 for i in local.invocations if i.function == "CheckVerificationFunction")
        print(
            f"\n48-hour timeout ({status} after {local.clock.elapsed()} simulated, {checks} polls), "
            f"wall {time.monotonic() - start:.2f} s"
        )
        print(f"  State transitions: {local.transitions(arn)} (target <= 400)")
    import io

    from mailauth_sandbox.demo import run as demo
    from mailauth_sandbox.scenario import run_file

    start = time.monotonic()
    demo("example.com", out=io.StringIO())
    print(f"\nDefault demo (after set-up): wall {time.monotonic() - start:.2f} s (target < 15 s)")
    result = run_file(ROOT / "scenarios" / "twenty-domains.yaml")
    ok = sum(1 for d in result["domains"] if d["status"] == "SUCCEEDED")
    print(f"20-domain scenario: {ok}/20 succeeded, wall {result['wall_seconds']:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory of this process: {peak:.0f} MiB")
    print(json.dumps({"happy_transitions": happy_transitions, "happy_calls": sum(calls.values())}))


if __name__ == "__main__":
    imports()
    layer()
    workflows()
