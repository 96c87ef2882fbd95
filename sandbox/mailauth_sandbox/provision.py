"""The world ``template.yaml`` describes, created in moto: its resources' names and ARNs, its functions and
state machines, resolved as CloudFormation would resolve them in the sandbox's account, region and partition."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from . import template as cfn
from .invoke import Function, Handler, Invoker

#: the repository: the default root (template.yaml, functions/, events/) and where the layer is
REPO_ROOT = Path(__file__).resolve().parents[2]
ROLE_NAME = "mailauth-sandbox-role"
MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
STACK_NAME = "mailauth"
SANDBOX_ROLE_NAME = "sandbox-operator"


class Stack:
    """The template's resources in the sandbox's account: created by :meth:`create`, named by :meth:`lookup`."""

    def __init__(
        self,
        *,
        root: Path,
        template_path: Path | None,
        parameters: Mapping[str, str],
        env_overrides: Mapping[str, str],
        region: str,
        account_id: str,
        partition: str,
        invoker: Invoker,
    ) -> None:
        self.root = root
        self.template_path = template_path
        self.parameters = parameters
        self.env_overrides = env_overrides
        self.region = region
        self.account_id = account_id
        self.partition = partition
        #: where functions are registered as they are created
        self.invoker = invoker
        #: the loaded template (empty without one)
        self.template: dict[str, Any] = {}
        #: ``{logical ID: {"Ref": ..., "Arn": ..., ...}}`` of every resource created or named
        self.resources: dict[str, dict[str, str]] = {}
        self.topic_arn = ""
        self.table_name = ""
        self.state_machine_arn = ""
        self.iam_role = ""

    def client(self, service: str, account_id: str | None = None) -> Any:
        """A boto3 client in the sandbox region (calls from the test/demo, not counted).

        With ``account_id`` (another account's), the client uses the credentials of a role assumed in that
        account (``SANDBOX_ROLE_NAME``), so moto files its calls there, as AWS would.
        """
        if account_id is None or account_id == self.account_id:
            return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]
        role = f"arn:{self.partition}:iam::{account_id}:role/{SANDBOX_ROLE_NAME}"
        creds = self.client("sts").assume_role(RoleArn=role, RoleSessionName="sandbox")["Credentials"]
        return boto3.client(  # type: ignore[call-overload]
            service,
            region_name=self.region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def function_arn(self, name: str) -> str:
        """The Lambda ARN of ``name``."""
        return f"arn:{self.partition}:lambda:{self.region}:{self.account_id}:function:{name}"

    def register_function(
        self, name: str, handler: Handler, environment: Mapping[str, str] | None, timeout: int, memory: int
    ) -> str:
        """Create a function backed by a Python callable (LocalAws.register_function); return its ARN."""
        fn = Function(
            name=name,
            arn=self.function_arn(name),
            environment=dict(environment or {}),
            callable=handler,
            timeout=timeout,
            memory=memory,
        )
        self.create_function(fn)
        return fn.arn

    def create_function(self, fn: Function) -> None:
        """Create ``fn`` in moto (a stub zip: the sandbox runs the real code) and register it for invocation."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr(
                "app.py", "def handler(event, context):\n    raise RuntimeError('sandbox only')\n"
            )
        self.client("lambda").create_function(
            FunctionName=fn.name,
            Runtime="python3.13",
            Role=self.iam_role,
            Handler=fn.handler_spec,
            Code={"ZipFile": buf.getvalue()},
            Timeout=fn.timeout,
            MemorySize=fn.memory,
            Environment={"Variables": dict(fn.environment)},
        )
        self.invoker.functions[fn.name] = fn

    def create(self, dns_address: str) -> None:
        """Create the sandbox's role and the template's resources (functions see ``dns_address`` as DNS)."""
        self.iam_role = self.client("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument="{}")[
            "Role"
        ]["Arn"]
        tpl = cfn.load(self.template_path) if self.template_path else {}
        self.template = tpl
        resources: dict[str, Any] = tpl.get("Resources") or {}
        params: dict[str, Any] = self.parameter_definitions()
        globals_fn: dict[str, Any] = (tpl.get("Globals") or {}).get("Function") or {}
        # names and ARNs first: functions and the state machine refer to each other
        for logical, res in resources.items():
            self._declare(logical, res.get("Type"), res.get("Properties") or {})
        if not self.topic_arn:
            self.topic_arn = self.client("sns").create_topic(Name="mailauth-notifications")["TopicArn"]
        if not self.table_name:
            self.table_name = "mailauth-domains"
            self._create_table(self.table_name, {})
        machines = [lg for lg, r in resources.items() if r.get("Type") in MACHINE_TYPES]
        if machines:
            self.state_machine_arn = self.resources[machines[0]]["Arn"]
        sandbox_env = {"MAILAUTH_TOPIC_ARN": self.topic_arn, "MAILAUTH_DNS_NAMESERVERS": dns_address}
        for logical, res in resources.items():
            if res.get("Type") == "AWS::Serverless::Function":
                props = res.get("Properties") or {}
                self._create_template_function(logical, props, globals_fn, params, sandbox_env)
        for logical in machines:
            self._create_template_machine(logical, resources[logical].get("Properties") or {}, params)

    def parameter_definitions(self) -> dict[str, Any]:
        """The template's parameters, with this sandbox's ``parameters`` as their defaults."""
        params: dict[str, Any] = {k: dict(v) for k, v in (self.template.get("Parameters") or {}).items()}
        for key, value in self.parameters.items():
            if key not in params:
                raise KeyError(f"template.yaml has no parameter {key!r}")
            params[key]["Default"] = value
        return params

    def parameter_value(self, name: str) -> str:
        """A template parameter's value in this sandbox (its default unless ``parameters`` overrides it)."""
        value = self.parameter_definitions().get(name, {}).get("Default", "")
        return ",".join(value) if isinstance(value, list) else str(value)

    def _declare(self, logical: str, rtype: str | None, props: Mapping[str, Any]) -> None:
        """Record the names/ARNs of a template resource; create topics and tables right away."""
        if rtype == "AWS::Serverless::Function":
            self.resources[logical] = {"Ref": logical, "Arn": self.function_arn(logical)}
        elif rtype in MACHINE_TYPES:
            name = self._name(props.get("Name") or props.get("StateMachineName"), logical)
            arn = f"arn:{self.partition}:states:{self.region}:{self.account_id}:stateMachine:{name}"
            self.resources[logical] = {"Ref": arn, "Arn": arn, "Name": name}
        elif rtype == "AWS::SNS::Topic":
            name = _literal(props.get("TopicName"), logical)
            arn = self.client("sns").create_topic(Name=name)["TopicArn"]
            self.resources[logical] = {"Ref": arn, "TopicArn": arn, "TopicName": name}
            if logical == "NotificationTopic" or not self.topic_arn:
                self.topic_arn = arn
        elif rtype == "AWS::Events::EventBus":
            name = self._name(props.get("Name"), logical)
            arn = f"arn:{self.partition}:events:{self.region}:{self.account_id}:event-bus/{name}"
            self.resources[logical] = {"Ref": name, "Arn": arn, "Name": name}
        elif rtype == "AWS::SQS::Queue":
            name = _literal(props.get("QueueName"), f"{STACK_NAME}-{logical}")
            url = self.client("sqs").create_queue(QueueName=name)["QueueUrl"]
            arn = f"arn:{self.partition}:sqs:{self.region}:{self.account_id}:{name}"
            self.resources[logical] = {"Ref": url, "Arn": arn, "QueueName": name}
        elif rtype in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            name = _literal(props.get("TableName"), logical)
            self._create_table(name, props if rtype == "AWS::DynamoDB::Table" else {})
            arn = f"arn:{self.partition}:dynamodb:{self.region}:{self.account_id}:table/{name}"
            self.resources[logical] = {"Ref": name, "Arn": arn}
            self.table_name = self.table_name or name

    def _name(self, value: Any, default: str) -> str:
        """A resource's name as CloudFormation resolves it (``!Sub ${AWS::StackName}-x``), else ``default``."""
        if value is None:
            return default
        try:
            return cfn.resolve(value, self.lookup, self.parameter_definitions())
        except cfn.UnresolvedError:
            return default

    def _create_template_function(
        self,
        logical: str,
        props: Mapping[str, Any],
        globals_fn: Mapping[str, Any],
        params: Mapping[str, Any],
        overrides: Mapping[str, str],
    ) -> None:
        """Create a template function: its declared environment resolved, ``overrides`` (the sandbox's topic
        and DNS) and the sandbox's ``env_overrides`` applied."""
        variables = {
            **((globals_fn.get("Environment") or {}).get("Variables") or {}),
            **((props.get("Environment") or {}).get("Variables") or {}),
        }
        env: dict[str, str] = {}
        for key, value in variables.items():
            if key in overrides:
                env[key] = overrides[key]
                continue
            try:
                env[key] = cfn.resolve(value, self.lookup, params)
            except cfn.UnresolvedError:
                continue
        env.update(self.env_overrides)
        code_uri = _literal(props.get("CodeUri") or globals_fn.get("CodeUri"), f"functions/{logical}")
        self.create_function(
            Function(
                name=logical,
                arn=self.function_arn(logical),
                environment=env,
                code_dir=(self.root / code_uri).resolve(),
                handler_spec=_literal(props.get("Handler") or globals_fn.get("Handler"), "app.handler"),
                memory=int(props.get("MemorySize") or globals_fn.get("MemorySize") or 128),
                timeout=int(props.get("Timeout") or globals_fn.get("Timeout") or 3),
                dead_letter_arn=self._dead_letter_arn(props.get("DeadLetterQueue"), params),
                async_retries=_async_retries(
                    props.get("EventInvokeConfig") or globals_fn.get("EventInvokeConfig"), logical
                ),
            )
        )

    def _dead_letter_arn(self, config: Any, params: Mapping[str, Any]) -> str | None:
        if not isinstance(config, dict) or config.get("Type") != "SQS":
            return None
        return cfn.resolve(config.get("TargetArn"), self.lookup, params)

    def _create_template_machine(
        self, logical: str, props: Mapping[str, Any], params: Mapping[str, Any]
    ) -> None:
        """Create the state machine from its ASL file with the template's DefinitionSubstitutions."""
        definition = props.get("Definition")
        text = json.dumps(definition) if isinstance(definition, dict) else ""
        uri = props.get("DefinitionUri")
        if isinstance(uri, str):
            text = (self.root / uri).read_text(encoding="utf-8")
        for key, value in (props.get("DefinitionSubstitutions") or {}).items():
            try:
                text = text.replace("${" + key + "}", cfn.resolve(value, self.lookup, params))
            except cfn.UnresolvedError:
                continue
        self.client("stepfunctions").create_state_machine(
            name=self.resources[logical]["Name"],
            definition=text,
            roleArn=self.iam_role,
            type=_literal(props.get("Type"), "STANDARD"),
        )

    def lookup(self, logical: str, attribute: str | None) -> str:
        """A pseudo parameter's value, or a resource's ``Ref`` (``attribute`` None) or attribute, as created."""
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::StackName": STACK_NAME,
            "AWS::URLSuffix": "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com",
        }
        if attribute is None and logical in pseudo:
            return pseudo[logical]
        attrs = self.resources.get(logical)
        if attrs is None or (attribute or "Ref") not in attrs:
            raise cfn.UnresolvedError(f"{logical}.{attribute}")
        return attrs[attribute or "Ref"]

    def _create_table(self, name: str, props: Mapping[str, Any]) -> None:
        keys = props.get("KeySchema") or [{"AttributeName": "domain", "KeyType": "HASH"}]
        attrs = props.get("AttributeDefinitions") or [{"AttributeName": "domain", "AttributeType": "S"}]
        indexes = [
            {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
            for index in props.get("GlobalSecondaryIndexes") or ()
        ]
        self.client("dynamodb").create_table(
            TableName=name,
            KeySchema=keys,
            AttributeDefinitions=attrs,
            BillingMode="PAY_PER_REQUEST",
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )


def _literal(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _async_retries(config: Any, logical: str) -> int:
    """EventInvokeConfig.MaximumRetryAttempts (AWS::Lambda::EventInvokeConfig: an integer from 0 to 2; Lambda's
    default, 2, when absent)."""
    value = (config or {}).get("MaximumRetryAttempts", 2) if isinstance(config, dict) else 2
    if not isinstance(value, int) or not 0 <= value <= 2:
        raise ValueError(
            f"{logical}: EventInvokeConfig.MaximumRetryAttempts must be 0, 1 or 2, not {value!r}"
        )
    return value
