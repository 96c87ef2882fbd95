"""LocalAws: in-process Lambda dispatch, error names, the simulated clock, API counts, faults, template."""

from __future__ import annotations

import json
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mailauth_sandbox import LocalAws, SimClock
from mailauth_sandbox.engine import SandboxTemplateError
from tests.conftest import load_event


class DomainExplodedError(Exception):
    """A custom error the ASL catches by name."""


class ChangeNotInSyncError(Exception):
    """Raised until the n-th call, to exercise Retry."""


def task(arn: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": arn, "Payload.$": "$"},
        "ResultSelector": {"out.$": "$.Payload"},
        "ResultPath": "$.result",
        **extra,
    }


def test_handler_error_is_caught_by_class_name(bare_aws: LocalAws) -> None:
    def explode(event: Any, context: Any) -> Any:
        assert context.invoked_function_arn.endswith(":function:Explode")
        assert context.get_remaining_time_in_millis() > 0
        raise DomainExplodedError(f"boom for {event['domain']}")

    arn = bare_aws.register_function("Explode", explode)
    machine = bare_aws.create_state_machine(
        "catch",
        {
            "StartAt": "T",
            "States": {
                "T": task(
                    arn,
                    Catch=[
                        {"ErrorEquals": ["DomainExplodedError"], "ResultPath": "$.error", "Next": "Caught"}
                    ],
                    End=True,
                ),
                "Caught": {"Type": "Pass", "End": True},
            },
        },
    )
    execution = bare_aws.start_execution({"domain": "example.com"}, "e1", state_machine_arn=machine)
    done = bare_aws.wait(execution, timeout=20)
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    assert output["error"]["Error"] == "DomainExplodedError"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "boom for example.com"
    assert bare_aws.states_entered(execution) == ["T", "Caught"]
    assert bare_aws.transitions(execution) == 2
    [inv] = bare_aws.invocations
    assert inv.function == "Explode" and inv.error_type == "DomainExplodedError" and not inv.ok


def test_wait_and_retry_advance_the_simulated_clock(bare_aws: LocalAws) -> None:
    calls: list[str] = []

    def flaky(event: Any, context: Any) -> dict[str, str]:
        calls.append(bare_aws.clock.now().isoformat())
        if len(calls) < 3:
            raise ChangeNotInSyncError("not yet")
        return {"status": "INSYNC"}

    arn = bare_aws.register_function("Flaky", flaky)
    machine = bare_aws.create_state_machine(
        "clock",
        {
            "StartAt": "Hold",
            "States": {
                "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "HoldPath"},
                "HoldPath": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "T"},
                "T": task(
                    arn,
                    Retry=[
                        {
                            "ErrorEquals": ["ChangeNotInSyncError"],
                            "IntervalSeconds": 600,
                            "MaxAttempts": 5,
                            "BackoffRate": 2.0,
                        }
                    ],
                    End=True,
                ),
            },
        },
    )
    start = bare_aws.clock.now()
    execution = bare_aws.start_execution({"delay": 7200}, "e1", state_machine_arn=machine)
    done = bare_aws.wait(execution, timeout=20)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["result"]["out"] == {"status": "INSYNC"}
    # 3600 + 7200 of waits, then retries after 600 and 1200 seconds
    assert bare_aws.clock.now() - start >= timedelta(seconds=3600 + 7200 + 600 + 1200)
    assert len(calls) == 3
    assert [i.started_at for i in bare_aws.invocations] == sorted(
        i.started_at for i in bare_aws.invocations if i.started_at
    )


def test_48_hours_of_polling_runs_in_simulated_time(bare_aws: LocalAws) -> None:
    count = {"n": 0}

    def poll(event: Any, context: Any) -> dict[str, Any]:
        count["n"] += 1
        return {"done": count["n"] >= 48}

    arn = bare_aws.register_function("Poll", poll)
    machine = bare_aws.create_state_machine(
        "poll",
        {
            "StartAt": "T",
            "States": {
                "T": task(arn, Next="C"),
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.result.out.done", "BooleanEquals": True, "Next": "Done"}],
                    "Default": "W",
                },
                "W": {"Type": "Wait", "Seconds": 3600, "Next": "T"},
                "Done": {"Type": "Succeed"},
            },
        },
    )
    execution = bare_aws.start_execution({}, "e1", state_machine_arn=machine)
    assert bare_aws.wait(execution, timeout=30)["status"] == "SUCCEEDED"
    assert bare_aws.clock.elapsed() >= timedelta(hours=47)


def test_mailauth_clock_follows_the_sandbox() -> None:
    import mailauth.clock

    clock = SimClock()
    with LocalAws(template=None, clock=clock, dns=False):
        assert mailauth.clock.now() == clock.start
        clock.advance(90)
        assert mailauth.clock.now() == clock.start + timedelta(seconds=90)
    assert abs((mailauth.clock.now() - clock.start).total_seconds()) > 3600  # wall clock again


def test_direct_invoke_counts_api_calls(bare_aws: LocalAws) -> None:
    import boto3

    def lookup(event: Any, context: Any) -> dict[str, Any]:
        r53 = boto3.client("route53")
        zones = r53.list_hosted_zones_by_name(DNSName=event["domain"])["HostedZones"]
        r53.get_hosted_zone(Id=zones[0]["Id"])
        return {"zone": zones[0]["Id"]}

    bare_aws.register_function("Lookup", lookup)
    zone = bare_aws.create_hosted_zone("example.com")
    assert bare_aws.invoke("Lookup", {"domain": "example.com"}) == {"zone": f"/hostedzone/{zone}"}
    assert bare_aws.api_calls() == {"route53:ListHostedZonesByName": 1, "route53:GetHostedZone": 1}
    assert bare_aws.api_calls("Other") == {}


def test_direct_invoke_reraises_and_records(bare_aws: LocalAws) -> None:
    def bad(event: Any, context: Any) -> Any:
        raise ValueError("nope")

    bare_aws.register_function("Bad", bad)
    with pytest.raises(ValueError, match="nope"):
        bare_aws.invoke("Bad", {})
    assert bare_aws.invocations[-1].error_type == "ValueError"


def test_fault_injection_gives_real_client_errors(bare_aws: LocalAws) -> None:
    from botocore.config import Config

    zone = bare_aws.create_hosted_zone("example.com")
    no_retries = Config(retries={"mode": "standard", "total_max_attempts": 1})
    r53 = boto3.client("route53", region_name=bare_aws.region, config=no_retries)
    bare_aws.faults.add(service="route53", operation="GetHostedZone", code="Throttling", times=2)
    bare_aws.faults.add(service="sesv2", operation="GetAccount", code="BadRequestException", status=400)
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            r53.get_hosted_zone(Id=zone)
        assert info.value.response["Error"]["Code"] == "Throttling"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert r53.get_hosted_zone(Id=zone)["HostedZone"]["Name"] == "example.com."
    ses = boto3.client("sesv2", region_name=bare_aws.region, config=no_retries)
    with pytest.raises(ses.exceptions.BadRequestException) as bad:  # a modeled error, parsed from rest-json
        ses.get_account()
    assert bad.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert bare_aws.faults.pending() == []


@pytest.mark.parametrize("mode", ["standard", "adaptive", "legacy"])
def test_faults_fail_single_attempts_that_the_sdk_retries_itself(bare_aws: LocalAws, mode: Any) -> None:
    # Faults sit beneath botocore's retry handler: each fails one HTTP attempt, and the client's retry mode
    # retries them as it would AWS's (on the simulated clock), so the caller sees success after 3 attempts.
    from botocore.config import Config

    zone = bare_aws.create_hosted_zone("example.com")
    client = boto3.client("route53", region_name=bare_aws.region, config=Config(retries={"mode": mode}))
    bare_aws.faults.add(service="route53", operation="GetHostedZone", code="Throttling", times=2)
    before = bare_aws.clock.now()

    answer = client.get_hosted_zone(Id=zone)

    assert answer["HostedZone"]["Name"] == "example.com."
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert bare_aws.faults.pending() == []
    assert bare_aws.clock.now() > before  # the back-off waited, in simulated time


def test_an_emulated_error_is_retried_like_aws_s_and_an_emulated_answer_parsed(bare_aws: LocalAws) -> None:
    from botocore.config import Config

    ses = boto3.client("sesv2", region_name=bare_aws.region, config=Config(retries={"mode": "standard"}))
    bare_aws.faults.add(
        service="sesv2", operation="CreateEmailIdentity", code="TooManyRequestsException", status=429
    )

    created = ses.create_email_identity(EmailIdentity="example.com")  # the SES emulator answers the retry

    assert created["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(created["DkimAttributes"]["Tokens"]) == 3
    with pytest.raises(ses.exceptions.AlreadyExistsException):  # a modeled error, as botocore parses AWS's
        ses.create_email_identity(EmailIdentity="example.com")


def test_template_functions_env_and_state_machine(tmp_path: Path) -> None:
    (tmp_path / "functions" / "echo").mkdir(parents=True)
    (tmp_path / "functions" / "echo" / "app.py").write_text(
        textwrap.dedent("""
        import os
        def handler(event, context):
            keys = ["MAILAUTH_TOPIC_ARN", "MAILAUTH_DNS_NAMESERVERS", "POWERTOOLS_SERVICE_NAME", "FROM_SUB",
                    "MAILAUTH_STATE_MACHINE_ARN"]
            return {"env": {k: os.environ.get(k) for k in keys}, "name": context.function_name, "in": event}
    """)
    )
    (tmp_path / "statemachine").mkdir()
    (tmp_path / "statemachine" / "m.asl.json").write_text(
        json.dumps({"StartAt": "E", "States": {"E": task("${EchoFunctionArn}", End=True)}})
    )
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: python3.13
            Handler: app.handler
            Environment:
              Variables:
                POWERTOOLS_SERVICE_NAME: mailauth
        Resources:
          Topic:
            Type: AWS::SNS::Topic
          Table:
            Type: AWS::DynamoDB::Table
            Properties:
              BillingMode: PAY_PER_REQUEST
              AttributeDefinitions: [{AttributeName: domain, AttributeType: S}]
              KeySchema: [{AttributeName: domain, KeyType: HASH}]
          EchoFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: functions/echo/
              Environment:
                Variables:
                  MAILAUTH_TOPIC_ARN: !Ref Topic
                  MAILAUTH_DNS_NAMESERVERS: ""
                  MAILAUTH_STATE_MACHINE_ARN: !Ref Machine
                  FROM_SUB: !Sub "${AWS::Region}-${Table}"
                  UNRESOLVABLE: !GetAtt Nothing.Arn
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties:
              DefinitionUri: statemachine/m.asl.json
              DefinitionSubstitutions:
                EchoFunctionArn: !GetAtt EchoFunction.Arn
              Policies:
                - LambdaInvokePolicy:
                    FunctionName: !Ref EchoFunction
    """)
    )
    with LocalAws(root=tmp_path) as local:
        execution = local.start_execution({"x": 1}, "e1")
        done = local.wait(execution, timeout=20)
        assert done["status"] == "SUCCEEDED", done
        out = json.loads(done["output"])["result"]["out"]
        assert out["name"] == "EchoFunction" and out["in"] == {"x": 1}
        assert out["env"] == {
            "MAILAUTH_TOPIC_ARN": local.topic_arn,
            "MAILAUTH_DNS_NAMESERVERS": local.dns_address,
            "POWERTOOLS_SERVICE_NAME": "mailauth",
            "FROM_SUB": "us-east-1-Table",
            "MAILAUTH_STATE_MACHINE_ARN": local.state_machine_arn,
        }
        assert local.table_name == "Table"
        assert local.client("lambda").get_function(FunctionName="EchoFunction")["Configuration"][
            "FunctionArn"
        ] == local.function_arn("EchoFunction")


def test_a_template_that_would_fail_in_aws_stops_the_sandbox(tmp_path: Path) -> None:
    # The static checks run on the SAM-transformed template: a state machine whose role cannot invoke the
    # function its definition calls would fail in AWS, so the sandbox refuses to start.
    (tmp_path / "statemachine").mkdir()
    (tmp_path / "statemachine" / "m.asl.json").write_text(
        json.dumps({"StartAt": "E", "States": {"E": task("${EchoFunctionArn}", End=True)}})
    )
    (tmp_path / "functions" / "echo").mkdir(parents=True)
    (tmp_path / "functions" / "echo" / "app.py").write_text(
        "def handler(event, context):\n    return event\n"
    )
    (tmp_path / "template.yaml").write_text(
        textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          EchoFunction:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: functions/echo/, Runtime: python3.13, Handler: app.handler}
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties:
              DefinitionUri: statemachine/m.asl.json
              DefinitionSubstitutions:
                EchoFunctionArn: !GetAtt EchoFunction.Arn
    """)
    )
    with pytest.raises(SandboxTemplateError, match="does not allow lambda:InvokeFunction"):
        LocalAws(root=tmp_path).start()


def test_stop_is_clean() -> None:
    import threading

    before = {t.name for t in threading.enumerate()}
    start = time.monotonic()
    with LocalAws(template=None) as local:
        port = local.dns.port if local.dns else 0
        assert port
    leftover = {t.name for t in threading.enumerate()} - before
    assert not any(name.startswith("mailauth-dns") for name in leftover)
    assert time.monotonic() - start < 10


def test_faults_can_be_scoped_to_handlers_a_function_or_a_table(local_aws_factory: Any) -> None:
    local = local_aws_factory()
    dynamodb = local.client("dynamodb")
    table = local.functions["ApiFunction"].environment["MAILAUTH_TABLE_NAME"]
    ledger = local.functions["PublishRecordsFunction"].environment["MAILAUTH_LEDGER_TABLE_NAME"]
    local.faults.add("dynamodb", "GetItem", "AccessDeniedException", times=5, function="*")
    dynamodb.get_item(TableName=table, Key={"domain": {"S": "x.example"}})  # the test's own call: untouched
    local.faults.clear()

    local.faults.add("dynamodb", "GetItem", "AccessDeniedException", times=5, table=ledger)
    dynamodb.get_item(TableName=table, Key={"domain": {"S": "x.example"}})  # another table: untouched
    with pytest.raises(ClientError, match="AccessDenied"):
        dynamodb.get_item(TableName=ledger, Key={"domain": {"S": "x.example"}})
    local.faults.clear()

    local.faults.add("dynamodb", "GetItem", "AccessDeniedException", times=5, function="ResolveFunction")
    response = local.invoke("ApiFunction", load_event("api_get_domain"))
    assert (
        response["statusCode"] == 404
    )  # the API's GetItem is not ResolveFunction's: untouched (unknown domain)
    assert local.faults.pending()[0].hits == 0


def test_stop_waits_for_an_execution_still_inside_a_handler(local_aws_factory: Any) -> None:
    """moto runs each execution on its own thread and notices StopExecution only between states: stop() waits for
    it, so a handler still running cannot go on invoking, or setting the environment, in the next test."""
    import threading

    local = local_aws_factory()
    local.create_hosted_zone("example.com")
    entered, release = threading.Event(), threading.Event()

    def hold(function: str, params: dict[str, Any]) -> None:
        entered.set()
        release.wait(2.0)  # still inside Resolve's Route 53 call when the sandbox stops

    local.on_call("route53:ListHostedZonesByName", hold)
    local.start_execution({"request": {"domain": "example.com"}}, "held-1")
    assert entered.wait(30)

    def moto_threads() -> list[threading.Thread]:
        return [
            t
            for t in threading.enumerate()
            if getattr(getattr(t, "_target", None), "__module__", "").startswith("moto.stepfunctions")
        ]

    assert moto_threads()  # the check below can see what it looks for
    local.stop()
    assert moto_threads() == []
