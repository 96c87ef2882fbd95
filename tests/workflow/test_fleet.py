"""The fleet view and the outcome events (issue 11): every run's outcome is kept for GET /domains and put on the
default event bus; GET /domains/{domain} shows progress, .../report the last report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from mailauth.fleet import Outcome
from mailauth_sandbox import LocalAws
from tests.conftest import load_event
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]
ROOT = Path(__file__).resolve().parents[2]


def api(local: LocalAws, name: str, **changes: Any) -> tuple[int, dict[str, Any]]:
    event = load_event(name)
    event.update(changes)
    response = local.invoke("ApiFunction", event)
    return response["statusCode"], json.loads(response["body"])


def post(local: LocalAws, request: dict[str, Any]) -> str:
    status, body = api(local, "api_post_domains", body=json.dumps(request))
    assert status == 202, body
    return str(body["executionArn"])


def listen(local: LocalAws) -> str:
    """An SQS queue receiving every mailauth event of the default bus, as an integrator would set it up."""
    sqs, events = local.client("sqs"), local.client("events")
    url = sqs.create_queue(QueueName="integrator")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="mailauth-outcomes", EventPattern=json.dumps({"source": ["mailauth"]}))
    events.put_targets(Rule="mailauth-outcomes", Targets=[{"Id": "q", "Arn": arn}])
    return str(url)


def received(local: LocalAws, url: str) -> list[dict[str, Any]]:
    messages = local.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def list_query(local: LocalAws, **query: str) -> tuple[int, dict[str, Any]]:
    return api(
        local,
        "api_list_domains",
        queryStringParameters=query or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} or None,
    )


def test_outcomes_are_listed_and_put_on_the_default_bus(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone = local.create_hosted_zone("example.com")
    local.create_hosted_zone("example.org")
    local.add_record(zone, "mail.news.example.com", "MX", "10 inbound.example.net.")  # a conflict: FAILED
    url = listen(local)
    verified = post(local, {"domain": "example.org"})
    failed = post(local, {"domain": "news.example.com"})
    for arn in (verified, failed):
        local.wait(arn)

    status, page = list_query(local)

    assert status == 200 and page["nextToken"] is None
    rows = {row["domain"]: row for row in page["domains"]}
    assert rows["example.org"]["status"] == "VERIFIED" and rows["example.org"]["executionArn"] == verified
    assert rows["example.org"]["verifiedAt"] and rows["example.org"]["dkimStatus"] == "SUCCESS"
    assert rows["example.org"]["verifiedForSending"] is True and rows["example.org"]["startedAt"]
    assert rows["news.example.com"]["status"] == "FAILED"
    assert list_query(local, status="FAILED")[1]["domains"] == [rows["news.example.com"]]

    events = {e["detail"]["domain"]: e for e in received(local, url)}
    assert events["example.org"]["detail-type"] == "DomainVerified"
    assert events["news.example.com"]["detail-type"] == "DomainOnboardingFailed"
    assert events["news.example.com"]["detail"]["error"] == "RecordConflictError"
    schema = json.loads((ROOT / "docs" / "events.schema.json").read_text())
    for event in events.values():
        jsonschema.validate(event["detail"], schema)
        assert event["source"] == "mailauth"


def test_the_list_pages_through_every_domain(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    names = [f"d{i}.example.com" for i in range(5)]
    local.create_hosted_zone("example.com")
    for arn in [post(local, {"domain": name}) for name in names]:
        local.wait(arn)

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        status, page = list_query(local, limit="2", **({"nextToken": token} if token else {}))
        assert status == 200 and len(page["domains"]) <= 2
        seen += [row["domain"] for row in page["domains"]]
        pages += 1
        token = page["nextToken"]
        if token is None:
            break
    assert sorted(seen) == names and pages >= 3


def test_bad_list_parameters_are_400(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    assert list_query(local, limit="0")[0] == 400
    assert list_query(local, limit="many")[0] == 400
    assert "status: must be one of" in list_query(local, status="GREEN")[1]["message"]
    assert "nextToken" in list_query(local, nextToken="not-a-token")[1]["message"]


def test_progress_and_report_of_a_domain(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    assert api(local, "api_get_report")[0] == 404  # nothing run yet
    arn = post(local, {"domain": "example.com"})
    local.wait(arn)

    status, body = api(local, "api_get_domain")
    assert status == 200
    assert body["progress"]["state"] == "Onboarded"
    assert body["progress"]["checks"] == 1 and body["progress"]["dkimStatus"] == "SUCCESS"
    assert body["progress"]["deadline"]

    status, report = api(local, "api_get_report")
    assert status == 200 and report["executionArn"] == arn and report["outcome"] == "success"
    assert report["subject"] == "mailauth: example.com verified"
    assert report["text"].startswith("example.com is verified for sending")


def test_an_event_that_cannot_be_put_is_alerted_and_the_outcome_stands(local_aws_factory: Factory) -> None:
    from moto.sns.models import sns_backends

    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    local.faults.add("events", "PutEvents", "AccessDeniedException", times=1000, status=400)  # any caller
    arn = post(local, {"domain": "example.com"})
    result = local.wait(arn)

    assert result["status"] == "SUCCEEDED", failure(local, arn)
    assert local.states_entered(arn)[-4:] == [
        "PutOutcomeEvent",
        "AlertEventNotPut",
        "OutcomeDecision",
        "Onboarded",
    ]
    alert_topic = local.resources["AlertTopic"]["Ref"]
    [(_id, message, subject, _a, _g)] = (
        sns_backends[local.account_id][local.region].topics[alert_topic].sent_notifications
    )
    assert subject == "mailauth: an outcome event could not be put on EventBridge" and arn in message


def test_the_event_schema_document_is_the_model_s() -> None:
    assert json.loads((ROOT / "docs" / "events.schema.json").read_text()) == Outcome.model_json_schema()
