"""``LocalAws``: moto plus everything the mailauth workflow needs to run locally, in one process.

* moto's ``mock_aws`` with Step Functions execution on and Docker-less Lambda;
* the functions, topic, table and state machine of ``template.yaml``, the state machine built from the
  real ASL file with the template's ``DefinitionSubstitutions``;
* Lambda invocations (from the interpreter or :meth:`LocalAws.invoke`) run the real handlers in-process;
* a simulated clock that Wait states and Retry back-off advance instead of sleeping;
* SES v2 and Route 53 behaviour moto lacks, a DNS server on loopback, fault injection, API call counts.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import os
import sys
import threading
import time
import traceback
import types
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import boto3

from . import constraints, hooks, iam
from . import template as cfn
from .clock import SimClock
from .dns_server import DnsServer
from .events import EventRouter
from .faults import FaultInjector
from .route53 import Route53Emulator
from .ses import SesBehaviour, SesEmulator

Handler = Callable[[Any, Any], Any]
REPO_ROOT = Path(__file__).resolve().parents[2]
ROLE_NAME = "mailauth-sandbox-role"
_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
STACK_NAME = "mailauth"
SANDBOX_ROLE_NAME = "sandbox-operator"
MOTO_DEFAULT_ACCOUNT = "123456789012"


class SandboxTemplateError(RuntimeError):
    """template.yaml lacks something AWS needs (a static check of the SAM-transformed template failed)."""


@dataclass
class LambdaContext:
    """The parts of Lambda's context object handlers use."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 128
    timeout_seconds: int = 3
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "2026/11/02/[$LATEST]sandbox"

    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """The function's timeout less the (wall-clock) time this invocation has run; not enforced."""
        return max(0, int(self.timeout_seconds * 1000 - (time.monotonic() - self.started) * 1000))


@dataclass
class InvocationFault:
    """The next ``times`` invocations of ``function`` end as a Lambda timeout (or other unhandled error).

    ``error_type`` is the error name the state machine's Retry/Catch see. For a function timeout the Step
    Functions Developer Guide ("Handle Lambda service exceptions") says: "Unhandled errors in Lambda are reported
    as Lambda.Unknown in the error output. These include out-of-memory errors and function timeouts"; Lambda's
    own payload for a timeout names it ``Sandbox.Timedout``. Which one a Task that calls a function ARN reports
    is assumption A10 in docs/local.md; the ASL retries both. With ``ran=True`` the handler runs first and its
    result is lost, as when a function times out after its side effects.
    """

    function: str
    error_type: str = "Lambda.Unknown"
    times: int = 1
    ran: bool = True
    hits: int = 0


@dataclass
class Function:
    """A function the sandbox can invoke: from the template (file + handler name) or registered."""

    name: str
    arn: str
    environment: dict[str, str] = field(default_factory=dict)
    code_dir: Path | None = None
    handler_spec: str = "app.handler"
    memory: int = 128
    timeout: int = 3
    callable: Handler | None = None
    dead_letter_arn: str | None = None  # DeadLetterQueue.TargetArn: where a failed asynchronous event ends

    def load(self, module_prefix: str) -> Handler:
        """Import the handler by file path under a unique module name (every handler file is ``app.py``)."""
        if self.callable is not None:
            return self.callable
        assert self.code_dir is not None
        module_path, _, attr = self.handler_spec.rpartition(".")
        path = self.code_dir / (module_path.replace(".", "/") + ".py")
        spec = importlib.util.spec_from_file_location(f"{module_prefix}_{self.name}", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(self.code_dir))
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(self.code_dir))
        self.callable = getattr(module, attr)
        return self.callable


@dataclass
class Invocation:
    """One handler invocation, for assertions."""

    function: str
    event: Any
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    request_id: str = ""
    #: AWS API calls the handler made during this invocation, as ``"service:Operation"`` counts
    calls: Counter[str] = field(default_factory=Counter)

    @property
    def execution(self) -> str | None:
        """The execution ARN the state machine passed (``execution`` key), if any."""
        return self.event.get("execution") if isinstance(self.event, dict) else None

    @property
    def ok(self) -> bool:
        """True when the handler returned."""
        return self.error_type is None


class LocalAws:
    """The embedded AWS. Use as a context manager; see ``docs/local.md``."""

    def __init__(
        self,
        *,
        root: Path | str | None = None,
        template: Path | str | Literal["auto"] | None = "auto",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        start_time: datetime | None = None,
        clock: SimClock | None = None,
        ses: SesBehaviour | None = None,
        dns: bool = True,
        propagation_delay: float = 0.0,
        undelegated_zones: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.root = Path(root) if root else REPO_ROOT
        if template == "auto":
            candidate = self.root / "template.yaml"
            self.template_path: Path | None = candidate if candidate.exists() else None
        else:
            self.template_path = Path(template) if template else None
        self.region = region
        self.account_id = account_id
        #: the partition of the region (aws, aws-cn, aws-us-gov), as botocore's endpoint data says
        self.partition = boto3.session.Session().get_partition_for_region(region)
        self.clock = clock or SimClock(start_time)
        self.faults = FaultInjector()
        self.route53 = Route53Emulator(self.clock, account_id, propagation_delay=propagation_delay)
        self.ses = SesEmulator(self.clock, account_id, ses)
        self.dns: DnsServer | None = DnsServer(self.route53, undelegated_zones) if dns else None
        self.env_overrides = dict(env or {})
        #: template parameter values that replace their defaults (e.g. ``{"AutoOnboardNewZones": "false"}``)
        self.parameters = dict(parameters or {})
        #: the loaded template (empty without one) and callbacks run after every handler invocation
        self.template: dict[str, Any] = {}
        self.observers: list[Callable[[Invocation], None]] = []
        #: EventBridge's default bus, with the template's rules once started (moto does not deliver to Lambda)
        self.events = EventRouter(self)
        self.functions: dict[str, Function] = {}
        self.invocations: list[Invocation] = []
        #: planned Lambda timeouts (fail_invocations)
        self.invocation_faults: list[InvocationFault] = []
        self.before_invocations: dict[str, list[Callable[[Any], None]]] = {}
        #: callbacks on handlers' API calls, by "service:Operation" (see on_call)
        self.call_watchers: dict[str, list[Callable[[str, dict[str, Any]], None]]] = {}
        self.topic_arn = ""
        #: when each SNS message was published (simulated time) and the execution it was published for, by MessageId
        self._published: dict[str, tuple[datetime, str | None]] = {}
        self.table_name = ""
        self.state_machine_arn = ""
        self.resources: dict[str, dict[str, str]] = {}
        #: handler calls: (function, "service:Operation", DynamoDB table or "")
        self._calls: Counter[tuple[str, str, str]] = Counter()
        self._tls = threading.local()
        self._invoke_lock = threading.RLock()
        self._patches: list[tuple[Any, str, Any]] = []
        self._saved_env: dict[str, str | None] = {}
        self._mock: Any = None
        self._module_prefix = f"mailauth_sandbox_fn_{uuid.uuid4().hex[:8]}"
        self._started = False
        self._iam_role = ""
        #: judges every handler call against its role as SAM transforms template.yaml (None without a template)
        self.authorizer: Any = None
        #: state machines that log to CloudWatch Logs (their execution names must be 0-9 A-Z a-z - _)
        self._logging_machines: set[str] = set()
        #: the role a handler assumed in another account, by that account (for refusal messages)
        self._assumed_roles: dict[str, str] = {}
        self._last_exception: BaseException = RuntimeError("no invocation failed")
        self._last_trace: list[str] = []

    # -- lifecycle --------------------------------------------------------------------------------
    def __enter__(self) -> LocalAws:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start moto, install the hooks and patches, start DNS, create the template's resources."""
        from moto import mock_aws

        self._set_env(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SECURITY_TOKEN": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                # moto files a call under its access key's account; MOTO_ACCOUNT_ID would override that for
                # every call, so it is set only for a non-default sandbox account (cross-account then off)
                **({"MOTO_ACCOUNT_ID": self.account_id} if self.account_id != MOTO_DEFAULT_ACCOUNT else {}),
            }
        )
        hooks.activate(self)
        _forget_warm_state()
        try:
            self._mock = mock_aws(
                config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
            )
            self._mock.start()
            self._started = True
            self._install_patches()
            _mailauth_clock().set_source(self.clock.now)
            if self.dns is not None:
                self.dns.start()
                self.ses.dns_address = self.dns.address
            self._iam_role = self.client("iam").create_role(
                RoleName=ROLE_NAME, AssumeRolePolicyDocument="{}"
            )["Role"]["Arn"]
            self._create_resources()
            self._start_iam()
            self.events = EventRouter.from_template(self)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop executions, DNS, patches and moto; restore the clock and the environment."""
        if self._started:
            with contextlib.suppress(Exception):  # best effort on the way out
                self._stop_executions()
        if self.dns is not None:
            self.dns.stop()
        for obj, attr, original in reversed(self._patches):
            setattr(obj, attr, original)
        self._patches.clear()
        with contextlib.suppress(ImportError):
            _mailauth_clock().set_source(None)
        hooks.deactivate(self)
        if self._started and self._mock is not None:
            self._mock.stop()
        self._started = False
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def _set_env(self, values: Mapping[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

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

    # -- moto patches -----------------------------------------------------------------------------
    def _patch(self, obj: Any, attr: str, value: Any) -> None:
        self._patches.append((obj, attr, getattr(obj, attr)))
        setattr(obj, attr, value)

    def _install_patches(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
            timestamp,
            wait_function,
        )

        sandbox = self
        original_invoke = LambdaSimpleBackend.invoke

        def invoke(
            backend: Any,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
        ) -> Any:
            name = function_name.rsplit(":function:", 1)[-1].split(":", 1)[0]
            if name not in sandbox.functions:
                return original_invoke(backend, function_name, qualifier, body, headers, response_headers)
            raw = body.decode() if isinstance(body, bytes) else (body or "{}")
            payload, errored = sandbox._dispatch(name, json.loads(raw) if raw else {})
            if errored:
                response_headers["x-amz-function-error"] = "Unhandled"
            return payload

        def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
            if wait_seconds > 0:
                sandbox.clock.advance(wait_seconds)

        def timestamp_wait_seconds(self: Any, env: Any) -> int:
            self.string.eval(env=env)
            text: str = env.stack.pop()
            when = self._from_timestamp_string(timestamp=text)
            if when is None:
                from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
                    FailureEventException,
                )

                raise FailureEventException(self._create_failure_event(env, text))
            now = sandbox.clock.now().replace(tzinfo=None)
            return int((when - now).total_seconds())

        from moto.core.botocore_stubber import BotocoreStubber

        moto_stub = BotocoreStubber.__call__

        def stub_unless_answered(stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            """botocore calls every before-send handler; moto's must not also run an attempt the sandbox answered."""
            if getattr(request, hooks.ANSWERED, False):
                return None
            return moto_stub(stubber, event_name, request, **kwargs)

        self._patch(BotocoreStubber, "__call__", stub_unless_answered)
        self._patch(LambdaSimpleBackend, "invoke", invoke)
        self._patch(wait_function.WaitFunction, "_wait_interval", wait_interval)
        self._patch(timestamp.Timestamp, "_get_wait_seconds", timestamp_wait_seconds)
        self._patch(retrier_decl, "time", types.SimpleNamespace(sleep=self.clock.advance, time=time.time))
        self._patch_sdk_time()

    def _patch_sdk_time(self) -> None:
        """botocore's retry back-off and adaptive rate limiter wait on the simulated clock, not in real time.

        The retry loop sleeps with ``time.sleep`` in botocore/endpoint.py; the adaptive mode's token bucket
        (botocore/retries/bucket.py) reads ``Clock.current_time`` and waits on a ``threading.Condition``. The
        retry decisions and delays are botocore's own; only the waiting is simulated.
        """
        import botocore.endpoint
        import botocore.retries.bucket as bucket

        sandbox = self

        def clock() -> SimClock:
            # the running sandbox's: a client kept warm from an earlier sandbox (a cached Submitter, say) keeps
            # its token bucket, whose waits must move the clock its refills are read from
            active = hooks.active()
            return active.clock if isinstance(active, LocalAws) else sandbox.clock

        def advance(seconds: float | None) -> None:
            # the simulated clock counts whole microseconds: round up, or a bucket waiting for 3e-7 s of
            # refill would wait forever without the clock moving
            clock().advance(math.ceil((seconds or 0) * 1_000_000) / 1_000_000)

        class SimCondition:
            """``threading.Condition`` whose ``wait`` advances the simulated clock instead of blocking."""

            def __init__(self, lock: Any = None) -> None:
                self._lock = lock or threading.Lock()

            def __enter__(self) -> Any:
                return self._lock.__enter__()

            def __exit__(self, *exc: Any) -> Any:
                return self._lock.__exit__(*exc)

            def wait(self, timeout: float | None = None) -> bool:
                advance(timeout)
                return False

            def notify(self, n: int = 1) -> None:
                """Nothing waits for real."""

            def notify_all(self) -> None:
                """Nothing waits for real."""

        self._patch(
            botocore.endpoint, "time", types.SimpleNamespace(sleep=self.clock.advance, time=time.time)
        )
        self._patch(bucket, "threading", types.SimpleNamespace(Lock=threading.Lock, Condition=SimCondition))
        self._patch(bucket.Clock, "sleep", lambda _clock, amount: sandbox.clock.advance(amount))
        self._patch(bucket.Clock, "current_time", lambda _clock: clock().now().timestamp())

    # -- botocore hooks (hooks.Dispatcher) -------------------------------------------------------
    def on_before_call(
        self, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> hooks.Response | None:
        """Once per API call: count and judge by IAM a handler's calls; judge every call by the service's rules.

        The service-model constraints and documented rules (``constraints``) apply to every request, the test's
        and the demo's included, as AWS applies them to everyone; IAM applies to the handlers, whose roles the
        template defines (a test's own calls stand for a person with their own permissions).
        """
        function = getattr(self._tls, "function", None)
        if function is not None and f"{service}:{operation}" in self.call_watchers:
            self._watch(function, f"{service}:{operation}", params)
        if function is not None:
            table = str(params.get("TableName", "")).rsplit("/", 1)[-1] if service == "dynamodb" else ""
            self._calls[(function, f"{service}:{operation}", table)] += 1
            invocation = getattr(self._tls, "invocation", None)
            if invocation is not None:
                invocation.calls[f"{service}:{operation}"] += 1
            denied = self._authorize(function, service, operation, params, context)
            if denied is not None:
                return denied
        violations = constraints.check_request(
            service,
            operation,
            params,
            strict_execution_names=params.get("stateMachineArn") in self._logging_machines,
        )
        if violations:
            first = violations[0]
            return hooks.error(first.code, "; ".join(v.message for v in violations), first.status)
        return None

    def on_call(self, operation: str, callback: Callable[[str, dict[str, Any]], None]) -> None:
        """Run ``callback(function, params)`` as a handler makes the API call ``operation`` ("service:Operation"),
        before AWS sees it: what the world looks like at that moment. The callback's own AWS calls are the
        test's (not counted, not judged by the function's role)."""
        self.call_watchers.setdefault(operation, []).append(callback)

    def _watch(self, function: str, operation: str, params: dict[str, Any]) -> None:
        invocation = getattr(self._tls, "invocation", None)
        self._tls.function, self._tls.invocation = None, None
        try:
            for callback in self.call_watchers[operation]:
                callback(function, params)
        finally:
            self._tls.function, self._tls.invocation = function, invocation

    def _authorize(
        self, function: str, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> hooks.Response | None:
        """AccessDenied as AWS words it, when the function's role (or the role it assumed) does not allow the call."""
        if self.authorizer is None or function not in self.authorizer.function_roles:
            return None  # no template, or a function registered by a test
        account = context.get(hooks.ACCOUNT_KEY)
        try:
            if account and account != self.account_id:
                denial = self._authorize_assumed(account, service, operation, params, context)
            else:
                denial = self.authorizer.check(
                    function, service, operation, params, region=context.get("client_region") or self.region
                )
        except iam.UnmappedOperation as exc:
            return hooks.error("AccessDenied", f"sandbox: {exc}", 403)
        if denial is None:
            if service == "sts" and operation == "AssumeRole":
                role = str(params.get("RoleArn", ""))
                self._assumed_roles[role.split(":")[4] if role.count(":") >= 5 else ""] = role
            return None
        return hooks.error(denial.code, denial.message, denial.status)

    def _resource_tags(self, arn: str) -> dict[str, str] | None:
        """An SES identity's tags as they are before the call (None when it does not exist); other resources'
        tags are not modelled (a policy conditioned on them fails closed)."""
        parts = arn.split(":", 5)
        if len(parts) < 6 or parts[2] != "ses" or not parts[5].startswith("identity/"):
            return None
        found = self.ses._get(parts[5].removeprefix("identity/"), parts[3])
        return None if found is None else {t["Key"]: t["Value"] for t in found.tags}

    def _authorize_assumed(
        self, account: str, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> Any:
        """A call made with a role assumed in another account: judged by the policy docs/operations.md gives it.

        That policy names one hosted zone: the zone the call names, else any public zone of that account.
        """
        role = self._assumed_roles.get(
            account, f"arn:{self.partition}:iam::{account}:role/{SANDBOX_ROLE_NAME}"
        )
        zone_id = str(params.get("HostedZoneId") or "").rsplit("/", 1)[-1]
        if not zone_id:
            zones = [z for z in self.route53.zones(account) if not z.private_zone]
            zone_id = zones[0].id.rsplit("/", 1)[-1] if zones else "none"
        labels = self.parameter_value("AllowedMailFromLabels").split(",")
        policy = iam.cross_account_zone_policy(zone_id, labels, partition=self.partition)
        return self.authorizer.check_cross_account(
            role, policy, service, operation, params, region=context.get("client_region") or self.region
        )

    def _start_iam(self) -> None:
        """Transform the template with the SAM translator; refuse to start when it lacks what AWS needs."""
        if not self.template_path:
            return
        self.authorizer = iam.Authorizer(
            self.template_path,
            self.parameters,
            region=self.region,
            account_id=self.account_id,
            partition=self.partition,
            stack_name=STACK_NAME,
            lookup=self._lookup,
        )
        self.authorizer.resource_tags = self._resource_tags
        findings = self.authorizer.static_checks()
        if findings:
            lines = "\n".join(f"- {f.resource}: {f.problem} ({f.source})" for f in findings)
            raise SandboxTemplateError(f"template.yaml would not work in AWS:\n{lines}")
        for logical, res in (self.template.get("Resources") or {}).items():
            if res.get("Type") in _MACHINE_TYPES and (res.get("Properties") or {}).get("Logging"):
                self._logging_machines.add(self.resources[logical]["Arn"])

    def parameter_value(self, name: str) -> str:
        """A template parameter's value in this sandbox (its default unless ``parameters`` overrides it)."""
        value = self.parameter_definitions().get(name, {}).get("Default", "")
        return ",".join(value) if isinstance(value, list) else str(value)

    def on_before_send(
        self, service: str, operation: str, params: dict[str, Any], context: dict[str, Any]
    ) -> hooks.Response | None:
        """Once per attempt, beneath botocore's retries: injected faults, then SES v2 and strict Route 53."""
        invocation = getattr(self._tls, "invocation", None)
        faulted = self.faults.check(
            service,
            operation,
            params,
            getattr(self._tls, "function", None),
            execution=invocation.execution if invocation is not None else None,
        )
        if faulted is not None:
            return faulted
        if service == "sesv2":
            return self.ses.before_call(operation, params, context.get("client_region") or self.region)
        if service == "route53":
            return self.route53.before_call(operation, params, context.get(hooks.ACCOUNT_KEY))
        return None

    def on_after_call(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        status: int,
        parsed: dict[str, Any],
        context: dict[str, Any],
    ) -> None:
        """Let the Route 53 emulator amend moto's answers; note when each SNS message was published."""
        if service == "sns" and operation == "Publish" and status < 300 and parsed.get("MessageId"):
            invocation = getattr(self._tls, "invocation", None)
            execution = invocation.execution if invocation is not None else None
            self._published[parsed["MessageId"]] = (self.clock.now(), execution)
        if service == "route53":
            self.route53.after_call(operation, params, status, parsed, context.get(hooks.ACCOUNT_KEY))

    def api_calls(self, function: str | None = None, *, tables: bool = False) -> Counter[str]:
        """AWS API calls made by handlers, as ``"service:Operation"`` counts (optionally for one function);
        ``tables``: DynamoDB calls as ``"dynamodb:Operation@TABLE"``."""
        out: Counter[str] = Counter()
        for (fn, key, table), count in self._calls.items():
            if function is None or fn == function:
                out[f"{key}@{table}" if tables and table else key] += count
        return out

    # -- functions --------------------------------------------------------------------------------
    def function_arn(self, name: str) -> str:
        """The Lambda ARN of ``name``."""
        return f"arn:{self.partition}:lambda:{self.region}:{self.account_id}:function:{name}"

    def register_function(
        self,
        name: str,
        handler: Handler,
        environment: Mapping[str, str] | None = None,
        timeout: int = 3,
        memory: int = 128,
    ) -> str:
        """Register a callable as a Lambda function (also created in moto) and return its ARN."""
        fn = Function(
            name=name,
            arn=self.function_arn(name),
            environment=dict(environment or {}),
            callable=handler,
            timeout=timeout,
            memory=memory,
        )
        self._create_function(fn)
        return fn.arn

    def _create_function(self, fn: Function) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr(
                "app.py", "def handler(event, context):\n    raise RuntimeError('sandbox only')\n"
            )
        self.client("lambda").create_function(
            FunctionName=fn.name,
            Runtime="python3.13",
            Role=self._iam_role,
            Handler=fn.handler_spec,
            Code={"ZipFile": buf.getvalue()},
            Timeout=fn.timeout,
            MemorySize=fn.memory,
            Environment={"Variables": dict(fn.environment)},
        )
        self.functions[fn.name] = fn

    def api_post(self, body: Any) -> Invocation:
        """``POST /domains`` with ``body`` (JSON-encoded here), as API Gateway delivers it to ApiFunction."""
        event = json.loads((self.root / "events" / "api_post_domains.json").read_text())
        event["body"] = json.dumps(body)
        return self.run_function("ApiFunction", event)

    def api_delete(self, domain: str, *, keep_identity: bool = False) -> Invocation:
        """``DELETE /domains/{domain}``, as API Gateway delivers it to ApiFunction."""
        event = json.loads((self.root / "events" / "api_delete_domain.json").read_text())
        event.update(path=f"/domains/{domain}", pathParameters={"domain": domain})
        event["queryStringParameters"] = {"keep_identity": "true"} if keep_identity else None
        return self.run_function("ApiFunction", event)

    def run_function(self, name: str, event: Any) -> Invocation:
        """Invoke ``name`` and return the record of it (result or error, simulated times, AWS calls)."""
        return self._run(name, event)

    def invoke(self, name: str, event: Any) -> Any:
        """Invoke ``name`` directly (as the API or a trigger would); re-raise the handler's exception."""
        inv = self._run(name, event)
        if inv.error_type is not None:
            raise self._last_exception
        return inv.result

    def fail_invocations(
        self, function: str, error_type: str = "Lambda.Unknown", times: int = 1, ran: bool = True
    ) -> InvocationFault:
        """The next ``times`` invocations of ``function`` by the state machine time out (see InvocationFault)."""
        fault = InvocationFault(function, error_type, times, ran)
        self.invocation_faults.append(fault)
        return fault

    def before_invocation(self, function: str, action: Callable[[Any], None]) -> None:
        """Run ``action(event)`` before each invocation of ``function`` by the state machine (a race: someone
        changes the world between two steps). The action's AWS calls are the test's, not the function's."""
        self.before_invocations.setdefault(function, []).append(action)

    def _timed_out(self, name: str, event: Any) -> tuple[bytes, bool] | None:
        fault = next((f for f in self.invocation_faults if f.function == name and f.hits < f.times), None)
        if fault is None:
            return None
        fault.hits += 1
        if fault.ran:
            self._run(name, event)
        timeout = self.functions[name].timeout
        message = f"RequestId: {uuid.uuid4()} Error: Task timed out after {timeout:.2f} seconds"
        return json.dumps({"errorType": fault.error_type, "errorMessage": message}).encode(), True

    def _dispatch(self, name: str, event: Any) -> tuple[bytes, bool]:
        """Run a handler for the Lambda backend: ``(payload, errored)`` with Lambda's error shape."""
        for action in self.before_invocations.get(name, ()):
            action(event)
        timed_out = self._timed_out(name, event)
        if timed_out is not None:
            return timed_out
        inv = self._run(name, event)
        if inv.error_type is None:
            return json.dumps(inv.result).encode(), False
        return json.dumps(
            {
                "errorMessage": inv.error_message,
                "errorType": inv.error_type,
                "requestId": inv.request_id,
                "stackTrace": self._last_trace,
            }
        ).encode(), True

    def _run(self, name: str, event: Any) -> Invocation:
        fn = self.functions[name]
        with self._invoke_lock:
            ctx = LambdaContext(
                function_name=name,
                invoked_function_arn=fn.arn,
                memory_limit_in_mb=fn.memory,
                timeout_seconds=fn.timeout,
            )
            inv = Invocation(
                function=name, event=event, started_at=self.clock.now(), request_id=ctx.aws_request_id
            )
            self.invocations.append(inv)
            # the function sees the variables its template declares, not mailauth settings the test process has
            # (a variable missing from the template must fail here as it fails in AWS)
            undeclared = [k for k in os.environ if k.startswith("MAILAUTH_") and k not in fn.environment]
            saved = {k: os.environ.get(k) for k in [*fn.environment, *undeclared]}
            saved.update({k: os.environ.get(k) for k in ("AWS_LAMBDA_FUNCTION_NAME", "_HANDLER")})
            for key in undeclared:
                del os.environ[key]
            os.environ.update(fn.environment)
            os.environ["AWS_LAMBDA_FUNCTION_NAME"] = name
            os.environ["_HANDLER"] = fn.handler_spec
            self._tls.function = name
            self._tls.invocation = inv
            try:
                result = fn.load(self._module_prefix)(event, ctx)
                json.dumps(result)
                inv.result = result
            except TypeError as exc:
                if inv.result is None and "JSON serializable" in str(exc):
                    inv.error_type = "Runtime.MarshalError"
                    inv.error_message = f"Unable to marshal response: {exc}"
                else:
                    self._fail(inv, exc)
            except Exception as exc:
                self._fail(inv, exc)
            finally:
                self._tls.function = None
                self._tls.invocation = None
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
                inv.finished_at = self.clock.now()
            for observe in self.observers:
                observe(inv)
        return inv

    def _fail(self, inv: Invocation, exc: BaseException) -> None:
        inv.error_type, inv.error_message = type(exc).__name__, str(exc)
        self._last_exception = exc
        self._last_trace = traceback.format_exception(exc)

    # -- template ---------------------------------------------------------------------------------
    def _create_resources(self) -> None:
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
        machines = [lg for lg, r in resources.items() if r.get("Type") in _MACHINE_TYPES]
        if machines:
            self.state_machine_arn = self.resources[machines[0]]["Arn"]
        for logical, res in resources.items():
            if res.get("Type") == "AWS::Serverless::Function":
                self._create_template_function(logical, res.get("Properties") or {}, globals_fn, params)
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

    def _declare(self, logical: str, rtype: str | None, props: Mapping[str, Any]) -> None:
        """Record the names/ARNs of a template resource; create topics and tables right away."""
        if rtype == "AWS::Serverless::Function":
            self.resources[logical] = {"Ref": logical, "Arn": self.function_arn(logical)}
        elif rtype in _MACHINE_TYPES:
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
            return cfn.resolve(value, self._lookup, self.parameter_definitions())
        except cfn.UnresolvedError:
            return default

    def _create_template_function(
        self, logical: str, props: Mapping[str, Any], globals_fn: Mapping[str, Any], params: Mapping[str, Any]
    ) -> None:
        """Create a template function: its declared environment resolved, with the sandbox's overrides."""
        overrides = {
            "MAILAUTH_TOPIC_ARN": self.topic_arn,
            "MAILAUTH_DNS_NAMESERVERS": self.dns_address,
        }
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
                env[key] = cfn.resolve(value, self._lookup, params)
            except cfn.UnresolvedError:
                continue
        env.update(self.env_overrides)
        code_uri = _literal(props.get("CodeUri") or globals_fn.get("CodeUri"), f"functions/{logical}")
        self._create_function(
            Function(
                name=logical,
                arn=self.function_arn(logical),
                environment=env,
                code_dir=(self.root / code_uri).resolve(),
                handler_spec=_literal(props.get("Handler") or globals_fn.get("Handler"), "app.handler"),
                memory=int(props.get("MemorySize") or globals_fn.get("MemorySize") or 128),
                timeout=int(props.get("Timeout") or globals_fn.get("Timeout") or 3),
                dead_letter_arn=self._dead_letter_arn(props.get("DeadLetterQueue"), params),
            )
        )

    def _dead_letter_arn(self, config: Any, params: Mapping[str, Any]) -> str | None:
        if not isinstance(config, dict) or config.get("Type") != "SQS":
            return None
        return cfn.resolve(config.get("TargetArn"), self._lookup, params)

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
                text = text.replace("${" + key + "}", cfn.resolve(value, self._lookup, params))
            except cfn.UnresolvedError:
                continue
        self.client("stepfunctions").create_state_machine(
            name=self.resources[logical]["Name"],
            definition=text,
            roleArn=self._iam_role,
            type=_literal(props.get("Type"), "STANDARD"),
        )

    def _lookup(self, logical: str, attribute: str | None) -> str:
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
        self.client("dynamodb").create_table(
            TableName=name, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST"
        )

    # -- Step Functions ---------------------------------------------------------------------------
    def create_state_machine(self, name: str, definition: Mapping[str, Any] | str) -> str:
        """Create a state machine from an ASL dict or JSON text; return its ARN."""
        text = definition if isinstance(definition, str) else json.dumps(definition)
        arn: str = self.client("stepfunctions").create_state_machine(
            name=name, definition=text, roleArn=self._iam_role
        )["stateMachineArn"]
        return arn

    def start_execution(
        self, input: Mapping[str, Any], name: str, state_machine_arn: str | None = None
    ) -> str:
        """Start an execution (named: moto needs it) of the template's state machine or the given one."""
        arn = state_machine_arn or self.state_machine_arn
        if not arn:
            raise RuntimeError("no state machine: the template has none; pass state_machine_arn")
        result: str = self.client("stepfunctions").start_execution(
            stateMachineArn=arn, name=name, input=json.dumps(input)
        )["executionArn"]
        return result

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll until the execution leaves RUNNING (wall-clock ``timeout``); return describe_execution."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{execution_arn} still RUNNING after {timeout}s "
                    f"(simulated time {self.clock.now().isoformat()})"
                )
            time.sleep(0.01)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """Every history event of the execution (paginated)."""
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def states_entered(self, execution_arn: str) -> list[str]:
        """Names of the states entered, in order."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history(execution_arn)
            if e["type"].endswith("StateEntered")
        ]

    def transitions(self, execution_arn: str) -> int:
        """Number of state transitions (StateEntered events), what Standard workflows bill."""
        return len(self.states_entered(execution_arn))

    def _stop_executions(self) -> None:
        sfn = self.client("stepfunctions")
        for machine in sfn.list_state_machines()["stateMachines"]:
            for execution in sfn.list_executions(
                stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
            )["executions"]:
                sfn.stop_execution(executionArn=execution["executionArn"], cause="sandbox stopped")

    # -- Route 53 helpers -------------------------------------------------------------------------
    def create_hosted_zone(self, name: str, private: bool = False, account_id: str | None = None) -> str:
        """Create a hosted zone (public by default; in another account with ``account_id``); return its id."""
        kwargs: dict[str, Any] = {"Name": name, "CallerReference": str(uuid.uuid4())}
        if private:
            kwargs["HostedZoneConfig"] = {"PrivateZone": True, "Comment": "sandbox private zone"}
            kwargs["VPC"] = {"VPCRegion": self.region, "VPCId": "vpc-0sandbox"}
        zone_id: str = self.client("route53", account_id).create_hosted_zone(**kwargs)["HostedZone"]["Id"]
        return zone_id.rsplit("/", 1)[-1]

    def zone_records(
        self, zone_id: str, account_id: str | None = None
    ) -> dict[tuple[str, str], tuple[str, ...]]:
        """``{(name, type): values}`` of every record set in the zone (names without the trailing dot)."""
        return {key: values for key, (_ttl, values) in self.zone_sets(zone_id, account_id).items()}

    def zone_sets(
        self, zone_id: str, account_id: str | None = None
    ) -> dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]:
        """``{(name, type): (ttl, values)}`` of every record set in the zone (alias sets: no TTL, no values)."""
        out: dict[tuple[str, str], tuple[int | None, tuple[str, ...]]] = {}
        client = self.client("route53", account_id)
        for page in client.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
            for item in page["ResourceRecordSets"]:
                values = tuple(sorted(r["Value"] for r in item.get("ResourceRecords", [])))
                out[(item["Name"].rstrip("."), item["Type"])] = (item.get("TTL"), values)
        return out

    def add_record(
        self, zone_id: str, name: str, rtype: str, *values: str, ttl: int = 300, account_id: str | None = None
    ) -> None:
        """CREATE a record set in the zone, as a person editing it would (not counted as a handler call)."""
        change = {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}
        self.client("route53", account_id).change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": change}]},
        )

    def dead_letters(self, logical: str = "DeadLetterQueue") -> list[dict[str, Any]]:
        """The messages in a template queue (read without taking them): ``body`` and ``attributes``."""
        sqs = self.client("sqs")
        url = self.resources[logical]["Ref"]
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        return [
            {
                "body": json.loads(m["Body"]),
                "attributes": {k: v["StringValue"] for k, v in (m.get("MessageAttributes") or {}).items()},
            }
            for m in messages
        ]

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the notification topic: ``subject``, ``email``, ``chatbot``, ``attributes``,
        ``at`` (when, on the simulated clock) and ``execution`` (the execution the publishing handler ran for)."""
        from moto.sns.models import sns_backends

        topic = sns_backends[self.account_id][self.region].topics[self.topic_arn]
        out = []
        for message_id, message, subject, attributes, _group in topic.sent_notifications:
            body = json.loads(message)
            out.append(
                {
                    "subject": subject,
                    "email": body.get("email", ""),
                    "chatbot": json.loads(body["default"]),
                    "attributes": attributes,
                    "at": self._published.get(message_id, (None, None))[0],
                    "execution": self._published.get(message_id, (None, None))[1],
                }
            )
        return out

    def alerts(self) -> list[dict[str, Any]]:
        """Messages published to the alerts topic (``AlertTopic``): ``subject``, ``message``, ``at``."""
        from moto.sns.models import sns_backends

        arn = self.resources.get("AlertTopic", {}).get("Ref")
        topic = sns_backends[self.account_id][self.region].topics.get(arn or "")
        if topic is None:
            return []
        return [
            {"subject": subject, "message": message, "at": self._published.get(message_id, (None, None))[0]}
            for message_id, message, subject, _attributes, _group in topic.sent_notifications
        ]

    @property
    def dns_address(self) -> str:
        """``127.0.0.1:<port>`` of the DNS server (what ``MAILAUTH_DNS_NAMESERVERS`` gets)."""
        return self.dns.address if self.dns else ""


def _forget_warm_state() -> None:
    """A new sandbox is a new deployment: no warm container's cached clients or secrets carry over into it."""
    import sys as _sys

    submission = _sys.modules.get("mailauth.submission")
    if submission is not None:
        submission._cache.clear()
    slack = _sys.modules.get("mailauth.slack")
    if slack is not None:
        slack.clear_cache()
    # Powertools keeps metrics in a store every Metrics instance shares; an earlier sandbox's unflushed metrics
    # (flushing is off here) would otherwise pile up until Powertools prints them at 100 values
    from aws_lambda_powertools import Metrics

    Metrics().clear_metrics()


def _literal(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _mailauth_clock() -> Any:
    try:
        import mailauth.clock as clock
    except ImportError:
        layer = str(REPO_ROOT / "layers" / "mailauth")
        if layer not in sys.path:
            sys.path.append(layer)
        import mailauth.clock as clock
    return clock
