"""GetExecutionHistory's paging as the Step Functions API documents it, which moto's answer lacks (it returns every
event, oldest first, whatever the request asks).

Step Functions API Reference, GetExecutionHistory (and the sfn botocore model): ``reverseOrder`` "lists events in
descending order of their timeStamp"; ``maxResults``: "The default is 100 and the maximum allowed page size is
1000. A value of 0 uses the default."; a ``nextToken`` is returned when more results are available, and the same
call with it returns the next page. The token's format is AWS's own; here it is the offset of the next page.
"""

from __future__ import annotations

from typing import Any

DEFAULT_PAGE = 100


def page_history(params: dict[str, Any], parsed: dict[str, Any]) -> None:
    """Amend moto's whole-history answer into the page ``params`` ask for (in place)."""
    events = list(parsed.get("events") or [])
    if params.get("reverseOrder"):
        events.reverse()
    size = int(params.get("maxResults") or 0) or DEFAULT_PAGE
    start = int(params.get("nextToken") or 0)
    parsed["events"] = events[start : start + size]
    parsed.pop("nextToken", None)
    if start + size < len(events):
        parsed["nextToken"] = str(start + size)
