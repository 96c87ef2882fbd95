"""`mailauth-sandbox serve`: the API over real HTTP on loopback, signatures checked as API Gateway's IAM auth
checks them, the world's public DNS, the fast clock, and the command's start and stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import dns.resolver
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mailauth_sandbox.clock import SimClock
from mailauth_sandbox.serve import Server
from mailauth_sandbox.serve.fastclock import FastClock
from mailauth_sandbox.serve.gateway import http_response
from mailauth_sandbox.serve.routes import read

ROOT = Path(__file__).resolve().parents[2]
TEST_CREDENTIALS = Credentials("testing", "testing")
#: a safety net for a run that never ends, not a timed assert: the fast clock ends it in a few seconds
SAFETY_SECONDS = 120


def signed(
    method: str,
    url: str,
    body: Any = None,
    credentials: Credentials | None = TEST_CREDENTIALS,
    region: str = "us-east-1",
) -> AWSRequest:
    """A request as a SigV4 client sends it (botocore's signer, service execute-api)."""
    data = json.dumps(body).encode() if body is not None else None
    request = AWSRequest(
        method=method, url=url, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    if credentials is not None:
        SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return request


def send(request: AWSRequest, data: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    """Send over real HTTP (``data`` replaces the signed body); ``(status, headers, JSON body)``."""
    body = request.body if data is None else data
    assert request.url is not None and (body is None or isinstance(body, bytes))
    http = urllib.request.Request(
        request.url, data=body or None, method=request.method, headers=dict(request.headers.items())
    )
    try:
        with urllib.request.urlopen(http, timeout=30) as response:
            return response.status, dict(response.headers.items()), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), json.loads(error.read() or b"null")


def call(server: Server, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, _, payload = send(signed(method, server.endpoint + path, body))
    return status, payload


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with Server(speed=200_000) as served:
        yield served


@pytest.fixture(scope="module")
def onboarded(server: Server) -> dict[str, Any]:
    """example.com onboarded through the served API, polled (signed) until its execution ends."""
    started = server.local.clock.now() if server.local else None
    status, accepted = call(server, "POST", "/domains", {"domain": "example.com"})
    deadline = time.monotonic() + SAFETY_SECONDS
    while True:
        got, state = call(server, "GET", "/domains/example.com")
        if state["execution"]["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return {"status": status, "accepted": accepted, "got": got, "state": state, "started": started}


def test_a_signed_onboarding_runs_to_succeeded_on_the_fast_clock(
    server: Server, onboarded: dict[str, Any]
) -> None:
    assert onboarded["status"] == 202
    assert onboarded["accepted"]["status"] == "STARTED"
    assert onboarded["got"] == 200
    assert onboarded["state"]["execution"]["status"] == "SUCCEEDED"
    assert onboarded["state"]["identity"]["dkimStatus"] == "SUCCESS"
    assert server.local is not None
    # SES verifies two simulated hours after DNS is right: the clock ran while the execution waited
    assert server.local.clock.now() - onboarded["started"] >= timedelta(hours=2)


def test_the_function_gets_api_gateways_proxy_event(server: Server, onboarded: dict[str, Any]) -> None:
    assert server.local is not None
    events = [i.event for i in server.local.invocations if i.function == "ApiFunction"]
    post = next(e for e in events if e["httpMethod"] == "POST")
    get = next(e for e in events if e["httpMethod"] == "GET")
    assert post["resource"] == post["path"] == "/domains"
    assert json.loads(post["body"]) == {"domain": "example.com"}
    assert post["isBase64Encoded"] is False and post["pathParameters"] is None
    assert get["resource"] == "/domains/{domain}" and get["path"] == "/domains/example.com"
    assert get["pathParameters"] == {"domain": "example.com"}
    context = get["requestContext"]
    assert context["stage"] == "v1" and context["path"] == "/v1/domains/example.com"
    assert context["identity"]["accessKey"] == "testing"
    assert context["identity"]["userArn"] == "arn:aws:sts::123456789012:user/moto"
    assert context["identity"]["accountId"] == "123456789012"
    assert get["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")


def test_the_worlds_dns_serves_the_published_records(server: Server, onboarded: dict[str, Any]) -> None:
    host, _, port = server.dns_address.partition(":")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = [host], int(port)
    answer = resolver.resolve("_dmarc.example.com", "TXT")
    assert [r.to_text() for r in answer] == ['"v=DMARC1; p=none"']


def test_query_parameters_reach_the_function(server: Server) -> None:
    call(server, "GET", "/domains/example.com?keep_identity=true&x=a%20b")
    assert server.local is not None
    event = server.local.invocations[-1].event
    assert event["queryStringParameters"] == {"keep_identity": "true", "x": "a b"}
    assert event["multiValueQueryStringParameters"] == {"keep_identity": ["true"], "x": ["a b"]}


def test_an_unsigned_request_is_refused(server: Server) -> None:
    status, headers, body = send(signed("GET", server.endpoint + "/domains/example.com", credentials=None))
    assert (status, body) == (403, {"message": "Missing Authentication Token"})
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_a_request_signed_with_the_wrong_secret_is_refused(server: Server) -> None:
    request = signed(
        "GET", server.endpoint + "/domains/example.com", credentials=Credentials("testing", "nope")
    )
    status, headers, body = send(request)
    assert status == 403 and headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert body["message"].startswith("The request signature we calculated does not match the signature you")
    assert "The String-to-Sign should have been" in body["message"]


def test_a_body_changed_after_signing_is_refused(server: Server) -> None:
    request = signed("POST", server.endpoint + "/domains", {"domain": "example.com", "dry_run": True})
    changed = json.dumps({"domain": "evil.example", "dry_run": True}).encode()
    status, _, body = send(request, data=changed)
    assert status == 403
    assert body["message"].startswith("The request signature we calculated does not match")
    assert send(request)[0] == 200  # the same request, unchanged, is accepted


def test_an_unknown_access_key_or_an_expired_signature_is_refused(server: Server) -> None:
    unknown = signed(
        "GET", server.endpoint + "/domains/example.com", credentials=Credentials("AKIANOBODY", "x")
    )
    assert send(unknown)[2] == {"message": "The security token included in the request is invalid."}
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    with mock.patch("botocore.auth.get_current_datetime", return_value=long_ago.replace(tzinfo=None)):
        old = signed("GET", server.endpoint + "/domains/example.com")
    status, _, body = send(old)
    assert status == 403 and body["message"].startswith(
        f"Signature expired: {long_ago:%Y%m%dT%H%M%SZ} is now"
    )
    elsewhere = signed("GET", server.endpoint + "/domains/example.com", region="eu-west-1")
    assert send(elsewhere)[2] == {
        "message": "Credential should be scoped to a valid region, not 'eu-west-1'. "
    }


def test_an_unknown_route_is_refused_as_api_gateway_does(server: Server) -> None:
    for method, path in (("GET", "/nothing"), ("PUT", "/domains"), ("GET", "/v1/domains/example.com")):
        status, headers, body = send(signed(method, server.endpoint + path))
        assert (status, body) == (403, {"message": "Missing Authentication Token"}), (method, path)
        assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_an_iam_users_access_key_from_the_worlds_iam_is_accepted(
    server: Server, onboarded: dict[str, Any]
) -> None:
    assert server.local is not None
    iam = server.local.client("iam")
    iam.create_user(UserName="operator")
    key = iam.create_access_key(UserName="operator")["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    status, _, _ = send(signed("GET", server.endpoint + "/domains/example.com", credentials=credentials))
    assert status == 200
    identity = server.local.invocations[-1].event["requestContext"]["identity"]
    assert identity["userArn"] == "arn:aws:iam::123456789012:user/operator"
    wrong = Credentials(key["AccessKeyId"], "not-its-secret")
    assert send(signed("GET", server.endpoint + "/domains/example.com", credentials=wrong))[0] == 403


def test_routes_come_from_the_template_so_new_ones_need_no_server_change() -> None:
    template = {
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::Api",
                "Properties": {"StageName": "v1", "Auth": {"DefaultAuthorizer": "AWS_IAM"}},
            },
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Events": {
                        name: {
                            "Type": "Api",
                            "Properties": {"RestApiId": {"Ref": "Api"}, "Path": path, "Method": method},
                        }
                        for name, path, method in (
                            ("List", "/domains", "GET"),
                            ("One", "/domains/{domain}", "GET"),
                            ("Report", "/domains/{domain}/report", "GET"),
                            ("Literal", "/domains/export", "GET"),
                            ("Health", "/health", "ANY"),
                        )
                    }
                },
            },
        }
    }
    api = read(template)
    assert api.stage == "v1" and all(r.iam and r.function == "Fn" for r in api.routes)
    assert api.select("GET", "/domains") is not None and api.select("POST", "/domains") is None
    found = api.select("GET", "/domains/a.example/report")
    assert found is not None and (found[0].resource, found[1]) == (
        "/domains/{domain}/report",
        {"domain": "a.example"},
    )
    literal = api.select("GET", "/domains/export")
    assert literal is not None and literal[0].resource == "/domains/export"
    assert api.select("DELETE", "/health") is not None
    assert api.select("GET", "/domains/") is None and api.select("GET", "/domains/a/b") is None


def test_a_malformed_proxy_response_is_api_gateways_502() -> None:
    for result in (
        None,
        "text",
        {"body": "{}"},
        {"statusCode": "200"},
        {"statusCode": 200, "body": {"a": 1}},
    ):
        answer = http_response(result, "id")
        assert (answer.status, json.loads(answer.body)) == (502, {"message": "Internal server error"}), result
    fine = http_response({"statusCode": 201, "multiValueHeaders": {"X-A": ["1", "2"]}, "body": "ok"}, "id")
    assert (fine.status, fine.headers, fine.body) == (201, [("X-A", "1"), ("X-A", "2")], b"ok")


class _Running:
    """A Step Functions environment that keeps running (what the Wait state asks of its execution)."""

    def is_running(self) -> bool:
        return True


def test_waits_side_by_side_end_together_and_never_overshoot() -> None:
    clock = SimClock()
    fast = FastClock(clock, speed=1_000_000)
    waits = [threading.Thread(target=fast.wait, args=(_Running(), s)) for s in (300, 3600)]
    for thread in waits:
        thread.start()
    deadline = time.monotonic() + SAFETY_SECONDS
    while fast.waiting < 2 and time.monotonic() < deadline:  # both waiting before the clock starts to move
        time.sleep(0.01)
    fast.start()
    try:
        for thread in waits:
            thread.join(SAFETY_SECONDS)
        # both waited at once: the clock moved by the longer wait, exactly (it stops at each wait's end)
        assert clock.elapsed() == timedelta(hours=1)
        assert fast.waiting == 0
    finally:
        fast.stop()


def test_serve_prints_its_addresses_serves_a_scenario_world_and_stops_on_sigint(tmp_path: Path) -> None:
    scenario = tmp_path / "world.yaml"
    scenario.write_text(
        "name: served\n"
        "zones:\n"
        "  - name: shop.example.org\n"
        "    records:\n"
        "      - {name: shop.example.org, type: TXT, values: ['\"v=spf1 -all\"']}\n"
        "submit:\n"
        "  - request: {domain: shop.example.org}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILAUTH_")}
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "mailauth-sandbox"), "serve", str(scenario)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        dns_line = process.stdout.readline().strip()
        assert endpoint.startswith("endpoint: http://127.0.0.1:"), endpoint
        assert dns_line.startswith("dns: 127.0.0.1:"), dns_line
        url = endpoint.removeprefix("endpoint: ")
        assert send(signed("GET", url + "/domains/shop.example.org", credentials=None))[0] == 403
        assert (
            send(signed("GET", url + "/domains/shop.example.org"))[0] == 404
        )  # signed: the function answers
        host, _, port = dns_line.removeprefix("dns: ").partition(":")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = [host], int(port)
        assert [r.to_text() for r in resolver.resolve("shop.example.org", "TXT")] == ['"v=spf1 -all"']
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=SAFETY_SECONDS)
    assert process.returncode == 0, err
    assert "GET /domains/shop.example.org 404" in err and err.rstrip().endswith("stopped")


def test_serve_names_a_scenario_it_cannot_read_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mailauth_sandbox.cli import main

    assert main(["serve", str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"mailauth-sandbox serve: scenario {tmp_path / 'missing.yaml'}: no such file"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nzones: [{nme: a}]\nsubmit: [{request: {}}]\n")
    assert main(["serve", str(bad)]) == 1
    assert capsys.readouterr().err.strip().startswith(f"mailauth-sandbox serve: scenario {bad}: zones.0.")
