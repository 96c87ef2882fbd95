"""A scenario run as people read it: per domain, the plan's verdict and every record added, merged, kept (with why)
or refused (with the fix), the early warnings, the diagnosis and the notifications, as ``mailauth plan`` shows a
plan (``mailauth.dryrun.render_text``, which a dry run's entry uses as it is)."""

from __future__ import annotations

import json
from typing import Any

MARKS = {"CREATE": "+", "UPSERT": "~"}


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Scenario: {result['scenario']}  ({result['wall_seconds']:.1f} s wall, "
        f"{result['simulated_seconds'] / 3600:.1f} h simulated)"
    ]
    for d in result["domains"]:
        lines += ["", *_domain(d)]
    for w in result.get("watch", []):
        lines += ["", *_watch(w)]
    if result["expectations"]:
        failed = [e for e in result["expectations"] if not e["ok"]]
        lines.append(
            f"\nExpectations: {len(result['expectations']) - len(failed)} passed, {len(failed)} failed"
        )
        lines += [f"  FAILED {e['domain']}: {e['check']}: {e['detail']}" for e in failed]
    return "\n".join(lines)


def _watch(w: dict[str, Any]) -> list[str]:
    """A phase's watch: what it audited, and each drift notification with its problems and fixes."""
    r = w.get("result") or {}
    head = f"watch ({w['phase']}): " + (
        f"failed: {w['error']}"
        if w.get("error")
        else f"{r.get('audited', 0)} audited, {r.get('drifted', 0)} drifted, {r.get('told', 0)} told, "
        f"{r.get('repaired', 0)} re-created"
    )
    lines = [head]
    for told in w.get("told", []):
        lines.append(f"  notified: {told['subject']}")
        lines += [
            f"    {line}" for line in told["email"].splitlines() if line.startswith(("  - ", "    Fix:"))
        ]
    return lines


def _domain(d: dict[str, Any]) -> list[str]:
    if d["via"] == "plan" and d.get("plan"):
        from mailauth.dryrun import DryRun, render_text

        head = f"{d['domain']} via plan (a dry run: nothing changed)"
        text = render_text(DryRun.model_validate(d["plan"]))
        return [head, *(("  " + line).rstrip() for line in text.splitlines())]
    head = f"{d['domain']} via {d['via']}: {d.get('status') or 'not started'}"
    if d.get("api_status") and d["api_status"] not in (200, 202):
        head += f" (API {d['api_status']}: {(d.get('api_response') or {}).get('message', '')})"
    if d.get("error"):
        head += f" ({d['error']}{', ' + d['step_error'] if d.get('step_error') else ''})"
    lines = [head]
    if not d.get("status"):
        return lines
    v = d.get("verification") or {}
    lines.append(
        f"  {d['simulated_seconds'] / 3600:.2f} h simulated, {d['state_transitions']} transitions, "
        f"{sum(d['api_calls'].values())} AWS calls; DKIM {v.get('dkim_status', '-')}, "
        f"MAIL FROM {v.get('mail_from_status', '-')}"
    )
    lines += _verdict(d)
    lines += _records(d)
    lines += [f"  ! {w}" for w in (d.get("publish") or {}).get("early_warnings", [])]
    lines += [f"  ? {line}" for line in v.get("diagnosis", [])]
    lines += [f"  notified: {n['subject']}" for n in d.get("notifications", [])]
    return lines


def _verdict(d: dict[str, Any]) -> list[str]:
    """The plan's verdict, as ``mailauth plan`` would have given it before the run."""
    if d.get("step_error") == "RecordConflictError":
        return [f"  plan: CONFLICTS ({len(_refused(d))} refused; nothing was changed for them)"]
    publish = d.get("publish")
    if publish is None:
        return []
    return [
        f"  plan: READY ({len(publish.get('changes', []))} to add or merge, {len(publish.get('kept', []))} kept)"
    ]


def _records(d: dict[str, Any]) -> list[str]:
    """+ added, ~ merged (why), = kept (why), x refused (fix); without a publish result, the zone's diff."""
    publish = d.get("publish")
    lines: list[str] = []
    if publish is None:
        zone = d.get("zone") or {}
        lines += [f"  + {r['type']:5} {r['name']} {' '.join(r['values'])}" for r in zone.get("added", [])]
        lines += [f"  ~ {r['type']:5} {r['name']} {' '.join(r['after'])}" for r in zone.get("changed", [])]
    else:
        for c in publish.get("changes", []):
            record = c["record"]
            mark = MARKS.get(c["action"], "-")
            lines.append(f"  {mark} {record['type']:5} {record['name']} {' '.join(record['values'])}")
            if mark != "+":
                lines.append(f"          why: {c['reason']}")
        for k in publish.get("kept", []):
            record = k["record"]
            how = "kept" if k.get("as_requested", True) else "kept, NOT as requested"
            lines.append(f"  = {record['type']:5} {record['name']} {' '.join(record['values'])}")
            lines.append(f"          {how}: {k['reason']}")
    lines += [f"  x {item}" for item in _refused(d)]
    return lines


def _refused(d: dict[str, Any]) -> list[str]:
    """The conflicts a RecordConflictError names, one per line with its fix."""
    if d.get("step_error") != "RecordConflictError":
        return []
    cause = ((d.get("state_error") or {}).get("Cause")) or ""
    try:
        message = str(json.loads(cause).get("errorMessage", cause))
    except (ValueError, AttributeError):
        message = cause
    return [line.removeprefix("- ") for line in message.splitlines() if line.startswith("- ")]
