"""Step 5 — Recommendations: SES ListRecommendations plus mailauth's own DNS audit."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.dnscheck import deadline_for, make_resolver
from mailauth.models import RecommendationsInput
from mailauth.pace import paced_ses
from mailauth.report import build_report
from mailauth.settings import RecommendationsSettings

logger = Logger()
settings = RecommendationsSettings.load()  # the cold start fails here, naming a missing or malformed variable


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = RecommendationsInput.model_validate(event)
    logger.append_keys(domain=step.request.domain, execution=event.get("execution"))
    deadline = deadline_for(context.get_remaining_time_in_millis())
    report = build_report(
        step.request,
        step.identity,
        resolver=make_resolver(settings.nameservers, deadline=deadline),
        ses=paced_ses(settings, step.request.priority, follows=True),  # right after the last poll
    )
    logger.info(
        "report built", extra={"failed_checks": [f.check for f in report.audit if f.status == "fail"]}
    )
    return report.model_dump(mode="json")
