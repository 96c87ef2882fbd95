"""What a handler prints goes to its invocation's log, as Lambda sends it to CloudWatch Logs, never to the
sandbox's caller: a ``mailauth-sandbox run --json`` prints its JSON alone, whatever the handlers log or the
metrics they flush (Powertools prints EMF blobs to stdout, PowerTools' Logger its JSON lines).

While a sandbox runs, ``sys.stdout`` and ``sys.stderr`` are :data:`STDOUT` and :data:`STDERR`: on a thread inside
an invocation a write is kept in :attr:`Invocation.output <mailauth_sandbox.invoke.Invocation.output>`; on any
other thread it goes to the stream that was there before.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any, Protocol, TextIO


class _HasOutput(Protocol):
    output: list[str]


class ThreadStream:
    """A text stream that writes into the current thread's invocation log, or else to ``fallback``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fallback: TextIO = getattr(sys, name)
        self._tls = threading.local()

    def install(self) -> Any:
        """Become ``sys.<name>`` and return what was there (for :meth:`restore`)."""
        current = getattr(sys, self.name)
        if current is not self:
            self.fallback = current
            setattr(sys, self.name, self)
        return current

    def restore(self, previous: Any) -> None:
        if getattr(sys, self.name) is self and previous is not self:
            setattr(sys, self.name, previous)

    def write(self, text: str) -> int:
        sink: list[str] | None = getattr(self._tls, "sink", None)
        if sink is None:
            # a stream replaced since (pytest's capsys of a test that ended) goes to the process's own
            stream = (
                self.fallback
                if not getattr(self.fallback, "closed", False)
                else getattr(sys, f"__{self.name}__")
            )
            return stream.write(text)
        sink.append(text)
        return len(text)

    def flush(self) -> None:
        if getattr(self._tls, "sink", None) is None:
            self.fallback.flush()

    def isatty(self) -> bool:
        return False if getattr(self._tls, "sink", None) is not None else self.fallback.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fallback, name)


STDOUT = ThreadStream("stdout")
STDERR = ThreadStream("stderr")


@contextlib.contextmanager
def captured_output(invocation: _HasOutput) -> Iterator[None]:
    """On this thread, what is printed during the block goes to ``invocation.output``."""
    saved = [getattr(stream._tls, "sink", None) for stream in (STDOUT, STDERR)]
    STDOUT._tls.sink = STDERR._tls.sink = invocation.output
    try:
        yield
    finally:
        STDOUT._tls.sink, STDERR._tls.sink = saved
