"""``onboard --from-file``: many domains at once, as batches of ``POST /domains`` (docs/operations.md, "Many
domains"), and ``--wait`` following the batch through ``GET /domains?batch=`` until every domain's run ended.

The file has one domain a line; blank lines and ``#`` comments are skipped, a domain listed twice is sent once.
The request options (and --request/--request-file, without a domain) are what every domain shares. The domains go
in chunks of the API's batch limit, all under one batch name: ``--batch``, or the file's name and a digest of its
content, so sending the same file again is the same batch and starts nothing twice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from mailauth_cli.api import NOT_SUCCESS, OK, USAGE, Api, ApiError, CliError
from mailauth_cli.render import counts_text

#: the API's largest batch (mailauth.batch.MAX_BATCH)
CHUNK = 100
#: a region holds at most 10,000 SES identities (shared/reference/aws-facts.md)
MAX_DOMAINS = 10_000
#: the runs of a batch that have not ended
OPEN = frozenset({"STARTING", "RUNNING"})
PAGE = 100


def read_domains(name: str) -> list[str]:
    """The domains of the file ``name`` (``-``: stdin), in order, each once."""
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(USAGE, f"--from-file {name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(USAGE, f"--from-file {name}: cannot read it ({exc})") from None
    domains: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if len(entry.split()) > 1:
            raise CliError(USAGE, f"--from-file {name}: line {number}: one domain a line, not {entry[:60]!r}")
        domains.setdefault(entry.rstrip(".").lower(), None)
    if not domains:
        raise CliError(USAGE, f"--from-file {name}: no domains in it")
    if len(domains) > MAX_DOMAINS:
        raise CliError(
            USAGE,
            f"--from-file {name}: {len(domains)} domains; a region holds at most {MAX_DOMAINS} SES identities",
        )
    return list(domains)


def batch_name(name: str, domains: list[str], defaults: dict[str, Any]) -> str:
    """The file's stem (letters, digits, . _ -) and a digest of what is sent: the same file, the same batch."""
    stem = "stdin" if name == "-" else re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).stem).strip("-._")
    digest = hashlib.sha256(json.dumps([domains, defaults], sort_keys=True).encode()).hexdigest()[:8]
    return f"{(stem or 'batch')[:40]}-{digest}"


def onboard_file(args: argparse.Namespace, api: Api, defaults: dict[str, Any], out: TextIO) -> int:
    """Send the file's domains in chunks; say what each chunk started; with --wait, follow the batch."""
    domains = read_domains(args.from_file)
    name = args.batch or batch_name(args.from_file, domains, defaults)
    rows: list[dict[str, Any]] = []
    for first in range(0, len(domains), CHUNK):
        chunk = domains[first : first + CHUNK]
        body = {"batch": name, "defaults": defaults, "domains": chunk}
        try:
            answer = api.call("POST", "/domains", body)
        except ApiError as exc:
            if rows:  # what was sent stays sent: say so, and that sending the file again is safe
                print(_summary(name, rows, len(domains)), file=out)
                raise CliError(
                    exc.code,
                    f"{exc} (domains {first + 1} to {first + len(chunk)}; the ones before were sent: send the "
                    "same file again to go on)",
                ) from None
            raise
        rows.extend(answer.get("domains") or ())
    if args.json and not args.wait:
        print(json.dumps({"batch": name, "domains": rows}, indent=2), file=out)
    elif not args.json:
        print(_summary(name, rows, len(domains)), file=out)
        for row in rows:
            if row.get("status") not in ("STARTED", "ALREADY_RUNNING"):
                print(f"  {row.get('domain')}: {row.get('status')}: {row.get('message', '')}", file=out)
        print(f"progress: mailauth list --batch {name}", file=out, flush=True)
    submitted = all(row.get("status") in ("STARTED", "ALREADY_RUNNING") for row in rows)
    if not args.wait:
        return OK if submitted else NOT_SUCCESS
    verified = follow(api, name, out=out, interval=args.interval, as_json=args.json)
    return OK if submitted and verified else NOT_SUCCESS


def _summary(name: str, rows: list[dict[str, Any]], total: int) -> str:
    counts = Counter(str(row.get("status")) for row in rows)
    said = ", ".join(f"{n} {status.lower().replace('_', ' ')}" for status, n in sorted(counts.items()))
    return f"batch {name}: {len(rows)} of {total} domains sent: {said}"


def batch_domains(api: Api, name: str) -> list[dict[str, Any]]:
    """Every domain the batch started (``GET /domains?batch=``, every page)."""
    domains: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        query = {"batch": name, "limit": str(PAGE)}
        if token:
            query["nextToken"] = token
        page = api.call("GET", "/domains", query=query)
        domains.extend(page.get("domains") or ())
        following = page.get("nextToken") or None
        if following is None or following == token:
            return domains
        token = following


def follow(api: Api, name: str, *, out: TextIO, interval: float, as_json: bool) -> bool:
    """Poll the batch until none of its runs is open; one line per change of the counts; whether all verified."""
    said = ""
    while True:
        domains = batch_domains(api, name)
        counts = Counter(str(d.get("status")) for d in domains)
        line = counts_text(domains) if domains else "no domains yet"
        if line != said:
            text = json.dumps({"batch": name, "counts": dict(counts)}) if as_json else f"batch {name}: {line}"
            print(text, file=out, flush=True)
            said = line
        if domains and not OPEN & set(counts):
            for d in domains:
                if d.get("status") != "VERIFIED" and not as_json:
                    print(
                        f"  {d.get('domain')}: {d.get('status')} (mailauth report {d.get('domain')})",
                        file=out,
                    )
            return all(d.get("status") == "VERIFIED" for d in domains)
        _pause(interval)


def _pause(seconds: float) -> None:
    time.sleep(seconds)
