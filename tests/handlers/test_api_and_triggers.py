"""The API and the EventBridge trigger, invoked with the sample events as AWS delivers them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mailauth_sandbox import LocalAws
from tests.conftest import load_event
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]


def post(local: LocalAws, body: dict[str, Any] | str) -> tuple[int, dict[str, Any]]:
    event = load_event("api_post_domains")
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    response = local.invoke("ApiFunction", event)
    return response["statusCode"], json.loads(response["body"])


def test_post_starts_an_execution_with_a_deterministic_name(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")

    response = local.invoke("ApiFunction", load_event("api_post_domains"))

    assert response["statusCode"] == 202
    body = json.loads(response["body"])
    assert body["status"] == "STARTED"
    assert body["executionName"] == "example_com-1"
    assert local.wait(body["executionArn"])["status"] == "SUCCEEDED", failure(local, body["executionArn"])
    started = local.client("stepfunctions").describe_execution(executionArn=body["executionArn"])
    assert json.loads(started["input"])["request"]["dmarc"]["rua"] == ["mailto:dmarc-reports@example.com"]


def test_bad_input_gets_400_naming_every_problem_and_starts_nothing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()

    response = local.invoke("ApiFunction", load_event("api_post_domains_invalid"))

    assert response["statusCode"] == 400
    message = json.loads(response["body"])["message"]
    assert "domain" in message and "public suffix" in message
    assert "max_wait_hours" in message
    executions = local.client("stepfunctions").list_executions(stateMachineArn=local.state_machine_arn)
    assert executions["executions"] == []


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        # SES's Tag documentation: letters, digits, white space and _ . : / = + - only; "aws:" is reserved
        ("tags", {"team": "mail (ops)"}, "characters SES does not allow"),
        ("tags", {"aws:team": "ops"}, "aws: prefix is reserved"),
        ("tags", {"mailauth:managed-by": "me"}, "reserved for mailauth"),
        ("configuration_set", "prod.sending", "not an SES configuration set name"),
    ],
)
def test_values_ses_would_refuse_are_a_400_before_anything_starts(
    local_aws_factory: Factory, field: str, value: Any, named: str
) -> None:
    local = local_aws_factory()
    status, body = post(local, {"domain": "example.com", field: value})
    assert status == 400 and named in body["message"] and field in body["message"], body
    assert local.api_calls() == {}  # nothing was asked of AWS, nothing started


@pytest.mark.parametrize("body", ['[{"domain": "example.com"}]', '"example.com"', "42", "null", "true"])
def test_a_body_that_is_not_a_json_object_is_400(local_aws_factory: Factory, body: str) -> None:
    local = local_aws_factory()
    status, answer = post(local, body)
    assert status == 400 and "JSON object" in answer["message"], answer
    assert local.api_calls() == {}


def test_a_body_over_64_kib_is_413_and_starts_nothing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    status, answer = post(local, {"domain": "example.com", "tags": {"note": "x" * 200}, "pad": "y" * 70_000})
    assert status == 413 and "at most 65536" in answer["message"], answer
    assert local.api_calls() == {}


@pytest.mark.parametrize(
    ("service", "operation", "code"),
    [
        ("dynamodb", "GetItem", "ProvisionedThroughputExceededException"),
        ("stepfunctions", "StartExecution", "ThrottlingException"),
    ],
)
def test_a_throttled_dependency_is_503_with_retry_after(
    local_aws_factory: Factory, service: str, operation: str, code: str
) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    local.faults.add(service, operation, code, times=20)  # outlasts the SDK's retries

    event = load_event("api_post_domains")
    event["body"] = json.dumps({"domain": "example.com"})
    response = local.invoke("ApiFunction", event)

    assert response["statusCode"] == 503, response
    assert response["multiValueHeaders"].get("Retry-After") == ["5"] or response["headers"].get("Retry-After")


def test_a_status_request_finding_ses_fully_booked_is_503_and_calls_nothing(
    local_aws_factory: Factory,
) -> None:
    """SES's request rate is booked more than the interactive horizon ahead (a larger fleet's work, say): the API
    answers 503 with Retry-After and makes no SES call (mailauth.pace)."""
    local = local_aws_factory()
    pace = local.resources["PaceTable"]["Ref"]
    far = int((local.clock.now().timestamp() + 60) * 1000)  # booked a minute ahead
    local.client("dynamodb").put_item(
        TableName=pace, Item={"bucket": {"S": f"sesv2#{local.region}"}, "next": {"N": str(far)}}
    )
    event = load_event("api_get_domain")
    response = local.invoke("ApiFunction", event)

    assert response["statusCode"] == 503, response
    assert "fully booked" in json.loads(response["body"])["message"]
    assert not [c for c in local.api_calls() if c.startswith("sesv2:")]


@pytest.mark.parametrize(
    ("service", "operation", "code", "status"),
    [
        ("dynamodb", "GetItem", "AccessDeniedException", 400),  # a role without the table's permission
        ("dynamodb", "PutItem", "AccessDeniedException", 400),
        ("stepfunctions", "StartExecution", "AccessDeniedException", 400),
    ],
)
def test_a_refused_permission_is_500_naming_the_call_and_starts_nothing(
    local_aws_factory: Factory, service: str, operation: str, code: str, status: int
) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    local.faults.add(service, operation, code, times=20, status=status, function="ApiFunction")

    invocation = local.api_post({"domain": "example.com"})

    assert invocation.ok, invocation.error_message  # an answer, not API Gateway's bare 502
    assert invocation.result["statusCode"] == 500
    body = json.loads(invocation.result["body"])
    assert f"AWS refused the API permission for {operation} ({code})" in body["message"]
    assert body["requestId"] == invocation.request_id and invocation.request_id in body["message"]
    executions = local.client("stepfunctions").list_executions(stateMachineArn=local.state_machine_arn)
    assert executions["executions"] == []


def test_any_other_failure_is_500_that_says_a_resubmission_is_safe(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    local.faults.add("stepfunctions", "StartExecution", "InvalidExecutionInput", function="ApiFunction")

    invocation = local.api_post({"domain": "example.com"})

    assert invocation.ok and invocation.result["statusCode"] == 500
    message = json.loads(invocation.result["body"])["message"]
    assert "StartExecution failed (InvalidExecutionInput)" in message
    assert "Submitting the same request again is safe" in message
    # and it is: the claim the failed call left behind starts the execution on the next submission
    again = local.api_post({"domain": "example.com"})
    assert again.result["statusCode"] == 202
    assert local.wait(json.loads(again.result["body"])["executionArn"])["status"] == "SUCCEEDED"


def test_an_unknown_route_is_still_404(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = load_event("api_get_domain")
    event.update(path="/nowhere", resource="/nowhere", pathParameters=None)
    assert local.invoke("ApiFunction", event)["statusCode"] == 404


def test_malformed_json_is_400(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    status, body = post(local, "{not json")
    assert status == 400, body


class HeldMachine:
    """The onboarding state machine redefined so its executions stay RUNNING until released (a task-token
    callback via SQS). It keeps its ARN, which is what the functions' IAM roles allow them to start."""

    def __init__(self, local: LocalAws) -> None:
        self.local = local
        self.sqs = local.client("sqs")
        self.queue = self.sqs.create_queue(QueueName="held")["QueueUrl"]
        self.arn = local.state_machine_arn
        definition = {
            "StartAt": "Hold",
            "States": {
                "Hold": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": self.queue, "MessageBody": {"token.$": "$$.Task.Token"}},
                    "End": True,
                }
            },
        }
        local.client("stepfunctions").update_state_machine(
            stateMachineArn=self.arn, definition=json.dumps(definition)
        )

    def release_all(self) -> None:
        sfn = self.local.client("stepfunctions")
        while messages := self.sqs.receive_message(QueueUrl=self.queue, WaitTimeSeconds=1).get("Messages"):
            for message in messages:
                sfn.send_task_success(taskToken=json.loads(message["Body"])["token"], output="{}")
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])


def test_same_request_while_running_is_idempotent_and_another_is_409(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    sfn = local.client("stepfunctions")

    status, first = post(local, {"domain": "example.com"})
    assert (status, first["status"], first["executionName"]) == (202, "STARTED", "example_com-1")
    assert sfn.describe_execution(executionArn=first["executionArn"])["status"] == "RUNNING"

    status, again = post(local, {"domain": "EXAMPLE.com."})  # the same request, normalised
    assert (status, again["status"], again["executionArn"]) == (202, "ALREADY_RUNNING", first["executionArn"])

    status, other = post(local, {"domain": "example.com", "dmarc": {"policy": "reject"}})
    assert status == 409
    assert "running" in other["message"] and first["executionArn"] in other["message"]
    assert len(sfn.list_executions(stateMachineArn=held.arn)["executions"]) == 1

    held.release_all()
    assert local.wait(first["executionArn"])["status"] == "SUCCEEDED"
    status, rerun = post(local, {"domain": "example.com", "dmarc": {"policy": "reject"}})
    assert (status, rerun["status"], rerun["executionName"]) == (202, "STARTED", "example_com-2")
    held.release_all()


def test_get_reports_identity_and_latest_execution(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    _, started = post(local, {"domain": "example.com"})
    local.wait(started["executionArn"])

    response = local.invoke("ApiFunction", load_event("api_get_domain"))

    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["identity"]["verifiedForSending"] is True
    assert body["identity"]["dkimStatus"] == "SUCCESS"
    assert body["execution"]["status"] == "SUCCEEDED"
    assert body["execution"]["executionArn"] == started["executionArn"]


def test_new_public_hosted_zone_is_onboarded(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("shop.example.org")
    event = load_event("trigger_create_hosted_zone")
    event["detail"]["responseElements"]["hostedZone"]["id"] = f"/hostedzone/{zone_id}"

    result = local.invoke("TriggerFunction", event)

    assert result["status"] == "STARTED"
    description = local.wait(result["executionArn"])
    assert description["status"] == "SUCCEEDED", failure(local, result["executionArn"])
    assert json.loads(description["input"])["request"]["hosted_zone_id"] == zone_id


@pytest.mark.parametrize(
    "name",
    [
        "trigger_create_private_hosted_zone",
        # HostedZoneConfig is optional: a private zone created with only a VPC carries no privateZone flag
        "trigger_create_private_hosted_zone_vpc_only",
    ],
)
def test_private_hosted_zone_is_skipped(local_aws_factory: Factory, name: str) -> None:
    local = local_aws_factory()
    result = local.invoke("TriggerFunction", load_event(name))
    assert result == {"status": "SKIPPED"}
    assert (
        local.client("stepfunctions").list_executions(stateMachineArn=local.state_machine_arn)["executions"]
        == []
    )


def test_auto_onboarding_can_be_turned_off(local_aws_factory: Factory) -> None:
    local = local_aws_factory(env={"MAILAUTH_AUTO_ONBOARD": "false"})
    result = local.invoke("TriggerFunction", load_event("trigger_create_hosted_zone"))
    assert result == {"status": "SKIPPED"}


def test_custom_event_onboards_a_subdomain_in_its_parents_zone(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")

    result = local.invoke("TriggerFunction", load_event("trigger_onboard_domain"))

    description = local.wait(result["executionArn"])
    assert description["status"] == "SUCCEEDED", failure(local, result["executionArn"])
    out = json.loads(description["output"])
    assert out["zone"]["hosted_zone_id"] == zone_id
    assert out["zone"]["zone_name"] == "example.com"
    assert out["request"]["domain"] == "news.example.com"


def test_invalid_custom_event_still_notifies(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = load_event("trigger_onboard_domain")
    event["detail"] = {"domain": "not a domain"}

    result = local.invoke("TriggerFunction", event)

    assert result["status"] == "INVALID"
    assert "spaces" in result["reason"]
    assert local.wait(result["executionArn"])["status"] == "FAILED"


def test_mail_from_label_outside_the_iam_policy_is_400(local_aws_factory: Factory) -> None:
    local = local_aws_factory()  # the template's default AllowedMailFromLabels is "mail"
    status, body = post(local, {"domain": "example.com", "mail_from_subdomain": "bounce"})
    assert status == 400
    assert "bounce" in body["message"] and "AllowedMailFromLabels" in body["message"]


def test_get_unknown_domain_is_404(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = load_event("api_get_domain")
    event["pathParameters"] = {"domain": "unknown.example"}
    event["path"] = "/domains/unknown.example"
    response = local.invoke("ApiFunction", event)
    assert response["statusCode"] == 404


def test_dry_run_returns_the_plan_and_changes_nothing(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "mail.example.com.", "TXT", '"v=spf1 ip4:192.0.2.1 -all"')
    before = local.zone_records(zone_id)

    status, body = post(local, {"domain": "example.com", "dry_run": True})

    assert status == 200
    assert body["verdict"] == "ready" and body["identity"] == "new"
    actions = {(c["action"], c["record"]["type"], c["record"]["name"]) for c in body["plan"]["changes"]}
    assert ("UPSERT", "TXT", "mail.example.com") in actions  # the include merged into the existing SPF
    assert ("CREATE", "MX", "mail.example.com") in actions
    assert local.zone_records(zone_id) == before
    calls = local.api_calls()
    assert not [
        c for c in calls if c.split(":")[1].startswith(("Create", "Change", "Put", "Start", "Delete"))
    ]
    executions = local.client("stepfunctions").list_executions(stateMachineArn=local.state_machine_arn)
    assert executions["executions"] == []


def test_dry_run_reports_conflicts_and_a_missing_zone(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    local.add_record(zone_id, "mail.example.com.", "MX", "10 inbound.example.net.")

    _, conflict = post(local, {"domain": "example.com", "dry_run": True})
    _, missing = post(local, {"domain": "example.org", "dry_run": True})

    assert conflict["verdict"] == "conflicts"
    [item] = conflict["plan"]["conflicts"]
    assert item["name"] == "mail.example.com" and item["fix"]
    assert missing["verdict"] == "blocked" and "NoPublicZoneError" in missing["blocked"]


def test_an_invalid_domain_in_the_path_is_400(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    for method, name in (("api_get_domain", "co.uk"), ("api_delete_domain", "not%20a%20domain")):
        event = load_event(method)
        event["pathParameters"] = {"domain": name}
        event["path"] = f"/domains/{name}"
        response = local.invoke("ApiFunction", event)
        assert response["statusCode"] == 400, response
        assert json.loads(response["body"])["message"].startswith("domain: ")
    assert (
        local.client("stepfunctions").list_executions(stateMachineArn=local.state_machine_arn)["executions"]
        == []
    )


def test_an_event_conflicting_with_a_running_execution_is_notified(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    held = HeldMachine(local)
    running = local.invoke("TriggerFunction", load_event("trigger_onboard_domain"))
    assert running["status"] == "STARTED"
    event = load_event("trigger_onboard_domain")
    event["detail"]["dmarc"] = {"policy": "reject"}

    result = local.invoke("TriggerFunction", event)

    assert result["status"] == "CONFLICT"
    assert running["executionArn"] in result["reason"]
    assert result["executionArn"].rsplit(":", 1)[1].startswith("invalid-")
    again = local.invoke("TriggerFunction", event)  # EventBridge retries the same event: the same execution
    assert again["executionArn"] == result["executionArn"]
    held.release_all()


def test_a_rejected_event_reaches_the_notification_with_its_reason(local_aws_factory: Factory) -> None:
    local = local_aws_factory()
    event = load_event("trigger_onboard_domain")
    event["detail"] = {"domain": "news.example.com", "dmarc": {"policy": "reject"}}
    arn = local.client("stepfunctions").start_execution(
        stateMachineArn=local.state_machine_arn,
        name="invalid-test",
        input=json.dumps(
            {
                "request": {
                    "domain": "news.example.com",
                    "rejected": {"error": "ExecutionConflictError", "message": "an onboarding is running"},
                    "received": "{}",
                }
            }
        ),
    )["executionArn"]

    assert local.wait(arn)["status"] == "FAILED"
    assert local.states_entered(arn) == [
        "Admission",
        "Resolve",
        "Notify",
        "PutOutcomeEvent",
        "OutcomeDecision",
        "OnboardingFailed",
    ]
    [message] = local.notifications()
    assert "news.example.com" in message["subject"]
    assert "different request while another run" in message["email"]
    assert local.api_calls() == {"sns:Publish": 1}
