"""A session's user agent, read as a browser, an OS and a device (ua-parser's rules)."""

from __future__ import annotations

import pytest

from app.services.session_views import Agent, describe_agent

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
EDGE_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (IPHONE, Agent("Mobile Safari 17", "iOS 17.1", "iPhone")),
        (EDGE_ON_WINDOWS, Agent("Edge 120", "Windows 10", None)),
        ("curl/8.4.0", Agent("curl 8", None, None)),
        ("", Agent(None, None, None)),
        (None, Agent(None, None, None)),
        ("\u0000\ufffd nonsense", Agent(None, None, None)),
    ],
)
def test_agents_read_as_people_name_them(user_agent: str | None, expected: Agent) -> None:
    assert describe_agent(user_agent) == expected
