"""A fake of VK's `groups.getById` and `wall.get` (filter=owner) for channel statistics.

As VKCOM/vk-api-schema 5.199 describes them: `GET /method/<name>?...&v=5.199&access_token=`,
errors as HTTP 200 `{"error": {"error_code", "error_msg"}}` (5 = token refused, 7 = permission
denied, 6 = too many requests per second). wall.get lists the pinned post first, then newest first,
`count` ≤ 100 with `offset` paging.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from tests.channels import Expected, load, shift
from tests.fakeapi import Answer, Seen

TOKEN = "vk-service-key-stats-7a6b5c"
GROUP = 218000001
_ERRORS = {
    "token": (5, "User authorization failed: access_token has expired."),
    "scope": (7, "Permission to perform this action is denied"),
    "rate": (6, "Too many requests per second"),
}


class Fake:
    NETWORK = "vk"
    ACCOUNT = str(GROUP)

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES = {"access_token": TOKEN}
        self.now = now
        moved = int(shift(now).total_seconds())
        self.group = load("vk", "groups_getById.json")["response"]
        self.wall = load("vk", "wall_get_owner.json")["response"]["items"]
        for item in self.wall:
            item["date"] += moved
        self.refusing: str | None = None

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url}

    def expected(self) -> Expected:
        since = (self.now - timedelta(days=7)).timestamp()
        posts = {f"wall-{GROUP}_{p['id']}" for p in self.wall if p["date"] >= since}
        return Expected(self.group["groups"][0]["members_count"], posts)

    def refuse(self, kind: str) -> None:
        self.refusing = kind

    def handle(self, seen: Seen) -> Answer:
        params = {k: v[0] for k, v in seen.query.items()}
        method = seen.path.removeprefix("/method/")
        if self.refusing:
            code, message = _ERRORS[self.refusing]
            return Answer(200, {"error": {"error_code": code, "error_msg": message, "request_params": []}})
        if params.get("access_token") != TOKEN:
            return Answer(
                200, {"error": {"error_code": 5, "error_msg": "User authorization failed: invalid access_token (4)."}}
            )
        if params.get("v") != "5.199":
            return Answer(200, {"error": {"error_code": 8, "error_msg": "Invalid request: v is required"}})
        if method == "groups.getById" and params.get("group_id") == str(GROUP):
            return Answer(200, {"response": copy.deepcopy(self.group)})
        if method == "wall.get" and params.get("owner_id") == str(-GROUP):
            count, offset = int(params.get("count", "20")), int(params.get("offset", "0"))
            if count > 100:
                return Answer(200, {"error": {"error_code": 100, "error_msg": "count is more than 100"}})
            ordered = sorted(self.wall, key=lambda p: (not p.get("is_pinned"), -p["date"]))
            return Answer(200, {"response": {"count": len(ordered), "items": ordered[offset : offset + count]}})
        return Answer(
            200,
            {
                "error": {
                    "error_code": 100,
                    "error_msg": f"One of the parameters specified was missing or invalid: {method}",
                }
            },
        )
