"""scripts/e2e.py (`make e2e-aws`) exercised offline: the whole run against the embedded AWS, the SKIPPED path of
the real-account mode without credentials, and the SigV4 check the local API applies."""

from __future__ import annotations

import io
import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from scripts import e2e

ASSUMPTION_IDS = list(e2e.ASSUMPTIONS)  # the probed assumptions of docs/local.md


@pytest.mark.slow
def test_local_run_onboards_probes_offboards_and_cleans_up(tmp_path: Path) -> None:
    out = io.StringIO()

    report = e2e.run(e2e.LocalBackend(), report_dir=tmp_path, out=out)

    text = out.getvalue()
    assert report.passed, text
    assert report.failure is None
    assert report.domain.startswith("e2e-") and report.domain.endswith(".example.com")
    assert report.stack.startswith("mailauth-e2e-") and len(report.stack) == len("mailauth-e2e-") + 8
    assert all(check.ok for check in report.checks)
    assert report.check("POST /domains -> 202").ok
    assert report.check("identity.verifiedForSending is True").ok
    assert report.check("Notify published (message_id in the history)").ok
    assert report.check("one outcome notification for the domain").ok
    assert report.check("offboarding SUCCEEDED").ok
    assert report.check("zone equals the snapshot").ok
    assert report.check("SES identity gone (NotFoundException)").ok
    assert "identical" in report.check("zone equals the snapshot").detail
    # every assumption recorded with what the emulator answered (its answers are not asserted here)
    assert sorted(p.id for p in report.probes) == sorted(ASSUMPTION_IDS)
    for probe in report.probes:
        assert probe.observed, probe
        assert probe.question and probe.assumption
    assert "not_probed" in report.probe("A10").observed
    assert report.probe("A1").observed["tokens"] == 3
    assert report.probe("A9").observed["seconds to INSYNC"] is not None
    assert (
        report.probe("A12").matched is True
    )  # the SigningHostedZone SES returned reached EnsureIdentity's output
    # cleanup ran and succeeded, the embedded AWS last
    cleanup = [s for s in report.steps if s.cleanup]
    assert cleanup and all(s.ok for s in cleanup)
    assert cleanup[-1].name == "stop the embedded AWS"
    assert any(s.name == "stop executions still running" for s in cleanup)
    assert report.probe_domain in next(s.detail for s in cleanup if s.name == "delete the probe identity")
    # the JSON report and the human summary
    written = json.loads(Path(report.path).read_text())
    assert Path(report.path).parent == tmp_path and Path(report.path).name == f"report-{report.stack}.json"
    assert written["passed"] is True and {p["id"] for p in written["probes"]} == set(ASSUMPTION_IDS)
    assert "\nPASSED" in text and "Assumptions (what the backend answered):" in text
    assert all(f"  {step.name}" in text for step in report.steps)


@pytest.mark.slow
def test_a_failed_onboarding_still_offboards_and_cleans_up(tmp_path: Path) -> None:
    from mailauth_sandbox import SesBehaviour

    backend = e2e.LocalBackend(options={"ses": SesBehaviour(verify="never")})

    report = e2e.run(backend, max_wait_hours=1, report_dir=tmp_path, out=io.StringIO())

    assert not report.passed and report.precondition is None
    assert report.failure is not None and report.failure.startswith("onboarding SUCCEEDED: FAILED")
    assert not report.check("onboarding SUCCEEDED").ok
    steps = {s.name: s for s in report.steps}
    assert "offboard (DELETE /domains/{domain})" not in steps  # the run stopped at the failed check ...
    assert (
        steps["offboard (cleanup)"].ok and "SUCCEEDED" in steps["offboard (cleanup)"].detail
    )  # ... cleanup did it
    assert steps["remove leftover records under the test domain"].detail == "none"  # offboarding removed them
    assert steps["delete the test identity if left"].detail == "none"
    assert all(s.ok for s in report.steps if s.cleanup)
    assert sorted(p.id for p in report.probes) == sorted(ASSUMPTION_IDS)  # recorded despite the failure
    assert json.loads(Path(report.path).read_text())["passed"] is False


def _no_aws_environment(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    for key in list(os.environ):
        if key.startswith(("AWS_", "MAILAUTH_E2E_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"network use while skipping: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_aws_mode_without_credentials_or_zone_prints_one_skipped_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts = _no_aws_environment(monkeypatch)
    out = io.StringIO()

    assert e2e.main(["aws"], out=out) == 0

    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("SKIPPED: ")
    assert "MAILAUTH_E2E_PARENT_ZONE_ID" in lines[0] and "AWS credentials" in lines[0]
    assert "make e2e-aws" in lines[0]
    assert attempts == []


def test_aws_mode_with_a_zone_but_no_credentials_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _no_aws_environment(monkeypatch)
    monkeypatch.setenv("MAILAUTH_E2E_PARENT_ZONE_ID", "Z0123456789ABCDEFGHIJ")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # the chain's last resort is instance metadata
    out = io.StringIO()

    assert e2e.main(["aws"], out=out) == 0

    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("SKIPPED: "), lines
    assert "AWS credentials" in lines[0] and "needs MAILAUTH_E2E_PARENT_ZONE_ID" not in lines[0]
    assert attempts == []


@pytest.mark.parametrize("argv", [["gcp"], ["aws", "--max-wait-hours", "100"], []])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert e2e.main(argv, out=io.StringIO()) == 2
    assert "usage:" in capsys.readouterr().err


def _signed(
    credentials: ReadOnlyCredentials, body: bytes | None = b'{"domain": "x.example.com"}'
) -> AWSRequest:
    request = AWSRequest(
        method="POST",
        url="https://abc.execute-api.us-east-1.amazonaws.com/v1/domains",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return request


def test_the_local_api_checks_sigv4_as_api_gateway_does() -> None:
    credentials = ReadOnlyCredentials("AKIDEXAMPLE", "secret", "token")

    assert e2e.verify_sigv4(_signed(credentials), credentials, "us-east-1") is None

    tampered = _signed(credentials)
    tampered.data = b'{"domain": "y.example.com"}'
    assert "does not match" in str(e2e.verify_sigv4(tampered, credentials, "us-east-1"))
    other_key = ReadOnlyCredentials("AKIDEXAMPLE", "other-secret", None)
    assert "does not match" in str(e2e.verify_sigv4(_signed(credentials), other_key, "us-east-1"))
    assert "scoped" in str(e2e.verify_sigv4(_signed(credentials), credentials, "eu-west-1"))
    unsigned = AWSRequest(method="GET", url="https://abc.execute-api.us-east-1.amazonaws.com/v1/domains/x")
    assert e2e.verify_sigv4(unsigned, credentials, "us-east-1") == "Missing Authentication Token"


class _IamAuthApi(BaseHTTPRequestHandler):
    """Answers like API Gateway with AWS_IAM auth: 403 unless the SigV4 signature holds, else echoes the request."""

    credentials = ReadOnlyCredentials("AKIDEXAMPLE", "secret", "session-token")

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        request = AWSRequest(
            method=self.command,
            url=f"http://{self.headers['Host']}{self.path}",
            data=body,
            headers=dict(self.headers.items()),
        )
        problem = e2e.verify_sigv4(request, self.credentials, "us-east-1")
        status, payload = (403, {"message": problem}) if problem else (200, {"method": self.command})
        if body:
            payload["body"] = json.loads(body)
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def iam_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _IamAuthApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_aws_backend_sends_signed_requests_that_survive_urllib(iam_api: str, method: str) -> None:
    class Session:
        def get_partition_for_region(self, region: str) -> str:
            return "aws"

    backend = e2e.AwsBackend(session=Session(), region="us-east-1", zone_id="Z1")
    body = json.dumps({"domain": "x.example.com"}).encode() if method == "POST" else None
    path = "/domains" if method == "POST" else "/domains/x.example.com"
    credentials = _IamAuthApi.credentials

    ok = backend.send(e2e.signed_request(method, iam_api + path, body, credentials, "us-east-1"))
    wrong_key = ReadOnlyCredentials("AKIDEXAMPLE", "not-the-secret", "session-token")
    refused = backend.send(e2e.signed_request(method, iam_api + path, body, wrong_key, "us-east-1"))

    assert ok.status == 200, ok.body
    assert ok.body["method"] == method and ok.body.get("body") == (json.loads(body) if body else None)
    assert refused.status == 403 and "does not match" in refused.body["message"]


def test_notify_message_id_is_read_from_lambda_task_and_state_output() -> None:
    def entered(name: str) -> dict[str, Any]:
        return {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": name}}

    lambda_result = {
        "type": "LambdaFunctionSucceeded",
        "lambdaFunctionSucceededEventDetails": {"output": json.dumps({"message_id": "m-1"})},
    }
    task_result = {
        "type": "TaskSucceeded",
        "taskSucceededEventDetails": {"output": json.dumps({"Payload": {"message_id": "m-2"}})},
    }
    exited = {
        "type": "TaskStateExited",
        "stateExitedEventDetails": {
            "name": "Notify",
            "output": json.dumps({"notification": {"message_id": "m-3"}}),
        },
    }

    assert e2e.notify_message_id([entered("Notify"), lambda_result]) == "m-1"
    assert e2e.notify_message_id([entered("Notify"), task_result]) == "m-2"
    assert e2e.notify_message_id([entered("Notify"), exited]) == "m-3"
    assert e2e.notify_message_id([entered("AnnounceRecords"), lambda_result]) is None
    assert (
        e2e.notify_message_id([entered("Notify"), {"type": "TaskStateExited", "stateExitedEventDetails": {}}])
        is None
    )


def test_cleanup_never_deletes_a_stack_this_script_did_not_name() -> None:
    class Session:
        def get_partition_for_region(self, region: str) -> str:
            return "aws-cn" if region.startswith("cn-") else "aws"

    backend = e2e.AwsBackend(session=Session(), region="cn-north-1", zone_id="/hostedzone/Z1")

    assert backend.partition == "aws-cn" and backend.zone_id == "Z1"
    with pytest.raises(ValueError, match="refusing"):
        backend.cleanup_actions("mailauth")
    assert [name for name, _ in backend.cleanup_actions("mailauth-e2e-abcd1234")][1] == "sam delete"
