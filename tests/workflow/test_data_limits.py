"""No request can make a state outgrow Step Functions' 256 KiB payload limit (States.DataLimitExceeded, which
States.ALL cannot catch): the largest request the API accepts, against a zone whose TXT sets at mailauth's
names are as large as Route 53 lets one batch merge into, runs to its end, and every state's input and output in
the history stays under half the limit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mailauth_sandbox import LocalAws
from tests.workflow.helpers import failure

Factory = Callable[..., LocalAws]
LIMIT = 256 * 1024  # Step Functions quotas: maximum input or output size for a task, state or execution


def largest_request() -> dict[str, Any]:
    tags = {f"k{i:02d}" + "k" * 124: "v" * 256 for i in range(49)}  # 49 user tags at SES's maximum lengths
    rua = [f"mailto:r{i}@" + "a" * 40 + ".example.com" for i in range(10)]
    return {
        "domain": "example.com",
        "tags": tags,
        "dmarc": {"policy": "quarantine", "rua": rua, "ruf": rua},
    }


def test_the_largest_request_against_the_largest_zone_stays_far_below_the_state_limit(
    local_aws_factory: Factory,
) -> None:
    local = local_aws_factory()
    zone_id = local.create_hosted_zone("example.com")
    # other TXT values at the MAIL FROM name: mailauth merges its SPF beside them (an UPSERT counts twice against
    # the 32,000 characters of a batch, so about 14,000 characters of them can be merged into at all)
    values = [f'"site-verification-{i:03d}={"x" * 230}"' for i in range(56)]
    local.add_record(zone_id, "mail.example.com.", "TXT", *values)
    request = largest_request()
    assert len(json.dumps(request)) < 64 * 1024  # the API accepts it (its body limit)

    arn = local.start_execution({"request": request}, name="largest")
    description = local.wait(arn, timeout=300)

    assert description["status"] == "SUCCEEDED", failure(local, arn)
    sizes = []
    for event in local.history(arn):
        for details in event.values():
            if isinstance(details, dict):
                for key in ("input", "output"):
                    if isinstance(details.get(key), str):
                        sizes.append((len(details[key].encode()), event["type"]))
    biggest = max(sizes)
    print(f"largest state payload: {biggest[0]} bytes ({biggest[1]})")
    assert biggest[0] < LIMIT // 2, biggest
