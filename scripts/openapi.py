"""Write docs/openapi.json: the API's OpenAPI document, generated from the handler's routes (Powertools'
``get_openapi_json_schema``), so the document and the code cannot drift apart (tests/infra/test_openapi.py).

Run: `.venv/bin/python scripts/openapi.py` (or `--check`: exit 1 when docs/openapi.json differs).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"

#: the settings the API function reads at its cold start (values only shape-checked; nothing is called)
PLACEHOLDER_SETTINGS = {
    "MAILAUTH_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:mailauth-onboard-domain",
    "MAILAUTH_OFFBOARD_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:mailauth-offboard",
    "MAILAUTH_TABLE_NAME": "mailauth-domains",
    "MAILAUTH_ALLOWED_MAIL_FROM_LABELS": "mail",
    "MAILAUTH_PACE_TABLE_NAME": "mailauth-pace",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
}


def document() -> dict[str, Any]:
    sys.path[:0] = [str(ROOT / "layers" / "mailauth")]
    for key, value in PLACEHOLDER_SETTINGS.items():
        os.environ.setdefault(key, value)
    spec = importlib.util.spec_from_file_location("mailauth_api_app", ROOT / "functions" / "api" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.app.get_openapi_json_schema(
        title="mailauth API",
        version="1",
        description="Onboard domains to Amazon SES (README.md). Every route uses IAM authorization (SigV4).",
    )
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="compare with docs/openapi.json instead of writing"
    )
    args = parser.parse_args(argv)
    text = json.dumps(document(), indent=2, sort_keys=True) + "\n"
    if args.check:
        same = DOCUMENT.is_file() and DOCUMENT.read_text() == text
        print(
            "docs/openapi.json is up to date" if same else "docs/openapi.json differs: run scripts/openapi.py"
        )
        return 0 if same else 1
    DOCUMENT.write_text(text)
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
