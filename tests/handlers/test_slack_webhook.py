"""functions/slack_webhook/app.py: a real HTTP server on 127.0.0.1 plays Slack; the URL sits in moto's SSM."""

from __future__ import annotations

import importlib.util
import json
import threading
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mailauth import slack
from mailauth.slack import SlackRejectedError, SlackTransientError, SlackWebhookError

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
PARAMETER = "/mailauth/slack-webhook-url"
WEBHOOK_PATH = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"


@dataclass
class FakeContext:
    function_name: str = "SlackWebhookFunction"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:SlackWebhookFunction"
    aws_request_id: str = "5f0b3c1e-52a4-4df4-9b5c-0d2b7e1f9a10"


@dataclass
class FakeSlack:
    """What the server received, and what it answers next."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    body: bytes = b"ok"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    state = FakeSlack(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.requests.append(
                {
                    "method": "POST",
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "body": self.rfile.read(length),
                }
            )
            self.send_response(state.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: Any) -> None:  # keep the server quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{WEBHOOK_PATH}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> Iterator[FakeSlack]:
    for key, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_SERVICE_NAME": f"mailauth-slack-test-{uuid.uuid4().hex[:8]}",
        "MAILAUTH_SLACK_WEBHOOK_PARAMETER": PARAMETER,
        "MAILAUTH_SLACK_ALLOWED_URL_PREFIX": "http://127.0.0.1:",
    }.items():
        monkeypatch.setenv(key, value)
    slack.clear_cache()
    with mock_aws():
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=PARAMETER, Value=fake_slack.url, Type="SecureString"
        )
        yield fake_slack
    slack.clear_cache()


def load_app() -> ModuleType:
    """Load the handler inside the test: its logger keeps the stdout it finds at import (capsys)."""
    path = ROOT / "functions" / "slack_webhook" / "app.py"
    spec = importlib.util.spec_from_file_location(f"slack_app_{uuid.uuid4().hex}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_event() -> dict[str, Any]:
    return json.loads((ROOT / "events" / "slack_webhook.json").read_text())


def assert_url_not_in(text: str, fake: FakeSlack) -> None:
    port = fake.url.split(":")[2].split("/")[0]
    assert fake.url not in text
    assert WEBHOOK_PATH not in text
    assert f"127.0.0.1:{port}" not in text


def test_posts_the_notification_once(aws: FakeSlack, capsys: pytest.CaptureFixture[str], caplog) -> None:
    app = load_app()
    event = sample_event()
    chatbot = json.loads(event["Records"][0]["Sns"]["Message"])

    assert app.handler(event, FakeContext()) == {"posted": 1}

    (request,) = aws.requests
    assert request["method"] == "POST" and request["path"] == WEBHOOK_PATH
    assert request["content_type"].startswith("application/json")
    payload = json.loads(request["body"])
    title = chatbot["content"]["title"]
    assert payload["text"] == title
    blocks = payload["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": title}}
    description = blocks[1]["text"]
    assert blocks[1]["type"] == "section" and blocks[1]["text"]["type"] == "mrkdwn"
    assert description["text"].startswith("⏰ example.com was NOT verified by SES within 48 hours.")
    assert "*DKIM* PENDING · *MAIL FROM* PENDING" in description["text"]
    assert "**" not in json.dumps(payload)
    assert (
        "• CNAME a4w6bq2nh7zexsd3uvc5kjmr3p6fyt2l._domainkey.example.com is not served" in description["text"]
    )
    assert (
        "<https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/"
        in (description["text"])
    )
    steps = blocks[2]["text"]["text"]
    assert steps.startswith("*Next steps*\n• Publish a4w6bq2nh7zexsd3uvc5kjmr3p6fyt2l._domainkey.example.com")
    assert steps.count("\n• ") == len(chatbot["content"]["nextSteps"])
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "mailauth.timeout"}]}

    captured = capsys.readouterr()
    assert "notification posted to Slack" in captured.out
    assert_url_not_in(captured.out + captured.err + caplog.text, aws)


def test_url_is_read_once_per_container(aws: FakeSlack) -> None:
    app = load_app()
    app.handler(sample_event(), FakeContext())
    # Rotating the parameter does not reach a warm container: the URL is cached in memory.
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=PARAMETER, Value="http://127.0.0.1:1/elsewhere", Type="SecureString", Overwrite=True
    )
    app.handler(sample_event(), FakeContext())
    assert len(aws.requests) == 2


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_throttling_raise_for_a_retry(
    aws: FakeSlack, status: int, capsys: pytest.CaptureFixture[str], caplog
) -> None:
    app = load_app()
    aws.status, aws.body = status, b"rate_limited" if status == 429 else b"internal error"
    with pytest.raises(SlackTransientError) as info:
        app.handler(sample_event(), FakeContext())
    assert str(status) in str(info.value)
    assert len(aws.requests) == 1
    # What Lambda prints for the failed invocation (message, traceback) holds no part of the URL.
    printed = "".join(traceback.format_exception(info.value))
    captured = capsys.readouterr()
    assert_url_not_in(printed + captured.out + captured.err + caplog.text, aws)


def test_rejected_post_is_logged_with_slacks_answer_and_raises(
    aws: FakeSlack, capsys: pytest.CaptureFixture[str], caplog
) -> None:
    app = load_app()
    aws.status, aws.body = 400, b"invalid_blocks"
    with pytest.raises(SlackRejectedError) as info:
        app.handler(sample_event(), FakeContext())
    assert info.value.status == 400 and info.value.body == "invalid_blocks"
    out = capsys.readouterr().out
    errors = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"ERROR"' in line]
    assert errors and errors[0]["status"] == 400 and errors[0]["slack_body"] == "invalid_blocks"
    assert errors[0]["message"] == "Slack rejected the notification"
    assert_url_not_in(out + caplog.text + "".join(traceback.format_exception(info.value)), aws)


def test_a_rotated_webhook_is_picked_up_once_the_cached_one_is_old(aws: FakeSlack) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    prefix = "http://127.0.0.1:"

    def rotate(to: str) -> str:
        ssm.put_parameter(Name=PARAMETER, Value=to, Type="SecureString", Overwrite=True)
        return to

    first = slack.webhook_url(PARAMETER, allowed_prefix=prefix, max_age=0)  # cached, and already old
    rotated = rotate(aws.url.replace("/services/", "/services/rotated/"))
    again = slack.webhook_url(PARAMETER, allowed_prefix=prefix)  # cached now for URL_MAX_AGE_SECONDS
    rotate(aws.url.replace("/services/", "/services/later/"))
    cached = slack.webhook_url(PARAMETER, allowed_prefix=prefix)

    assert first == aws.url
    assert again == rotated  # the old value was read again
    assert cached == rotated  # within the max age: SSM is not read
    assert slack.URL_MAX_AGE_SECONDS == 300


def test_unreachable_slack_raises_without_the_url(aws: FakeSlack) -> None:
    slack.clear_cache()
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=PARAMETER, Value="http://127.0.0.1:9/services/T/B/X", Type="SecureString", Overwrite=True
    )
    with pytest.raises(SlackTransientError) as info:
        load_app().handler(sample_event(), FakeContext())
    assert "127.0.0.1" not in "".join(traceback.format_exception(info.value))


def test_url_outside_the_allowed_prefix_is_refused(aws: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILAUTH_SLACK_ALLOWED_URL_PREFIX")  # default: only https://hooks.slack.com/
    with pytest.raises(SlackWebhookError) as info:
        load_app().handler(sample_event(), FakeContext())
    assert "https://hooks.slack.com/" in str(info.value)
    assert_url_not_in(str(info.value), aws)
    assert aws.requests == []


def test_plain_text_message_is_posted_as_text() -> None:
    payload = slack.to_slack_payload("deploy <done> & **ok**", subject="hello")
    assert payload["text"] == "hello"
    assert payload["blocks"][1]["text"]["text"] == "deploy &lt;done&gt; &amp; **ok**"  # shown as it is


def test_long_description_is_split_into_sections_within_slack_limits() -> None:
    chatbot = {
        "content": {
            "title": "t" * 400,
            "description": "\n".join(f"• line {i} " + "x" * 200 for i in range(60)),
            "nextSteps": ["y" * 5000],
        }
    }
    payload = slack.to_slack_payload(json.dumps(chatbot))
    blocks = payload["blocks"]
    assert len(blocks[0]["text"]["text"]) <= 150
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) >= 5 and all(len(s) <= 3000 for s in sections)
    assert sum(s.count("• line") for s in sections) == 60
