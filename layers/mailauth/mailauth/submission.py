"""Starting an onboarding: the one path every trigger takes (API, new hosted zone, custom event).

Idempotent and exclusive per domain: the domains table remembers each domain's latest execution. The same
request while that execution runs returns it again; a different request while it runs is refused
(ExecutionConflictError → HTTP 409); once it has ended, a new execution starts with the next generation number,
so execution names are deterministic (``<domain>-<generation>``, dots as ``_``) and never collide with Step
Functions' 90-day name memory.

**The claim is atomic.** A submission first claims the next generation with a conditional PutItem, then starts
the execution it named. Between the two, the execution does not exist yet; a submission that reads the claim
then must not take it for an ended run (that started a second execution for one domain). A claim younger than
:data:`CLAIM_SECONDS` whose execution does not exist yet is *in flight*: the same request starts that very
execution (StartExecution is idempotent for the same name and input while it runs, as the Step Functions API
reference documents), so a claimant that failed between its two calls is finished by the next identical
submission; a different request is refused (409), as it would be once the execution runs. A claim older than
that with no execution was abandoned (or aged out of Step Functions' 90-day history): the next generation is
claimed over it.

**A failed start gives its claim back.** When StartExecution fails, the submitter first asks whether the
execution exists after all (an answer lost after AWS started it): then that is the submission. Otherwise it puts
the table's item back as it was before the claim (conditional on the claim still being its own), so the domain
is not held "starting" by an execution that will never start; if even that question cannot be answered, the
claim stays and ages out after :data:`CLAIM_SECONDS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailauth import clock
from mailauth.aws.dynamodb import ABSENT, ConditionFailedError, Item, Table, int_or_none
from mailauth.aws.stepfunctions import StepFunctions, execution_arn
from mailauth.errors import ExecutionConflictError
from mailauth.pace import Admission
from mailauth.request import OnboardRequest

if TYPE_CHECKING:
    from mailauth.settings import SubmitSettings

MAX_NAME = 80
#: How long a claim whose execution does not exist yet is in flight: longer than any submitter runs between its
#: PutItem and its StartExecution (the API's and the trigger's Lambda timeouts are 30 s, SDK retries included).
CLAIM_SECONDS = 120
#: A rejected event's execution keeps this much of what was received, and of the reason
MAX_RECEIVED = 2048
MAX_REASON = 4000
MAX_DOMAIN_SHOWN = 300
#: the name prefix of a rejected event's execution (:meth:`Submitter.start_rejected`): it owns no domain's item
REJECTED_PREFIX = "invalid-"


def execution_name(domain: str, generation: int, kind: str = "") -> str:
    """``<domain>-<generation>`` (``<domain>-<kind>-<generation>`` for offboarding), dots written as ``_``.

    StartExecution's documentation: "To enable logging with CloudWatch Logs, the name should only contain 0-9,
    A-Z, a-z, - and _" (both state machines log), and at most 80 characters. A normalised domain holds only
    letters, digits, hyphens and dots, so writing each dot as ``_`` keeps names distinct (no domain has ``_``).
    Long domains are shortened with a hash.
    """
    suffix = f"-{kind}-{generation}" if kind else f"-{generation}"
    readable = domain.replace(".", "_")
    if len(readable) + len(suffix) <= MAX_NAME:
        return readable + suffix
    digest = hashlib.sha256(domain.encode()).hexdigest()[:16]
    keep = MAX_NAME - len(suffix) - len(digest) - 1
    return f"{readable[:keep].rstrip('_-')}-{digest}{suffix}"


def _request_json(request: OnboardRequest) -> dict[str, Any]:
    """The request's own fields (a subclass, such as the API's body, adds fields that are not the request)."""
    body = request.model_dump(mode="json", include=set(OnboardRequest.model_fields))
    if not body.get("repair_drift"):  # added later: left out when off, so earlier requests keep their hash
        body.pop("repair_drift", None)
    return body


def request_hash(request: OnboardRequest) -> str:
    canonical = json.dumps(_request_json(request), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def workflow_input(request: OnboardRequest, not_before: int | None = None) -> str:
    """The execution's input: the request, and for an admitted bulk onboarding when it may start (the state
    machine's first states wait until then)."""
    body: dict[str, Any] = {"request": _request_json(request)}
    if not_before is not None:
        body["not_before"] = timestamp(not_before)
    return json.dumps(body)


def timestamp(epoch: int) -> str:
    """An epoch second as Step Functions' Wait reads a TimestampPath: RFC 3339, upper-case T and Z."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Submission:
    domain: str
    execution_arn: str
    execution_name: str
    started: bool  # False: the same request was already running, and this is that execution
    not_before: str | None = None  # an admitted bulk onboarding: when it starts its work (RFC 3339)


class Submitter:
    """``sfn`` and ``dynamodb``: clients for the adapters (each built on first use when None); ``admission``: the
    account's admission timeline (mailauth.pace), which spaces bulk onboardings' starts (None: they start at once)."""

    def __init__(
        self,
        *,
        state_machine_arn: str,
        table_name: str,
        sfn: Any = None,
        dynamodb: Any = None,
        admission: Admission | None = None,
    ) -> None:
        self.state_machine_arn = state_machine_arn
        self.table = Table(table_name, dynamodb)
        self.executions = StepFunctions(sfn)
        self.admission = admission

    def latest(self, domain: str) -> Item | None:
        """The domains table's item of ``domain``: its latest execution (onboarding or offboarding)."""
        return self.table.get({"domain": domain})

    def submit(self, request: OnboardRequest, *, batch: str | None = None) -> Submission:
        """Start onboarding ``request`` (or return the same request's running execution); ``batch``: the name of
        the batch it came in (kept on the domain's item for ``GET /domains?batch=``). A bulk request is admitted
        on the account's admission timeline: its execution waits for its turn before its first step."""
        return self._start(
            request.domain,
            request_hash(request),
            self.state_machine_arn,
            lambda not_before: workflow_input(request, not_before),
            "",
            admit=request.priority == "bulk",
            batch=batch,
        )

    def offboard(self, domain: str, *, keep_identity: bool, state_machine_arn: str) -> Submission:
        """Start offboarding ``domain`` (normalised) on the offboarding state machine ``state_machine_arn``."""
        body = {"domain": domain, "keep_identity": keep_identity}
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        text = json.dumps({"request": body})
        return self._start(domain, digest, state_machine_arn, lambda _: text, "offboard")

    def _start(
        self,
        domain: str,
        digest: str,
        machine: str,
        body: Callable[[int | None], str],
        kind: str,
        *,
        admit: bool = False,
        batch: str | None = None,
        _retry: bool = True,
    ) -> Submission:
        """``body``: the execution's input for a start time (None: at once); ``admit``: book one on the admission
        timeline when a new execution is claimed (a claim in flight keeps its own, so its input is the same)."""
        latest = self.latest(domain)
        generation = int(latest.get("generation", 0)) if latest else 0
        if latest:
            same = self._same_or_conflict(latest, domain, digest, machine, body)
            if same is not None:
                return same
        name = execution_name(domain, generation + 1, kind)
        not_before = self.admission.not_before() if admit and self.admission is not None else None
        claim: Item = {
            "domain": domain,
            "generation": generation + 1,
            "execution_name": name,
            "execution_arn": execution_arn(machine, name),
            "request_hash": digest,
            "kind": kind or "onboard",
            "claimed_at": int(clock.now().timestamp()),
        }
        if not_before is not None:
            claim["not_before"] = not_before
        if batch:
            claim["batch"] = batch
        try:
            self.table.put(claim, expect=("generation", generation) if latest else ("domain", ABSENT))
        except ConditionFailedError as exc:
            if not _retry:  # claimed under this submission's feet twice: a race it should not keep on losing
                raise ExecutionConflictError(
                    f"other submissions for {domain} are starting at this moment; submit again when they have "
                    "started"
                ) from exc
            # another submission claimed this generation first: look again (its claim is in flight)
            return self._start(domain, digest, machine, body, kind, admit=admit, batch=batch, _retry=False)
        try:
            return self._start_execution(machine, name, body(not_before), domain, not_before)
        except Exception:
            started = self._started_after_all(machine, name)
            if started:
                return Submission(domain, execution_arn(machine, name), name, True, _when(not_before))
            if started is False:
                self._release(domain, name, latest)
            raise  # unknown (None): the claim stays, in flight

    def _same_or_conflict(
        self, latest: Item, domain: str, digest: str, machine: str, body: Callable[[int | None], str]
    ) -> Submission | None:
        """The domain's latest run when it is starting or running: that run for the same request (a claim in
        flight is started, with the start time it booked), ExecutionConflictError for another; None when it ended."""
        running = self.executions.describe(str(latest["execution_arn"]))
        what = f"an {latest.get('kind', 'onboard')}ing of {domain}"
        if running is None and self._in_flight(latest):
            if latest.get("request_hash") == digest:
                kept = int_or_none(latest.get("not_before"))
                return self._start_execution(machine, str(latest["execution_name"]), body(kept), domain, kept)
            raise ExecutionConflictError(
                f"{what} is starting ({latest['execution_arn']}); wait for it to end or stop it, then submit again"
            )
        if running is not None and running.status == "RUNNING":
            if latest.get("request_hash") == digest:
                when = _when(int_or_none(latest.get("not_before")))
                return Submission(domain, running.arn, str(latest["execution_name"]), False, when)
            raise ExecutionConflictError(
                f"{what} is running ({latest['execution_arn']}); wait for it to end or stop it, then submit again"
            )
        return None

    def _started_after_all(self, machine: str, name: str) -> bool | None:
        """Whether the execution exists although StartExecution failed; None when that cannot be told."""
        try:
            return self.executions.describe(execution_arn(machine, name)) is not None
        except Exception:
            return None

    def _release(self, domain: str, name: str, previous: Item | None) -> None:
        """Put the domain's item back as it was before this submission's claim, if the claim is still its own."""
        try:
            if previous:
                self.table.put(previous, expect=("execution_name", name))
            else:
                self.table.delete({"domain": domain}, expect=("execution_name", name))
        except Exception:  # another submission moved on, or the table is unavailable: the claim ages out
            return

    @staticmethod
    def _in_flight(latest: Item) -> bool:
        """A claim whose execution may still be about to start (see the module's docstring)."""
        claimed = latest.get("claimed_at")
        return claimed is not None and clock.now().timestamp() - float(claimed) < CLAIM_SECONDS

    def _start_execution(
        self, machine: str, name: str, body: str, domain: str, not_before: int | None = None
    ) -> Submission:
        """StartExecution of a claimed name; the same name and input while it runs returns that execution, and
        so does an execution of that name that already ran to its end (an identical submission started it)."""
        arn, started = self.executions.start(machine, name, body)
        return Submission(domain, arn, name, started, _when(not_before))

    def start_rejected(self, received: Any, error: str, reason: str) -> Submission:
        """An event mailauth will not onboard still gets a (small) execution, so that a person is told why.

        Its request holds the reason and at most :data:`MAX_RECEIVED` characters of what was received, whatever
        its shape or size (the execution input stays far below Step Functions' 256 KiB); Resolve raises the
        named error and the run goes to Notify. The name is a digest of that input, so EventBridge's retries
        of one event start one execution.
        """
        text = json.dumps(received, sort_keys=True, default=str)
        request: dict[str, Any] = {
            "rejected": {"error": error, "message": reason[:MAX_REASON]},
            "received": text[:MAX_RECEIVED],
        }
        domain = received.get("domain") if isinstance(received, dict) else None
        if isinstance(domain, str):
            request["domain"] = domain[:MAX_DOMAIN_SHOWN]
        body = json.dumps({"request": request}, sort_keys=True)
        name = REJECTED_PREFIX + hashlib.sha256(body.encode()).hexdigest()[:32]
        arn, started = self.executions.start(self.state_machine_arn, name, body)
        return Submission(str(domain)[:100], arn, name, started)


def _when(not_before: int | None) -> str | None:
    return timestamp(not_before) if not_before is not None else None


_cache: dict[tuple[str, str, str], Submitter] = {}


def default_submitter(settings: SubmitSettings) -> Submitter:
    """The container's Submitter for the function's state machine and table, built once and kept warm; bulk
    requests are admitted on the pace table's admission timeline when the function has one (PaceSettings)."""
    pace_table = str(getattr(settings, "pace_table_name", "") or "")
    key = (settings.state_machine_arn, settings.table_name, pace_table)
    if key not in _cache:
        region = str(getattr(settings, "region", "us-east-1"))
        admission = Admission(Table(pace_table), region) if pace_table else None
        _cache[key] = Submitter(state_machine_arn=key[0], table_name=key[1], admission=admission)
    return _cache[key]
