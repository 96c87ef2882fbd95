"""The served world's clock: Wait states wait, and the simulated clock runs fast while any of them does.

Everywhere else in the sandbox the clock jumps to the next wake-up as soon as every execution waits (the
schedule of ``clock.py``). A server cannot know that: requests arrive from outside at any moment, and two
executions waiting 5 and 60 minutes must both be over after 60 simulated minutes, not 65. Here the schedule is
off (``SimClock.scheduled``), and a Wait state blocks until the simulated clock
reaches its end, and a background thread advances the clock at ``speed`` simulated seconds per real second while
at least one Wait state is waiting, never past the earliest end (so no wait lasts longer than it says). When no
execution waits, the clock stands still, as everywhere in the sandbox: handlers run at the time they started.
Retry back-off (botocore's and Step Functions') still moves the clock at once: its waits are seconds long.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from ..clock import SimClock

#: simulated seconds per real second by default: an hour a second, 48 hours in 48 seconds
DEFAULT_SPEED = 3600.0
#: how often (real seconds) the clock moves while something waits
TICK = 0.01


class FastClock:
    """Installs the blocking Wait and runs the thread that moves ``clock``; :meth:`stop` undoes both."""

    def __init__(self, clock: SimClock, speed: float = DEFAULT_SPEED) -> None:
        if not (speed > 0 and math.isfinite(speed)):
            raise ValueError(f"speed must be a finite number above 0, not {speed}")
        self.clock = clock
        self.speed = speed
        self._ends: list[datetime] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved: Any = None
        self._saved_park: Any = None

    @property
    def waiting(self) -> int:
        """How many Wait states are waiting now."""
        with self._cond:
            return len(self._ends)

    def start(self) -> None:
        """Replace the sandbox's Wait (which jumps) with one that waits, and start moving the clock."""
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

        fast = self
        # real time drives this clock: a sleep anywhere moves it at once, nobody waits for the schedule
        self.clock.scheduled = False

        def wait_interval(_wait: Any, env: Any, wait_seconds: int) -> None:
            fast.wait(env, wait_seconds)

        self._saved = wait_function.WaitFunction._wait_interval
        setattr(wait_function.WaitFunction, "_wait_interval", wait_interval)  # noqa: B010 (a patch, undone)
        # a task waiting for its token with a timeout (WaitForVerification) is a wait too: the clock runs while it
        # waits, and an answer (the sweep's) wakes it first (clock.park)
        original_park = self.clock.park

        def park(key: object, timeout: float | None) -> bool:
            if timeout is None:
                return original_park(key, None)
            end = self.clock.now() + timedelta(seconds=timeout)
            with fast._cond:
                fast._ends.append(end)
            try:
                return original_park(key, timeout)
            finally:
                with fast._cond:
                    fast._ends.remove(end)
                    fast._cond.notify_all()

        self._saved_park = original_park
        self.clock.park = park  # type: ignore[method-assign]
        self.clock.wake_waiters_for_actors()  # a schedule waiting for actors now runs on this clock
        self._thread = threading.Thread(target=self._run, name="mailauth-serve-clock", daemon=True)
        self._thread.start()

    def restore(self) -> None:
        """Put the sandbox's Wait back (Wait states already waiting go on until their end or their execution
        stops). Call before the sandbox stops: its own patches are undone after."""
        if self._saved_park is not None:
            del self.clock.park  # the instance's override: SimClock.park again
            self._saved_park = None
        if self._saved is not None:
            from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

            setattr(wait_function.WaitFunction, "_wait_interval", self._saved)  # noqa: B010
            self._saved = None

    def stop(self) -> None:
        """Stop moving the clock (after the sandbox stopped its executions)."""
        self.restore()
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def wait(self, env: Any, seconds: float) -> None:
        """Block until the simulated clock is ``seconds`` further on, or the execution (``env``) stops."""
        if seconds <= 0:
            return
        end = self.clock.now() + timedelta(seconds=seconds)
        with self._cond:
            self._ends.append(end)
            try:
                while self.clock.now() < end and env.is_running() and not self._stopping.is_set():
                    self._cond.wait(TICK * 5)
            finally:
                self._ends.remove(end)
                self._cond.notify_all()

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(TICK):
            now = time.monotonic()
            elapsed, last = now - last, now
            with self._cond:
                if not self._ends:
                    continue
                target = self.clock.now() + timedelta(seconds=elapsed * self.speed)
                self.clock.set(min(target, min(self._ends)))
                self._cond.notify_all()
