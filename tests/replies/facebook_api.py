"""Facebook's Graph API for a Page answering: comments under posts and comments, private replies
and Messenger (`POST /{page-id}/messages`), hide/unhide, delete, block. Built from the reference
notes (shared/reference/replies.md §2), not from a Meta spec (there is none to copy, §14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tests.replies._graph import GraphFake, Node

TOKEN = "EAAG-page-reply-token"
PAGE = "104000000000001"
VERSION = "v25.0"


@dataclass
class Fake(GraphFake):
    def new_comment_id(self, under: Node) -> str:
        """`<postid>_<commentid>`: the post's number, then a new comment number."""
        post = under
        while post.parent is not None:
            post = self.nodes[post.parent]
        return f"{post.id.rsplit('_', 1)[-1]}_{990000000000900 + len(self.nodes)}"


def fake(now: datetime) -> Fake:
    return Fake(
        network="facebook",
        version=VERSION,
        account=PAGE,
        token=TOKEN,
        reply_edge="comments",
        text_key="message",
        comment_limit=8000,
        message_limit=2000,
        now=now,
    )
