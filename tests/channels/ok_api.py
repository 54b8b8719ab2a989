"""A fake of OK's REST `fb.do` with `group.getCounters` and `group.getStatTopics` for group statistics.

As apiok.ru describes the calls (tests/fixtures/ok/channel/SOURCES.md): `GET /fb.do?method=
&application_key=&format=json&access_token=&sig=`, the signature checked here from its definition
(md5 of the sorted `k=v` pairs without `access_token`/`sig`, then md5(token + app secret key));
`getStatTopics` takes `gid`, `start_time`/`end_time` in ms, `count` and `anchor`, and lists only
topics with statistics; errors as HTTP 200 `{error_code, error_msg, error_data}` (102 session
expired, 10 permission denied, 11 limit reached).
"""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timedelta
from typing import Any

from tests.channels import Expected, load, shift
from tests.fakeapi import Answer, Seen

APP_KEY = "CBAFJIICABABABABA"
APP_SECRET = "0123456789ABCDEF0123456789ABCDEF"
TOKEN = "tkn1-ok-admin-session-stats-42f0"
GROUP = "70000012345678"
_ERRORS = {
    "token": (102, "PARAM_SESSION_EXPIRED : Session expired"),
    "scope": (10, "PERMISSION_DENIED : Method requires VALUABLE_ACCESS"),
    "rate": (11, "LIMIT_REACHED : Limit reached"),
}


def _error(code: int, message: str) -> Answer:
    return Answer(200, {"error_code": code, "error_msg": message, "error_data": None})


def _sig(params: dict[str, str]) -> str:
    secret = hashlib.md5((TOKEN + APP_SECRET).encode(), usedforsecurity=False).hexdigest()
    pairs = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("access_token", "sig"))
    return hashlib.md5((pairs + secret).encode(), usedforsecurity=False).hexdigest()


class Fake:
    NETWORK = "ok"
    ACCOUNT = GROUP

    def __init__(self, now: datetime) -> None:
        self.SECRET_VALUES = {"access_token": TOKEN, "application_key": APP_KEY, "application_secret_key": APP_SECRET}
        self.now = now
        moved = int(shift(now).total_seconds() * 1000)
        self.counters = load("ok", "getCounters.json")
        self.topics = load("ok", "getStatTopics.json")["topics"]
        for topic in self.topics:
            topic["created_ms"] += moved
        self.refusing: str | None = None

    def settings(self, base_url: str) -> dict[str, Any]:
        return {"api": base_url}

    def expected(self) -> Expected:
        since = (self.now - timedelta(days=7)).timestamp() * 1000
        posts = {t["id"] for t in self.topics if t["created_ms"] >= since}
        return Expected(self.counters["counters"]["members"], posts, {"posts"})

    def refuse(self, kind: str) -> None:
        self.refusing = kind

    def handle(self, seen: Seen) -> Answer:
        params = {k: v[0] for k, v in seen.query.items()}
        if seen.path != "/fb.do":
            return Answer(404, "not found")
        if self.refusing:
            return _error(*_ERRORS[self.refusing])
        if params.get("application_key") != APP_KEY:
            return _error(101, "PARAM_API_KEY : Application key is invalid")
        if params.get("access_token") != TOKEN:
            return _error(102, "PARAM_SESSION_EXPIRED : Session expired")
        if params.get("sig") != _sig(params):
            return _error(104, "PARAM_SIGNATURE : Invalid signature")
        method = params.get("method")
        if method == "group.getCounters" and params.get("group_id") == GROUP:
            return Answer(200, copy.deepcopy(self.counters))
        if method == "group.getStatTopics" and params.get("gid") == GROUP:
            return self._topics(params)
        return _error(100, f"PARAM : Invalid parameters for {method}")

    def _topics(self, params: dict[str, str]) -> Answer:
        start, end = int(params.get("start_time") or 0), int(params.get("end_time") or 2**53)
        count, offset = int(params.get("count") or "20"), int(params.get("anchor") or "0")
        wanted = set((params.get("fields") or "").split(",")) | {"id"}
        listed = [
            {k: v for k, v in t.items() if k in wanted}
            for t in sorted(self.topics, key=lambda t: -t["created_ms"])
            if start <= t["created_ms"] <= end
        ]
        page = listed[offset : offset + count]
        more = offset + count < len(listed)
        return Answer(200, {"topics": copy.deepcopy(page), "anchor": str(offset + len(page)), "has_more": more})
