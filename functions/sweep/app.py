"""The fleet sweep (EventBridge Scheduler, every SweepIntervalMinutes): read every identity's SES status at once
(ListEmailIdentities, 1,000 a call) and wake each parked execution whose status changed (mailauth.sweep). Nothing
is read while nobody waits."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.aws.dynamodb import Table
from mailauth.aws.stepfunctions import StepFunctions
from mailauth.pace import Admission, paced_ses
from mailauth.settings import SweepSettings
from mailauth.sweep import Waiters, run_sweep

logger = Logger()
settings = SweepSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # one call a page of 1,000 identities: interactive, so that a bulk batch never starves the sweep that saves
    # it one call per waiting domain
    result = run_sweep(
        Waiters(Table(settings.wait_table_name)),
        paced_ses(settings),
        StepFunctions(),
        interval_seconds=settings.sweep_interval_minutes * 60,
        admission=Admission(Table(settings.pace_table_name), settings.region),
    )
    logger.info("swept", extra=result.__dict__)
    return dict(result.__dict__)
