"""Step 5 — Recommendations: SES ListRecommendations plus mailauth's own DNS audit."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.dnscheck import deadline_for
from mailauth.models import RecommendationsInput
from mailauth.report import build_report

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = RecommendationsInput.model_validate(event)
    logger.append_keys(domain=step.request.domain, execution=event.get("execution"))
    report = build_report(
        step.request, step.identity, deadline=deadline_for(context.get_remaining_time_in_millis())
    )
    logger.info(
        "report built", extra={"failed_checks": [f.check for f in report.audit if f.status == "fail"]}
    )
    return report.model_dump(mode="json")
