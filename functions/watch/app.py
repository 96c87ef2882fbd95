"""The watch (EventBridge Scheduler, every hour): audit every onboarded domain again each WatchEveryHours, tell
drift with its fix, and re-create mailauth's own deleted records for the domains that ask (mailauth.watch)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mailauth.aws.dynamodb import Table
from mailauth.aws.events import Bus
from mailauth.aws.sns import Topic
from mailauth.dnscheck import deadline_for, make_resolver
from mailauth.errors import WatchIncompleteError
from mailauth.pace import paced_ses
from mailauth.settings import WatchSettings
from mailauth.watch import RESERVE_SECONDS, Watch

logger = Logger()
settings = WatchSettings.load()  # the cold start fails here, naming a missing or malformed variable


def _repair(target: Any, missing: set[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    from mailauth.ledger import LedgerStore
    from mailauth.publish_records import recreate_own_records

    return recreate_own_records(
        target.request,
        target.zone,
        target.identity,
        missing,
        store=LedgerStore(settings.ledger_table_name),
        nameservers=settings.nameservers,
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def time_left() -> float:
        return context.get_remaining_time_in_millis() / 1000

    watch = Watch(
        domains=Table(settings.table_name),
        rounds=Table(settings.pace_table_name),
        region=settings.region,
        ses=paced_ses(settings, "bulk"),  # the watch yields SES's rate to onboardings
        # public DNS: the lookups end in time for the round's state to be saved
        resolver=make_resolver(
            settings.nameservers,
            deadline=deadline_for(context.get_remaining_time_in_millis(), reserve=RESERVE_SECONDS / 2),
        ),
        topic=Topic(settings.topic_arn),
        bus=Bus("default"),  # where outcome events go too (docs/events.md)
        time_left=time_left,
        every=timedelta(hours=settings.watch_every_hours),
        repair=_repair,
    )
    result = watch.run()
    logger.info("watched", extra={k: v for k, v in result.__dict__.items() if k != "problems"})
    if result.failed:
        for problem in result.problems:
            logger.error("a domain could not be audited", extra={"problem": problem})
        # after the round's state is saved: the function's Errors metric raises WatchFailedAlarm
        raise WatchIncompleteError(
            f"{result.failed} domain(s) could not be audited this time (the next round audits them again): "
            + "; ".join(result.problems[:5])
        )
    return dict(result.__dict__)
