"""Step 4b — Park (WaitForVerification, a task waiting for its task token): keep the token where the fleet sweep
finds it (mailauth.sweep). The execution waits until the sweep answers the token (its identity's SES status
changed) or its wait runs out (States.Timeout); either way CheckVerification comes next."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.aws.dynamodb import Table
from mailauth.models import ParkInput
from mailauth.settings import WaitSettings
from mailauth.sweep import Waiters

logger = Logger()
settings = WaitSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = ParkInput.model_validate(event)
    logger.append_keys(domain=step.domain, execution=step.execution)
    Waiters(Table(settings.wait_table_name)).park(
        step.domain,
        token=step.token,
        execution=step.execution,
        status=step.status,
        wait_seconds=step.wait_seconds,
        priority=step.priority,
    )
    logger.info("parked", extra={"status": step.status, "wait_seconds": step.wait_seconds})
    return {"parked": step.domain, "wait_seconds": step.wait_seconds}
