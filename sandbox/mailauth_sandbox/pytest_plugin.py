"""Reusable pytest fixtures: a started :class:`~mailauth_sandbox.LocalAws` per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .engine import LocalAws


@pytest.fixture
def local_aws_factory() -> Iterator[Callable[..., LocalAws]]:
    """Start sandboxes with custom knobs: ``local_aws_factory(ses=SesBehaviour(...), template=None)``."""
    started: list[LocalAws] = []

    def make(**kwargs: Any) -> LocalAws:
        local = LocalAws(**kwargs)
        local.start()
        started.append(local)
        return local

    yield make
    for local in reversed(started):
        local.stop()


@pytest.fixture
def local_aws() -> Iterator[LocalAws]:
    """A started sandbox with the repository's template (when present) and the DNS server."""
    with LocalAws() as local:
        yield local


@pytest.fixture
def bare_aws() -> Iterator[LocalAws]:
    """A started sandbox without the template: machinery only."""
    with LocalAws(template=None) as local:
        yield local
