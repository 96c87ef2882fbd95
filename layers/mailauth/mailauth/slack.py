"""The optional Slack path: turn the Chatbot custom notification into an incoming-webhook post and send it.

The webhook URL is a secret (anyone holding it can post to the channel): it is read from an SSM SecureString
parameter, kept in memory for the container's lifetime, and never logged or put in an exception message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from mailauth import mrkdwn
from mailauth.notify.text import clip
from mailauth.settings import DEFAULT_SLACK_URL_PREFIX as DEFAULT_ALLOWED_PREFIX

TIMEOUT_SECONDS = 5.0
HEADER_MAX = 150  # Slack header block: plain_text, at most 150 characters
SECTION_MAX = 3000  # Slack section block text: at most 3000 characters
MAX_BLOCKS = 50
BODY_LOG_MAX = 500
ELLIPSIS = "…"  # one character where Slack's limits cut a text

#: how long a container keeps the webhook URL before it reads the parameter again: a rotated URL is in use within
#: this many seconds (Powertools parameters' cache)
URL_MAX_AGE_SECONDS = 300


class SlackWebhookError(Exception):
    """Posting to Slack failed; the message never contains the webhook URL."""


class SlackTransientError(SlackWebhookError):
    """Slack throttled (429), failed (5xx) or could not be reached: worth retrying."""


class SlackRejectedError(SlackWebhookError):
    """Slack refused the post (4xx other than 429): retrying the same post will not help."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"Slack rejected the post: HTTP {status}: {body}")
        self.status = status
        self.body = body


# ------------------------------------------------------------------------------------------- webhook URL
def webhook_url(
    parameter_name: str,
    *,
    allowed_prefix: str = DEFAULT_ALLOWED_PREFIX,
    max_age: int = URL_MAX_AGE_SECONDS,
    ssm_client: Any = None,
) -> str:
    """The webhook URL from the SSM SecureString ``parameter_name``, read again once it is ``max_age`` seconds
    old (a rotated webhook is picked up without a new container); it must start with ``allowed_prefix`` (Slack's
    incoming-webhook host; tests name a fake Slack on loopback)."""
    from mailauth.aws.ssm import secure_string

    url = secure_string(parameter_name, max_age=max_age, client=ssm_client).strip()
    if not url.startswith(allowed_prefix):
        raise SlackWebhookError(
            f"the value of SSM parameter {parameter_name} is not a Slack incoming-webhook URL "
            f"(it must start with {allowed_prefix})"
        )
    return url


def clear_cache() -> None:
    """Forget the cached webhook URL (a new deployment in the sandbox; tests)."""
    from mailauth.aws.ssm import forget

    forget()


# ---------------------------------------------------------------------------------------------- payload
def _chunks(text: str, size: int) -> list[str]:
    """Split at line breaks into pieces of at most ``size`` characters (a too-long line is cut)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def to_slack_payload(message: str, *, subject: str | None = None) -> dict[str, Any]:
    """An incoming-webhook payload for an SNS message: a Chatbot custom notification, or plain text.

    The custom notification's description is Slack mrkdwn and its next steps escaped text (mailauth.notify.chatbot
    writes them so, because AWS Chatbot shows them in Slack as they are); other messages are escaped plain text.
    """
    try:
        parsed = json.loads(message)
    except ValueError:
        parsed = None
    content = parsed.get("content") if isinstance(parsed, dict) else None
    if not isinstance(content, dict):
        title = subject or "mailauth"
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": clip(title, HEADER_MAX, ELLIPSIS)}}
        ]
        blocks += [
            {"type": "section", "text": {"type": "mrkdwn", "text": c}}
            for c in _chunks(mrkdwn.escape(message), SECTION_MAX)
        ]
        return {"text": title, "blocks": blocks[:MAX_BLOCKS]}
    title = str(content.get("title") or subject or "mailauth")
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": clip(title, HEADER_MAX, ELLIPSIS)}}]
    description = str(content.get("description") or "")  # mrkdwn already: what AWS Chatbot shows too
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in _chunks(description, SECTION_MAX)
    ]
    steps = [str(s) for s in content.get("nextSteps") or []]  # escaped text
    if steps:
        listed = "\n".join(f"• {s}" for s in steps)
        for i, chunk in enumerate(_chunks(listed, SECTION_MAX - 20)):
            text = f"*Next steps*\n{chunk}" if i == 0 else chunk
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    metadata = parsed.get("metadata") if isinstance(parsed, dict) else None
    if isinstance(metadata, dict) and metadata.get("eventType"):
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": mrkdwn.escape(clip(str(metadata["eventType"]), 300, ELLIPSIS))}
                ],
            }
        )
    return {"text": title, "blocks": blocks[:MAX_BLOCKS]}


def payload_text(payload: dict[str, Any]) -> str:
    """The text of a webhook payload's blocks, one after another: what the Slack channel receives."""
    out = []
    for block in payload.get("blocks", []):
        if block.get("type") in ("header", "section"):
            out.append(str(block["text"]["text"]))
        elif block.get("type") == "context":
            out += [str(e.get("text", "")) for e in block.get("elements", [])]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------- post
Opener = Callable[..., Any]


def post(
    url: str, payload: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS, opener: Opener | None = None
) -> int:
    """POST the payload; the HTTP status on success, else SlackTransientError or SlackRejectedError.

    Errors are raised ``from None`` so no chained exception (whose attributes hold the URL) is printed.
    """
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    open_url = opener or urllib.request.urlopen
    try:
        with open_url(request, timeout=timeout) as response:
            status = int(response.status)
            response.read()
    except urllib.error.HTTPError as exc:
        body = _read_body(exc)
        if exc.code == 429 or exc.code >= 500:
            raise SlackTransientError(f"Slack answered HTTP {exc.code}: {body}") from None
        raise SlackRejectedError(exc.code, body) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SlackTransientError(f"Slack could not be reached: {type(exc).__name__}: {reason}") from None
    return status


def _read_body(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read().decode("utf-8", errors="replace")[:BODY_LOG_MAX]
    except Exception:  # the body is only for the log line
        return ""
