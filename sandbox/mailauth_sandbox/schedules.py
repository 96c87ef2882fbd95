"""EventBridge Scheduler's rate schedules (a function's ``ScheduleV2`` event), which moto does not fire.

Each ``rate(N minutes|hours)`` schedule of the template invokes its function every N units of simulated time,
asynchronously as Scheduler invokes Lambda (Lambda Developer Guide, "Invoke a Lambda function on a schedule"): a
handler error is recorded in the invocation, not raised, and retried as the function's EventInvokeConfig says
(Lambda's default: twice, 1 then 2 minutes later), while executions run. The schedule is an actor of the clock's schedule (clock.py) only then: when no execution runs it
stands aside, and it starts again, one interval later, when an execution starts. Its ticks are background
wake-ups: the clock passes them on its way to an execution's wake-up, but never moves for a tick alone, so an
execution waiting for something only the test will do (no wake-up of its own) does not let the schedule tick
through simulated days. The phase of the ticks is therefore the sandbox's choice; EventBridge
Scheduler documents none for rate expressions either (assumption A23 of docs/local.md: mailauth's sweep works
whatever the phase). A schedule whose ``State`` is ``DISABLED`` never fires. The event is the target's ``Input``,
or ``{}`` (the sweep reads nothing of it).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from . import template as cfn
from .clock import SimClock
from .invoke import Invoker
from .provision import Stack

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
#: how often (real seconds) a schedule looks at a clock that real time drives (``serve``)
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Schedule:
    name: str
    function: str
    seconds: int
    event: Any


def schedules_of(stack: Stack) -> list[Schedule]:
    """The template's enabled rate schedules (``ScheduleV2`` events of its functions)."""
    found: list[Schedule] = []
    params = stack.parameter_definitions()
    for logical, res in (stack.template.get("Resources") or {}).items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        for name, event in ((res.get("Properties") or {}).get("Events") or {}).items():
            if event.get("Type") != "ScheduleV2":
                continue
            props = event.get("Properties") or {}
            if str(props.get("State", "ENABLED")).upper() == "DISABLED":
                continue
            expression = cfn.resolve(props.get("ScheduleExpression", ""), stack.lookup, params)
            match = _RATE.match(expression)
            if match is None:
                raise ValueError(
                    f"{logical}.{name}: the sandbox runs rate() schedules only, not {expression!r}"
                )
            seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]
            raw = props.get("Input")
            found.append(Schedule(f"{logical}.{name}", logical, seconds, json.loads(raw) if raw else {}))
    return found


class Scheduler:
    """Runs each schedule on its own thread (see the module's docstring)."""

    def __init__(self, schedules: list[Schedule], invoker: Invoker, clock: SimClock) -> None:
        self.schedules = schedules
        self.invoker = invoker
        self.clock = clock
        self.fired: list[tuple[str, Any]] = []  # (schedule, when) of every tick that invoked its function
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._enlisted = 0  # this scheduler's schedules now counted among the clock's actors

    def start(self) -> None:
        for schedule in self.schedules:
            thread = threading.Thread(
                target=self._run, args=(schedule,), daemon=True, name=f"mailauth-schedule-{schedule.name}"
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        """Stop firing (before the clock releases its sleepers, which wakes a schedule that waits)."""
        self._stopped.set()
        self.clock.wake_waiters_for_actors()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self, schedule: Schedule) -> None:
        while not self._stopped.is_set():
            if not self.clock.wait_for_actors(self._stopped):
                return
            if not self.clock.scheduled:  # ``serve``'s fast clock: real time drives the clock
                self._run_unscheduled(schedule)
                return
            actor = self.clock.enlist()
            actor.adopt()
            self._count(+1)
            try:
                due = self.clock.now() + timedelta(seconds=schedule.seconds)
                while not self._stopped.is_set():
                    left = (due - self.clock.now()).total_seconds()
                    if left > 0:
                        self.clock.sleep(left, background=True)
                    if self._stopped.is_set() or not self._others_run():
                        break  # nothing runs any more but the schedules: stand aside
                    self.fired.append((schedule.name, self.clock.now()))
                    self.invoker.run_async(schedule.function, schedule.event, self._background_sleep)
                    while due <= self.clock.now():  # a tick due during the retries is not fired late
                        due += timedelta(seconds=schedule.seconds)
            finally:
                self._count(-1)
                actor.retire()

    def _count(self, change: int) -> None:
        with self._lock:
            self._enlisted += change

    def _others_run(self) -> bool:
        """Whether an actor other than the schedules runs (an execution): another schedule, waiting for its own
        tick, is no reason to fire."""
        with self._lock:
            return self.clock.live_actors() > self._enlisted

    def _background_sleep(self, seconds: float) -> None:
        """A retry's wait: a background wake-up, like a tick's (the clock never moves for it alone)."""
        self.clock.sleep(seconds, background=True)

    def _run_unscheduled(self, schedule: Schedule) -> None:
        """Fire each time the clock passes the next tick; never move the clock (serve/fastclock.py moves it)."""
        due = self.clock.now() + timedelta(seconds=schedule.seconds)
        while not self._stopped.wait(POLL_SECONDS):
            if self.clock.now() < due:
                continue
            due = self.clock.now() + timedelta(seconds=schedule.seconds)
            self.fired.append((schedule.name, self.clock.now()))
            self.invoker.run_async(schedule.function, schedule.event, self._until)

    def _until(self, seconds: float) -> None:
        """A retry's wait on a clock that real time drives."""
        due = self.clock.now() + timedelta(seconds=seconds)
        while self.clock.now() < due and not self._stopped.wait(POLL_SECONDS):
            pass
