"""Transform template.yaml with AWS's own SAM translator, offline, and print the CloudFormation JSON.

Runs in the tools virtualenv (``.tools/bin/python scripts/sam_transform.py ...``), which holds the SAM CLI and
its translator: the translator pins its own pydantic, so it cannot share the application's virtualenv. The
local environment (``mailauth_sandbox.iam``) calls this once per template and parameter set and caches the
result; the IAM roles it evaluates every handler call against are exactly the ones SAM generates.

What ``sam validate`` and ``sam package`` do is done here too, without AWS:

* local ``CodeUri``/``ContentUri``/``DefinitionUri`` paths become ``s3://`` URIs, as ``sam package`` would make
  them (the translator refuses local paths);
* the managed policy names SAM expands (``AWSXrayWriteOnlyAccess`` ...) come from the translator's bundled
  copy of AWS's managed policy list (``samtranslator/internal/data/aws_managed_policies.json``) instead of an
  IAM ``ListPolicies`` call;
* the pseudo parameters (region, account, partition, stack name) are given on the command line.

Usage::

    python scripts/sam_transform.py template.yaml --region us-east-1 --account-id 123456789012 \
        --partition aws --stack-name mailauth [--parameter Name=Value ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

LOCAL_URI_KEYS = ("CodeUri", "ContentUri", "DefinitionUri")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("template", type=Path)
    parser.add_argument("--region", required=True)
    parser.add_argument("--account-id", required=True)
    parser.add_argument("--partition", default="aws")
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--parameter", action="append", default=[], help="Name=Value (repeatable)")
    args = parser.parse_args(argv)

    # The translator reads the region from a boto3 session even when AWS::Region is given.
    os.environ["AWS_DEFAULT_REGION"] = args.region
    import samtranslator
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template: dict[str, Any] = yaml_parse(args.template.read_text(encoding="utf-8"))
    for resource in (template.get("Resources") or {}).values():
        props = resource.get("Properties") or {}
        for key in LOCAL_URI_KEYS:
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = "s3://mailauth-sandbox/" + props[key].strip("/")

    bundled = Path(samtranslator.__file__).parent / "internal" / "data" / "aws_managed_policies.json"
    policies: dict[str, dict[str, str]] = json.loads(bundled.read_text(encoding="utf-8"))

    class OfflinePolicyLoader:
        """The translator's ManagedPolicyLoader interface, answered from its bundled list."""

        def load(self) -> dict[str, str]:
            return policies[args.partition]

    values: dict[str, Any] = {
        "AWS::Region": args.region,
        "AWS::AccountId": args.account_id,
        "AWS::Partition": args.partition,
        "AWS::StackName": args.stack_name,
    }
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--parameter {item!r}: expected Name=Value")
        values[name] = value
    transformed = transform(template, values, OfflinePolicyLoader())
    json.dump(transformed, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
