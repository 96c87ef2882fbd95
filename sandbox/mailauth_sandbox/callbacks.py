"""Step Functions task tokens (``.waitForTaskToken``) on the simulated clock, and SendTask* as AWS documents them.

moto's interpreter waits for a task's token on a threading.Event in wall time
(moto/stepfunctions/parser/asl/eval/callback/callback.py). Here a waiting task parks on the simulated clock
(:meth:`SimClock.park`): its ``TimeoutSeconds`` are simulated seconds, during which the clock may move for the
other executions, and SendTaskSuccess or SendTaskFailure from any thread wakes it at once; a token sent before its
task began to wait is kept for it.

The state's own timeout (execute_state.ExecutionState._evaluate_with_timeout waits for the task's thread in wall
time) is left to the task: the callback wait ends at the task's simulated timeout, and a Lambda invocation at its
function's timeout (the Invoker), so that outer wait needs no wall-clock limit.

SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat answer as the states model documents their errors: a token
whose task has closed (timed out, or its execution ended) is refused with TaskTimedOut ("The task token has either
expired or the task associated with the token has already been closed"), a token never issued with InvalidToken
("The provided token is not valid"). moto looks at running executions only, so it answers InvalidToken for a
closed task's token, and its own TaskTimedOut() lacks the message its constructor needs (a TypeError).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

from .clock import SimClock

Patch = Callable[[Any, str, Any], None]

CLOSED = "The task token has either expired or the task associated with the token has already been closed."


def install(patch: Patch, clock: SimClock) -> None:
    """Apply the patches with ``patch(obj, attribute, value)`` (the caller undoes them)."""
    from moto.stepfunctions.parser import models
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.eval.callback import callback

    endpoint = callback.CallbackEndpoint
    original_notify, original_interrupt = endpoint.notify, endpoint.interrupt_all

    def wait(self: Any, timeout: float | None = None) -> Any:
        if timeout is not None and timeout >= TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS:
            timeout = None  # no TimeoutSeconds: the task waits as long as its execution may run (a year)
        clock.park(self, timeout)
        # the task has closed (answered or timed out): a token sent from now on is refused (TaskTimedOut)
        self.report(callback.CallbackConsumerTimeout())
        return self._outcome

    def notify(self: Any, outcome: Any) -> None:
        original_notify(self, outcome)
        self.report(
            callback.CallbackConsumerTimeout()
        )  # answered: the task has closed, a second answer is refused
        clock.unpark(self)

    def interrupt_all(self: Any) -> None:
        original_interrupt(self)
        clock.unpark(self, remember=False)

    class UntimedEvent(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            return super().wait()

    patch(endpoint, "wait", wait)
    patch(endpoint, "notify", notify)
    patch(endpoint, "interrupt_all", interrupt_all)
    patch(execute_state, "threading", types.SimpleNamespace(Event=UntimedEvent))
    backend = models.StepFunctionsParserBackend
    patch(backend, "send_task_success", _send_task_success)
    patch(backend, "send_task_failure", _send_task_failure)
    patch(backend, "send_task_heartbeat", _send_task_heartbeat)


def _send_task_success(backend: Any, task_token: str, outcome: str) -> None:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeSuccess

    result = CallbackOutcomeSuccess(callback_id=task_token, output=outcome)
    _deliver(backend, task_token, lambda pool: pool.notify(callback_id=task_token, outcome=result))


def _send_task_failure(backend: Any, task_token: str, error: Any = None, cause: Any = None) -> Any:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeFailure

    result = CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause)
    _deliver(backend, task_token, lambda pool: pool.notify(callback_id=task_token, outcome=result))
    return {}


def _send_task_heartbeat(backend: Any, task_token: str) -> None:
    _deliver(backend, task_token, lambda pool: pool.heartbeat(callback_id=task_token))


def _pool(execution: Any) -> Any:
    return getattr(
        getattr(getattr(execution, "exec_worker", None), "env", None), "callback_pool_manager", None
    )


def _deliver(backend: Any, token: str, send: Callable[[Any], bool]) -> None:
    """Hand the outcome to the task that issued ``token``, or raise the error AWS documents."""
    from moto.stepfunctions.parser.api import InvalidToken
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerTimeout,
        CallbackNotifyConsumerError,
    )

    for execution in backend._get_executions():
        pool = _pool(execution)
        if pool is None or pool.get(token) is None:
            continue
        if getattr(execution, "status", None) != "RUNNING":
            raise _error("TaskTimedOut", CLOSED)
        try:
            if send(pool):
                return
        except CallbackNotifyConsumerError as error:
            if isinstance(error.callback_consumer_error, CallbackConsumerTimeout):
                raise _error("TaskTimedOut", CLOSED) from None
            raise _error("TaskDoesNotExist", "The activity does not exist.") from None
        raise _error("TaskTimedOut", CLOSED)
    raise InvalidToken()


def _error(code: str, message: str) -> Exception:
    """moto's exception of that code, with its type named (moto's TaskTimedOut names none)."""
    from moto.stepfunctions.parser import api

    error: Exception = getattr(api, code).__new__(getattr(api, code))
    api.ServiceException.__init__(error, message, code, 400)  # type: ignore[arg-type]
    return error
