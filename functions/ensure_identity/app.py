"""Step 2 — EnsureIdentity: create or adopt the SES identity; with ``restart_dkim``, re-create it (new DKIM tokens)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.account import SharedAccountStatus
from mailauth.aws.dynamodb import Table
from mailauth.identity import ensure_identity, restart_dkim
from mailauth.models import EnsureIdentityInput
from mailauth.pace import paced_ses
from mailauth.settings import IdentitySettings

logger = Logger()
settings = IdentitySettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = EnsureIdentityInput.model_validate(event)
    logger.append_keys(domain=step.request.domain, execution=event.get("execution"))
    restarting = step.restart_dkim and step.identity is not None
    # a batch's onboardings share one reading of the account's status (one SES call saved per domain); a single
    # domain reads it itself (two DynamoDB calls saved)
    shared = None
    if step.request.priority == "bulk" and not restarting:
        shared = SharedAccountStatus(Table(settings.pace_table_name), settings.region)
    account = shared.fresh() if shared else None
    # a new identity: CreateEmailIdentity, PutEmailIdentityMailFromAttributes and, unless another onboarding of
    # the batch read it moments ago, GetAccount (booked together, right after Resolve's SES call)
    ses = paced_ses(settings, step.request.priority, calls=2 if account else 3, follows=True)
    if restarting and step.identity is not None:
        identity = restart_dkim(step.request, step.identity, ses=ses)
        logger.warning(
            "DKIM verification failed; identity re-created with new tokens",
            extra={"tokens": identity.dkim_tokens},
        )
    else:
        # arn:<partition>:lambda:<region>:<account>:function:<name>
        _, partition, _, _, account_id = context.invoked_function_arn.split(":")[:5]
        identity = ensure_identity(
            step.request, partition=partition, account_id=account_id, ses=ses, account=account
        )
        if shared is not None and account is None and identity.account is not None:
            shared.keep(identity.account)
        logger.info(
            "identity ready",
            extra={"adopted": identity.adopted, "dkim_status": identity.dkim_status, "notes": identity.notes},
        )
    return identity.model_dump(mode="json")
