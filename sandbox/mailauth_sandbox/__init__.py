"""The embedded AWS for mailauth's tests and ``make demo`` (see ``docs/local.md``)."""

from .clock import SimClock
from .engine import LocalAws
from .faults import FaultInjector
from .invoke import Invocation, LambdaContext
from .ses import SesAccount, SesBehaviour

__all__ = [
    "FaultInjector",
    "Invocation",
    "LambdaContext",
    "LocalAws",
    "SesAccount",
    "SesBehaviour",
    "SimClock",
]
