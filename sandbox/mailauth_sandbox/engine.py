"""``LocalAws``: moto plus everything the mailauth workflow needs to run locally, in one process.

* moto's ``mock_aws`` with Step Functions execution on and Docker-less Lambda;
* the functions, topic, table and state machine of ``template.yaml``, the state machine built from the
  real ASL file with the template's ``DefinitionSubstitutions`` (``provision.Stack``);
* Lambda invocations (from the interpreter or :meth:`LocalAws.invoke`) run the real handlers in-process
  (``invoke.Invoker``);
* a simulated clock that Wait states and Retry back-off advance instead of sleeping (``patches.MotoPatches``);
* SES v2 and Route 53 behaviour moto lacks, a DNS server on loopback, fault injection, IAM, API call counts
  (``gate.CallGate``, behind the botocore hooks of ``hooks.py``);
* what tests read: executions, zones, notifications, dead letters (``readers.Readers``).

``LocalAws`` owns those parts, starts and stops them in order, and is the one object callers use.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import boto3

from . import hooks
from .clock import SimClock
from .dns_server import DnsServer
from .events import EventRouter
from .faults import FaultInjector
from .gate import CallGate, SandboxTemplateError
from .invoke import Function, Handler, Invocation, InvocationFault, Invoker, forget_warm_state
from .limits import ApiLimits, RateLimiter
from .patches import MotoPatches
from .provision import REPO_ROOT, Stack
from .readers import Readers
from .route53 import Route53Emulator
from .schedules import Scheduler, schedules_of
from .ses import SesBehaviour, SesEmulator

__all__ = ["Invocation", "LocalAws", "SandboxTemplateError"]

MOTO_DEFAULT_ACCOUNT = "123456789012"


class LocalAws:
    """The embedded AWS. Use as a context manager; see ``docs/local.md``.

    :meth:`start` raises :class:`SandboxTemplateError` when template.yaml would not deploy in AWS.
    """

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
        dns_port: int = 0,
        propagation_delay: float = 0.0,
        undelegated_zones: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        parameters: Mapping[str, str] | None = None,
        limits: ApiLimits | None = None,
    ) -> None:
        self.root = Path(root) if root else REPO_ROOT
        if template == "auto":
            candidate = self.root / "template.yaml"
            template_path = candidate if candidate.exists() else None
        else:
            template_path = Path(template) if template else None
        self.region = region
        self.account_id = account_id
        #: the partition of the region (aws, aws-cn, aws-us-gov), as botocore's endpoint data says
        self.partition = boto3.session.Session().get_partition_for_region(region)
        self.clock = clock or SimClock(start_time)
        self.faults = FaultInjector()
        self.route53 = Route53Emulator(self.clock, account_id, propagation_delay=propagation_delay)
        self.ses = SesEmulator(self.clock, account_id, ses)
        self.dns: DnsServer | None = (
            DnsServer(self.route53, undelegated_zones, requested_port=dns_port) if dns else None
        )
        #: template parameter values that replace their defaults (e.g. ``{"AutoOnboardNewZones": "false"}``)
        self.parameters = dict(parameters or {})
        #: the Lambda service: functions, invocations, planned faults, the handler running on each thread
        self.invoker = Invoker(self.clock)
        #: template.yaml's resources in moto (``env`` overrides every template function's variables)
        self.stack = Stack(
            root=self.root,
            template_path=template_path,
            parameters=self.parameters,
            env_overrides=dict(env or {}),
            region=region,
            account_id=account_id,
            partition=self.partition,
            invoker=self.invoker,
        )
        #: what every AWS call goes through: counts, watchers, IAM, constraints, faults, the emulators
        self.gate = CallGate(
            self.stack, self.invoker, clock=self.clock, faults=self.faults, ses=self.ses, route53=self.route53
        )
        #: account-level API rate limits on the simulated clock (off unless ``limits`` asks: ``limits.py``)
        self.limiter = RateLimiter(limits) if limits is not None else None
        self.gate.limiter = self.limiter
        #: what tests read (executions, zones, topics, queues) and the changes they make by hand
        self.readers = Readers(self.stack, self.clock, self.gate.published)
        #: EventBridge's default bus, with the template's rules once started (moto does not deliver to Lambda)
        self.events = EventRouter(self.stack, self.invoker, self.clock)
        self.scheduler: Scheduler | None = None
        self._patches = MotoPatches(self.clock, self.invoker)
        self._saved_env: dict[str, str | None] = {}
        self._mock: Any = None
        self._started = False

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
        hooks.activate(self.gate)
        forget_warm_state()
        self.clock.scheduled = True
        try:
            self._mock = mock_aws(
                config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
            )
            self._mock.start()
            self._started = True
            self._patches.install()
            if self.dns is not None:
                self.dns.start()
                self.ses.dns_address = self.dns.address
            self.stack.create(self.dns_address)
            self.gate.start_iam()
            self.events = EventRouter.from_template(self.stack, self.invoker, self.clock)
            self.scheduler = Scheduler(schedules_of(self.stack), self.invoker, self.clock)
            self.scheduler.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop executions, DNS, patches and moto; restore the clock and the environment."""
        if self._started:
            if self.scheduler is not None:
                self.scheduler.stop()
            with contextlib.suppress(Exception):  # best effort on the way out
                self.readers.stop_executions()
            self.clock.release_all()
            _join_execution_threads()
            if self.scheduler is not None:
                self.scheduler.join()
        if self.dns is not None:
            self.dns.stop()
        self._patches.restore()
        hooks.deactivate(self.gate)
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
        """A boto3 client in the sandbox region, in another account with ``account_id`` (:meth:`Stack.client`)."""
        return self.stack.client(service, account_id)

    # -- what was created (provision.Stack) -------------------------------------------------------
    @property
    def resources(self) -> dict[str, dict[str, str]]:
        """``{logical ID: {"Ref": ..., "Arn": ..., ...}}`` of the template's resources."""
        return self.stack.resources

    @property
    def topic_arn(self) -> str:
        """The notification topic's ARN."""
        return self.stack.topic_arn

    @property
    def table_name(self) -> str:
        """The domains table's name."""
        return self.stack.table_name

    @property
    def state_machine_arn(self) -> str:
        """The template's (first) state machine's ARN."""
        return self.stack.state_machine_arn

    def function_arn(self, name: str) -> str:
        """The Lambda ARN of ``name``."""
        return self.stack.function_arn(name)

    # -- API calls (gate.CallGate, which botocore's hooks call) ----------------------------------
    def on_call(self, operation: str, callback: Callable[[str, dict[str, Any]], None]) -> None:
        """Run ``callback(function, params)`` as a handler makes the call ``operation`` (:meth:`CallGate.on_call`)."""
        self.gate.on_call(operation, callback)

    def api_calls(self, function: str | None = None, *, tables: bool = False) -> Counter[str]:
        """AWS API calls made by handlers, as ``"service:Operation"`` counts (:meth:`CallGate.api_calls`)."""
        return self.gate.api_calls(function, tables=tables)

    # -- functions (invoke.Invoker) ---------------------------------------------------------------
    @property
    def functions(self) -> dict[str, Function]:
        """Every function the sandbox can invoke, by name."""
        return self.invoker.functions

    @property
    def invocations(self) -> list[Invocation]:
        """Every invocation so far, in order."""
        return self.invoker.invocations

    @property
    def observers(self) -> list[Callable[[Invocation], None]]:
        """Callbacks run as each invocation finishes."""
        return self.invoker.observers

    def register_function(
        self,
        name: str,
        handler: Handler,
        environment: Mapping[str, str] | None = None,
        timeout: int = 3,
        memory: int = 128,
    ) -> str:
        """Register a callable as a Lambda function (also created in moto) and return its ARN."""
        return self.stack.register_function(name, handler, environment, timeout, memory)

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
        return self.invoker.run(name, event)

    def invoke(self, name: str, event: Any) -> Any:
        """Invoke ``name`` directly (as the API or a trigger would); re-raise the handler's exception."""
        return self.invoker.invoke(name, event)

    def fail_invocations(
        self, function: str, error_type: str = "Lambda.Unknown", times: int = 1, ran: bool = True
    ) -> InvocationFault:
        """The next ``times`` invocations of ``function`` by the state machine time out (see InvocationFault)."""
        return self.invoker.fail_invocations(function, error_type, times, ran)

    def before_invocation(self, function: str, action: Callable[[Any], None]) -> None:
        """Run ``action(event)`` before each invocation of ``function`` by the state machine (a race)."""
        self.invoker.before_invocation(function, action)

    # -- what tests read and do by hand (readers.Readers) -----------------------------------------
    def create_state_machine(self, name: str, definition: Mapping[str, Any] | str) -> str:
        """Create a state machine from an ASL dict or JSON text; return its ARN."""
        return self.readers.create_state_machine(name, definition)

    def start_execution(
        self, input: Mapping[str, Any], name: str, state_machine_arn: str | None = None
    ) -> str:
        """Start an execution (named: moto needs it) of the template's state machine or the given one."""
        return self.readers.start_execution(input, name, state_machine_arn)

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll until the execution leaves RUNNING (wall-clock ``timeout``); return describe_execution."""
        return self.readers.wait(execution_arn, timeout)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """Every history event of the execution (paginated)."""
        return self.readers.history(execution_arn)

    def states_entered(self, execution_arn: str) -> list[str]:
        """Names of the states entered, in order."""
        return self.readers.states_entered(execution_arn)

    def transitions(self, execution_arn: str) -> int:
        """Number of state transitions (StateEntered events), what Standard workflows bill."""
        return self.readers.transitions(execution_arn)

    def create_hosted_zone(self, name: str, private: bool = False, account_id: str | None = None) -> str:
        """Create a hosted zone (public by default; in another account with ``account_id``); return its id."""
        return self.readers.create_hosted_zone(name, private, account_id)

    def zone_records(
        self, zone_id: str, account_id: str | None = None
    ) -> dict[tuple[str, str], tuple[str, ...]]:
        """``{(name, type): values}`` of every record set in the zone (names without the trailing dot)."""
        return self.readers.zone_records(zone_id, account_id)

    def zone_sets(
        self, zone_id: str, account_id: str | None = None
    ) -> dict[tuple[str, str], tuple[int | None, tuple[str, ...]]]:
        """``{(name, type): (ttl, values)}`` of every record set in the zone (alias sets: no TTL, no values)."""
        return self.readers.zone_sets(zone_id, account_id)

    def add_record(
        self, zone_id: str, name: str, rtype: str, *values: str, ttl: int = 300, account_id: str | None = None
    ) -> None:
        """CREATE a record set in the zone, as a person editing it would (not counted as a handler call)."""
        self.readers.add_record(zone_id, name, rtype, *values, ttl=ttl, account_id=account_id)

    def add_record_set(self, zone_id: str, rrset: dict[str, Any], account_id: str | None = None) -> None:
        """CREATE any ResourceRecordSet (routed: SetIdentifier and its routing; alias: AliasTarget)."""
        self.readers.add_record_set(zone_id, rrset, account_id=account_id)

    def dead_letters(self, logical: str = "DeadLetterQueue") -> list[dict[str, Any]]:
        """The messages in a template queue (read without taking them): ``body`` and ``attributes``."""
        return self.readers.dead_letters(logical)

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the notification topic (:meth:`Readers.notifications`)."""
        return self.readers.notifications()

    def alerts(self) -> list[dict[str, Any]]:
        """Messages published to the alerts topic (``AlertTopic``): ``subject``, ``message``, ``at``."""
        return self.readers.alerts()

    @property
    def dns_address(self) -> str:
        """``127.0.0.1:<port>`` of the DNS server (what ``MAILAUTH_DNS_NAMESERVERS`` gets)."""
        return self.dns.address if self.dns else ""


#: how long stop() waits for one stopped execution's thread to end (wall seconds; it is finishing a Lambda call)
EXECUTION_JOIN_SECONDS = 30.0


def _join_execution_threads() -> None:
    """Wait for moto's execution threads to end after StopExecution.

    moto runs each execution on a daemon thread (moto/stepfunctions/parser/backend/execution_worker.py) that notices
    StopExecution only between states: one still inside a Lambda invocation would otherwise go on invoking
    handlers, and setting their environment, after this sandbox stopped, in whatever test runs next.
    """
    for thread in threading.enumerate():
        target = getattr(thread, "_target", None)
        if thread is not threading.current_thread() and getattr(target, "__module__", "").startswith(
            "moto.stepfunctions"
        ):
            thread.join(EXECUTION_JOIN_SECONDS)
