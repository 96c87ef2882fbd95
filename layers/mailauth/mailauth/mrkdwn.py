"""Slack's own markup ("mrkdwn"), the text of every Slack-bound notification.

AWS Chatbot (Amazon Q Developer in chat applications) renders a custom notification whose ``textType`` is
``client-markdown`` in the chat client's own markup (its user guide, "Custom notifications":
https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html); for Slack that is mrkdwn:
``*bold*``, ``_italic_``, `` `code` ``, ``<https://url|text>``, and neither CommonMark's ``**bold**`` nor
``[text](url)`` (Slack API, "Formatting text for app surfaces": https://api.slack.com/reference/surfaces/formatting).
Slack requires ``&``, ``<`` and ``>`` in text to be escaped as ``&amp;``, ``&lt;`` and ``&gt;``. The
incoming-webhook path (SlackWebhookFunction) posts the same text, so both show the same thing. What Slack shows
cannot be observed without a Slack workspace: assumption A11 in docs/local.md.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """Text shown as is: the three characters Slack treats as control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bold(text: str) -> str:
    return f"*{escape(text)}*"


def code(text: str) -> str:
    return f"`{escape(text)}`"


def link(url: str, text: str) -> str:
    """``<url|text>``: the URL must not hold ``|`` or ``>``; the text is escaped."""
    safe = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe}|{escape(text)}>"


def bullet(text: str) -> str:
    """One list item (mrkdwn has no list syntax; Slack shows the bullet character as text)."""
    return f"• {escape(text)}"
