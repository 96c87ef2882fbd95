"""Run the fault matrix and print its table and the line ``fault-matrix: cells=N ok=A failed_notified=B bad=C``.

    make faults                      # every cell (both workflows and the wait × every operation × 3 kinds)
    scripts/fault_matrix.py --workflow onboard --kind denied --json out.json

Exit status 1 when a cell is bad. See sandbox/mailauth_sandbox/faultmatrix.py for what a cell does.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from mailauth_sandbox import LocalAws
from mailauth_sandbox.faultmatrix import KINDS, Cell, as_json, run_matrix

QUIET = {"POWERTOOLS_LOG_LEVEL": "CRITICAL", "POWERTOOLS_METRICS_DISABLED": "true"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workflow", choices=["onboard", "offboard", "wait"], action="append")
    parser.add_argument("--kind", choices=list(KINDS), action="append")
    parser.add_argument("--json", type=Path, help="also write every cell to this file")
    args = parser.parse_args(argv)
    os.environ.update(QUIET)
    logging.getLogger("moto").setLevel(logging.CRITICAL)  # the interpreter logs every Fail state as an error

    def make() -> LocalAws:
        local = LocalAws(env=QUIET)
        local.start()
        return local

    started = time.monotonic()

    def progress(cell: Cell) -> None:
        print(
            f"  {cell.workflow:9} {cell.operation:48} {cell.kind:10} {cell.outcome:16} {cell.detail}",
            flush=True,
        )

    matrix = run_matrix(
        make,
        workflows=args.workflow or ("onboard", "offboard", "wait"),
        kinds=args.kind or KINDS,
        progress=progress,
    )
    if args.json:
        args.json.write_text(as_json(matrix), encoding="utf-8")
    print(f"({time.monotonic() - started:.0f} s)")
    print(matrix.summary())
    return 1 if matrix.counts()["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
