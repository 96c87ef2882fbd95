"""Step 4 — CheckVerification: one poll of SES and public DNS; decides the next state and the wait."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.aws.dynamodb import Table
from mailauth.dnscheck import deadline_for, make_resolver
from mailauth.models import CheckInput
from mailauth.pace import paced_ses
from mailauth.settings import VerificationSettings
from mailauth.sweep import Waiters
from mailauth.verification import check, swept_unchanged

logger = Logger()
settings = VerificationSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = CheckInput.model_validate(event)
    logger.append_keys(domain=step.request.domain, execution=event.get("execution"))
    # public DNS may be slow: the lookups stop in time for the step to answer inside its Lambda timeout
    dns_deadline = deadline_for(context.get_remaining_time_in_millis())
    state = check(
        step.request,
        step.zone,
        step.identity,
        step.verification,
        published=step.publish,
        ses=paced_ses(settings, step.request.priority),
        resolver=make_resolver(settings.nameservers, deadline=dns_deadline),
        first=settings.poll_first_seconds,
        cap=settings.poll_cap_seconds,
        ses_unchanged=swept_unchanged(
            step,
            Waiters(Table(settings.wait_table_name)),
            interval_seconds=settings.sweep_interval_minutes * 60,
        ),
    )
    logger.info(
        "verification checked",
        extra={
            "outcome": state.outcome,
            "attempt": state.attempt,
            "dkim": state.dkim_status,
            "mail_from": state.mail_from_status,
            "next_wait_seconds": state.next_wait_seconds,
            "asked_ses": state.asked_ses,
        },
    )
    return state.model_dump(mode="json")
