"""``os.environ`` with a layer per thread: each invocation sees its own function's variables.

In AWS every Lambda function runs in its own environment. The sandbox runs all of them in one process, and
invocations of different functions overlap in simulated time (one backs off while another runs), so an
invocation's variables cannot be written into the process environment and restored afterwards: the last to
finish would restore the other's. While a sandbox runs, ``os.environ`` is a :class:`ThreadEnviron`: reads and
writes on a thread inside an invocation go to that invocation's layer over the process environment; every
other thread (the test, moto's service side) sees and changes the process environment itself.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any


class ThreadEnviron(MutableMapping[str, str]):
    """The process environment ``base`` under a per-thread layer (``None`` in a layer: the variable is unset)."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        self._tls = threading.local()

    def _layer(self) -> dict[str, str | None] | None:
        return getattr(self._tls, "layer", None)

    def __getitem__(self, key: str) -> str:
        layer = self._layer()
        if layer is not None and key in layer:
            value = layer[key]
            if value is None:
                raise KeyError(key)
            return value
        return self.base[key]

    def __setitem__(self, key: str, value: str) -> None:
        layer = self._layer()
        if layer is None:
            self.base[key] = value
        else:
            layer[key] = str(value)

    def __delitem__(self, key: str) -> None:
        layer = self._layer()
        if layer is None:
            del self.base[key]
            return
        if key not in self:
            raise KeyError(key)
        layer[key] = None

    def __iter__(self) -> Iterator[str]:
        layer = self._layer() or {}
        for key in list(self.base):
            if key not in layer or layer[key] is not None:
                yield key
        for key, value in list(layer.items()):
            if value is not None and key not in self.base:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)

    def __getattr__(self, name: str) -> Any:  # os._Environ's encodekey and the like
        return getattr(self.base, name)


@contextlib.contextmanager
def layered(values: Mapping[str, str | None]) -> Iterator[None]:
    """Run the block on this thread with ``values`` over the environment (``None``: unset), then drop them.

    Without a :class:`ThreadEnviron` installed (no sandbox patches) the process environment is changed and
    restored, which is right for one thread at a time.
    """
    env = os.environ
    if isinstance(env, ThreadEnviron):
        outer = env._layer()
        env._tls.layer = {**(outer or {}), **values}
        try:
            yield
        finally:
            env._tls.layer = outer
        return
    saved = {key: os.environ.get(key) for key in values}
    _apply(values)
    try:
        yield
    finally:
        _apply(saved)


def _apply(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
