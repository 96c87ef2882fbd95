"""Step 3 — PublishRecords: plan against the zone, refuse conflicts, submit one atomic change batch."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.ledger import LedgerStore
from mailauth.models import PublishInput
from mailauth.publish_records import publish_records
from mailauth.settings import PublishSettings

logger = Logger()
settings = PublishSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = PublishInput.model_validate(event)
    logger.append_keys(domain=step.request.domain, execution=event.get("execution"))
    result = publish_records(
        step.request,
        step.zone,
        step.identity,
        store=LedgerStore(settings.ledger_table_name),
        nameservers=settings.nameservers,
        previous=step.publish,
    )
    logger.info(
        "records published",
        extra={
            "change_id": result.change_id,
            "changes": [f"{c.action} {c.record.type} {c.record.name}" for c in result.changes],
            "kept": [f"{k.record.type} {k.record.name}" for k in result.kept],
        },
    )
    return result.model_dump(mode="json")
