"""The sandbox's Lambda service: functions loaded by file path, each invocation run in-process and recorded.

An invocation runs the handler with the environment its function declares (and only that, of mailauth's
variables), under a Lambda-like context; a handler error becomes Lambda's error payload for the state machine.
Planned faults (:class:`InvocationFault`) and actions before an invocation (a race) are applied on dispatch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .clock import SimClock, SimLock
from .environ import layered
from .output import captured_output

#: seconds before the first and the second retry of a failed asynchronous invocation (Lambda Developer Guide, "Error
#: handling and automatic retries in asynchronous invocation")
ASYNC_RETRY_WAITS = (60, 120)

Handler = Callable[[Any, Any], Any]


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


@dataclass(frozen=True)
class Answer:
    """One API call a handler made and what it was answered: its parameters as the handler passed them, the HTTP
    status and the parsed response (an error's too), as botocore handed them to the handler (``after-call``)."""

    service: str
    operation: str
    params: dict[str, Any]
    status: int
    parsed: dict[str, Any]


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
    #: EventInvokeConfig.MaximumRetryAttempts: how often Lambda retries a failed asynchronous invocation (0 to 2,
    #: 2 when the function sets none; Lambda Developer Guide, "Configuring error handling for asynchronous
    #: invocation")
    async_retries: int = 2

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
    #: what the handler printed (its log lines and metrics, which Lambda sends to CloudWatch Logs)
    output: list[str] = field(default_factory=list)
    #: each API call's parameters and answer, in order, when the sandbox records them (``CallGate.record_answers``)
    answers: list[Answer] = field(default_factory=list, repr=False)
    trace: list[str] = field(default_factory=list, repr=False)

    @property
    def execution(self) -> str | None:
        """The execution ARN the state machine passed (``execution`` key), if any."""
        return self.event.get("execution") if isinstance(self.event, dict) else None

    @property
    def ok(self) -> bool:
        """True when the handler returned."""
        return self.error_type is None


class Invoker:
    """The functions, their invocations (in-process, one at a time) and the faults planned for them."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.functions: dict[str, Function] = {}
        self.invocations: list[Invocation] = []
        #: callbacks run after every handler invocation
        self.observers: list[Callable[[Invocation], None]] = []
        #: planned Lambda timeouts (fail_invocations)
        self.invocation_faults: list[InvocationFault] = []
        self.before_invocations: dict[str, list[Callable[[Any], None]]] = {}
        #: per thread, the handler running on it: ``function`` (its name) and ``invocation`` (unset or None
        #: while none runs: the call is the test's or the sandbox's)
        self.tls = threading.local()
        #: one invocation runs at a time; an invocation that waits (a back-off, an AWS call's latency) lets
        #: another run meanwhile, as concurrent Lambda invocations would (clock.SimLock)
        self._lock = SimLock(clock, yield_on_sleep=True)
        self._module_prefix = f"mailauth_sandbox_fn_{uuid.uuid4().hex[:8]}"

    def invoke(self, name: str, event: Any) -> Any:
        """Invoke ``name`` directly (as the API or a trigger would); re-raise the handler's exception."""
        inv = self.run(name, event)
        exc, self.tls.exception = getattr(self.tls, "exception", None), None
        if inv.error_type is not None and exc is not None:
            raise exc
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
            self.run(name, event)
        timeout = self.functions[name].timeout
        message = f"RequestId: {uuid.uuid4()} Error: Task timed out after {timeout:.2f} seconds"
        return json.dumps({"errorType": fault.error_type, "errorMessage": message}).encode(), True

    def dispatch(self, name: str, event: Any) -> tuple[bytes, bool]:
        """Run a handler for the Lambda backend: ``(payload, errored)`` with Lambda's error shape."""
        for action in self.before_invocations.get(name, ()):
            action(event)
        timed_out = self._timed_out(name, event)
        if timed_out is not None:
            return timed_out
        inv = self.run(name, event)
        self.tls.exception = None  # the state machine gets Lambda's error payload, not the exception
        if inv.error_type is None:
            return json.dumps(inv.result).encode(), False
        return json.dumps(
            {
                "errorMessage": inv.error_message,
                "errorType": inv.error_type,
                "requestId": inv.request_id,
                "stackTrace": inv.trace,
            }
        ).encode(), True

    def run_async(self, name: str, event: Any, sleep: Callable[[float], None]) -> Invocation:
        """Lambda's asynchronous invocation (EventBridge, EventBridge Scheduler, SNS): a function error is retried
        the function's ``async_retries`` times, 1 then 2 minutes later (``sleep`` waits on the caller's clock).
        Returns the last attempt."""
        invocation = self.run(name, event)
        for wait in ASYNC_RETRY_WAITS[: self.functions[name].async_retries]:
            if invocation.error_type is None:
                break
            sleep(wait)
            invocation = self.run(name, event)
        return invocation

    def run(self, name: str, event: Any) -> Invocation:
        """Invoke ``name`` and return the record of it (result or error, simulated times, AWS calls)."""
        fn = self.functions[name]
        with self._lock:
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
            variables: dict[str, str | None] = {
                k: None for k in os.environ if k.startswith("MAILAUTH_") and k not in fn.environment
            }
            variables.update(fn.environment)
            variables.update(AWS_LAMBDA_FUNCTION_NAME=name, _HANDLER=fn.handler_spec)
            outer = (getattr(self.tls, "function", None), getattr(self.tls, "invocation", None))
            self.tls.function = name
            self.tls.invocation = inv
            try:
                with layered(variables), captured_output(inv):
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
                self.tls.function, self.tls.invocation = outer
                inv.finished_at = self.clock.now()
            for observe in self.observers:
                observe(inv)
        return inv

    def _fail(self, inv: Invocation, exc: BaseException) -> None:
        inv.error_type, inv.error_message = type(exc).__name__, str(exc)
        inv.trace = traceback.format_exception(exc)
        # kept for invoke() on this thread only: an exception holds its traceback's frames, and a fleet's runs
        # fail thousands of steps (SesBusyError, then retried), which must not pile up in memory
        self.tls.exception = exc


def forget_warm_state() -> None:
    """A new sandbox is a new deployment: no warm container's cached clients or secrets carry over into it."""
    submission = sys.modules.get("mailauth.submission")
    if submission is not None:
        submission._cache.clear()
    slack = sys.modules.get("mailauth.slack")
    if slack is not None:
        slack.clear_cache()
    # Powertools keeps metrics in a store every Metrics instance shares; an earlier sandbox's unflushed metrics
    # (flushing is off here) would otherwise pile up until Powertools prints them at 100 values
    from aws_lambda_powertools import Metrics

    Metrics().clear_metrics()
