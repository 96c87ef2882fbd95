"""A stand-in for mailauth's deployed API: a real HTTP server on 127.0.0.1 answering the API contract with canned
JSON, and refusing (403, as API Gateway's IAM auth does) every request whose SigV4 signature for execute-api does
not hold. The signature is recomputed with botocore from the known test credentials (scripts/e2e.verify_sigv4).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from scripts import e2e

CREDENTIALS = ReadOnlyCredentials("AKIDCLITEST", "cli-test-secret", "cli-test-session-token")
REGION = "us-east-1"
STAGE = "/v1"


DOMAIN_PATH = "/domains/example.com"


def clean_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Exactly ``env`` of AWS and mailauth settings: no profile, no other credential source."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "MAILAUTH_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def run(api: FakeApi, *argv: str) -> int:
    """``mailauth --endpoint <the fake API> ARGV``, in this process."""
    from mailauth_cli.__main__ import main

    return main(["--endpoint", api.endpoint, *argv])


def signed_by_the_caller(api: FakeApi) -> None:
    """Every request reached the routes with a signature the server recomputed, scoped to execute-api."""
    assert api.seen and not api.refused
    for seen in api.seen:
        authorization = seen.headers["Authorization"]
        assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={CREDENTIALS.access_key}/")
        assert "/us-east-1/execute-api/aws4_request" in authorization
        assert seen.headers["X-Amz-Security-Token"] == CREDENTIALS.token


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command wrote on stderr: exactly one line, ``error: ...``."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err.strip()


@dataclass
class Seen:
    method: str
    path: str  # without the stage and the query
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class FakeApi:
    """Routes ``(METHOD, path)`` to a queue of answers ``(status, body)``; the last answer of a queue repeats."""

    credentials: ReadOnlyCredentials = CREDENTIALS
    routes: dict[tuple[str, str], list[tuple[int, Any]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # the signature problems found
    endpoint: str = ""

    def answer(self, method: str, path: str, *answers: tuple[int, Any]) -> None:
        self.routes[(method, path)] = list(answers)

    def requests(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if (s.method, s.path) == (method, path)]

    def respond(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, Any]:
        problem = e2e.verify_sigv4(
            AWSRequest(method=method, url=url, data=body, headers=dict(headers)), self.credentials, REGION
        )
        if problem:
            self.refused.append(problem)
            return 403, {"message": problem}
        parts = urlsplit(url)
        path = parts.path.removeprefix(STAGE)
        self.seen.append(
            Seen(
                method, path, dict(parse_qsl(parts.query)), json.loads(body) if body else None, dict(headers)
            )
        )
        queue = self.routes.get((method, path))
        if not queue:
            return 403, {"message": "Missing Authentication Token"}  # API Gateway's answer for no such route
        return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            status, payload = api.respond(
                self.command, f"http://{self.headers['Host']}{self.path}", dict(self.headers.items()), body
            )
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving(api: FakeApi) -> Iterator[FakeApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    api.endpoint = f"http://127.0.0.1:{server.server_address[1]}{STAGE}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


def credentials_env(credentials: ReadOnlyCredentials = CREDENTIALS) -> dict[str, str]:
    """The environment of a caller holding ``credentials`` and nothing else (no profile, no config files)."""
    env = {
        "AWS_ACCESS_KEY_ID": str(credentials.access_key),
        "AWS_SECRET_ACCESS_KEY": str(credentials.secret_key),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if credentials.token:
        env["AWS_SESSION_TOKEN"] = credentials.token
    return env


# -- canned answers, shaped as the contract says (docs/operations.md, the API's handlers) -------------------------
def accepted(
    domain: str = "example.com", status: str = "STARTED", n: int = 1, offboard: bool = False
) -> dict[str, Any]:
    name = f"{domain.replace('.', '_')}-{'offboard-' if offboard else ''}{n}"
    return {
        "domain": domain,
        "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:mailauth-onboard-domain:{name}",
        "executionName": name,
        "status": status,
    }


def domain_status(
    state: str | None,
    *,
    checks: int = 0,
    dkim: str = "PENDING",
    mail_from: str = "PENDING",
    diagnosis: tuple[str, ...] = (),
    run: str = "RUNNING",
    verified: bool = False,
    execution_arn: str | None = None,
) -> dict[str, Any]:
    arn = execution_arn or accepted()["executionArn"]
    return {
        "domain": "example.com",
        "identity": {
            "verifiedForSending": verified,
            "dkimStatus": dkim,
            "mailFromDomain": "mail.example.com",
            "mailFromStatus": mail_from,
        },
        "execution": {
            "executionArn": arn,
            "status": run,
            "startDate": "2026-11-27 12:00:00.123000+00:00",
            "stopDate": None if run == "RUNNING" else "2026-11-27T12:40:00+00:00",
        },
        "progress": None
        if state is None
        else {
            "state": state,
            "checks": checks,
            "dkimStatus": dkim,
            "mailFromStatus": mail_from,
            "nextCheckAt": "2026-11-27T12:10:00Z" if checks and run == "RUNNING" else None,
            "deadline": "2026-11-29T12:00:00+00:00" if checks else None,
            "diagnosis": list(diagnosis),
        },
    }


def report(outcome: str = "success", lines: int = 20) -> dict[str, Any]:
    text = "\n".join(
        ["example.com is verified for sending with SES.", *(f"line {i}" for i in range(2, lines + 1))]
    )
    return {
        "domain": "example.com",
        "executionArn": accepted()["executionArn"],
        "outcome": outcome,
        "subject": f"mailauth: example.com {'verified' if outcome == 'success' else 'timed out'}",
        "text": text,
    }


def a_plan(*, conflicts: bool) -> dict[str, Any]:
    """A dry run's answer, shaped as mailauth.dryrun.DryRun dumps it."""
    mx = {
        "name": "mail.example.com",
        "type": "MX",
        "ttl": 300,
        "values": ["10 feedback-smtp.us-east-1.amazonses.com"],
    }
    dmarc = {"name": "_dmarc.example.com", "type": "TXT", "ttl": 300, "values": ['"v=DMARC1; p=reject"']}
    return {
        "domain": "example.com",
        "verdict": "conflicts" if conflicts else "ready",
        "blocked": None,
        "identity": "new",
        "zone": {
            "domain": "example.com",
            "zone_name": "example.com",
            "hosted_zone_id": "Z1",
            "delegation": "ok",
        },
        "plan": {
            "changes": [
                {"action": "CREATE", "record": mx, "purpose": "mail_from_mx", "reason": "MAIL FROM MX"}
            ],
            "kept": [{"record": dmarc, "purpose": "dmarc", "reason": "kept unchanged (stricter)"}],
            "conflicts": [
                {
                    "name": "mail.example.com",
                    "type": "CNAME",
                    "purpose": "mail_from_mx",
                    "existing": ["elsewhere.example.net."],
                    "wanted": [],
                    "explanation": "a CNAME is in the way",
                    "fix": "remove it",
                }
            ]
            if conflicts
            else [],
            "notes": ["the SES identity does not exist yet"],
        },
        "notes": [],
    }
