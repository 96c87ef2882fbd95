"""Text for people from the API's JSON: a domain's status, the fleet table, a plan, a report's summary.

Works on the JSON alone (no import of the Lambda layer), so the installed CLI renders what the API answers.
``plan_text`` says exactly what ``mailauth.dryrun.render_text`` says of the same plan (a test holds them equal).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

REPORT_LINES = 12  # the first lines of a report shown after a --wait/--watch


def when(value: Any, *, seconds: bool = False) -> str:
    """An ISO time from the API as ``2026-01-02 12:00 UTC``; '-' for none; anything else as it came."""
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def verified(status: Mapping[str, Any]) -> bool:
    """SES says the domain may send, and the latest run (if any) SUCCEEDED."""
    identity = status.get("identity") or {}
    execution = status.get("execution") or {}
    return bool(identity.get("verifiedForSending")) and execution.get("status", "SUCCEEDED") == "SUCCEEDED"


def offboarding(status: Mapping[str, Any]) -> bool:
    """The latest run is an offboarding (its execution is named ``<domain>-offboard-<generation>``)."""
    arn = str((status.get("execution") or {}).get("executionArn") or "")
    return re.search(r"-offboard-\d+$", arn) is not None


def accepted_text(answer: Mapping[str, Any], operation: str) -> str:
    """The line for a 202 from POST or DELETE."""
    how = "already running" if answer.get("status") == "ALREADY_RUNNING" else "started"
    return f"{answer.get('domain')}: {operation} {how} (execution {answer.get('executionName') or answer.get('executionArn')})"


def status_text(status: Mapping[str, Any]) -> str:
    """``GET /domains/{domain}`` for people."""
    lines = [str(status.get("domain"))]
    identity = status.get("identity")
    if identity is None:
        lines.append("  SES identity: none")
    else:
        sending = "yes" if identity.get("verifiedForSending") else "no"
        lines.append(
            f"  SES identity: verified for sending: {sending} · DKIM {identity.get('dkimStatus') or '-'} · "
            f"MAIL FROM {identity.get('mailFromDomain') or '-'} {identity.get('mailFromStatus') or '-'}"
        )
    execution = status.get("execution")
    if execution is None:
        lines.append("  no mailauth run")
    else:
        name = str(execution.get("executionArn") or "").rsplit(":", 1)[-1]
        ended = f", ended {when(execution.get('stopDate'))}" if execution.get("stopDate") else ""
        lines.append(
            f"  latest run: {name} {execution.get('status')}, started {when(execution.get('startDate'))}{ended}"
        )
    progress = status.get("progress")
    if progress:
        lines.append(f"  {progress_summary(progress)}")
        lines.extend(f"  - {d}" for d in progress.get("diagnosis") or ())
    return "\n".join(lines)


def progress_summary(progress: Mapping[str, Any]) -> str:
    """One line: the state, the checks so far with SES's answers, the next check and the deadline."""
    parts = [f"in {progress.get('state') or '-'}"]
    checks = int(progress.get("checks") or 0)
    if checks:
        parts.append(
            f"check {checks}: DKIM {progress.get('dkimStatus') or '-'}, MAIL FROM {progress.get('mailFromStatus') or '-'}"
        )
    return " · ".join([*parts, *timing(progress)])


def timing(progress: Mapping[str, Any]) -> list[str]:
    """The next check and the deadline, where the run has them."""
    parts = []
    if progress.get("nextCheckAt"):
        parts.append(f"next check {when(progress['nextCheckAt'], seconds=True)}")
    if progress.get("deadline"):
        parts.append(f"deadline {when(progress['deadline'])}")
    return parts


LIST_COLUMNS = ("DOMAIN", "STATUS", "DKIM", "MAIL FROM", "VERIFIED", "STARTED", "WARNINGS")


def list_text(domains: Sequence[Mapping[str, Any]]) -> str:
    """``GET /domains`` as a table."""
    if not domains:
        return "no domains"
    rows = [LIST_COLUMNS]
    for d in domains:
        if d.get("verifiedAt"):
            verified_at = when(d["verifiedAt"])
        else:
            verified_at = "yes" if d.get("verifiedForSending") else "no"
        rows.append(
            (
                str(d.get("domain")),
                str(d.get("status") or "-"),
                str(d.get("dkimStatus") or "-"),
                str(d.get("mailFromStatus") or "-"),
                verified_at,
                when(d.get("startedAt")),
                str(len(d.get("warnings") or ())),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(LIST_COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def counts_text(domains: Sequence[Mapping[str, Any]]) -> str:
    """How many domains of a list are in each status: ``3 domains: 2 VERIFIED, 1 RUNNING``."""
    counts: dict[str, int] = {}
    for d in domains:
        counts[str(d.get("status") or "-")] = counts.get(str(d.get("status") or "-"), 0) + 1
    said = ", ".join(f"{n} {status}" for status, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{len(domains)} domains: {said}"


def plan_text(result: Mapping[str, Any]) -> str:
    """The dry run's JSON (``POST /domains`` with ``"dry_run": true``) for people."""
    lines = [f"Plan for {result.get('domain')}: {str(result.get('verdict')).upper()}"]
    if result.get("blocked"):
        return "\n".join([*lines, f"  cannot onboard: {result['blocked']}"])
    zone = result.get("zone") or {}
    plan = result.get("plan") or {}
    lines.append(
        f"  zone {zone.get('zone_name')} ({zone.get('hosted_zone_id', '')}), delegation {zone.get('delegation')}"
    )
    lines.append(
        f"  SES identity: {'will be created' if result.get('identity') == 'new' else 'exists, will be adopted'}"
    )
    changes = plan.get("changes") or ()
    lines.append(f"\n  Changes ({len(changes)}, submitted as one atomic batch):")
    for c in changes:
        record = c["record"]
        lines.append(f"    {c['action']:6} {record['type']:5} {record['name']}  {' '.join(record['values'])}")
        lines.append(f"           why: {c['reason']}")
    kept = plan.get("kept") or ()
    lines.append(f"\n  Kept as they are ({len(kept)}):")
    for k in kept:
        record = k["record"]
        lines.append(
            f"    {record['type']:5} {record['name']}  {' '.join(record['values'])}  ({k['reason']})"
        )
    conflicts = plan.get("conflicts") or ()
    if conflicts:
        lines.append(f"\n  Conflicts ({len(conflicts)}): onboarding would change nothing and stop")
        for conflict in conflicts:
            lines.append(f"    {conflict['type']:5} {conflict['name']}: {conflict['explanation']}")
            lines.append(f"           fix: {conflict['fix']}")
    for note in (*(result.get("notes") or ()), *(plan.get("notes") or ())):
        lines.append(f"  note: {note}")
    return "\n".join(lines)


def report_summary(report: Mapping[str, Any], *, lines: int = REPORT_LINES) -> str:
    """The report's subject and its first ``lines`` lines (``mailauth report`` prints all of it)."""
    text = str(report.get("text") or "").rstrip().splitlines()
    shown = [f"Report: {report.get('subject')}", *(f"  {line}".rstrip() for line in text[:lines])]
    if len(text) > lines:
        shown.append(f"  … {len(text) - lines} more lines: mailauth report {report.get('domain')}")
    return "\n".join(shown)
