"""Offboarding step 1 — UnpublishRecords: undo what the ownership ledger says mailauth added, in one batch."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from mailauth.errors import InvalidRequestError
from mailauth.ledger import LedgerStore
from mailauth.offboard import OffboardRequest, unpublish
from mailauth.request import validation_message
from mailauth.settings import LedgerSettings

logger = Logger()
settings = LedgerSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        request = OffboardRequest.model_validate(event.get("request"))
    except ValidationError as exc:
        raise InvalidRequestError(validation_message(exc)) from None
    logger.append_keys(domain=request.domain, execution=event.get("execution"))
    result = unpublish(
        request, store=LedgerStore(settings.ledger_table_name), execution=event.get("execution")
    )
    logger.info(
        "records unpublished",
        extra={
            "changes": [f"{c.action} {c.record.type} {c.record.name}" for c in result.publish.changes],
            "left": [f"{r.type} {r.name}" for r in result.left],
        },
    )
    return {
        "operation": "offboard",
        "request": request.model_dump(mode="json"),
        "execution": event.get("execution"),
        **result.model_dump(mode="json"),
    }
