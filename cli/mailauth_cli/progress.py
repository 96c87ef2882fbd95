"""``onboard --wait`` and ``status --watch``: follow a run by polling ``GET /domains/{domain}`` until it ends.

What is shown comes from the answer's ``progress`` (the state the run is in, the verification checks so far
with what SES said of DKIM and MAIL FROM and what public DNS served, the next check, the deadline). On a
terminal it is one live line, rewritten with ``\\r``; piped, one plain line per change and nothing when
nothing changed; with ``--json``, each changed answer as one JSON line. It ends with the report's summary
(``GET /domains/{domain}/report``) and exit code 0 only when the domain is verified (for an offboarding: when
it succeeded).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Mapping
from typing import Any, TextIO

from mailauth_cli.api import NOT_FOUND, NOT_SUCCESS, OK, Api, ApiError
from mailauth_cli.render import offboarding, progress_summary, report_summary, timing, verified

#: the states of the verification loop: after the first check, the check lines stand for them
LOOP_STATES = frozenset({"CheckVerification", "VerificationDecision", "WaitForVerification"})
TRANSIENT_POLLS = 5  # consecutive polls that may fail (throttled, 5xx, connection) before a watch gives up


class Lines:
    """Piped output: one plain line per change, never a repeat."""

    def __init__(self, domain: str, out: TextIO) -> None:
        self.domain, self.out = domain, out
        self.state: str | None = None
        self.checks = 0
        self.diagnosis: list[str] | None = None

    def show(self, status: Mapping[str, Any]) -> None:
        progress = status.get("progress") or {}
        state, checks = progress.get("state"), int(progress.get("checks") or 0)
        running = (status.get("execution") or {}).get("status") == "RUNNING"
        if not progress and running:  # an API without progress: that the run goes on, at least
            state = "running"
        if state and state != self.state and not (state in LOOP_STATES and self.checks):
            self.say(f"{self.domain}: {state}")
        self.state = state or self.state
        if checks > self.checks:
            self.checks = checks
            self.say(f"{self.domain}: {check_line(progress)}")
            diagnosis = [str(d) for d in progress.get("diagnosis") or ()]
            if not diagnosis:
                self.say("  public DNS serves every record")
            elif diagnosis == self.diagnosis:
                self.say(f"  public DNS: as at the previous check ({len(diagnosis)} to fix)")
            else:
                for line in diagnosis:
                    self.say(f"  - {line}")
            self.diagnosis = diagnosis

    def note(self, text: str) -> None:
        self.say(f"{self.domain}: {text}")

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def done(self) -> None:
        return None


class LiveLine(Lines):
    """A terminal: one line, rewritten in place with ``\\r`` (cut to the terminal's width, so it never wraps)."""

    def __init__(self, domain: str, out: TextIO) -> None:
        super().__init__(domain, out)
        self.width = 0
        self.text = ""

    def show(self, status: Mapping[str, Any]) -> None:
        progress = status.get("progress") or {}
        parts = [self.domain, progress_summary(progress) if progress else "waiting for the run to start"]
        diagnosis = progress.get("diagnosis") or ()
        if diagnosis:
            parts.append(f"{len(diagnosis)} to fix: {diagnosis[0]}")
        elif int(progress.get("checks") or 0):
            parts.append("public DNS serves every record")
        self.draw(" · ".join(parts))

    def note(self, text: str) -> None:
        self.draw(f"{self.domain}: {text}")

    def draw(self, text: str) -> None:
        columns = shutil.get_terminal_size((100, 24)).columns - 1
        if len(text) > columns:
            text = text[: columns - 1] + "…"
        if text == self.text:
            return
        self.out.write("\r" + text.ljust(self.width))
        self.out.flush()
        self.text, self.width = text, max(self.width, len(text))

    def done(self) -> None:
        if self.text:
            self.out.write("\n")
            self.out.flush()


class JsonLines(Lines):
    """``--json``: every answer that differs from the one before, as one JSON line."""

    def __init__(self, domain: str, out: TextIO) -> None:
        super().__init__(domain, out)
        self.last: Mapping[str, Any] | None = None

    def show(self, status: Mapping[str, Any]) -> None:
        if status != self.last:
            self.say(json.dumps(status, separators=(",", ":")))
            self.last = status

    def note(self, text: str) -> None:
        return None  # JSON only on stdout


def check_line(progress: Mapping[str, Any]) -> str:
    parts = [
        f"check {progress.get('checks')}: SES says DKIM {progress.get('dkimStatus') or '-'}, "
        f"MAIL FROM {progress.get('mailFromStatus') or '-'}"
    ]
    return "; ".join([*parts, *timing(progress)])


def watch(
    api: Api,
    domain: str,
    *,
    out: TextIO,
    interval: float,
    as_json: bool = False,
    execution_arn: str | None = None,
) -> int:
    """Follow the domain's latest run (``execution_arn``: wait for that one to show) until it ends."""
    if as_json:
        view: Lines = JsonLines(domain, out)
    elif out.isatty():
        view = LiveLine(domain, out)
    else:
        view = Lines(domain, out)
    failures = unseen = 0
    while True:
        try:
            status = api.call("GET", Api.domain_path(domain))
        except ApiError as exc:
            failures += 1
            if not exc.transient or failures > TRANSIENT_POLLS:
                view.done()
                raise
            view.note(f"{exc}; asking again in {interval:g} s")
            _pause(interval)
            continue
        failures = 0
        execution = status.get("execution") or {}
        if execution_arn and execution.get("executionArn") != execution_arn and unseen < TRANSIENT_POLLS:
            unseen += 1  # the run just started and is not the latest yet
            _pause(interval)
            continue
        view.show(status)
        if execution.get("status") != "RUNNING":
            break
        _pause(interval)
    view.done()
    ended = f"latest run {execution['status']}" if execution.get("status") else "no mailauth run"
    if offboarding(status):
        ok = execution.get("status") == "SUCCEEDED"
        verdict = "OFFBOARDED" if ok else "NOT OFFBOARDED"
    else:
        ok = verified(status)
        verdict = "VERIFIED" if ok else "NOT VERIFIED"
    if not as_json:
        view.say(f"{domain}: {verdict} ({ended})")
    _summary(api, domain, view, as_json=as_json)
    return OK if ok else NOT_SUCCESS


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _summary(api: Api, domain: str, view: Lines, *, as_json: bool) -> None:
    """The report's subject and first lines; nothing when the run left no report (or the API has none yet)."""
    try:
        report = api.call("GET", Api.domain_path(domain, "/report"))
    except ApiError as exc:
        if exc.code != NOT_FOUND and not as_json:
            view.say(f"{domain}: the report could not be read: {exc}")
        return
    view.say(json.dumps(report, separators=(",", ":")) if as_json else report_summary(report))
