"""Offboarding step 2 — RemoveIdentity: delete the SES identity if mailauth created it and may delete it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.ledger import LedgerStore
from mailauth.offboard import OffboardRequest, remove_identity
from mailauth.pace import paced_ses
from mailauth.settings import RemoveIdentitySettings

logger = Logger()
settings = RemoveIdentitySettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = OffboardRequest.model_validate(event["request"])
    logger.append_keys(domain=request.domain, execution=event.get("execution"))
    result = remove_identity(request, store=LedgerStore(settings.ledger_table_name), ses=paced_ses(settings))
    logger.info("identity", extra={"deleted": result.deleted, "reason": result.reason})
    return result.model_dump(mode="json")
