"""Discord roster sync's platform cost (issue 21): requests to list who can view the bound
channel of a server of N members.

The platform is a fake session behind the real DiscordAdapter and HttpSender (the channel,
the server, then member pages of 1,000 with ``after`` cursors, as in production, without
the network). The channel is private: @everyone denied View Channel, one role allowed, so
every member's permission is computed (domain/discord_permissions.py). The target:
2 + ceil((N + 1) / 1,000) requests (the channel and its server once, then the pages, one
more when the last is full: the empty page that ends the list), nothing per member. The
DynamoDB side is the same as Slack's (bench/roster.py): it follows the changes.

    python -m bench.discord_roster
"""

from __future__ import annotations

import json
import math
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from chalicelib.platforms.base import ChatAddress
from chalicelib.platforms.discord import LIST_PAGE, DiscordAdapter
from chalicelib.platforms.http import HttpSender

API = "https://discord.bench/api/v10"
CHANNEL, GUILD = "1171234567890123456", "1071234567890123456"
OWNER, CREW = "17", "1071234567890123457"
VIEW = str(1 << 10)


class _Answer:
    def __init__(self, body: Any) -> None:
        self.status_code = 200
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        self._body = body
        self.text = json.dumps(body)

    def json(self) -> Any:
        return self._body


class FakeServer:
    """A server of ``size`` members, every other one in the crew role that sees the channel."""

    def __init__(self, size: int) -> None:
        self.ids = [str(10**17 + n) for n in range(size)]
        self.requests = 0

    def request(self, method: str, url: str, **kwargs: Any) -> _Answer:
        self.requests += 1
        path = urlparse(url).path.removeprefix(urlparse(API).path)
        if path == f"/channels/{CHANNEL}":
            return _Answer(
                {
                    "id": CHANNEL,
                    "guild_id": GUILD,
                    "permission_overwrites": [
                        {"id": GUILD, "type": 0, "allow": "0", "deny": VIEW},
                        {"id": CREW, "type": 0, "allow": VIEW, "deny": "0"},
                    ],
                }
            )
        if path == f"/guilds/{GUILD}":
            roles = [{"id": GUILD, "permissions": "104324673"}, {"id": CREW, "permissions": "0"}]
            return _Answer({"id": GUILD, "owner_id": OWNER, "roles": roles})
        params = kwargs.get("params") or {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        after, limit = int(params["after"]), int(params["limit"])
        page = [u for u in self.ids if int(u) > after][:limit]
        return _Answer(
            [
                {"user": {"id": u, "username": f"u{u[-5:]}"}, "roles": [CREW] if int(u) % 2 else []}
                for u in page
            ]
        )


def bench_discord_roster(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        server = FakeServer(size)
        adapter = DiscordAdapter(
            bytes(32),
            "bench-token",
            api_base=API,
            sender=HttpSender(session=server, sleep=lambda _: None),
        )
        started = time.perf_counter()
        listed = adapter.read_chat_members(ChatAddress("discord", CHANNEL), [], check_limit=0)
        rows.append(
            {
                "members": size,
                "can_view": len(listed.members),
                "platform_requests": server.requests,
                "platform_requests_min": 2 + math.ceil((size + 1) / LIST_PAGE),
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
    return rows


if __name__ == "__main__":
    for row in bench_discord_roster([1000, 10_000]):
        print(json.dumps(row))
