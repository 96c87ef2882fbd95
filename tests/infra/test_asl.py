"""The project's own ASL checks (scripts/asl_check.py), on every statemachine/*.asl.json and on fixtures.

SAM and cfn-lint do not look inside DefinitionUri files, so these checks are the only static guard of the
workflow. Each check also has a negative test proving it can fail.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from scripts import asl_check

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATE = ROOT / "template.yaml"
STATE_MACHINE_FILES = sorted((ROOT / "statemachine").glob("*.asl.json"))
VALID = FIXTURES / "valid.asl.json"
ROLE_ARN = "arn:aws:iam::123456789012:role/mailauth-test-sfn"


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def sfn() -> Iterator[Any]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions", region_name="us-east-1")


def valid_machine() -> dict[str, Any]:
    return json.loads(VALID.read_text())


def problems_of(machine: dict[str, Any], substitutions: set[str] | None = None) -> list[str]:
    return asl_check.check_definition(json.dumps(machine), substitutions)


# ------------------------------------------------------------------------------ the project's definitions


@pytest.mark.parametrize("path", STATE_MACHINE_FILES, ids=lambda p: p.name)
def test_state_machine_file_passes_every_check(path: Path) -> None:
    subs = asl_check.template_substitutions(TEMPLATE)
    assert str(path.resolve()) in subs, (
        f"{path.name} is not the DefinitionUri of a state machine in template.yaml"
    )
    assert asl_check.check_file(path, subs[str(path.resolve())]) == []


# Step Functions Developer Guide, "Handle Lambda service exceptions": Lambda's transient service errors, and
# "Unhandled errors in Lambda are reported as Lambda.Unknown ... These include out-of-memory errors and function
# timeouts"; Lambda itself names a timeout Sandbox.Timedout in its error payload (assumption A10, docs/local.md).
LAMBDA_TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
}
LAMBDA_TIMEOUT = {"Lambda.Unknown", "Sandbox.Timedout"}


@pytest.mark.parametrize("path", STATE_MACHINE_FILES, ids=lambda p: p.name)
def test_every_lambda_task_retries_lambda_errors_and_function_timeouts(path: Path) -> None:
    states = json.loads(path.read_text())["States"]
    for name, state in states.items():
        if state["Type"] != "Task" or "FunctionArn}" not in state.get("Resource", ""):
            continue
        retried = {error for retrier in state.get("Retry", []) for error in retrier["ErrorEquals"]}
        assert retried >= LAMBDA_TRANSIENT, f"{name} does not retry {LAMBDA_TRANSIENT - retried}"
        assert retried >= LAMBDA_TIMEOUT, (
            f"{name}: one slow call would end the run: {LAMBDA_TIMEOUT - retried}"
        )


@pytest.mark.parametrize("path", STATE_MACHINE_FILES, ids=lambda p: p.name)
def test_state_machine_file_round_trips_through_moto(path: Path, sfn: Any) -> None:
    definition = asl_check.substitute(path.read_text())
    arn = sfn.create_state_machine(name=path.stem.replace(".", "-"), definition=definition, roleArn=ROLE_ARN)[
        "stateMachineArn"
    ]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"]) == json.loads(definition)
    assert described["type"] == "STANDARD"


def test_every_definition_uri_in_the_template_exists() -> None:
    uris = asl_check.template_substitutions(TEMPLATE)
    assert len(uris) == 2
    for uri in uris:
        assert Path(uri).is_file(), f"{uri} is missing"


# ------------------------------------------------------------------------------ the checker: positives


def test_valid_fixture_passes() -> None:
    assert asl_check.check_file(VALID, {"ResolveFunctionArn", "NotifyFunctionArn"}) == []


def test_valid_fixture_round_trips_through_moto(sfn: Any) -> None:
    definition = asl_check.substitute(VALID.read_text())
    arn = sfn.create_state_machine(name="fixture", definition=definition, roleArn=ROLE_ARN)["stateMachineArn"]
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == json.loads(definition)


def test_moto_rejects_what_its_parser_rejects(sfn: Any) -> None:
    # The round trip above means something: moto validates definitions with the same parser.
    broken = {"StartAt": "A", "States": {"A": {"Type": "Task", "End": True}}}  # Task without Resource
    # (moto's error has no code, only the message; AWS says InvalidDefinition.)
    with pytest.raises(ClientError, match="No Resource declaration"):
        sfn.create_state_machine(name="broken", definition=json.dumps(broken), roleArn=ROLE_ARN)


def test_substitute_fills_every_placeholder_with_an_arn() -> None:
    text = asl_check.substitute(VALID.read_text())
    assert asl_check.placeholders(text) == set()
    assert "arn:aws:lambda:us-east-1:123456789012:function:ResolveFunction" in text
    assert asl_check.substitute("${X}", {"X": "given"}) == "given"


def test_cli_accepts_valid_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    assert asl_check.main([str(VALID)]) == 0
    assert "OK" in capsys.readouterr().out


def test_cli_checks_template_files_against_the_template() -> None:
    assert len(STATE_MACHINE_FILES) == 2
    assert (
        asl_check.main(
            [*map(str, STATE_MACHINE_FILES), "--template", str(TEMPLATE), "--notify-state", "Notify"]
        )
        == 0
    )


# ------------------------------------------------------------------------------ the checker: negatives


def test_cli_rejects_dangling_next(capsys: pytest.CaptureFixture[str]) -> None:
    assert asl_check.main([str(FIXTURES / "dangling_next.asl.json")]) == 1
    err = capsys.readouterr().err
    assert "Next -> 'DoesNotExist' is not a state" in err
    assert "Second: unreachable" in err


def test_cli_rejects_a_file_the_template_does_not_use() -> None:
    assert asl_check.main([str(VALID), "--template", str(TEMPLATE)]) == 1


def test_missing_start_at() -> None:
    m = valid_machine()
    m["StartAt"] = "Nope"
    assert any("StartAt 'Nope' is not a state" in p for p in problems_of(m))


@pytest.mark.parametrize(
    ("state", "field", "path"),
    [
        ("Resolve", "Next", ["Next"]),
        ("Decide", "Default", ["Default"]),
        ("Decide", "Choices[1].Next", ["Choices", 1, "Next"]),
        ("Resolve", "Catch[0].Next", ["Catch", 0, "Next"]),
    ],
)
def test_dangling_transition(state: str, field: str, path: list[str | int]) -> None:
    m = valid_machine()
    node: Any = m["States"][state]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "Ghost"
    assert f"$.States.{state}: {field} -> 'Ghost' is not a state" in problems_of(m)


def test_unreachable_state() -> None:
    m = valid_machine()
    m["States"]["Orphan"] = {"Type": "Pass", "Next": "Done"}
    assert "$.States.Orphan: unreachable from StartAt 'Resolve'" in problems_of(m)


def test_state_without_a_way_out() -> None:
    m = valid_machine()
    del m["States"]["Notify"]["Next"]
    assert any("Notify: needs exactly one of Next or End" in p for p in problems_of(m))


def test_state_with_both_next_and_end() -> None:
    m = valid_machine()
    m["States"]["Notify"]["End"] = True
    assert any("Notify: needs exactly one of Next or End" in p for p in problems_of(m))


def test_choice_without_choices() -> None:
    m = valid_machine()
    m["States"]["Decide"]["Choices"] = []
    assert any("Decide: Choice state without Choices" in p for p in problems_of(m))


def test_terminal_state_with_next() -> None:
    m = valid_machine()
    m["States"]["Done"]["Next"] = "Failed"
    assert any("Done: a Succeed state is terminal" in p for p in problems_of(m))


@pytest.mark.parametrize(
    "fields", [{}, {"Seconds": 5, "SecondsPath": "$.x"}, {"Timestamp": "x", "TimestampPath": "$.t"}]
)
def test_wait_needs_exactly_one_duration(fields: dict[str, Any]) -> None:
    m = valid_machine()
    m["States"]["Wait"] = {"Type": "Wait", "Next": "Fanout", **fields}
    assert any("Wait: a Wait needs exactly one of" in p for p in problems_of(m))


def test_jsonata_is_rejected_at_top_and_per_state() -> None:
    m = valid_machine()
    m["QueryLanguage"] = "JSONata"
    assert any(p.startswith("$: QueryLanguage JSONata") for p in problems_of(m))
    m = valid_machine()
    m["States"]["Done"]["QueryLanguage"] = "JSONata"
    assert any("Done: QueryLanguage JSONata" in p for p in problems_of(m))


def test_unknown_state_type() -> None:
    m = valid_machine()
    m["States"]["Done"]["Type"] = "Success"
    assert any("Done: unknown Type 'Success'" in p for p in problems_of(m))


def test_problems_inside_parallel_branches_and_maps_are_found() -> None:
    m = valid_machine()
    branch = m["States"]["Fanout"]["Branches"][0]
    branch["States"]["A"] = {"Type": "Pass", "Next": "Ghost"}
    processor = m["States"]["Fanout"]["Branches"][1]["States"]["EachRecord"]["ItemProcessor"]
    processor["StartAt"] = "Missing"
    problems = problems_of(m)
    assert "$.States.Fanout.Branches[0].States.A: Next -> 'Ghost' is not a state" in problems
    assert any(
        "Fanout.Branches[1].States.EachRecord.ItemProcessor: StartAt 'Missing' is not a state" in p
        for p in problems
    )


def test_missing_and_unused_substitutions() -> None:
    text = VALID.read_text()
    problems = asl_check.check_definition(text, {"ResolveFunctionArn", "UnusedFunctionArn"})
    assert "placeholder ${NotifyFunctionArn} has no DefinitionSubstitution" in problems
    assert "DefinitionSubstitution UnusedFunctionArn is not used by the definition" in problems


def test_moto_parse_failure_is_reported() -> None:
    # Structurally fine for our checks, but not valid ASL: a Task needs a Resource.
    m = copy.deepcopy(valid_machine())
    del m["States"]["Notify"]["Resource"]
    problems = problems_of(m)
    assert len(problems) == 1
    assert problems[0].startswith("moto's ASL parser rejects the definition")


def test_invalid_json() -> None:
    assert asl_check.check_definition("{not json")[0].startswith("not valid JSON")


# ------------------------------------------------------------------------------ every failure reaches a person


def _onboard() -> dict[str, Any]:
    machine: dict[str, Any] = json.loads(
        asl_check.substitute((ROOT / "statemachine" / "onboard_domain.asl.json").read_text())
    )
    return machine


def test_both_workflows_route_every_task_failure_to_notify() -> None:
    for path in STATE_MACHINE_FILES:
        machine = json.loads(asl_check.substitute(path.read_text()))
        assert asl_check.check_failure_paths(machine) == [], path


def test_only_a_parked_task_s_timeout_may_go_on_without_notify() -> None:
    """WaitForVerification waits for its task token: its wait running out (States.Timeout) is how it ends when
    the sweep has nothing to say, so that Catch goes on to the next check; any other Catch of it, or a timeout
    Catch of a task that waits for no token, must still reach Notify."""
    machine = _onboard()
    assert machine["States"]["WaitForVerification"]["Catch"][0] == {
        "ErrorEquals": ["States.Timeout"],
        "ResultPath": "$.wake",
        "Next": "CheckVerification",
    }
    assert asl_check.check_failure_paths(machine) == []

    broader = _onboard()
    broader["States"]["WaitForVerification"]["Catch"][0]["ErrorEquals"] = [
        "States.Timeout",
        "States.TaskFailed",
    ]
    assert any(
        "WaitForVerification: Catch[0] -> 'CheckVerification'" in p
        for p in asl_check.check_failure_paths(broader)
    )

    no_token = _onboard()
    no_token["States"]["CheckVerification"]["Catch"].insert(
        0, {"ErrorEquals": ["States.Timeout"], "Next": "BuildReport"}
    )
    no_token["States"]["CheckVerification"]["TimeoutSeconds"] = 60
    assert any(
        "CheckVerification: Catch[0] -> 'BuildReport'" in p for p in asl_check.check_failure_paths(no_token)
    )


def test_a_catch_that_skips_notify_is_refused() -> None:
    machine = _onboard()
    machine["States"]["CheckVerification"]["Catch"][0]["Next"] = "OnboardingFailed"

    [problem] = asl_check.check_failure_paths(machine)

    assert "CheckVerification: Catch[0] -> 'OnboardingFailed', not 'Notify'" in problem
    assert asl_check.check_definition(json.dumps(machine), notify="Notify") == [problem]  # make lint-template


def test_a_task_without_a_catch_all_is_refused() -> None:
    machine = _onboard()
    machine["States"]["BuildReport"]["Catch"][0]["ErrorEquals"] = ["AwsThrottledError"]
    assert asl_check.check_failure_paths(machine) == [
        "$.States.BuildReport: no Catch of States.ALL: a failure here would reach nobody"
    ]


def test_notify_must_fall_back_to_the_alert_and_the_alert_to_a_fail_state() -> None:
    machine = _onboard()
    machine["States"]["Notify"]["Catch"][0]["Next"] = "OnboardingFailed"
    machine["States"]["AlertOperator"]["Catch"][0]["Next"] = "Notify"
    problems = asl_check.check_failure_paths(machine)
    assert any("Notify: Catch[0] -> 'OnboardingFailed', not an alert state" in p for p in problems)
    assert any(
        "AlertOperator: Catch[0] -> 'Notify': the alert's own failure must end the run" in p for p in problems
    )


def test_a_step_after_the_notification_must_fall_back_to_an_alert() -> None:
    """The outcome event is put after the person was told: its failure goes to an alert, not to Notify again."""
    machine = _onboard()
    machine["States"]["PutOutcomeEvent"]["Catch"][0]["Next"] = "Notify"
    machine["States"]["AlertEventNotPut"]["Catch"][0]["Next"] = "OutcomeDecision"
    problems = asl_check.check_failure_paths(machine)
    assert any("PutOutcomeEvent: Catch[0] -> 'Notify', not an alert state" in p for p in problems)
    assert any(
        "AlertEventNotPut: Catch[0] -> 'OutcomeDecision': the alert's own failure must end" in p
        for p in problems
    )
