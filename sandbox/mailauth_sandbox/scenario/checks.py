"""A scenario's expectations judged against its report: per domain (``expect``) and per zone (``expect_zones``)."""

from __future__ import annotations

import fnmatch
from typing import Any

from .spec import Expect, WatchExpect, ZoneExpect


def record_line(name: str, ttl: int | None, rtype: str, values: list[str]) -> str:
    """A record set as one line, ``NAME TTL TYPE VALUE...`` (the form ``expect_zones`` uses)."""
    return " ".join([name, str(ttl), rtype, *values])


def zone_lines(diff: dict[str, Any]) -> dict[str, list[str]]:
    """A zone diff as ``added``/``removed``/``changed`` lines."""
    return {
        "added": [record_line(r["name"], r["ttl"], r["type"], r["values"]) for r in diff["added"]],
        "removed": [record_line(r["name"], r["ttl"], r["type"], r["values"]) for r in diff["removed"]],
        "changed": [
            record_line(r["name"], r["ttl_before"], r["type"], r["before"])
            + " -> "
            + record_line(r["name"], r["ttl_after"], r["type"], r["after"])
            for r in diff["changed"]
        ],
    }


def _match_all(patterns: list[str], lines: list[str]) -> bool:
    """Each line matched by its own pattern (``fnmatch``: ``*`` for DKIM tokens), and no line or pattern left."""
    if len(patterns) != len(lines):
        return False
    owner: dict[int, int] = {}  # line -> pattern: a bipartite matching, grown by augmenting paths

    def place(p: int, seen: set[int]) -> bool:
        for i, line in enumerate(lines):
            if i not in seen and fnmatch.fnmatchcase(line, patterns[p]):
                seen.add(i)
                if i not in owner or place(owner[i], seen):
                    owner[i] = p
                    return True
        return False

    return all(place(p, set()) for p in range(len(patterns)))


def check_zones(expect: dict[str, ZoneExpect], zones: dict[str, Any]) -> list[dict[str, Any]]:
    """Every zone expectation, as {domain (the zone's name), check, ok, detail}."""
    results = []
    for name, wanted in expect.items():
        diff = zones.get(name)
        if diff is None:
            results.append({"domain": name, "check": "zone", "ok": False, "detail": "no such zone"})
            continue
        lines = zone_lines(diff)
        if wanted.unchanged is not None:
            same = not any(lines.values())
            results.append(
                {"domain": name, "check": "zone unchanged", "ok": same == wanted.unchanged, "detail": lines}
            )
        for part in ("added", "removed", "changed"):
            want = getattr(wanted, part)
            if want is not None:
                ok = _match_all(want, lines[part])
                results.append(
                    {
                        "domain": name,
                        "check": f"zone {part}",
                        "ok": ok,
                        "detail": f"{lines[part]}, expected {sorted(want)}",
                    }
                )
    return results


def _value_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Expectations on single values: statuses, counts, simulated hours."""
    out: list[tuple[str, bool, str]] = []
    for key in ("status", "error", "step_error", "outcome", "api_status", "plan_verdict"):
        wanted = getattr(expect, key)
        if wanted is not None:
            out.append((key, d.get(key) == wanted, f"{d.get(key)!r}, expected {wanted!r}"))
    hours = d.get("simulated_seconds", 0) / 3600
    transitions = d.get("state_transitions", 0)
    added = len((d.get("zone") or {}).get("added", []))
    bounds = [
        (
            "max_transitions",
            expect.max_transitions,
            transitions <= (expect.max_transitions or 0),
            transitions,
        ),
        ("min_hours", expect.min_hours, hours >= (expect.min_hours or 0), f"{hours:.2f} h"),
        ("max_hours", expect.max_hours, hours <= (expect.max_hours or 0), f"{hours:.2f} h"),
        ("records_added", expect.records_added, added == expect.records_added, added),
        ("executions", expect.executions, d.get("executions") == expect.executions, d.get("executions")),
    ]
    out += [
        (name, ok, f"{seen}, expected {wanted}") for name, wanted, ok, seen in bounds if wanted is not None
    ]
    return out


def _content_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Expectations on contents: the zone diff, kept records, diagnosis and notification text."""
    out: list[tuple[str, bool, str]] = []
    zone = d.get("zone") or {}
    if expect.zone_unchanged is not None:
        same = not (zone.get("added") or zone.get("removed") or zone.get("changed"))
        out.append(("zone_unchanged", same == expect.zone_unchanged, f"diff: {zone}"))
    kept = {
        f"{k['record']['type']} {k['record']['name'].rstrip('.')}"
        for k in (d.get("publish") or {}).get("kept", [])
    }
    out += [(f"kept {r}", r in kept, f"kept: {sorted(kept)}") for r in expect.kept]
    diagnosis = (d.get("verification") or {}).get("diagnosis", [])
    for words in expect.diagnosis_contains:
        found = any(words in line for line in diagnosis)
        out.append((f"diagnosis contains {words!r}", found, "; ".join(diagnosis)[:300]))
    text = "\n".join(n["email"] for n in d.get("notifications", []))
    out += [(f"notification contains {w!r}", w in text, text[:200]) for w in expect.notification_contains]
    out += [
        (f"no notification contains {w!r}", w not in text, text[:200]) for w in expect.notification_excludes
    ]
    return out + _early_checks(expect, d) + _negative_checks(expect, d) + _time_checks(expect, d)


#: notifications sent before the wait: the "started, with warnings" one and the external-DNS announcement
EARLY_OUTCOMES = ("warning", "action_required")


def _early_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """The early warnings: sent within an hour of the submission, before any verification outcome."""
    if expect.warned_early is None:
        return []
    early = [
        n
        for n in d.get("notifications", [])
        if n.get("outcome") in EARLY_OUTCOMES and n.get("after_hours") is not None and n["after_hours"] <= 1
    ]
    text = "\n".join(n["email"] for n in early)
    if not expect.warned_early:
        return [("no early warning", not early, text[:200])]
    out = [("warned early", bool(early), f"{len(early)} early notification(s)")]
    out += [(f"early warning contains {w!r}", w in text, text[:200]) for w in expect.warned_early]
    return out


def _negative_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Operations that must not have been called."""
    out = []
    calls = d.get("api_calls") or {}
    for pattern in expect.no_calls:
        made = sorted(k for k in calls if fnmatch.fnmatchcase(k, pattern))
        out.append((f"no call to {pattern}", not made, f"called: {made}"))
    for pattern, most in expect.max_calls.items():
        count = sum(n for k, n in calls.items() if fnmatch.fnmatchcase(k, pattern))
        out.append((f"at most {most} calls to {pattern}", count <= most, f"{count} made"))
    return out


def _time_checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """How many notifications this run sent, and when, in hours after its submission."""
    out: list[tuple[str, bool, str]] = []
    hours = [n["after_hours"] for n in d.get("notifications", []) if n.get("after_hours") is not None]
    if expect.notifications is not None:
        out.append(("notifications", len(hours) == expect.notifications, f"{len(hours)} sent"))
    seen = ", ".join(f"{h:.2f} h" for h in hours) or "none"
    if expect.notified_within_hours is not None:
        ok = bool(hours) and max(hours) <= expect.notified_within_hours
        out.append(("notified_within_hours", ok, f"{seen}, expected <= {expect.notified_within_hours} h"))
    if expect.notified_after_hours is not None:
        ok = bool(hours) and min(hours) >= expect.notified_after_hours
        out.append(("notified_after_hours", ok, f"{seen}, expected >= {expect.notified_after_hours} h"))
    return out


def _checks(expect: Expect, d: dict[str, Any]) -> list[tuple[str, bool, str]]:
    return _value_checks(expect, d) + _content_checks(expect, d)


def check(expectations: dict[str, Expect], domains: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every expectation, per domain, as {domain, check, ok, detail}."""
    results = []
    for key, expect in expectations.items():
        targets = domains if key == "*" else [d for d in domains if d["domain"] == key]
        if not targets:
            results.append({"domain": key, "check": "submitted", "ok": False, "detail": "no such domain ran"})
        for d in targets:
            for name, ok, detail in _checks(expect, d):
                results.append({"domain": d["domain"], "check": name, "ok": ok, "detail": detail})
    return results


def check_watch(expectations: dict[str, WatchExpect], watched: dict[str, Any]) -> list[dict[str, Any]]:
    """What a phase's watch told about each domain, against ``expect_watch``."""
    results = []
    if watched.get("error"):
        results.append({"domain": "*", "check": "watch", "ok": False, "detail": str(watched["error"])})
    for domain, expect in expectations.items():
        told = [t for t in watched["told"] if t["domain"] == domain]
        texts = [f"{t['subject']}\n{t['email']}" for t in told]
        found: list[tuple[str, bool, str]] = []
        if expect.told is not None:
            found.append(("told", len(told) == expect.told, f"{len(told)} drift notification(s)"))
        for words in expect.told_contains:
            found.append((f"told_contains {words!r}", any(words in t for t in texts), f"{len(told)} told"))
        for words in expect.told_excludes:
            found.append(
                (f"told_excludes {words!r}", not any(words in t for t in texts), f"{len(told)} told")
            )
        results += [
            {"domain": domain, "check": name, "ok": ok, "detail": detail} for name, ok, detail in found
        ]
    return results
