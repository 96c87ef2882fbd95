"""Cold start as a function's first invocation pays it, measured outside the sandbox (`make bench`).

What a first invocation costs besides the network: starting the handler (its imports, its settings), then the
invocation itself (validating its event, whatever it imports or loads on the way, building its clients, its
calls' parameter checks and answers). The figure compares that with bare boto3 making the same calls:

1. **Record.** The embedded AWS runs the job once (a domain onboarded through the API, a sweep, a watch round,
   Slack, the trigger, a second domain offboarded) with ``CallGate.record_answers`` on, so each invocation keeps
   every call's parameters and the answer botocore handed the handler.
2. **Replay.** For each function, a fresh interpreter laid out as Lambda lays it out (the function's code and the
   layer's packages on ``sys.path``, nothing of the dev environment, byte-compiled as ``make build`` does) imports
   the handler and runs it on the event of its first successful invocation. A ``before-call`` hook answers each
   call with the recorded answer, as the sandbox itself answers SES (botocore skips signing, HTTP and parsing for
   such calls). DNS goes to the sandbox's DNS server and Slack's webhook to its loopback server, both still up.
3. **Baseline.** The same interpreter with bare ``import boto3``, one client per service the function called and
   the same calls with the same parameters, answered the same way.

The ratio is the median of paired CPU times (handler run, then bare run, ``RUNS`` pairs; CPU time, since wall time
on a shared 2-core machine is noise). Not included on either side: Lambda's own runtime start (the same for both),
signing and HTTP (skipped on both sides).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
LAYER = BENCH / "layer"
CODE = BENCH / "functions"
REQUIREMENTS = ROOT / "layers" / "mailauth" / "requirements.txt"
TARGET = 1.5
PIP_TARGET = ["--target", str(LAYER), "-r", str(REQUIREMENTS)]

#: the child: loads its job, then counts CPU time from the first import of botocore (boto3 imports these two modules
#: anyway); the answers are replayed at before-call
CHILD = r"""
import pickle, sys
with open(sys.argv[2], "rb") as f:
    job = pickle.load(f)
import time
_t = time.process_time()
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.handlers import BUILTIN_HANDLERS
queues = {}
for answer in job["answers"]:
    queues.setdefault((answer[0], answer[1]), []).append(answer)
class _Raw:
    def stream(self, **_):
        yield b""
unrecorded = []
def _replay(model, **_):
    queue = queues.get((model.service_model.service_name, model.name))
    if not queue:  # a path the recorded run did not take (the clock differs): an empty success
        unrecorded.append(model.name)
        return AWSResponse("https://replay.invalid/", 200, HTTPHeaders(), _Raw()), {}
    answer = queue.pop(0) if len(queue) > 1 else queue[0]
    return AWSResponse("https://replay.invalid/", answer[3], HTTPHeaders(), _Raw()), pickle.loads(answer[4])
BUILTIN_HANDLERS.append(("before-call", _replay))
if sys.argv[1] == "handler":
    class Context:
        function_name = job["function"]
        invoked_function_arn = job["arn"]
        memory_limit_in_mb = 512
        function_version = "$LATEST"
        aws_request_id = "00000000-0000-4000-8000-000000000000"
        log_group_name = "/aws/lambda/" + job["function"]
        log_stream_name = "2026/11/29/[$LATEST]bench"
        def get_remaining_time_in_millis(self):
            return 30000
    import app
    app.handler(job["event"], Context())
else:
    import boto3
    from botocore import xform_name
    from botocore.exceptions import ClientError
    clients = {}
    for service, operation, params, _, _ in job["answers"]:
        if service not in clients:
            clients[service] = boto3.client(service)
        try:
            getattr(clients[service], xform_name(operation))(**params)
        except ClientError:
            pass
print(time.process_time() - _t, len(unrecorded))
"""


def _stamp(path: Path) -> str:
    return hashlib.sha256(path.read_bytes() + sys.version.encode()).hexdigest()


def lambda_tree() -> None:
    """.bench/layer: the layer's pinned packages for this machine (`sam build` builds them for arm64, which this
    machine cannot import) plus the mailauth package; .bench/functions: each function's code. Byte-compiled as
    `make build` compiles the built layer."""
    stamp = LAYER / ".requirements-sha256"
    if not stamp.is_file() or stamp.read_text() != _stamp(REQUIREMENTS):
        shutil.rmtree(LAYER, ignore_errors=True)
        pip = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps"]
        installed = subprocess.run([*pip, *PIP_TARGET], capture_output=True, text=True)
        if (
            installed.returncode
        ):  # pip's own words (pip is quiet when it succeeds: its warnings are not shown)
            raise SystemExit(
                f"coldstart: pip could not install {REQUIREMENTS} into {LAYER}:\n{installed.stderr}"
            )
        stamp.write_text(_stamp(REQUIREMENTS))
    shutil.rmtree(LAYER / "mailauth", ignore_errors=True)
    shutil.copytree(ROOT / "layers" / "mailauth" / "mailauth", LAYER / "mailauth")
    shutil.rmtree(CODE, ignore_errors=True)
    shutil.copytree(ROOT / "functions", CODE, ignore=shutil.ignore_patterns("__pycache__"))
    for tree in (LAYER, CODE):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                str(tree),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )


@contextmanager
def _slack() -> Iterator[str]:
    """Slack's incoming webhook on 127.0.0.1, answering ``ok``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
    finally:
        server.shutdown()
        server.server_close()


def _first_runs(local: Any) -> dict[str, Any]:
    first: dict[str, Any] = {}
    for invocation in local.invocations:
        if invocation.ok:
            first.setdefault(invocation.function, invocation)
    return first


def _scenario(local: Any, slack_url: str) -> None:
    """Every function once: onboard through the API (SES verifies after two hours: park, sweep), Slack on each
    notification, a watch round, the trigger for a new zone, a second domain offboarded."""
    local.client("ssm").put_parameter(
        Name="/mailauth/slack-webhook-url", Value=slack_url, Type="SecureString", Overwrite=True
    )
    for domain in ("example.com", "example.org"):
        local.create_hosted_zone(domain)
    event = json.loads((ROOT / "events" / "api_post_domains.json").read_text())
    for domain in ("example.com", "example.org"):
        event["body"] = json.dumps(
            {"domain": domain, "dmarc": {"policy": "none", "rua": [f"mailto:dmarc@{domain}"]}}
        )
        response = local.invoke("ApiFunction", event)
        if response["statusCode"] != 202:
            raise SystemExit(
                f"coldstart: POST /domains answered {response['statusCode']}: {response['body']}"
            )
        local.wait(json.loads(response["body"])["executionArn"], timeout=120)
    local.clock.advance(24 * 3600)
    local.run_function("WatchFunction", {})
    deleted = local.api_delete("example.org")
    local.wait(json.loads(deleted.result["body"])["executionArn"], timeout=120)
    zone = local.create_hosted_zone("shop.example.net")
    trigger = json.loads((ROOT / "events" / "trigger_create_hosted_zone.json").read_text())
    trigger["detail"]["requestParameters"]["name"] = "shop.example.net"
    trigger["detail"]["responseElements"]["hostedZone"].update(
        id=f"/hostedzone/{zone}", name="shop.example.net."
    )
    local.run_function("TriggerFunction", trigger)
    # the sandbox does not deliver SNS to Lambda: the Slack function gets the notification as SNS would pass it
    local.run_function(
        "SlackWebhookFunction", json.loads((ROOT / "events" / "slack_webhook.json").read_text())
    )


def _pair(job: Path, env: dict[str, str], code: Path, layer: list[Path]) -> tuple[float, float, int]:
    def one(mode: str, path: list[Path]) -> float:
        out = subprocess.run(
            [sys.executable, "-S", "-c", CHILD, mode, str(job)],
            env={**env, "PYTHONPATH": os.pathsep.join(str(p) for p in path)},
            capture_output=True,
            text=True,
        )
        if out.returncode:
            raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed")
        took, unrecorded = out.stdout.strip().splitlines()[-1].split()
        misses.append(int(unrecorded))
        return float(took)

    misses: list[int] = []
    return one("handler", [code, *layer]), one("bare", layer), max(misses)


def measure(runs: int, layer: list[Path] | None = None) -> dict[str, dict[str, Any]]:
    """Each function's first invocation against bare boto3 making its calls: CPU seconds and their ratio.

    ``layer``: where the children find the layer's packages instead of .bench (a test passes the source tree and
    the dev environment's packages: no build, no download); the functions' code is then read from functions/.
    """
    sys.path[:0] = [str(ROOT / "layers" / "mailauth"), str(ROOT / "sandbox")]
    import logging

    from mailauth_sandbox import LocalAws, SesBehaviour

    logging.getLogger("moto").setLevel(logging.CRITICAL)
    if layer is None:
        lambda_tree()
    code_root = CODE if layer is None else ROOT / "functions"
    layer = [LAYER] if layer is None else layer
    results: dict[str, dict[str, Any]] = {}
    with (
        _slack() as slack_url,
        LocalAws(
            ses=SesBehaviour(verify=("after", 2.0)),
            parameters={"SlackWebhookParameterName": "/mailauth/slack-webhook-url"},
            env={"MAILAUTH_SLACK_ALLOWED_URL_PREFIX": "http://127.0.0.1:"},
        ) as local,
        tempfile.TemporaryDirectory() as scratch,
    ):
        tmp = os.environ.get("COLDSTART_KEEP") or scratch  # keep the jobs, to profile one by hand
        local.gate.record_answers = True
        _scenario(local, slack_url)
        base = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_DEFAULT_REGION": local.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_SERVICE_NAME": "mailauth",
        }
        for name, invocation in sorted(_first_runs(local).items()):
            function = local.functions[name]
            code = code_root / Path(str(function.code_dir)).name
            job = Path(tmp) / f"{name}.pickle"
            answers = [
                (a.service, a.operation, a.params, a.status, pickle.dumps(a.parsed))
                for a in invocation.answers
            ]
            job.write_bytes(
                pickle.dumps(
                    {"function": name, "arn": function.arn, "event": invocation.event, "answers": answers}
                )
            )
            env = {**base, **function.environment, "AWS_LAMBDA_FUNCTION_NAME": name}
            if "COLDSTART_KEEP" in os.environ:
                (Path(tmp) / f"{name}.env.json").write_text(json.dumps({**env, "_CODE": str(code)}))
            try:
                pairs = [_pair(job, env, code, layer) for _ in range(runs)]
            except RuntimeError as exc:
                results[name] = {"error": str(exc)}
                continue
            results[name] = {
                "calls": len(answers),
                "services": sorted({a[0] for a in answers}),
                "handler": statistics.median(p[0] for p in pairs),
                "bare": statistics.median(p[1] for p in pairs),
                "ratio": statistics.median(p[0] / p[1] for p in pairs),
                "unrecorded": max(p[2] for p in pairs),
            }
        missing = sorted(set(local.functions) - set(results))
        for invocation in local.invocations:
            if invocation.function in missing and not invocation.ok:
                print(f"  ({invocation.function}: {invocation.error_type}: {invocation.error_message})")
    for name in missing:
        results[name] = {"error": "no successful invocation in the scenario"}
    return results


def report(results: dict[str, dict[str, Any]]) -> int:
    """Print the table; the number of functions over the target (or that could not be measured)."""
    print(f"  {'function':28} {'calls':>5} {'ms':>6} {'bare':>6} {'ratio':>6}  services")
    over = 0
    for name, row in sorted(results.items()):
        if "error" in row:
            over += 1
            print(f"  {name:28} not measured: {row['error']}")
            continue
        flag = "*" if row["ratio"] > TARGET else " "
        over += row["ratio"] > TARGET
        print(
            f"  {name:28} {row['calls']:5} {row['handler'] * 1000:6.0f} {row['bare'] * 1000:6.0f} "
            f"{row['ratio']:6.2f}{flag} {','.join(row['services'])}"
            + (f" ({row['unrecorded']} call(s) off the recorded path)" if row["unrecorded"] else "")
        )
    return over


if __name__ == "__main__":
    rows = measure(int(os.environ.get("BENCH_RUNS", "7")))
    print(f"{report(rows)} function(s) over {TARGET} or not measured (*)")
