"""`make demo`: the whole job, shown as it happens, on the simulated clock."""

from __future__ import annotations

import io
import re

from mailauth_sandbox.demo import run


def test_demo_onboards_and_shows_each_part() -> None:
    out = io.StringIO()

    assert run("shop.example.org", out=out) == 0

    text = out.getvalue()
    assert "POST /domains -> 202" in text
    assert re.search(r"\+0h00m  Admission > Resolve: zone shop\.example\.org \(\w+\), delegation ok", text)
    parked = (
        r"VerificationDecision > WaitForVerification: parked: the sweep wakes it when SES's status changes"
    )
    assert re.search(
        rf"\+\dh\d\dm  {parked}, or it wakes after \d+m", text
    )  # every state entered, as it happens
    polls = (
        r"CheckVerification: DKIM PENDING, MAIL FROM PENDING \(SES not asked: the last sweep saw no change\)"
    )
    assert re.search(rf"\+\dh\d\dm  {polls}, next check in \d+m", text)  # a check the sweep spared SES
    assert re.search(
        r"\+2h\d\dm  .*CheckVerification: DKIM SUCCESS, MAIL FROM SUCCESS: verified", text
    )  # ~2 h
    assert "Execution SUCCEEDED" in text
    assert len(re.findall(r"^  \+ CNAME .*\._domainkey\.shop\.example\.org ", text, re.M)) == 3
    assert re.search(
        r"^  \+ MX +mail\.shop\.example\.org +10 feedback-smtp\.us-east-1\.amazonses\.com", text, re.M
    )
    assert "E-mail: mailauth: shop.example.org verified" in text
    assert "WHAT TO DO NEXT" in text
    # the Slack preview is exactly what the channel receives: mrkdwn, next steps included, no CommonMark
    slack = text.split("Slack (mrkdwn, as the channel receives it):\n", 1)[1].split("-" * 78, 1)[0]
    assert "*DKIM* SUCCESS · *MAIL FROM* SUCCESS" in slack
    assert "*Next steps*\n• " in slack
    assert re.search(r"<https://us-east-1\.console\.aws\.amazon\.com/states/[^|>]+\|Execution>", slack)
    assert "**" not in slack and "](" not in slack
    # the next day: a deleted DKIM record, told by the watch with its fix
    watch = text.split("The next day: someone has deleted CNAME ", 1)[1]
    assert "1 audited, 1 drifted, 1 told" in watch
    assert "E-mail: mailauth: shop.example.org drifted: 1 problem(s)" in watch
    assert re.search(
        r"Fix: create CNAME \w+\._domainkey\.shop\.example\.org \w+\.dkim\.amazonses\.com", watch
    )
