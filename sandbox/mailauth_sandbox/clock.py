"""The simulated clock, and the scheduler that lets concurrent executions wait at the same time.

A sandbox's executions are *actors*: each runs on moto's threads, and while one waits (a Wait state, a Retry
back-off, botocore's back-off, an AWS call's latency) the others go on. The clock moves only when every actor
waits: it jumps to the earliest wake-up, wakes whoever is due, and stands still while anyone runs. Concurrent
waits therefore overlap, as they do in AWS, instead of adding up; a thousand executions each waiting an hour
take one simulated hour, and the work between waits takes no simulated time.

Threads that are not actors (the test, the API server, a trigger delivered by the test) move the clock by the
whole wait at once, as before, which wakes any actor due by then. An actor waiting for a :class:`SimLock` that
another holds counts as waiting; a lock released on :meth:`SimClock.sleep` (the Lambda service's, so that an
invocation backing off lets others run) is taken back before the sleeper goes on. Scheduling can be switched
off (``scheduled = False``: every sleep moves the clock at once), which ``serve``'s fast clock does.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_START = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


class SimClock:
    """A thread-safe, timezone-aware (UTC) clock that only moves when told to, or when every actor waits."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or DEFAULT_START
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._start = start.astimezone(UTC)
        self._now = self._start
        self._cond = threading.Condition(threading.Lock())
        #: False: every sleep moves the clock at once, actors or not (no waiting for one another)
        self.scheduled = True
        self._live = 0  # actors enlisted and not retired
        self._idle = 0  # actors asleep, or waiting for a SimLock
        self._sleepers: list[tuple[datetime, int, threading.Event]] = []
        self._seq = itertools.count()
        self._parked: dict[object, _Park] = {}  # who waits for an unpark (:meth:`park`), by key
        self._signalled: set[object] = set()  # keys unparked before anyone parked on them
        self._cancelled: set[int] = set()  # seqs of sleepers an unpark woke before their time
        #: seqs of background sleepers (a schedule's ticks: :meth:`sleep` with ``background``): the clock never
        #: moves for them alone, only on the way to someone else's wake-up
        self._background: set[int] = set()
        self._tls = threading.local()
        self._locks: list[SimLock] = []
        #: how many times the clock jumped because every actor waited (what a benchmark reports)
        self.jumps = 0

    @property
    def start(self) -> datetime:
        """The time the clock started at."""
        return self._start

    def now(self) -> datetime:
        """Current simulated time (UTC, aware)."""
        with self._cond:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` (negative values are ignored), wake the actors due, return now."""
        with self._cond:
            if seconds > 0:
                self._now = self._now + timedelta(seconds=seconds)
                self._wake_due()
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when``; the clock never goes backwards."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._cond:
            if when.astimezone(UTC) > self._now:
                self._now = when.astimezone(UTC)
                self._wake_due()

    def elapsed(self) -> timedelta:
        """Simulated time since the start."""
        return self.now() - self._start

    # -- actors ------------------------------------------------------------------------------------
    def enlist(self) -> Actor:
        """Count a new actor as running from now (call before its thread starts, so that the clock cannot move
        between the start and the actor's first step); its thread calls :meth:`Actor.adopt` then ``retire``."""
        with self._cond:
            self._live += 1
            self._cond.notify_all()  # a schedule waiting for work (schedules.py)
        return Actor(self)

    def live_actors(self) -> int:
        """How many actors are enlisted and not retired."""
        with self._cond:
            return self._live

    def wait_for_actors(self, stopped: threading.Event) -> bool:
        """Block until an actor is enlisted or scheduling is off (True), or ``stopped`` is set (False): a schedule
        that fires only while executions run waits here in between."""
        with self._cond:
            self._cond.wait_for(lambda: self._live > 0 or not self.scheduled or stopped.is_set())
            return not stopped.is_set()

    def wake_waiters_for_actors(self) -> None:
        """Let every :meth:`wait_for_actors` look at its ``stopped`` again."""
        with self._cond:
            self._cond.notify_all()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """The clock stands still during the block while actors wait: whoever runs it is still at work (starting
        a batch of executions that AWS would start within milliseconds of one another)."""
        actor = self.enlist()
        try:
            yield
        finally:
            actor.retire()

    def actor(self) -> Actor | None:
        """The actor this thread works for, if any."""
        return getattr(self._tls, "actor", None)

    def sleep(self, seconds: float | None, *, background: bool = False) -> None:
        """Wait ``seconds`` of simulated time: an actor until the clock reaches its wake-up, anyone else by
        moving the clock at once. ``background``: the clock does not move for this wake-up alone (a schedule's
        tick), only when it passes it on the way to another's; until then the actor waits."""
        seconds = seconds or 0.0
        if seconds <= 0:
            return
        if not self.scheduled or self.actor() is None:
            self.advance(seconds)
            return
        me = threading.get_ident()
        woken = threading.Event()  # one per waiter: a wake-up wakes only whom it is for
        with self._cond:
            seq = next(self._seq)
            if background:
                self._background.add(seq)
            heapq.heappush(self._sleepers, (self._now + timedelta(seconds=seconds), seq, woken))
            held = self._go_idle(me)
        woken.wait()
        self._resume(me, held)

    def park(self, key: object, timeout: float | None) -> bool:
        """Wait until :meth:`unpark` of ``key`` (True) or until ``timeout`` simulated seconds have passed (False;
        None: no time limit): a Step Functions task waiting for its task token. An actor waits as asleep, so the
        clock may move meanwhile; anyone else waits until unparked (the clock moving past its time wakes it)."""
        me = threading.get_ident()
        woken = threading.Event()
        with self._cond:
            if key in self._signalled:
                self._signalled.discard(key)
                return True
            actor = self.scheduled and self.actor() is not None
            seq = next(self._seq)
            if timeout is not None:
                heapq.heappush(self._sleepers, (self._now + timedelta(seconds=max(timeout, 0.0)), seq, woken))
            self._parked[key] = _Park(seq, woken, actor, timed=timeout is not None)
            held = self._go_idle(me) if actor else []
        woken.wait()
        self._resume(me, held)
        with self._cond:
            return self._parked.pop(key).signalled

    def unpark(self, key: object, *, remember: bool = True) -> None:
        """Wake whoever is parked on ``key`` now; ``remember``: if nobody is, the next :meth:`park` on it returns at
        once (a task token sent before its task began to wait)."""
        with self._cond:
            park = self._parked.get(key)
            if park is None:
                if remember:
                    self._signalled.add(key)
                return
            if park.woken.is_set():
                return  # its time came first
            park.signalled = True
            if park.timed:
                self._cancelled.add(park.seq)
            self._wake(park.woken, park.actor)

    def release_all(self) -> None:
        """Wake every sleeping actor now and stop scheduling (the sandbox is stopping)."""
        with self._cond:
            self.scheduled = False
            self._wake_due(everyone=True)
            for park in self._parked.values():
                if not park.woken.is_set():
                    self._wake(park.woken, park.actor)

    def _resume(self, me: int, held: list[tuple[SimLock, int]]) -> None:
        """An actor goes on after waiting: it takes back (in turn) the locks it gave up to wait."""
        for lock, count in held:
            lock._take_back(me, count)
            if lock.on_resume is not None:
                lock.on_resume()

    # -- under self._cond --------------------------------------------------------------------------
    def _go_idle(self, me: int) -> list[tuple[SimLock, int]]:
        """The calling actor waits from now: it no longer holds the clock back, and gives up the locks that yield
        while their owner waits (each with how many times it held it); the clock settles."""
        self._idle += 1
        held = [(lock, lock._give_up(me)) for lock in self._locks if lock._owner == me]
        self._settle()
        return held

    def _wake_due(self, *, everyone: bool = False) -> None:
        self._prune()
        while self._sleepers and (everyone or self._sleepers[0][0] <= self._now):
            _, seq, woken = heapq.heappop(self._sleepers)
            self._background.discard(seq)
            parked = next((p for p in self._parked.values() if p.seq == seq), None) if self._parked else None
            self._wake(woken, parked.actor if parked else True)
            self._prune()

    def _wake(self, woken: threading.Event, actor: bool) -> None:
        woken.set()
        if actor:
            self._idle -= 1

    def _prune(self) -> None:
        """Drop the earliest sleepers an unpark has woken already."""
        while self._sleepers and self._sleepers[0][1] in self._cancelled:
            self._cancelled.discard(heapq.heappop(self._sleepers)[1])

    def _settle(self) -> None:
        """Every actor waits: jump to the earliest wake-up and wake whoever is due then."""
        self._prune()
        waiting_for = len(self._sleepers) - len(self._background) - len(self._cancelled)
        if self.scheduled and self._live and self._idle >= self._live and waiting_for > 0:
            self._now = max(self._now, self._sleepers[0][0])
            self.jumps += 1
            self._wake_due()


class _Park:
    """One wait for an unpark: its sleeper's seq (when ``timed``), its event, whether an actor waits (idle)."""

    def __init__(self, seq: int, woken: threading.Event, actor: bool, *, timed: bool) -> None:
        self.seq, self.woken, self.actor, self.timed = seq, woken, actor, timed
        self.signalled = False


class Actor:
    """One execution's part in the schedule, shared by every thread that works for it."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._retired = False

    def adopt(self) -> None:
        """This thread works for the actor (its sleeps wait for the schedule)."""
        self.clock._tls.actor = self

    def retire(self) -> None:
        """The actor is done: it no longer holds the clock back."""
        clock = self.clock
        with clock._cond:
            if not self._retired:
                self._retired = True
                clock._live -= 1
                clock._settle()
        if getattr(clock._tls, "actor", None) is self:
            clock._tls.actor = None


class SimLock:
    """A re-entrant, first-come-first-served lock an actor waits for as it would sleep (the clock may move).

    ``yield_on_sleep``: an owner's :meth:`SimClock.sleep` gives the lock up while it sleeps and takes it back
    (waiting its turn) before going on; ``on_resume`` then runs on the owner's thread.
    """

    def __init__(
        self, clock: SimClock, *, yield_on_sleep: bool = False, on_resume: Callable[[], Any] | None = None
    ) -> None:
        self._clock = clock
        self._owner: int | None = None
        self._count = 0
        self._waiters: deque[tuple[int, bool, threading.Event]] = deque()
        self.on_resume = on_resume
        if yield_on_sleep:
            clock._locks.append(self)

    def __enter__(self) -> SimLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        self._take_back(threading.get_ident(), 1)

    def release(self) -> None:
        with self._clock._cond:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a SimLock this thread does not hold")
            self._count -= 1
            if not self._count:
                self._hand_on()

    def _take_back(self, me: int, count: int) -> None:
        """Own the lock ``count`` times over, waiting (as an idle actor) for the owners before."""
        clock = self._clock
        with clock._cond:
            if self._owner == me:
                self._count += count
                return
            if self._owner is None and not self._waiters:
                self._owner, self._count = me, count
                return
            actor = clock.scheduled and clock.actor() is not None
            granted = threading.Event()
            self._waiters.append((me, actor, granted))
            if actor:
                clock._idle += 1
                clock._settle()
        granted.wait()
        self._count = count  # the owner's alone: only this thread reads or writes it until it releases

    # -- under the clock's condition ---------------------------------------------------------------

    def _give_up(self, me: int) -> int:
        count, self._count = self._count, 0
        self._hand_on()
        return count

    def _hand_on(self) -> None:
        self._owner = None
        if self._waiters:
            owner, actor, granted = self._waiters.popleft()
            self._owner = owner
            granted.set()
            if actor:
                self._clock._idle -= 1
