"""Instagram's Graph API (Facebook Login flavour) for a professional account answering: replies
under top-level comments, private replies and DMs (`POST /{ig-user-id}/messages`), hide/unhide,
delete; no ban. Built from the reference notes (shared/reference/replies.md §3), not a Meta spec."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tests.replies._graph import GraphFake, Node

TOKEN = "IGQ-account-reply-token"
ACCOUNT = "17841400000000001"
VERSION = "v25.0"


@dataclass
class Fake(GraphFake):
    def new_comment_id(self, under: Node) -> str:
        return str(17890000000000900 + len(self.nodes))


def fake(now: datetime) -> Fake:
    return Fake(
        network="instagram",
        version=VERSION,
        account=ACCOUNT,
        token=TOKEN,
        reply_edge="replies",
        text_key="text",
        comment_limit=2200,
        message_limit=1000,
        now=now,
        top_level_only=True,
    )
