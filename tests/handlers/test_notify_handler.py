"""functions/notify/app.py against moto: a real SNS topic with an SQS subscriber reads what was published."""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


@dataclass
class FakeContext:
    function_name: str = "NotifyFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:NotifyFunction"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


@dataclass
class Aws:
    topic_arn: str
    queue_url: str

    @cached_property
    def app(self) -> ModuleType:
        """The handler module, loaded on first use inside the test (its logger keeps the stdout it finds at
        import, and pytest's capsys stream during the test differs from the one during fixture setup)."""
        return load_handler_module()

    def sent(self) -> list[tuple[str, str, str | None, dict[str, Any] | None, str | None]]:
        return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[self.topic_arn].sent_notifications)

    def delivered(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        response = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in response.get("Messages", [])]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / f"notify_{name}.json").read_text())


def load_handler_module() -> ModuleType:
    path = ROOT / "functions" / "notify" / "app.py"
    spec = importlib.util.spec_from_file_location(f"notify_app_{uuid.uuid4().hex}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    """moto with a topic and an SQS subscriber; env vars as the template sets them."""
    for key, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # A service name of its own: Powertools reuses a logger (and its stream) by name across tests.
        "POWERTOOLS_SERVICE_NAME": f"mailauth-notify-test-{uuid.uuid4().hex[:8]}",
        "POWERTOOLS_METRICS_NAMESPACE": "Mailauth",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name="mailauth-notifications")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="mailauth-subscriber")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("MAILAUTH_TOPIC_ARN", topic_arn)
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName="mailauth-domains",
            KeySchema=[{"AttributeName": "domain", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "domain", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        monkeypatch.setenv("MAILAUTH_TABLE_NAME", "mailauth-domains")
        yield Aws(topic_arn=topic_arn, queue_url=queue_url)


def emf_metrics(stdout: str) -> dict[str, Any]:
    """Metric name -> value from the Embedded Metric Format line Powertools prints."""
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "_aws" in record:
            names = [m["Name"] for d in record["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
            return {name: record[name] for name in names}
    raise AssertionError(f"no EMF metrics line in output: {stdout!r}")


def log_records(stdout: str) -> list[dict[str, Any]]:
    out = []
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "level" in record:
            out.append(record)
    return out


def test_success_publishes_email_and_chatbot(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    event = load_event("success")
    result = aws.app.handler(event, FakeContext())

    ((message_id, raw, subject, attributes, _group),) = aws.sent()
    event_detail = result.pop("event")
    assert result == {
        "outcome": "success",
        "subject": "mailauth: example.com verified",
        "message_id": message_id,
    }
    # the outcome event PutOutcomeEvent puts on the bus (docs/events.md)
    assert event_detail["detail_type"] == "DomainVerified"
    assert (
        event_detail["detail"]["status"] == "VERIFIED" and event_detail["detail"]["domain"] == "example.com"
    )
    assert subject == "mailauth: example.com verified"
    structure = json.loads(raw)
    assert set(structure) == {"default", "email"}
    assert "example.com is verified for sending with Amazon SES in us-east-1." in structure["email"]
    assert (
        "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/"
        + event["execution"]
    ) in structure["email"]
    chatbot = json.loads(structure["default"])
    assert chatbot["version"] == "1.0" and chatbot["source"] == "custom"
    assert chatbot["metadata"]["eventType"] == "mailauth.success"
    assert attributes is not None
    assert attributes["outcome"]["Value"] == "success" and attributes["domain"]["Value"] == "example.com"

    # What a non-email subscriber (SQS here, AWS Chatbot / the Slack Lambda in AWS) receives: the Chatbot JSON.
    (envelope,) = aws.delivered()
    assert envelope["Subject"] == "mailauth: example.com verified"
    assert json.loads(envelope["Message"]) == chatbot

    out = capsys.readouterr().out
    metrics = emf_metrics(out)
    assert metrics["DomainsOnboarded"] == [1.0]
    (hours,) = metrics["HoursToVerify"]
    # requested 09:15:04.12, verified 09:47:12.53 -> 0.5357 h
    assert hours == pytest.approx((32 * 60 + 8.41) / 3600, rel=1e-6)
    assert "OnboardingsFailed" not in metrics
    published = [r for r in log_records(out) if r.get("message") == "notification published"]
    assert published and published[0]["domain"] == "example.com"
    assert published[0]["execution"] == event["execution"]
    assert published[0]["function_request_id"] == FakeContext.aws_request_id


def test_timeout_email_names_the_missing_record(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    result = aws.app.handler(load_event("timeout"), FakeContext())
    assert result["outcome"] == "timeout"
    assert result["subject"] == "mailauth: example.com NOT verified after 48 h"
    ((_, raw, subject, _, _),) = aws.sent()
    assert subject == result["subject"]
    email = json.loads(raw)["email"]
    next_steps = email.split("WHAT TO DO NEXT", 1)[1]
    assert (
        "Publish a4w6bq2nh7zexsd3uvc5kjmr3p6fyt2l._domainkey.example.com CNAME "
        "a4w6bq2nh7zexsd3uvc5kjmr3p6fyt2l.dkim.amazonses.com"
    ) in next_steps
    metrics = emf_metrics(capsys.readouterr().out)
    assert "OnboardingsTimedOut" in metrics and "HoursToVerify" not in metrics


def test_failure_in_the_asl_wrapped_form(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    """The ASL may pass ``{"state": $, "execution": $$.Execution.Id}``: same notification."""
    flat = load_event("failure")
    execution = flat.pop("execution")
    result = aws.app.handler({"state": flat, "execution": execution}, FakeContext())
    assert result["outcome"] == "failure"
    assert result["subject"] == "mailauth: example.com onboarding failed: RecordConflictError"
    ((_, raw, _, attributes, _),) = aws.sent()
    structure = json.loads(raw)
    assert "dmarc.vendor.example.net" in structure["email"]
    assert execution in structure["email"]
    chatbot = json.loads(structure["default"])
    assert chatbot["metadata"]["relatedResources"][-1] == execution
    assert attributes is not None and attributes["outcome"]["Value"] == "failure"
    assert "OnboardingsFailed" in emf_metrics(capsys.readouterr().out)


def test_the_started_with_warnings_message(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    """WarnEarly's event (events/notify_warning.json): before the wait, outcome "warning", not an outcome metric."""
    result = aws.app.handler(load_event("warning"), FakeContext())
    assert result["outcome"] == "warning"
    assert result["subject"] == "mailauth: example.com onboarding started, with 1 warning(s)"
    ((_, raw, _, attributes, _),) = aws.sent()
    email = json.loads(raw)["email"]
    assert email.startswith("mailauth published 6 record(s) for example.com and is waiting")
    assert "WARNINGS\n  - The SES account in us-east-1 is in the SES sandbox" in email
    assert attributes is not None and attributes["outcome"]["Value"] == "warning"
    metrics = emf_metrics(capsys.readouterr().out)
    assert metrics == {"EarlyWarnings": [1.0]}


def test_invalid_raw_request_still_notifies(aws: Aws) -> None:
    event = {
        "request": {"domain": 42},
        "error": {
            "Error": "InvalidRequestError",
            "Cause": json.dumps({"errorMessage": "domain: domain must be a string"}),
        },
        "execution": "arn:aws:states:us-east-1:123456789012:execution:OnboardDomain:x",
    }
    result = aws.app.handler(event, FakeContext())
    assert result["subject"] == "mailauth: 42 onboarding failed: InvalidRequestError"
    ((_, raw, _, attributes, _),) = aws.sent()
    assert "Fix the request: domain: domain must be a string" in json.loads(raw)["email"]
    assert attributes is not None and attributes["domain"]["Value"] == "42"


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_missing_topic_fails_the_step(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILAUTH_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:no-such-topic")
    with pytest.raises(ClientError):
        aws.app.handler(load_event("success"), FakeContext())
    assert aws.sent() == []
