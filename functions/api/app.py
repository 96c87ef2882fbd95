"""The API: ``POST /domains`` starts an onboarding (or, with ``"dry_run": true``, returns its plan and changes
nothing); ``GET /domains`` lists every domain mailauth knows (paginated); ``GET /domains/{domain}`` reports SES's
and the workflow's state and progress; ``GET /domains/{domain}/report`` the last run's report;
``DELETE /domains/{domain}`` (``?keep_identity=true`` to keep the SES identity) starts offboarding.

API Gateway authorises callers with IAM (SigV4). Validation is Powertools' (pydantic, from the same
OnboardRequest model every trigger uses); a bad request gets 400 naming each problem and changes nothing.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Discriminator, Tag

from mailauth.aws import error_code
from mailauth.batch import BatchRequest, all_submitted, submit_batch
from mailauth.domain import normalise_domain
from mailauth.errors import (
    AwsThrottledError,
    DnsLookupError,
    ExecutionConflictError,
    InvalidRequestError,
    SesBusyError,
)
from mailauth.request import OnboardRequest, check_mail_from_allowed
from mailauth.settings import ApiSettings
from mailauth.submission import Submission, default_submitter

logger = Logger()
settings = ApiSettings.load()  # the cold start fails here, naming a missing or malformed variable
app = APIGatewayRestResolver(enable_validation=True)


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


def _accepted(submission: Submission) -> Response[Any]:
    return _json(
        202,
        {
            "domain": submission.domain,
            "executionArn": submission.execution_arn,
            "executionName": submission.execution_name,
            "status": "STARTED" if submission.started else "ALREADY_RUNNING",
        },
    )


def _path_domain(domain: str) -> str:
    """The {domain} path parameter, URL-decoded and normalised (an InvalidRequestError becomes 400)."""
    try:
        return normalise_domain(unquote(domain))
    except ValueError as exc:
        raise InvalidRequestError(f"domain: {exc}") from None


class DomainRequest(OnboardRequest):
    """The API's body: an onboarding request, or with ``dry_run`` only the plan of one (nothing changes)."""

    dry_run: bool = False


def _shape(body: Any) -> str:
    """A body with ``domains`` is a batch; anything else is one domain's request."""
    return "batch" if isinstance(body, dict) and "domains" in body else "one"


PostBody = Annotated[
    Annotated[DomainRequest, Tag("one")] | Annotated[BatchRequest, Tag("batch")],
    Discriminator(_shape),
    Body(description='one domain\'s request, or a batch (docs/operations.md, "Many domains")'),
]


@app.post("/domains")
def post_domain(body: PostBody) -> Response[Any]:
    if isinstance(body, BatchRequest):
        return post_batch(body)
    logger.append_keys(domain=body.domain)
    if body.dry_run:
        from mailauth.dryrun import dry_run  # the planner and its models: imported by the first dry run only
        from mailauth.pace import paced_ses

        plan = dry_run(body, allow=settings, nameservers=settings.nameservers, ses=paced_ses(settings))
        return _json(200, plan.model_dump(mode="json"))
    check_mail_from_allowed(body, settings.allowed_mail_from_labels)
    submission = default_submitter(settings).submit(body)  # an OnboardRequest: its own fields are the request
    logger.info("submitted", extra={"execution": submission.execution_arn, "started": submission.started})
    return _accepted(submission)


def post_batch(batch: BatchRequest) -> Response[Any]:
    """Every domain of the batch submitted (202), or some not started (207: each says why; sending the same batch
    again starts only those)."""
    refused = []
    for index, request in enumerate(batch.domains):
        try:
            check_mail_from_allowed(request, settings.allowed_mail_from_labels)
        except InvalidRequestError as exc:
            refused.append(f"domains.{index}: {exc}")
    if refused:  # the whole batch is judged before anything starts
        return _json(400, {"message": "; ".join(refused), "errors": refused})
    answer = submit_batch(default_submitter(settings), batch)
    logger.info("batch submitted", extra={"batch": answer["batch"], "counts": answer["counts"]})
    for row in answer["domains"]:
        if row["status"] == "NOT_STARTED":
            logger.warning(
                "batch domain not started", extra={"domain": row["domain"], "error": row.get("error")}
            )
    return _json(202 if all_submitted(answer) else 207, answer)


@app.get("/domains/<domain>")
def get_domain(domain: str) -> Response[Any]:
    from mailauth.pace import paced_ses  # SES's adapter: imported by the first status request only
    from mailauth.status import domain_status

    name = _path_domain(domain)
    status = domain_status(name, default_submitter(settings), ses=paced_ses(settings))
    if status["identity"] is None and status["execution"] is None:
        return _json(404, {"message": f"mailauth knows no onboarding of {name} and SES has no such identity"})
    return _json(200, status)


@app.get("/domains")
def list_domains(
    limit: Annotated[int, Query(ge=1, le=100, description="domains per page")] = 50,
    next_token: Annotated[
        str | None, Query(alias="nextToken", description="the previous page's nextToken")
    ] = None,
    status: Annotated[str | None, Query(description="only domains whose latest run has this status")] = None,
    batch: Annotated[str | None, Query(description="only the domains this batch started")] = None,
) -> Response[Any]:
    from mailauth.fleet import list_domains as listing

    submitter = default_submitter(settings)
    page = listing(
        submitter.table, submitter.executions, limit=limit, token=next_token, status=status, batch=batch
    )
    return _json(200, page)


@app.get("/domains/<domain>/report")
def get_report(domain: str) -> Response[Any]:
    from mailauth.status import last_report  # the notification's renderer: imported by the first report only

    name = _path_domain(domain)
    report = last_report(name, default_submitter(settings), region=settings.region)
    if report is None:
        return _json(404, {"message": f"no report of {name} yet: mailauth has not finished a run of it"})
    return _json(200, report)


@app.delete("/domains/<domain>")
def delete_domain(domain: str) -> Response[Any]:
    name = _path_domain(domain)
    keep = (app.current_event.get_query_string_value("keep_identity") or "").lower() in ("true", "1", "yes")
    submission = default_submitter(settings).offboard(
        name, keep_identity=keep, state_machine_arn=settings.offboard_state_machine_arn
    )
    logger.info("offboarding", extra={"execution": submission.execution_arn, "keep_identity": keep})
    return _accepted(submission)


@app.exception_handler(RequestValidationError)
def bad_request(exc: RequestValidationError) -> Response[Any]:
    problems = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        if loc[:1] == ["body"]:
            loc = loc[2:] if loc[1:2] in (["one"], ["batch"]) else loc[1:]  # the body's shape is no place
        where = ".".join(str(p) for p in loc) or "body"
        problems.append(f"{where}: {str(error.get('msg', '')).removeprefix('Value error, ')}")
    return _json(400, {"message": "; ".join(problems), "errors": problems})


@app.exception_handler(InvalidRequestError)
def invalid(exc: InvalidRequestError) -> Response[Any]:
    return _json(400, {"message": str(exc)})


@app.exception_handler(ExecutionConflictError)
def conflict(exc: ExecutionConflictError) -> Response[Any]:
    return _json(409, {"message": str(exc)})


@app.exception_handler(AwsThrottledError)
def throttled(exc: AwsThrottledError) -> Response[Any]:
    return _json(503, {"message": "AWS is throttling requests; try again shortly"}, {"Retry-After": "5"})


@app.exception_handler(SesBusyError)
def ses_busy(exc: SesBusyError) -> Response[Any]:
    return _json(
        503, {"message": "SES's request rate is fully booked; try again shortly"}, {"Retry-After": "10"}
    )


@app.exception_handler(DnsLookupError)
def dns_unanswered(exc: DnsLookupError) -> Response[Any]:
    return _json(503, {"message": f"{exc}; try again shortly"}, {"Retry-After": "30"})


#: the access-denied codes of the services the API calls (DynamoDB, Step Functions, SES, Route 53)
ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})


@app.exception_handler(Exception)
def unexpected(exc: Exception) -> Response[Any]:
    """Anything else is a 500 that says what failed and where to look, never API Gateway's bare 502."""
    if isinstance(exc, ServiceError):  # Powertools' own HTTP errors keep their status
        raise exc
    code = error_code(exc)
    operation = getattr(exc, "operation_name", "") or "a call"
    request_id = app.lambda_context.aws_request_id
    logger.exception("request failed", extra={"error_code": code, "operation": operation})
    where = f"the API function's log has the details (request id {request_id})"
    if code in ACCESS_DENIED_CODES:
        message = (
            f"AWS refused the API permission for {operation} ({code}): the stack's IAM permissions need fixing; "
            f"{where}"
        )
    else:
        message = (
            f"the request could not be completed: {operation} failed ({code or type(exc).__name__}); {where}. "
            "Submitting the same request again is safe."
        )
    return _json(500, {"message": message, "requestId": request_id})


#: The largest request body accepted (docs/operations.md). A full request (49 tags of 128 + 256 characters, 10
#: report URIs each) is well under it, and so is the workflow state it becomes: a state can never reach Step
#: Functions' 256 KiB limit (States.DataLimitExceeded, which no Catch can catch).
MAX_BODY_BYTES = 64 * 1024


def _refused_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """413 for a body over MAX_BODY_BYTES, 400 for JSON that is not an object; None: let the route judge it."""
    if event.get("httpMethod") != "POST":
        return None
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8", "surrogatepass")
    status, message = 0, ""
    if len(raw) > MAX_BODY_BYTES:
        status, message = 413, f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES}"
    else:
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None  # the route's validation answers malformed JSON with 400
        if not isinstance(parsed, dict):
            status, message = 400, f"the body must be a JSON object, not a JSON {type(parsed).__name__}"
    if not status:
        return None
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refused = _refused_body(event)
    if refused is not None:
        logger.info("request refused before routing", extra={"status": refused["statusCode"]})
        return refused
    return app.resolve(event, context)
