"""The patches to moto, botocore and ``mailauth.clock`` a running sandbox installs, and undoes when it stops.

moto's Docker-less Lambda backend runs the sandbox's functions in-process; Step Functions' Wait states, its Retry
back-off and botocore's retry back-off and adaptive rate limiter wait on the simulated clock instead of sleeping;
each execution is an actor of the clock's schedule (``clock.py``), on every thread moto runs it on, so that
concurrent executions wait at the same time; ``os.environ`` gives each invocation its function's variables
(``environ.py``); moto's before-send stubber skips an attempt the sandbox already answered; the layer's
``mailauth.clock`` reads the simulated clock.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import threading
import time
import types
from typing import Any

from . import callbacks, hooks, output
from .clock import SimClock
from .environ import ThreadEnviron
from .invoke import Invoker
from .provision import REPO_ROOT

#: the name of the thread that runs an execution, followed by its ARN (readers.Readers.wait joins it)
EXECUTION_THREAD = "mailauth-execution"


class MotoPatches:
    """Installs the patches on :meth:`install`; :meth:`restore` puts every patched attribute back."""

    def __init__(self, clock: SimClock, invoker: Invoker) -> None:
        self.clock = clock
        self.invoker = invoker
        self._patches: list[tuple[Any, str, Any]] = []
        self._undo: list[Any] = []

    def _patch(self, obj: Any, attr: str, value: Any) -> None:
        self._patches.append((obj, attr, getattr(obj, attr)))
        setattr(obj, attr, value)

    def restore(self) -> None:
        """Undo every patch, the last installed first; ``mailauth.clock`` reads the wall clock again."""
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        for obj, attr, original in reversed(self._patches):
            setattr(obj, attr, original)
        self._patches.clear()
        with contextlib.suppress(ImportError):
            _mailauth_clock().set_source(None)

    def install(self) -> None:
        """Lambda dispatch, the Step Functions interpreter's waits, moto's stubber, botocore's waits, then
        ``mailauth.clock``."""
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
            timestamp,
            wait_function,
        )

        invoker = self.invoker
        clock = self.clock
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
            if name not in invoker.functions:
                return original_invoke(backend, function_name, qualifier, body, headers, response_headers)
            raw = body.decode() if isinstance(body, bytes) else (body or "{}")
            payload, errored = invoker.dispatch(name, json.loads(raw) if raw else {})
            if errored:
                response_headers["x-amz-function-error"] = "Unhandled"
            return payload

        def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
            clock.sleep(wait_seconds)

        def timestamp_wait_seconds(self: Any, env: Any) -> int:
            self.string.eval(env=env)
            text: str = env.stack.pop()
            when = self._from_timestamp_string(timestamp=text)
            if when is None:
                from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
                    FailureEventException,
                )

                raise FailureEventException(self._create_failure_event(env, text))
            now = clock.now().replace(tzinfo=None)
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
        self._patch(retrier_decl, "time", types.SimpleNamespace(sleep=clock.sleep, time=time.time))
        self._patch_executions()
        self._patch(os, "environ", ThreadEnviron(os.environ))
        for stream in (output.STDOUT, output.STDERR):
            previous = stream.install()
            self._undo.append(lambda stream=stream, previous=previous: stream.restore(previous))
        self._patch_sdk_time()
        _mailauth_clock().set_source(clock.now, clock.sleep)

    def _patch_executions(self) -> None:
        """Each execution is an actor of the clock's schedule (clock.py) on every thread moto runs it on: the
        execution's own thread (moto/stepfunctions/parser/backend/execution_worker.py), the program's
        (asl/component/program/program.py) and each state's (asl/component/state/exec/execute_state.py)."""
        from moto.stepfunctions.parser.asl.component.program import program
        from moto.stepfunctions.parser.asl.component.state.exec import execute_state
        from moto.stepfunctions.parser.backend import execution_worker

        clock = self.clock

        class ActorThread(threading.Thread):
            """A thread moto starts for an execution works for the execution's actor (the clock's schedule)."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.mailauth_actor = clock.actor()

            def run(self) -> None:
                if self.mailauth_actor is not None:
                    self.mailauth_actor.adopt()
                super().run()

        def start_execution(worker: Any) -> None:
            """moto's ExecutionWorker.start, with the execution enlisted as an actor before its thread starts."""
            actor = clock.enlist() if clock.scheduled else None

            def execution_logic() -> None:
                if actor is not None:
                    actor.adopt()
                try:
                    worker._execution_logic()
                finally:
                    if actor is not None:
                        actor.retire()

            # what stop() joins (engine._join_execution_threads)
            execution_logic.__module__ = execution_worker.__name__
            arn = worker._evaluation_details.execution_details.arn
            thread = threading.Thread(target=execution_logic, daemon=True, name=f"{EXECUTION_THREAD} {arn}")
            execution_worker.TMP_THREADS.append(thread)
            thread.start()

        self._patch(execution_worker.ExecutionWorker, "start", start_execution)
        self._patch(program, "threading", types.SimpleNamespace(Thread=ActorThread))
        self._patch(execute_state, "Thread", ActorThread)
        self._patch_callbacks()

    def _patch_callbacks(self) -> None:
        """Task tokens on the simulated clock, and their errors as AWS documents them (callbacks.py)."""
        callbacks.install(self._patch, self.clock)

    def _patch_sdk_time(self) -> None:
        """botocore's retry back-off and adaptive rate limiter wait on the simulated clock, not in real time.

        The retry loop sleeps with ``time.sleep`` in botocore/endpoint.py; the adaptive mode's token bucket
        (botocore/retries/bucket.py) reads ``Clock.current_time`` and waits on a ``threading.Condition``. The
        retry decisions and delays are botocore's own; only the waiting is simulated.
        """
        import botocore.endpoint
        import botocore.retries.bucket as bucket

        own = self.clock

        def clock() -> SimClock:
            # the running sandbox's: a client kept warm from an earlier sandbox (a cached Submitter, say) keeps
            # its token bucket, whose waits must move the clock its refills are read from
            running = getattr(hooks.active(), "clock", None)
            return running if isinstance(running, SimClock) else own

        def advance(seconds: float | None) -> None:
            # the simulated clock counts whole microseconds: round up, or a bucket waiting for 3e-7 s of
            # refill would wait forever without the clock moving
            clock().sleep(math.ceil((seconds or 0) * 1_000_000) / 1_000_000)

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

        self._patch(botocore.endpoint, "time", types.SimpleNamespace(sleep=own.sleep, time=time.time))
        self._patch(bucket, "threading", types.SimpleNamespace(Lock=threading.Lock, Condition=SimCondition))
        self._patch(bucket.Clock, "sleep", lambda _clock, amount: own.sleep(amount))
        self._patch(bucket.Clock, "current_time", lambda _clock: clock().now().timestamp())


def _mailauth_clock() -> Any:
    try:
        import mailauth.clock as clock
    except ImportError:
        layer = str(REPO_ROOT / "layers" / "mailauth")
        if layer not in sys.path:
            sys.path.append(layer)
        import mailauth.clock as clock
    return clock
