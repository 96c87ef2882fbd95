"""``mailauth-sandbox serve``: a sandbox world's REST API on a real HTTP server and its public DNS, on loopback.

``Server(scenario=None, port=0, dns_port=0, speed=3600)`` is the in-process form (a context manager with
``endpoint`` and ``dns_address``); ``command.py`` is the command line. docs/local.md, "serve", says what it does.
"""

from __future__ import annotations

from .fastclock import DEFAULT_SPEED
from .principals import TEST_ACCESS_KEY, TEST_SECRET_KEY
from .server import ServeError, Server

__all__ = ["DEFAULT_SPEED", "TEST_ACCESS_KEY", "TEST_SECRET_KEY", "ServeError", "Server"]
