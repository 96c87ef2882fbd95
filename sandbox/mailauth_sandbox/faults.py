"""Fault injection at the botocore level: the next N matching calls fail with a real ``ClientError``."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from . import hooks


@dataclass
class Fault:
    """One planned failure: ``times`` calls to ``service``/``operation`` answer ``code`` with ``status``."""

    service: str
    operation: str
    code: str
    times: int = 1
    status: int = 400
    message: str = ""
    #: matching attempts let through before the fault starts failing them (the 2nd PutItem, say)
    skip: int = 0
    #: scope: only calls made by this handler ("*": by any handler, not by the test, the sandbox or the state
    #: machine's own service integrations); only calls naming this DynamoDB table (``TableName``)
    function: str | None = None
    table: str | None = None
    #: only calls made by handlers running for an execution of this state machine (its name)
    workflow: str | None = None
    hits: int = field(default=0)

    def matches(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        function: str | None,
        execution: str | None = None,
    ) -> bool:
        if self.service != service or self.operation != operation:
            return False
        if self.workflow is not None and _machine_of(execution) != self.workflow:
            return False
        if self.function == "*" and function is None:
            return False
        if self.function not in (None, "*") and self.function != function:
            return False
        return self.table is None or str(params.get("TableName", "")).rsplit("/", 1)[-1] == self.table

    @property
    def remaining(self) -> int:
        """Calls still to fail."""
        return max(self.times - self.hits, 0)


class FaultInjector:
    """Planned failures, consumed in the order added. Service names are botocore's (``route53``, ``sesv2``).

    Each fault fails one HTTP attempt, beneath botocore's retry handler (``hooks``: before-send): the client's
    retry mode sees a real error response and retries it as it would AWS's. mailauth's clients (adaptive mode, ``max_attempts: 5``, which botocore reads
    as 5 retries: 6 attempts) absorb up to 5 throttles in a row; the 6th reaches the handler.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        service: str,
        operation: str,
        code: str,
        times: int = 1,
        status: int = 400,
        message: str | None = None,
        skip: int = 0,
        function: str | None = None,
        table: str | None = None,
        workflow: str | None = None,
    ) -> Fault:
        """Plan ``times`` failures of ``service.operation`` with error ``code`` and HTTP ``status``, after letting
        ``skip`` matching attempts through; ``function``, ``table`` and ``workflow`` narrow the calls it fails
        (see Fault)."""
        fault = Fault(
            service,
            operation,
            code,
            times,
            status,
            message or f"Injected fault: {code}",
            skip,
            function=function,
            table=table,
            workflow=workflow,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every planned failure."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """Faults that still have calls to fail."""
        with self._lock:
            return [f for f in self._faults if f.remaining]

    def check(
        self,
        service: str,
        operation: str,
        params: dict[str, Any] | None = None,
        function: str | None = None,
        execution: str | None = None,
    ) -> hooks.Response | None:
        """The error response for this call if a fault matches (and consume it), else ``None``. ``function`` is
        the handler making the call (None: the test, the sandbox or a service integration), ``execution`` the
        execution it runs for."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining and fault.matches(service, operation, params or {}, function, execution):
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    fault.hits += 1
                    return hooks.error(fault.code, fault.message, fault.status)
        return None


def _machine_of(execution: str | None) -> str | None:
    """The state machine's name in an execution ARN (``arn:aws:states:r:a:execution:MACHINE:NAME``)."""
    parts = (execution or "").split(":")
    return parts[6] if len(parts) >= 8 and parts[5] == "execution" else None
