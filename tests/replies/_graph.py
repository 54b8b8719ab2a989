"""What the Facebook and Instagram fakes share: Meta's Graph API for comments, the Send API and
moderation, with the rules of ../shared/reference/replies.md §2-3 and the error bodies of
`tests/fixtures/replies/graph_errors.json`.

`Node` is a post, media or comment the fake knows; comments the brand posts are added under it
with ids in the network's scheme. `lose_next` creates the next comment but answers 500, as Meta has
been seen to do, so a test can find it again through the lookup.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.fakeapi import Answer, Seen
from tests.replies import errors

GRAPH = errors("graph_errors.json")
HOURS_24, DAYS_7 = timedelta(hours=24), timedelta(days=7)


@dataclass
class Node:
    id: str
    author: str
    created_at: datetime
    text: str = ""
    parent: str | None = None  # the node a comment sits under
    hidden: bool = False
    deleted: bool = False
    comments_open: bool = True


@dataclass
class Sent:
    """A message the fake accepted: to whom, what, how (`messaging_type`, `tag`), and its metadata."""

    recipient: dict[str, str]
    text: str
    messaging_type: str | None
    tag: str | None
    metadata: str | None
    message_id: str


@dataclass
class GraphFake:
    network: str
    version: str
    account: str
    token: str
    reply_edge: str  # "comments" (Facebook) or "replies" (Instagram)
    text_key: str  # what a listed comment calls its text: "message" or "text"
    comment_limit: int
    message_limit: int
    now: datetime
    nodes: dict[str, Node] = field(default_factory=dict)
    users: dict[str, datetime] = field(default_factory=dict)  # PSID/IGSID → their last message
    sent: list[Sent] = field(default_factory=list)
    private_replied: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    mode: str | None = None  # "revoked", "rate", "temporary"
    lose_next: bool = False
    top_level_only: bool = False  # Instagram: replies go under top-level comments only
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # ---- what a test sets up and reads back

    def add(self, node: Node) -> Node:
        self.nodes[node.id] = node
        return node

    def mine(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.author == self.account and not n.deleted]

    def new_comment_id(self, under: Node) -> str:
        raise NotImplementedError

    # ---- the API

    def handle(self, seen: Seen) -> Answer:
        if seen.header("Authorization") != f"Bearer {self.token}" or self.mode == "revoked":
            return Answer(400, GRAPH["token"])
        if self.mode == "rate":
            usage = {self.account: [{"type": "pages", "call_count": 102, "estimated_time_to_regain_access": 7}]}
            return Answer(400, GRAPH["rate"], {"X-Business-Use-Case-Usage": json.dumps(usage)})
        if self.mode == "temporary":
            return Answer(500, GRAPH["temporary"])
        parts = seen.path.strip("/").split("/")
        if not parts or parts[0] != self.version:
            return self.invalid(f"Unknown path components: /{parts[0] if parts else ''}")
        route = (seen.method, *parts[1:])
        if len(route) == 3 and route[2] == "messages" and route[0] == "POST":
            return self.message(route[1], seen)
        if len(route) == 3 and route[2] == "blocked":
            return self.block(route[1], seen)
        if len(route) == 3 and route[2] == self.reply_edge:
            return self.comment(route[1], seen) if route[0] == "POST" else self.listing(route[1], seen)
        if len(route) == 2 and route[0] in ("POST", "DELETE"):
            return self.moderate(route[1], seen)
        return self.invalid(f"Unsupported {seen.method} request to {seen.path}")

    def invalid(self, detail: str) -> Answer:
        body = copy.deepcopy(GRAPH["invalid"])
        body["error"]["message"] = f"(#100) {detail}"
        return Answer(400, body)

    def gone(self, node_id: str) -> Answer:
        body = copy.deepcopy(GRAPH["gone"])
        body["error"]["message"] = body["error"]["message"].replace("{id}", node_id)
        return Answer(400, body)

    def live(self, node_id: str) -> Node | None:
        node = self.nodes.get(node_id)
        return node if node is not None and not node.deleted else None

    def unknown(self, given: dict[str, Any], allowed: set[str]) -> Answer | None:
        extra = sorted(set(given) - allowed)
        return self.invalid(f"Param {extra[0]} is not a valid parameter") if extra else None

    def comment(self, node_id: str, seen: Seen) -> Answer:
        form = seen.form()
        refused = self.unknown({**form, **seen.query}, {"message", "attachment_url", "attachment_id"})
        if refused is not None:
            return refused
        text = form.get("message") or seen.param("message")
        if not text:
            return self.invalid("The parameter message is required")
        if len(text) > self.comment_limit:
            return self.invalid(f"Param message must be at most {self.comment_limit} characters long")
        under = self.live(node_id)
        if under is None or not under.comments_open or (under.hidden and self.top_level_only):
            return self.gone(node_id)
        if self.top_level_only and (under.parent is None or self.nodes[under.parent].parent is not None):
            return self.invalid("Replies can only be made to top-level comments")
        mine = self.add(Node(self.new_comment_id(under), self.account, self.now, text, parent=node_id))
        if self.lose_next:
            self.lose_next = False
            return Answer(500, GRAPH["temporary"])
        return Answer(200, {"id": mine.id})

    def listing(self, node_id: str, seen: Seen) -> Answer:
        refused = self.unknown(dict(seen.query), {"fields", "order", "limit", "after", "filter"})
        if refused is not None:
            return refused
        if self.live(node_id) is None:
            return self.gone(node_id)
        fields = set((seen.param("fields") or "id").split(","))
        under = [n for n in self.nodes.values() if n.parent == node_id and not n.deleted]
        under.sort(key=lambda n: n.created_at, reverse=seen.param("order") == "reverse_chronological")
        limit = int(seen.param("limit") or "25")
        return Answer(200, {"data": [self.shown(n, fields) for n in under[:limit]]})

    def shown(self, node: Node, fields: set[str]) -> dict[str, Any]:
        every = {
            "id": node.id,
            "from": {"id": node.author},
            self.text_key: node.text,
            "created_time": node.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "timestamp": node.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        }
        return {key: value for key, value in every.items() if key in fields}

    def message(self, account: str, seen: Seen) -> Answer:
        if account != self.account:
            return self.invalid(f"Unsupported post request. Object with ID '{account}' cannot send messages")
        try:
            body = json.loads(seen.body)
        except ValueError:
            return self.invalid("The parameter recipient is required")
        refused = self.unknown(body, {"recipient", "message", "messaging_type", "tag"})
        if refused is not None:
            return refused
        recipient, message = body.get("recipient") or {}, body.get("message") or {}
        if len(recipient) != 1 or not isinstance(message.get("text"), str) or not message["text"]:
            return self.invalid("The parameters recipient and message are required")
        if len(message["text"]) > self.message_limit:
            return self.invalid(f"Length of param message[text] must be less than or equal to {self.message_limit}")
        kind = body.get("messaging_type")
        ((key, value),) = recipient.items()
        refusal = self.window(key, value, kind, body.get("tag"))
        if refusal is not None:
            return refusal
        sent = Sent(
            dict(recipient), message["text"], kind, body.get("tag"), message.get("metadata"), f"m_{next(self._ids)}"
        )
        self.sent.append(sent)
        user = value if key == "id" else f"psid-of-{value}"
        return Answer(200, {"recipient_id": user, "message_id": sent.message_id})

    def window(self, key: str, value: str, kind: str | None, tag: str | None) -> Answer | None:
        """The Send API's rules: a user's 24 h (or HUMAN_AGENT 7 days); one private reply a comment, 7 days."""
        if key == "id":
            last = self.users.get(value)
            if kind not in ("RESPONSE", "MESSAGE_TAG", "UPDATE") and self.network == "facebook":
                return self.invalid("The parameter messaging_type is required")
            allowed = HOURS_24 if kind != "MESSAGE_TAG" else (DAYS_7 if tag == "HUMAN_AGENT" else timedelta(0))
            if last is None or self.now - last > allowed:
                return Answer(400, GRAPH["window"])
            return None
        if key not in ("comment_id", "post_id"):
            return self.invalid(f"Param recipient[{key}] is not a valid parameter")
        node = self.live(value)
        if node is None:
            return self.gone(value)
        if value in self.private_replied:
            return Answer(400, GRAPH["already_replied"])
        if self.now - node.created_at > DAYS_7:
            return Answer(400, GRAPH["window"])
        self.private_replied.add(value)
        return None

    def moderate(self, node_id: str, seen: Seen) -> Answer:
        node = self.live(node_id)
        if node is None:
            return self.gone(node_id)
        if seen.method == "DELETE":
            node.deleted = True
            return Answer(200, {"success": True})
        given = {**seen.form(), **{k: v[0] for k, v in seen.query.items()}}
        key = "is_hidden" if self.network == "facebook" else "hide"
        refused = self.unknown(given, {key})
        if refused is not None or given.get(key) not in ("true", "false"):
            return refused or self.invalid(f"The parameter {key} is required")
        node.hidden = given[key] == "true"
        return Answer(200, {"success": True})

    def block(self, account: str, seen: Seen) -> Answer:
        if self.network != "facebook" or account != self.account:
            return self.invalid(f"Unsupported {seen.method} request to {seen.path}")
        given = seen.form() if seen.method == "POST" else {k: v[0] for k, v in seen.query.items()}
        refused = self.unknown(given, {"user", "psid", "asid", "uid"})
        if refused is not None or not given:
            return refused or self.invalid("One of user, psid, asid or uid is required")
        (who,) = given.values()
        (self.blocked.add if seen.method == "POST" else self.blocked.discard)(who)
        return Answer(200, {"success": True})
