"""``Server``: a sandbox world kept running, its REST API on a real HTTP server and its public DNS on loopback.

Each request is routed by the template's API routes (``routes.py``), authorised as API Gateway's IAM authorisation
would (``sigv4.py``), turned into API Gateway's proxy event for the route's function (``gateway.py``) and invoked
through :class:`~mailauth_sandbox.LocalAws` exactly as scenarios deliver ``via: api`` submissions (IAM per call,
the service models, the simulated clock); the function's answer goes back as the HTTP response. Waits run on the
fast clock (``fastclock.py``).

    with Server(port=0) as server:          # no scenario: one public zone, example.com
        server.endpoint, server.dns_address  # "http://127.0.0.1:PORT", "127.0.0.1:PORT"
"""

from __future__ import annotations

import contextlib
import errno
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from ..clock import SimClock
from ..engine import LocalAws
from .fastclock import DEFAULT_SPEED, FastClock
from .gateway import Answer, error_answer, http_response, proxy_event
from .principals import Principals
from .routes import Api, read
from .sigv4 import Principal, Refusal, Verifier, missing_token

#: the zone of the world served without a scenario (as ``make demo`` has)
DEFAULT_ZONE = "example.com"
#: SES in the world served without a scenario: verifies two simulated hours after DNS is right (as ``make demo``)
DEFAULT_VERIFY_AFTER_HOURS = 2.0
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


class ServeError(Exception):
    """The world cannot be served (a port in use); the message is one line for the user."""


class Server:
    """A served sandbox world; a context manager. ``port``/``dns_port`` 0: ephemeral ports on 127.0.0.1."""

    def __init__(
        self,
        scenario: Path | str | None = None,
        *,
        port: int = 0,
        dns_port: int = 0,
        speed: float = DEFAULT_SPEED,
        log: IO[str] | None = None,
    ) -> None:
        self.scenario = Path(scenario) if scenario is not None else None
        self.port = port
        self.dns_port = dns_port
        self.speed = speed
        #: where each request is logged (``METHOD PATH STATUS``); None: nowhere
        self.log = log
        #: the running world (set by :meth:`start`)
        self.local: LocalAws | None = None
        self.api: Api | None = None
        self.verifier: Verifier | None = None
        self._stack = contextlib.ExitStack()
        self._clock: FastClock | None = None
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``: the API's base URL (routes at its root, no stage prefix)."""
        if self._http is None:
            return ""
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def dns_address(self) -> str:
        """``127.0.0.1:PORT`` of the world's public DNS."""
        return self.local.dns_address if self.local else ""

    def start(self) -> None:
        """Build the world, start the fast clock and the HTTP server. :class:`ServeError`: a port is in use."""
        try:
            clock = SimClock(datetime.now(UTC).replace(microsecond=0))
            try:
                self.local = self._stack.enter_context(self._world(clock))
            except OSError as exc:
                if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                    raise
                raise ServeError(f"cannot serve DNS on 127.0.0.1:{self.dns_port}: {exc.strerror}") from exc
            self.api = read(self.local.stack.template)
            principals = Principals(self.local.account_id, self.local.partition)
            self.verifier = Verifier(self.local.region, principals)
            self._clock = FastClock(self.local.clock, self.speed)
            self._clock.start()
            try:
                self._http = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            except OSError as exc:
                raise ServeError(f"cannot serve HTTP on 127.0.0.1:{self.port}: {exc.strerror}") from exc
            self._thread = threading.Thread(
                target=self._http.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="mailauth-serve-http",
                daemon=True,
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise

    @contextlib.contextmanager
    def _world(self, clock: SimClock) -> Iterator[LocalAws]:
        if self.scenario is not None:
            from ..scenario import Runner, Scenario

            # a file that cannot be read fails here, before anything starts
            spec = Scenario.load(self.scenario)
            runner = Runner(spec, self.scenario.parent)
            with runner.world(clock=clock, dns_port=self.dns_port) as local:
                yield local
            return
        from ..ses import SesBehaviour

        behaviour = SesBehaviour(verify=("after", DEFAULT_VERIFY_AFTER_HOURS))
        with LocalAws(ses=behaviour, env=QUIET, clock=clock, dns_port=self.dns_port) as local:
            local.create_hosted_zone(DEFAULT_ZONE)
            yield local

    def stop(self) -> None:
        """Stop serving HTTP, put the Wait back, stop the world (its executions, DNS, moto), stop the clock."""
        if self._http is not None:
            if self._thread is not None:  # shutdown() waits for serve_forever, so only once it runs
                self._http.shutdown()
                self._thread.join(timeout=5)
                self._thread = None
            self._http.server_close()
            self._http = None
        if self._clock is not None:
            self._clock.restore()
        try:
            self._stack.close()
        finally:
            if self._clock is not None:
                self._clock.stop()
                self._clock = None
            self.local = None

    # -- one request ------------------------------------------------------------------------------
    def answer(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> Answer:
        """Route, authorise, invoke: API Gateway's answer to one request."""
        assert self.local is not None and self.api is not None and self.verifier is not None
        parts = urlsplit(target)
        path = parts.path or "/"
        selected = self.api.select(method, path)
        if selected is None:  # API Gateway's answer for a resource or method the REST API does not have
            return _refused(missing_token())
        route, path_parameters = selected
        principal: Principal | None = None
        if route.iam:
            checked = self.verifier.verify(method, path, parts.query, headers, body)
            if isinstance(checked, Refusal):
                return _refused(checked)
            principal = checked
        event = proxy_event(
            route=route,
            path_parameters=path_parameters,
            method=method,
            path=path,
            query=parts.query,
            headers=headers,
            body=body,
            principal=principal,
            source_ip=source_ip,
            stage=self.api.stage,
            account_id=self.local.account_id,
            now=self.local.clock.now(),
        )
        invocation = self.local.run_function(route.function, event)
        request_id: str = event["requestContext"]["requestId"]
        return http_response(invocation.result if invocation.ok else None, request_id)


def _refused(refusal: Refusal) -> Answer:
    return error_answer(refusal.status, refusal.message, refusal.error_type)


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mailauth-sandbox"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            headers = [(str(k), str(v)) for k, v in self.headers.items()]
            try:
                answer = server.answer(self.command, self.path, headers, body, self.client_address[0])
            except Exception as exc:  # the server's own failure: API Gateway's 500, and a line in the log
                print(
                    f"serve: {self.command} {self.path} failed: {type(exc).__name__}: {exc}", file=sys.stderr
                )
                answer = error_answer(500, "Internal server error")
            self.send_response(answer.status)
            for name, value in answer.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("x-amzn-RequestId", answer.request_id)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if server.log is not None:
                print(f"{self.command} {self.path} {code}", file=server.log, flush=True)

        def log_message(self, format: str, *args: Any) -> None:
            if server.log is not None:
                print(format % args, file=server.log, flush=True)

    return Handler
