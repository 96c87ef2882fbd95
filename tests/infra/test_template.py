"""template.yaml against the contract in docs/architecture.md and the project's least-privilege rules.

The template is read with cfn-lint's YAML loader, which understands the CloudFormation short tags
(!Ref, !Sub, !GetAtt ...) and turns them into their long form ({"Ref": ...}, {"Fn::Sub": ...}).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from mailauth.settings import FUNCTIONS as SETTINGS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"

# docs/architecture.md: logical ID -> dir
FUNCTIONS = {
    "ApiFunction": "api",
    "TriggerFunction": "trigger",
    "ResolveFunction": "resolve",
    "EnsureIdentityFunction": "ensure_identity",
    "PublishRecordsFunction": "publish_records",
    "AwaitChangeFunction": "await_change",
    "CheckVerificationFunction": "check_verification",
    "ParkFunction": "park",
    "SweepFunction": "sweep",
    "WatchFunction": "watch",
    "RecommendationsFunction": "recommendations",
    "NotifyFunction": "notify",
    "SlackWebhookFunction": "slack_webhook",
    "UnpublishRecordsFunction": "unpublish_records",
    "RemoveIdentityFunction": "remove_identity",
}
STEP_FUNCTIONS = [
    "ResolveFunction",
    "EnsureIdentityFunction",
    "PublishRecordsFunction",
    "AwaitChangeFunction",
    "CheckVerificationFunction",
    "ParkFunction",
    "RecommendationsFunction",
    "NotifyFunction",
]
# The only actions granted on Resource "*": they have no resource type (or none a request names).
STAR_RESOURCE_ALLOWED = {
    # Step Functions' CloudWatch Logs delivery (developer guide: "IAM policies for logging to CloudWatch Logs")
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "route53:ListHostedZonesByName",
    "ses:ListRecommendations",
    "ses:GetAccount",  # Service Authorization Reference, Amazon SES v2: no resource type
    "ses:ListEmailIdentities",  # the same: no resource type
    # a task token names no resource IAM can check (Step Functions Developer Guide, "Deploying a human approval
    # workflow": SendTaskSuccess and SendTaskFailure on "*"; activity ARNs apply to activities' tokens only)
    "states:SendTaskSuccess",
    "cloudwatch:Describe*",
    "cloudwatch:Get*",
    "cloudwatch:List*",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return cfn_yaml.load(str(TEMPLATE_PATH))


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every identity-policy document the template writes (functions, state machine, roles)."""
    for name, resource in resources.items():
        props = resource.get("Properties") or {}
        rtype = resource["Type"]
        if rtype in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            for policy in as_list(props.get("Policies") or []):
                if isinstance(policy, dict) and "Statement" in policy:
                    yield name, policy
        elif rtype == "AWS::IAM::Role":
            for policy in props.get("Policies") or []:
                yield name, policy["PolicyDocument"]
        elif rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield name, props["PolicyDocument"]


def statements(resources: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement; a conditional one (``!If [cond, statement, AWS::NoValue]``) counts as granted."""
    for name, document in policy_documents(resources):
        for statement in as_list(document["Statement"]):
            if "Fn::If" in statement:
                statement = statement["Fn::If"][1]
            yield name, statement


def function_statements(resources: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    return [s for name, s in statements(resources) if name == logical_id]


def granted_actions(resources: dict[str, Any], logical_id: str) -> set[str]:
    return {a for s in function_statements(resources, logical_id) for a in as_list(s["Action"])}


# ------------------------------------------------------------------------------ functions and layer


def test_functions_match_the_architecture(resources: dict[str, Any]) -> None:
    functions = {k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    assert functions == set(FUNCTIONS)
    for logical_id, directory in FUNCTIONS.items():
        assert resources[logical_id]["Properties"]["CodeUri"] == f"functions/{directory}/"


@pytest.mark.parametrize(("logical_id", "directory"), sorted(FUNCTIONS.items()))
def test_code_uri_has_app_py_with_handler(logical_id: str, directory: str) -> None:
    app = ROOT / "functions" / directory / "app.py"
    assert app.is_file(), f"{logical_id}: {app.relative_to(ROOT)} is missing"
    tree = ast.parse(app.read_text(encoding="utf-8"))
    handlers = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "handler"
    ]
    assigned = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "handler" for t in node.targets)
    ]
    assert handlers or assigned, f"{app.relative_to(ROOT)} defines no module-level `handler`"
    if handlers:
        assert len(handlers[0].args.args) == 2, "handler(event, context)"


def test_globals_give_every_function_python313_arm64(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    glob = template["Globals"]["Function"]
    assert glob["Runtime"] == "python3.13"
    assert glob["Architectures"] == ["arm64"]
    assert glob["Handler"] == "app.handler"
    assert glob["Tracing"] == "Active"
    assert glob["Layers"] == [{"Ref": "MailauthLayer"}]
    env = glob["Environment"]["Variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == "mailauth"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Mailauth"
    assert env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    for logical_id in FUNCTIONS:
        props = resources[logical_id]["Properties"]
        for key in ("Runtime", "Architectures", "Handler", "Layers"):
            assert key not in props, f"{logical_id} overrides Globals {key}"


def test_a_scheduled_function_that_fails_is_retried_by_nobody(resources: dict[str, Any]) -> None:
    """Scheduler invokes Lambda asynchronously, so a function error would be retried twice by Lambda as well as by
    the schedule's RetryPolicy: the next tick is the retry (the sweep's wake-ups, the watch's round)."""
    scheduled = {
        logical: res["Properties"]
        for logical, res in resources.items()
        if res["Type"] == "AWS::Serverless::Function"
        and any(e["Type"] == "ScheduleV2" for e in (res["Properties"].get("Events") or {}).values())
    }
    assert set(scheduled) == {"SweepFunction", "WatchFunction"}
    for logical, props in scheduled.items():
        assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 0, logical
        for event in props["Events"].values():
            assert event["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] == 0, logical


def test_layer_is_built_for_python313_arm64(resources: dict[str, Any]) -> None:
    layer = resources["MailauthLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/mailauth/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    assert (ROOT / "layers/mailauth/mailauth/__init__.py").is_file()
    requirements = (ROOT / "layers/mailauth/requirements.txt").read_text()
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins), "the layer's requirements are fully pinned"


def _pins(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            out[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return out


def test_the_layer_ships_exactly_the_sdk_and_packages_the_tests_ran_with() -> None:
    # The Lambda runtime's bundled boto3 lags PyPI; an older botocore drops fields it does not know
    # (SigningHostedZone). So the layer pins boto3/botocore, at the versions requirements/dev.lock tested.
    layer = _pins((ROOT / "layers/mailauth/requirements.txt").read_text())
    tested = _pins((ROOT / "requirements/dev.lock").read_text())
    assert {"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil"} <= set(layer)
    assert {name: version for name, version in layer.items() if tested.get(name) != version} == {}


def test_every_function_has_a_settings_model(resources: dict[str, Any]) -> None:
    functions = {k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    assert functions == set(SETTINGS)


@pytest.mark.parametrize("logical_id", sorted(SETTINGS))
def test_the_template_declares_what_the_settings_model_reads(
    resources: dict[str, Any], logical_id: str
) -> None:
    """The variables each function's template entry declares are exactly its settings model's (less those only
    tests or the Lambda runtime set), and every required one is declared."""
    model = SETTINGS[logical_id]
    declared = set(resources[logical_id]["Properties"].get("Environment", {}).get("Variables", {}))
    reads = set(model.variables()) - model.TEST_ONLY - model.RUNTIME
    assert declared == reads
    assert {name for name, required in model.variables().items() if required} <= declared


def test_the_architecture_doc_lists_each_functions_variables() -> None:
    """docs/architecture.md's environment table says what the settings models read, function by function."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    table: dict[str, set[str]] = {directory: set() for directory in FUNCTIONS.values()}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        names = re.findall(r"`(MAILAUTH_[A-Z_]+)`", cells[0]) if len(cells) == 3 else []
        for directory in cells[1].split(", ") if names else ():
            table[directory] |= set(names)
    for logical_id, directory in FUNCTIONS.items():
        model = SETTINGS[logical_id]
        assert table[directory] == set(model.variables()) - model.TEST_ONLY - model.RUNTIME, directory


def test_the_architecture_doc_names_every_error_the_state_machines_match() -> None:
    """Every named error in mailauth/errors.py is explained in docs/architecture.md, and no removed one is."""
    from mailauth import errors

    named = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, errors.MailauthError)
        and value is not errors.MailauthError
    }
    section = (ROOT / "docs" / "architecture.md").read_text().split("## Errors", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Za-z]+Error)`", section))
    assert named == documented


def test_every_handler_clears_its_log_keys_per_invocation() -> None:
    """Keys appended in one invocation must not reach the next one in a warm container (a skipped event was once
    logged with the previous invocation's domain)."""
    for directory in FUNCTIONS.values():
        text = (ROOT / "functions" / directory / "app.py").read_text()
        decorators = re.findall(r"@logger\.inject_lambda_context(\([^)]*\))?", text)
        assert decorators and all("clear_state=True" in d for d in decorators), directory


def test_the_code_reads_settings_only_through_the_models() -> None:
    """No handler or layer module reads a mailauth variable itself: settings.py is the one place."""
    for directory in ("layers/mailauth/mailauth", "functions"):
        for path in (ROOT / directory).rglob("*.py"):
            if path.name == "settings.py":
                continue
            text = path.read_text()
            assert "os.environ" not in text and "getenv" not in text, path


#: what only an adapter in mailauth/aws/ may write: importing the SDK (botocore.exceptions excepted: errors.py
#: classifies errors without calling anything), building a client, or calling one
_AWS_CALL = re.compile(
    r"^\s*(import boto3|from boto3|from botocore\.(?!exceptions)|import botocore(?!\.exceptions))"
    r"|\bboto3\.|\bmake_client\(|\bSSMProvider\(|\bfrom mailauth\.aws import [^\n]*\bclient\b",
    re.MULTILINE,
)


#: the CLI runs without the layer (pip install .): its one boundary to AWS is its own API client
CLI_BOUNDARY = ROOT / "cli/mailauth_cli/api.py"


def test_only_the_adapters_talk_to_aws() -> None:
    """aws/ is the one boundary to AWS: no other module of the layer, and no handler, imports the SDK or builds a
    client (so one retry configuration, and one place that turns botocore errors into mailauth's). The CLI, which
    cannot use the layer's adapters, has one module of its own for it (credentials, CloudFormation, SigV4)."""
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for directory in ("layers/mailauth/mailauth", "functions", "cli")
        for path in (ROOT / directory).rglob("*.py")
        if "aws" not in path.relative_to(ROOT / directory).parts[:-1] and path != CLI_BOUNDARY
        for match in _AWS_CALL.finditer(path.read_text())
    ]
    assert offenders == []
    # and the check sees what it is meant to see
    assert _AWS_CALL.search("    import boto3\n") and _AWS_CALL.search("x = make_client('sns')")
    assert _AWS_CALL.search("from mailauth.aws import client as make_client")
    assert not _AWS_CALL.search("from botocore.exceptions import ClientError")


# ------------------------------------------------------------------------------ IAM


def test_no_wildcard_actions(resources: dict[str, Any]) -> None:
    for name, statement in statements(resources):
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{name}: {action}"


def test_star_resource_only_for_actions_without_a_resource_type(resources: dict[str, Any]) -> None:
    for name, statement in statements(resources):
        if "*" in as_list(statement.get("Resource")):
            assert set(as_list(statement["Action"])) <= STAR_RESOURCE_ALLOWED, f"{name}: {statement}"


def test_every_statement_is_an_allow_with_a_resource(resources: dict[str, Any]) -> None:
    for name, statement in statements(resources):
        assert statement["Effect"] == "Allow", name
        assert "Resource" in statement and "NotResource" not in statement and "NotAction" not in statement


def test_change_resource_record_sets_is_conditioned(resources: dict[str, Any]) -> None:
    granted = [
        (name, s)
        for name, s in statements(resources)
        if "route53:ChangeResourceRecordSets" in as_list(s["Action"])
    ]
    assert [name for name, _ in granted] == [
        "PublishRecordsFunction",
        "WatchFunction",
        "UnpublishRecordsFunction",
    ]
    actions = {
        "PublishRecordsFunction": ["CREATE", "DELETE", "UPSERT"],
        "WatchFunction": ["CREATE"],  # repair_drift re-creates, and nothing else
        "UnpublishRecordsFunction": ["DELETE", "UPSERT"],
    }
    for name, statement in granted:
        condition = statement["Condition"]
        names = condition["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"]
        rendered = str(names)
        assert "*._domainkey.*" in rendered and "_dmarc.*" in rendered and "AllowedMailFromLabels" in rendered
        equals = condition["ForAllValues:StringEquals"]
        assert sorted(equals["route53:ChangeResourceRecordSetsRecordTypes"]) == ["CNAME", "MX", "TXT"]
        assert sorted(equals["route53:ChangeResourceRecordSetsActions"]) == actions[name]


@pytest.mark.parametrize(
    ("logical_id", "actions"),
    [
        (
            "ResolveFunction",
            {
                "dynamodb:UpdateItem",
                "route53:ListHostedZonesByName",
                "route53:GetHostedZone",
                "route53:ListResourceRecordSets",
                "ses:GetEmailIdentity",
                "dynamodb:GetItem",
                "sts:AssumeRole",
            },
        ),
        (
            "EnsureIdentityFunction",
            {
                "dynamodb:UpdateItem",
                "ses:CreateEmailIdentity",
                "ses:GetEmailIdentity",
                "ses:DeleteEmailIdentity",
                "ses:PutEmailIdentityMailFromAttributes",
                "ses:PutEmailIdentityDkimSigningAttributes",
                "ses:PutEmailIdentityDkimAttributes",
                "ses:TagResource",
                "ses:GetAccount",
                # a batch's onboardings share the account's status (mailauth.account.SharedAccountStatus)
                "dynamodb:GetItem",
                "dynamodb:PutItem",
            },
        ),
        (
            "PublishRecordsFunction",
            {
                "route53:ListResourceRecordSets",
                "route53:ChangeResourceRecordSets",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "sts:AssumeRole",
            },
        ),
        ("AwaitChangeFunction", {"route53:GetChange", "sts:AssumeRole"}),
        (
            "CheckVerificationFunction",
            {
                "dynamodb:UpdateItem",
                "dynamodb:GetItem",  # the last sweep (mailauth.sweep)
                "ses:GetEmailIdentity",
                "ses:PutEmailIdentityMailFromAttributes",
            },
        ),
        ("ParkFunction", {"dynamodb:PutItem"}),
        (
            "SweepFunction",
            {
                "dynamodb:UpdateItem",
                "dynamodb:Scan",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "ses:ListEmailIdentities",
                "states:SendTaskSuccess",
            },
        ),
        (
            "WatchFunction",
            {
                "dynamodb:Scan",  # the domains table, a page at a time
                "dynamodb:UpdateItem",  # a domain's watch_state; SES slots
                "dynamodb:GetItem",  # the round; the ledger (repair_drift)
                "dynamodb:PutItem",  # the round; the ledger, ahead of a repair
                "ses:ListEmailIdentities",
                "ses:GetEmailIdentity",
                "sns:Publish",
                "kms:GenerateDataKey*",
                "kms:Decrypt",
                "events:PutEvents",  # the default bus: DomainDriftDetected / DomainDriftResolved
                "route53:ListResourceRecordSets",
                "route53:ChangeResourceRecordSets",  # CREATE only (repair_drift)
                "sts:AssumeRole",
            },
        ),
        ("RecommendationsFunction", {"dynamodb:UpdateItem", "ses:ListRecommendations", "ses:GetAccount"}),
        ("NotifyFunction", {"sns:Publish", "kms:GenerateDataKey*", "kms:Decrypt", "dynamodb:UpdateItem"}),
        (
            "ApiFunction",
            {
                "dynamodb:UpdateItem",
                "states:StartExecution",
                "states:DescribeExecution",
                "states:GetExecutionHistory",  # progress and the last report
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
                "dynamodb:Scan",  # GET /domains
                "dynamodb:Query",  # GET /domains?batch= (BatchIndex)
                "ses:GetEmailIdentity",
                # dry runs: read-only
                "route53:ListHostedZonesByName",
                "route53:GetHostedZone",
                "route53:ListResourceRecordSets",
                "sts:AssumeRole",
            },
        ),
        (
            "TriggerFunction",
            {
                "dynamodb:UpdateItem",  # a bulk event's start time (mailauth.pace.Admission)
                "states:StartExecution",
                "states:DescribeExecution",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
            },
        ),
        ("SlackWebhookFunction", {"ssm:GetParameter"}),
        (
            "UnpublishRecordsFunction",
            {
                "route53:ListResourceRecordSets",
                "route53:ChangeResourceRecordSets",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "sts:AssumeRole",
            },
        ),
        (
            "RemoveIdentityFunction",
            {
                "dynamodb:UpdateItem",
                "ses:DeleteEmailIdentity",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
            },
        ),
    ],
)
def test_each_function_gets_exactly_its_actions(
    resources: dict[str, Any], logical_id: str, actions: set[str]
) -> None:
    assert granted_actions(resources, logical_id) == actions


def test_describe_execution_names_the_state_machine(resources: dict[str, Any]) -> None:
    name = resources["OnboardStateMachine"]["Properties"]["Name"]
    assert name == {"Fn::Sub": "${AWS::StackName}-onboard-domain"}
    assert resources["OffboardStateMachine"]["Properties"]["Name"] == {
        "Fn::Sub": "${AWS::StackName}-offboard-domain"
    }
    # the trigger reads a domain's latest execution, which may be an offboarding
    expected = {"ApiFunction": ["offboard", "onboard"], "TriggerFunction": ["offboard", "onboard"]}
    for logical_id, kinds in expected.items():
        found = sorted(
            s["Resource"]["Fn::Sub"].rsplit(":execution:${AWS::StackName}-", 1)[1].removesuffix("-domain:*")
            for s in function_statements(resources, logical_id)
            if "states:DescribeExecution" in as_list(s["Action"])
        )
        assert found == kinds


# ------------------------------------------------------------------------------ state machine


def test_state_machine_wiring(resources: dict[str, Any]) -> None:
    sm = resources["OnboardStateMachine"]
    props = sm["Properties"]
    assert sm["Type"] == "AWS::Serverless::StateMachine"
    assert props["Type"] == "STANDARD"
    assert props["DefinitionUri"] == "statemachine/onboard_domain.asl.json"
    assert props["DefinitionSubstitutions"] == {
        **{f"{logical_id}Arn": {"Fn::GetAtt": [logical_id, "Arn"]} for logical_id in STEP_FUNCTIONS},
        "AlertTopicArn": {"Ref": "AlertTopic"},
    }
    invoked = [
        p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in props["Policies"] if "LambdaInvokePolicy" in p
    ]
    assert sorted(invoked) == sorted(STEP_FUNCTIONS)
    assert props["Tracing"] == {"Enabled": True}
    assert props["Logging"]["Level"] in ("ERROR", "ALL", "FATAL")


def test_asl_placeholders_match_definition_substitutions(resources: dict[str, Any]) -> None:
    props = resources["OnboardStateMachine"]["Properties"]
    path = ROOT / props["DefinitionUri"]
    assert path.is_file(), f"{props['DefinitionUri']} is missing"
    used = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", path.read_text()))
    assert used == set(props["DefinitionSubstitutions"])


# ------------------------------------------------------------------------------ triggers, notifications


def test_slack_and_email_resources_are_conditional(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    assert resources["SlackWebhookFunction"]["Condition"] == "HasSlackWebhook"
    assert resources["SlackChannelConfiguration"]["Condition"] == "HasChatbot"
    assert resources["ChatbotRole"]["Condition"] == "HasChatbot"
    assert resources["EmailSubscription"]["Condition"] == "HasNotificationEmail"
    assert set(template["Conditions"]) >= {
        "HasSlackWebhook",
        "HasChatbot",
        "HasNotificationEmail",
        "AutoOnboard",
    }
    sns_events = resources["SlackWebhookFunction"]["Properties"]["Events"]
    assert [e["Properties"]["Topic"] for e in sns_events.values()] == [{"Ref": "NotificationTopic"}]


def test_chatbot_role_is_read_only(resources: dict[str, Any]) -> None:
    props = resources["ChatbotRole"]["Properties"]
    assert "ManagedPolicyArns" not in props
    principal = props["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "chatbot.amazonaws.com"}
    guardrails = resources["SlackChannelConfiguration"]["Properties"]["GuardrailPolicies"]
    assert guardrails == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"}]


def test_hosted_zone_rule_follows_auto_onboard(resources: dict[str, Any]) -> None:
    rule = resources["HostedZoneCreatedRule"]["Properties"]
    assert rule["State"] == {"Fn::If": ["AutoOnboard", "ENABLED", "DISABLED"]}
    assert rule["EventPattern"] == {
        "source": ["aws.route53"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["route53.amazonaws.com"], "eventName": ["CreateHostedZone"]},
    }
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["TriggerFunction", "Arn"]}
    permission = resources["HostedZoneCreatedRulePermission"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["HostedZoneCreatedRule", "Arn"]}
    custom = resources["TriggerFunction"]["Properties"]["Events"]["OnboardDomainEventRule"]
    assert custom["Type"] == "EventBridgeRule"
    assert custom["Properties"]["Pattern"] == {"source": ["mailauth"], "detail-type": ["OnboardDomain"]}


def test_api_uses_iam_auth(resources: dict[str, Any]) -> None:
    auth = resources["MailauthApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "AWS_IAM"
    events = resources["ApiFunction"]["Properties"]["Events"]
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert routes == {
        ("POST", "/domains"),
        ("GET", "/domains"),
        ("GET", "/domains/{domain}"),
        ("GET", "/domains/{domain}/report"),
        ("DELETE", "/domains/{domain}"),
    }
    assert all(e["Properties"]["RestApiId"] == {"Ref": "MailauthApi"} for e in events.values())


def test_table_topic_and_alarm(resources: dict[str, Any], template: dict[str, Any]) -> None:
    for name in ("DomainsTable", "LedgerTable"):
        table = resources[name]["Properties"]
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["KeySchema"] == [{"AttributeName": "domain", "KeyType": "HASH"}]
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["SSESpecification"] == {"SSEEnabled": True}
        assert resources[name]["DeletionPolicy"] == "Retain"
    assert "KmsMasterKeyId" in resources["NotificationTopic"]["Properties"]
    alarm = resources["FailedExecutionsAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "NotificationTopic"}, {"Ref": "AlertTopic"}]
    watched = {
        (m["MetricStat"]["Metric"]["MetricName"], m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"])
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    assert watched == {
        ("ExecutionsFailed", "OnboardStateMachine"),
        ("ExecutionsTimedOut", "OnboardStateMachine"),
        ("ExecutionsFailed", "OffboardStateMachine"),
    }
    assert set(template["Outputs"]) == {
        "ApiUrl",
        "StateMachineArn",
        "OffboardStateMachineArn",
        "TopicArn",
        "AlertTopicArn",
        "DeadLetterQueueUrl",
        "ZoneRolePrincipals",
        "EventBusName",
        "TableName",
    }


def test_cfn_lint_is_clean() -> None:
    # As `make lint-template` runs it: the default region and rule levels (errors and warnings).
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE_PATH)
    assert [str(m) for m in matches if not m.rule.id.startswith("I")] == []


def test_every_sample_event_is_used_by_a_test() -> None:
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
    tests += (ROOT / "scripts" / "bench.py").read_text() + (
        ROOT / "sandbox/mailauth_sandbox/demo.py"
    ).read_text()

    def used(stem: str) -> bool:  # by name, or as f"<prefix>_{name}" with the suffix quoted somewhere
        prefix, _, suffix = stem.partition("_")
        return f'"{stem}"' in tests or (f"{prefix}_{{" in tests and f'"{suffix}"' in tests)

    unused = [p.stem for p in (ROOT / "events").glob("*.json") if not used(p.stem)]
    assert not unused, f"events nobody loads: {unused}"


def test_roles_are_assumed_only_when_listed(resources: dict[str, Any]) -> None:
    for name in (
        "ResolveFunction",
        "PublishRecordsFunction",
        "AwaitChangeFunction",
        "UnpublishRecordsFunction",
        "ApiFunction",
    ):
        policies = resources[name]["Properties"]["Policies"]
        conditional = [
            st["Fn::If"]
            for p in policies
            if isinstance(p, dict)
            for st in p.get("Statement", [])
            if "Fn::If" in st
        ]
        assert conditional == [
            [
                "HasHostedZoneRoles",
                {
                    "Sid": "CrossAccountZones",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": {"Ref": "HostedZoneRoleArns"},
                },
                {"Ref": "AWS::NoValue"},
            ]
        ], name


def test_the_built_layer_carries_bytecode_so_a_cold_start_compiles_nothing() -> None:
    # `make build` byte-compiles .aws-sam/build (make test builds before pytest): without it every new Lambda
    # container would compile botocore, pydantic and Powertools from source (`make bench` measured +0.6 s).
    built = ROOT / ".aws-sam" / "build" / "MailauthLayer" / "python"
    assert built.is_dir(), "run `make build` first (make test does)"
    for module in ("botocore/client", "pydantic/main", "mailauth/models", "aws_lambda_powertools/__init__"):
        package, _, stem = module.rpartition("/")
        pyc = built / package / "__pycache__" / f"{stem}.cpython-313.pyc"  # the runtime is python3.13
        assert pyc.is_file(), f"{module}.py has no CPython 3.13 bytecode in the built layer"
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")  # PEP 552: 0b01 = hash-based, unchecked
        assert flags == 0b01, f"{module}: not an unchecked-hash .pyc (a zip keeps no source mtimes)"


# ------------------------------------------------------------------------------ alerts, dead letters, logs
def test_every_function_has_a_log_group_with_the_retention_parameter(resources: dict[str, Any]) -> None:
    functions = [k for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: r
        for r in resources.values()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    for function in functions:
        group = groups.get(f"/aws/lambda/${{{function}}}")
        assert group is not None, f"{function} has no log group"
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert group.get("Condition") == resources[function].get("Condition")
    assert all(g["Properties"].get("RetentionInDays") for g in groups.values())


def test_events_that_cannot_be_processed_end_in_the_dead_letter_queue(resources: dict[str, Any]) -> None:
    dlq = {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    for function in ("TriggerFunction", "SlackWebhookFunction"):
        assert resources[function]["Properties"]["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": dlq}
    [target] = resources["HostedZoneCreatedRule"]["Properties"]["Targets"]
    custom = resources["TriggerFunction"]["Properties"]["Events"]["OnboardDomainEventRule"]["Properties"]
    slack = resources["SlackWebhookFunction"]["Properties"]["Events"]["Notification"]["Properties"]
    for config in (target, custom):
        assert config["DeadLetterConfig"] == {"Arn": dlq}
        assert config["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert slack["RedrivePolicy"] == {"deadLetterTargetArn": dlq}
    statements = resources["DeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    senders = {st["Principal"]["Service"]: st["Condition"]["ArnEquals"]["aws:SourceArn"] for st in statements}
    assert senders["events.amazonaws.com"] == [
        {"Fn::GetAtt": ["HostedZoneCreatedRule", "Arn"]},
        {"Fn::GetAtt": ["TriggerFunctionOnboardDomainEventRule", "Arn"]},
    ]
    assert senders["sns.amazonaws.com"] == {"Ref": "NotificationTopic"}


def test_alerts_do_not_depend_on_the_notification_topic_or_its_key(resources: dict[str, Any]) -> None:
    alert = resources["AlertTopic"]["Properties"]
    assert (
        "KmsMasterKeyId" not in alert
    )  # independent of TopicKey: an alarm can publish whatever happens to it
    for alarm in ("DeadLettersAlarm", "FailedExecutionsAlarm"):
        assert {"Ref": "AlertTopic"} in resources[alarm]["Properties"]["AlarmActions"]
    dead = resources["DeadLettersAlarm"]["Properties"]
    assert dead["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}}
    ]
    for machine in ("OnboardStateMachine", "OffboardStateMachine"):
        props = resources[machine]["Properties"]
        assert {
            "SNSPublishMessagePolicy": {"TopicName": {"Fn::GetAtt": ["AlertTopic", "TopicName"]}}
        } in props["Policies"]


def test_each_function_declares_no_dependencies_of_its_own() -> None:
    """`sam build` looks for a requirements.txt in every CodeUri (and says "requirements.txt file not found" for
    each one without); the layer is the one place dependencies are pinned, so each function's is comments only."""
    for folder in sorted(p for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file()):
        lines = (folder / "requirements.txt").read_text().splitlines()
        assert lines and all(not line.strip() or line.startswith("#") for line in lines), folder.name


def test_a_state_machine_that_puts_events_may_put_them_on_that_bus(resources: dict[str, Any]) -> None:
    """PutOutcomeEvent (an EventBridge integration) puts with the state machine's role: events:PutEvents on the bus
    the entry names (Service Authorization Reference, EventBridge: PutEvents, resource type event-bus)."""
    for logical in ("OnboardStateMachine", "OffboardStateMachine"):
        props = resources[logical]["Properties"]
        definition = json.loads((ROOT / props["DefinitionUri"]).read_text())
        buses = {
            entry["EventBusName"]
            for state in definition["States"].values()
            if state.get("Resource") == "arn:aws:states:::events:putEvents"
            for entry in state["Parameters"]["Entries"]
        }
        assert buses == {"default"}, logical
        granted = [
            s["Resource"]
            for policy in props["Policies"]
            if isinstance(policy, dict) and "Statement" in policy
            for s in policy["Statement"]
            if s.get("Action") == "events:PutEvents"
        ]
        assert granted == [
            {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}
        ], logical
