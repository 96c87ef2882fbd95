"""A batch: many domains submitted at once (``POST /domains`` with ``domains``, ``mailauth onboard --from-file``).

Each domain still gets its own execution, idempotency and exclusivity exactly as a single submission
(mailauth.submission); the batch adds three things:

- **defaults**: the request fields every domain shares, each domain's own fields overriding them;
- **priority bulk** unless a domain says otherwise, so the batch's executions are admitted on the account's SES
  timeline one after another (mailauth.pace.Admission) instead of all calling SES at once;
- **a name** kept on each domain's item of the domains table, so that ``GET /domains?batch=`` (``mailauth list
  --batch``) shows the batch's progress. Without one, the name is derived from the batch's content: the same
  batch sent again (a retry after a timeout) has the same name and starts nothing twice.

The whole batch is validated before anything starts: one bad domain refuses the batch (400, naming each problem
by its position) and changes nothing. Each domain's submission is then independent: one that conflicts with a run
in progress, or meets an AWS error, is reported as such, and the others start.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mailauth.aws import error_code
from mailauth.errors import AwsThrottledError, ExecutionConflictError, SesBusyError
from mailauth.request import OnboardRequest

if TYPE_CHECKING:
    from mailauth.submission import Submitter

#: the most domains one request may carry: each is a few DynamoDB and Step Functions calls (about 0.1 s), so
#: 100 stay well inside the API's 29-second integration timeout (docs/operations.md, "Many domains")
MAX_BATCH = 100
#: a batch's name: what ``GET /domains?batch=`` filters on
BATCH_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
#: a request's fields a batch's ``defaults`` may set (everything but the domain)
DEFAULTABLE = frozenset(OnboardRequest.model_fields) - {"domain"}

ItemStatus = Literal["STARTED", "ALREADY_RUNNING", "CONFLICT", "NOT_STARTED"]


def _defaults_problem(defaults: dict[str, Any]) -> str | None:
    """Why ``defaults`` cannot be every domain's request fields, or None."""
    unknown = sorted(set(defaults) - DEFAULTABLE)
    if unknown:
        return f"unknown field(s) {', '.join(repr(k[:40]) for k in unknown)}; allowed: {', '.join(sorted(DEFAULTABLE))}"
    try:
        OnboardRequest.model_validate({**defaults, "domain": "example.com"})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"
    return None


class BatchRequest(BaseModel):
    """``POST /domains`` with a list: ``{"domains": ["a.example", {"domain": "b.example", ...}], "defaults": {...},
    "batch": "spring-brands"}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch: str | None = Field(
        default=None,
        pattern=BATCH_NAME,
        description="a name for the batch (letters, digits, . _ -; up to 64); derived from its content when absent",
    )
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="request fields every domain shares (a domain's own fields win)"
    )
    domains: tuple[OnboardRequest, ...] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"1 to {MAX_BATCH} domains: a name, or a request object; priority defaults to bulk",
    )

    @model_validator(mode="before")
    @classmethod
    def _merge(cls, data: Any) -> Any:
        """Each domain's request: the defaults (when they are valid: otherwise only their own error is reported),
        bulk priority, then the domain's own fields."""
        if not isinstance(data, dict) or not isinstance(data.get("domains"), list):
            return data
        defaults = data.get("defaults")
        shared = defaults if isinstance(defaults, dict) and _defaults_problem(defaults) is None else {}
        merged = []
        for entry in data["domains"]:
            if isinstance(entry, str):
                entry = {"domain": entry}
            merged.append({"priority": "bulk", **shared, **entry} if isinstance(entry, dict) else entry)
        return {**data, "domains": merged}

    @field_validator("defaults")
    @classmethod
    def _defaults(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = _defaults_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _unique(self) -> BatchRequest:
        seen: set[str] = set()
        repeated = [r.domain for r in self.domains if r.domain in seen or seen.add(r.domain)]  # type: ignore[func-returns-value]
        if repeated:
            raise ValueError(f"domains: listed more than once: {', '.join(sorted(set(repeated))[:10])}")
        return self

    @property
    def name(self) -> str:
        """The batch's name: given, or ``batch-`` and a digest of the requests (the same batch, the same name)."""
        if self.batch:
            return self.batch
        canonical = json.dumps([r.model_dump(mode="json") for r in self.domains], sort_keys=True)
        return "batch-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]


def submit_batch(submitter: Submitter, batch: BatchRequest) -> dict[str, Any]:
    """Submit each domain of ``batch``; the API's answer: the batch's name, each domain's outcome, the counts."""
    name = batch.name
    results: list[dict[str, Any]] = []
    for request in batch.domains:
        row: dict[str, Any] = {"domain": request.domain}
        try:
            submission = submitter.submit(request, batch=name)
        except ExecutionConflictError as exc:
            row.update(status="CONFLICT", message=str(exc))
        except (AwsThrottledError, SesBusyError) as exc:
            row.update(status="NOT_STARTED", message=f"{exc}; submit the batch again to start it")
        except Exception as exc:  # one domain's AWS error does not stop the others (the API logs each)
            code = error_code(exc) or type(exc).__name__
            row.update(
                status="NOT_STARTED",
                error=code,
                message=f"the submission failed ({code}); submit the batch again to start it",
            )
        else:
            row.update(
                status="STARTED" if submission.started else "ALREADY_RUNNING",
                executionArn=submission.execution_arn,
                executionName=submission.execution_name,
                notBefore=submission.not_before,
            )
        results.append(row)
    counts: dict[str, int] = {}
    for row in results:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {"batch": name, "domains": results, "counts": counts}


def all_submitted(answer: dict[str, Any]) -> bool:
    """Whether every domain of a batch's answer runs (started now or already running)."""
    return all(row["status"] in ("STARTED", "ALREADY_RUNNING") for row in answer["domains"])
