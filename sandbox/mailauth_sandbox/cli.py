"""``mailauth-sandbox``: run scenarios against the embedded AWS (``python -m mailauth_sandbox run FILE``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from .scenario import run_file


def _text(result: dict[str, Any]) -> str:
    lines = [
        f"Scenario: {result['scenario']}  ({result['wall_seconds']:.1f} s wall, "
        f"{result['simulated_seconds'] / 3600:.1f} h simulated)"
    ]
    for d in result["domains"]:
        head = f"\n{d['domain']} via {d['via']}: {d.get('status') or 'not started'}"
        if d.get("api_status") and d["api_status"] != 202:
            head += f" (API {d['api_status']}: {d.get('api_response', {}).get('message', '')})"
        if d.get("error"):
            head += f" ({d['error']}{', ' + d['step_error'] if d.get('step_error') else ''})"
        lines.append(head)
        if d.get("status"):
            v = d.get("verification") or {}
            lines.append(
                f"  {d['simulated_seconds'] / 3600:.2f} h simulated, {d['state_transitions']} transitions, "
                f"{sum(d['api_calls'].values())} AWS calls; DKIM {v.get('dkim_status', '-')}, "
                f"MAIL FROM {v.get('mail_from_status', '-')}"
            )
            for row in (d.get("zone") or {}).get("added", []):
                lines.append(f"  + {row['type']:5} {row['name']} {' '.join(row['values'])}")
            for row in (d.get("zone") or {}).get("changed", []):
                lines.append(f"  ~ {row['type']:5} {row['name']} {' '.join(row['after'])}")
            for line in v.get("diagnosis", []):
                lines.append(f"  ! {line}")
            for n in d.get("notifications", []):
                lines.append(f"  notified: {n['subject']}")
    if result["expectations"]:
        failed = [e for e in result["expectations"] if not e["ok"]]
        lines.append(
            f"\nExpectations: {len(result['expectations']) - len(failed)} passed, {len(failed)} failed"
        )
        for e in failed:
            lines.append(f"  FAILED {e['domain']}: {e['check']}: {e['detail']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mailauth-sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario file")
    run.add_argument("scenario", type=Path)
    run.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args(argv)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    result = run_file(args.scenario)
    print(json.dumps(result, indent=2, default=str) if args.json else _text(result))
    return 0 if all(e["ok"] for e in result["expectations"]) else 1


if __name__ == "__main__":
    sys.exit(main())
