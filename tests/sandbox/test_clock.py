"""The simulated clock's schedule (issue 12, item 1): concurrent executions wait at the same time, so their waits
overlap instead of adding up; the clock stands still while any of them works."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from mailauth_sandbox import LocalAws
from mailauth_sandbox.clock import SimClock, SimLock
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]


def run_actors(clock: SimClock, *bodies: Callable[[], None]) -> None:
    """Run each body on its own thread as an actor, all enlisted before any starts; wait for them all."""
    actors = [clock.enlist() for _ in bodies]

    def work(actor_index: int) -> None:
        actor = actors[actor_index]
        actor.adopt()
        try:
            bodies[actor_index]()
        finally:
            actor.retire()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive(), "an actor never woke"


def test_concurrent_waits_overlap() -> None:
    clock = SimClock()
    woke: dict[str, float] = {}

    def sleeper(name: str, seconds: float) -> Callable[[], None]:
        def body() -> None:
            clock.sleep(seconds)
            woke[name] = clock.elapsed().total_seconds()

        return body

    run_actors(clock, sleeper("a", 10), sleeper("b", 20), sleeper("c", 5))
    assert woke == {"a": 10, "b": 20, "c": 5}
    assert clock.elapsed() == timedelta(seconds=20)


def test_the_clock_stands_still_while_an_actor_works() -> None:
    clock = SimClock()
    release = threading.Event()
    seen: list[float] = []

    def worker() -> None:
        release.wait(10)  # "working": not waiting on the clock
        seen.append(clock.elapsed().total_seconds())

    def sleeper() -> None:
        clock.sleep(30)
        seen.append(clock.elapsed().total_seconds())

    timer = threading.Timer(0.2, release.set)
    timer.start()
    run_actors(clock, worker, sleeper)
    assert seen == [0, 30]  # the sleeper woke only after the worker finished at 0


def test_outside_the_schedule_a_sleep_moves_the_clock_at_once_and_wakes_who_is_due() -> None:
    clock = SimClock()
    clock.sleep(7)
    assert clock.elapsed() == timedelta(seconds=7)
    with clock.held():  # someone outside is busy: actors must wait for the clock to be moved
        woke = threading.Event()

        def body() -> None:
            clock.sleep(60)
            woke.set()

        thread = threading.Thread(target=lambda: run_actors(clock, body))
        thread.start()
        assert not woke.wait(0.3)
        clock.advance(60)
        assert woke.wait(5)
        thread.join(5)


def test_a_lock_holder_that_sleeps_lets_the_next_actor_in_and_takes_the_lock_back() -> None:
    clock = SimClock()
    resumed: list[str] = []
    lock = SimLock(clock, yield_on_sleep=True, on_resume=lambda: resumed.append("resumed"))
    order: list[tuple[str, float]] = []

    def holder() -> None:
        with lock:
            order.append(("holder in", clock.elapsed().total_seconds()))
            clock.sleep(1)  # gives the lock up while it sleeps
            order.append(("holder back", clock.elapsed().total_seconds()))

    def other() -> None:
        clock.sleep(0.5)
        with lock:
            order.append(("other in", clock.elapsed().total_seconds()))

    run_actors(clock, holder, other)
    assert order == [("holder in", 0), ("other in", 0.5), ("holder back", 1)]
    assert resumed == ["resumed"]


def test_executions_started_together_wait_at_the_same_time(local_aws_factory: Factory) -> None:
    """Three executions each waiting an hour take one simulated hour between them, not three."""
    local = local_aws_factory(template=None)
    machine = local.create_state_machine(
        "waits",
        {
            "StartAt": "Hour",
            "States": {
                "Hour": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
                "Done": {"Type": "Succeed"},
            },
        },
    )
    with local.clock.held():
        arns = [local.start_execution({}, name=f"wait-{i}", state_machine_arn=machine) for i in range(3)]
    for arn in arns:
        assert local.wait(arn, timeout=30)["status"] == "SUCCEEDED", failure(local, arn)
    assert local.clock.elapsed() == timedelta(hours=1)
