"""`make bench`'s cold-start figure (scripts/coldstart.py): what the sandbox records, and that every function's
first invocation replays outside it. The figures are the benchmark's, never asserted here."""

from __future__ import annotations

import site
import sysconfig
from pathlib import Path

from mailauth_sandbox import LocalAws
from scripts import coldstart

ROOT = Path(__file__).resolve().parents[2]


def test_each_call_is_recorded_with_its_parameters_and_answer(local_aws: LocalAws) -> None:
    zone = local_aws.create_hosted_zone("example.com")
    local_aws.gate.record_answers = True
    resolved = local_aws.run_function("ResolveFunction", {"request": {"domain": "example.com"}})
    assert resolved.ok, resolved.error_message
    assert len(resolved.answers) == sum(resolved.calls.values())
    recorded = [f"{a.service}:{a.operation}" for a in resolved.answers]
    assert sorted(recorded) == sorted(resolved.calls.elements())  # every call, each once
    got = next(a for a in resolved.answers if a.operation == "GetHostedZone")
    assert got.params == {"Id": zone}  # as the handler passed it
    assert got.status == 200
    assert got.parsed["HostedZone"]["Name"] == "example.com."  # as botocore handed it back
    local_aws.gate.record_answers = False
    again = local_aws.run_function("ResolveFunction", {"request": {"domain": "example.com"}})
    assert again.calls and not again.answers  # off unless asked


def test_every_functions_first_invocation_replays_outside_the_sandbox() -> None:
    """Each template function ran in the bench's scenario and its replay ran to the end, with the handler's code
    from functions/ and the packages of this environment (no build, no download): the benchmark cannot silently
    leave a function out, as it once did the three scheduled-wait functions."""
    packages = [Path(sysconfig.get_paths()["purelib"]), *(Path(p) for p in site.getsitepackages())]
    rows = coldstart.measure(1, layer=[ROOT / "layers" / "mailauth", *dict.fromkeys(packages)])
    functions = {path.parent.name for path in (ROOT / "functions").glob("*/app.py")}
    assert len(rows) == len(functions) == 15
    failed = {name: row["error"] for name, row in rows.items() if "error" in row}
    assert not failed
    for name, row in rows.items():
        assert row["calls"] >= 1, name
        assert row["handler"] > 0 and row["bare"] > 0, name
