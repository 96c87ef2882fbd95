"""Step 3b — AwaitChange: raise ChangeNotInSyncError until the Route 53 change is INSYNC (the ASL retries)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.models import AwaitChangeInput
from mailauth.publish_records import await_change
from mailauth.settings import NoSettings

logger = Logger()
settings = NoSettings.load()  # none of mailauth's variables: nothing to check at the cold start


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = AwaitChangeInput.model_validate(event)
    logger.append_keys(execution=event.get("execution"))
    return await_change(step.publish).model_dump(mode="json")
