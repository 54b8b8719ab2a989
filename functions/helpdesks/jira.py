"""Jira Cloud issues (platform REST API v3).

Contract (Atlassian's OpenAPI `platform-swagger.v3.json`, copied to tests/contracts/jira/; every
request this adapter makes is validated against it by Prism in tests/integration/helpdesks/test_jira.py):
- [confirmed] auth HTTP Basic `email:api_token`;
- [confirmed] create `POST /rest/api/3/issue` (createIssue) {"fields": {project: {key}, issuetype:
  {name}, summary, description: <ADF doc>, labels: [...], priority: {name}}} → 201 {id, key, self};
  rich text in v3 is Atlassian Document Format (`adf_doc`);
- [confirmed] comment `POST /rest/api/3/issue/{key}/comment` (addComment) {"body": <ADF doc>};
- [confirmed] edit `PUT /rest/api/3/issue/{key}` (editIssue) {"fields": {...}} → 204;
- [confirmed] read `GET /rest/api/3/issue/{key}?fields=status,resolution,labels` → fields.status.name,
  fields.resolution (null or {name}) and fields.labels: the sweep's verdict signals (e.g. the
  resolution "Not a complaint" or the label `not-complaint`; helpdesk-replies notes §3d);
- [confirmed, spec of 2025-12] search `GET /rest/api/3/search/jql?jql=...&fields=&maxResults=`
  (searchAndReconsileIssuesUsingJql) → `SearchAndReconcileResults` {"issues": [{id, key}], isLast,
  nextPageToken}. The old `GET /rest/api/3/search` is deprecated and "currently being removed"
  (CHANGE-2046; Jira answers 410 once it is gone). The new search is eventually consistent (a just
  created issue may be missing for a moment): a lost reply is looked up on the job's retry, seconds
  later. Setting `search_path` remains for Jira instances that still need another path;
- [confirmed] 429 with `Retry-After`: handled by `runtime.http`;
- replies (docs/helpdesk-replies.md), shared with `jira_sm`: [confirmed] `GET /rest/api/3/issue/{key}/comment`
  (getComments: `startAt`/`maxResults`/`total`, `orderBy=created`, `expand=properties`; v3 `body` is
  ADF), `Comment.jsdPublic` (false = JSM internal note; true outside JSM), `visibility` (restricted
  to a group/role: treated as internal), `author.accountType` atlassian|customer|app, and
  `GET /rest/api/3/myself` (our account); [confirmed] comment `properties` allowed on create, so our
  comments carry the property `mentiondesk`; [confirmed DC, secondary Cloud] the admin webhook signs
  `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`; [secondary] its `comment_created` body
  (`webhookEvent`, `issue.key`, `comment.jsdPublic`, `comment.visibility`).
Unconfirmed, so settings: priority names (default scheme Lowest/Low/Medium/High/Highest; we use
Low/Medium/High/Highest: setting `priorities`), issue type name (`Task`), and whether `priority`
is on the project's create screen (Jira answers 400 if not: then remove it from the scheme or the
screen, not here).

No idempotency in Jira: the mention key becomes the label `md-<sha256 prefix>` at creation, and
`find_ticket` searches JQL `labels = "md-..."` (labels are exact tokens; the raw key has `#` and
spaces a label cannot hold).

Settings: `url` (`https://acme.atlassian.net`), `email`, `project_key`, `issue_type` (default
`Task`), `priorities` (optional {"urgent": "Highest", ...}), `search_path` (default
`/rest/api/3/search/jql`). Secrets: `api_token`; for the reply push `webhook_secret` (the webhook's secret).
Plain Jira has no customer side: any licensed user's unrestricted comment counts as an agent's reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from functions.core.score import Priority
from functions.core.tickets import DeskComment, DeskState, HelpdeskError, TicketDraft, TicketRef, setting
from functions.helpdesks import _replies
from functions.helpdesks._common import field, json_object, key_label, label, priority_names, strings
from functions.runtime import http

VENDOR = "jira"
FEATURES = frozenset({"priority", "tags", "external_reference", "comments", "status", "replies"})
REPLY_EVENT_SECRETS = ("webhook_secret",)
REPLY_EVENT_HEADER = "X-Hub-Signature"  # without it a push is unsigned: 401 at the door
SIGNATURE_HEADER = "X-Hub-Signature"
COMMENTS_PAGE = 100
MARKER_KEY = "mentiondesk"  # the comment property on what we write
MARKER = [{"key": MARKER_KEY, "value": {"origin": "mentiondesk"}}]
ADF_DEPTH = 40  # deeper ADF is not from Jira's editor; its text is dropped rather than recursed into
_ADF_BLOCKS = frozenset({"paragraph", "heading", "blockquote", "listItem", "codeBlock", "panel", "rule", "tableRow"})

PRIORITY = {Priority.LOW: "Low", Priority.NORMAL: "Medium", Priority.HIGH: "High", Priority.URGENT: "Highest"}
STATE_FIELDS = "status,resolution,labels"  # getIssue's `fields`: what `issue_state` reads
SIGNAL_FIELDS = "resolution,labels"  # the same without the status (JSM reads that from its request)
SEARCH_PATH = "/rest/api/3/search/jql"  # the old /rest/api/3/search is being removed (CHANGE-2046)
SUMMARY_CHARS = 255
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_ISSUE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def adf_doc(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format doc: blank lines split paragraphs, single
    newlines become hardBreaks; empty text nodes are not allowed in ADF, so none are made."""
    paragraphs: list[dict[str, Any]] = []
    for block in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").strip()):
        content: list[dict[str, Any]] = []
        for line in block.split("\n"):
            if content:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        if any(node["type"] == "text" for node in content):
            paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs or [{"type": "paragraph", "content": []}]}


def adf_text(node: Any, depth: int = 0) -> str:
    """Plain text of an Atlassian Document Format node: text, mentions and emoji kept, hard breaks
    and blocks as newlines (a v2-style wiki-markup string passes through)."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict) or depth > ADF_DEPTH:
        return ""
    kind, attrs = node.get("type"), _replies.obj(node.get("attrs"))
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji", "inlineCard"):
        return str(attrs.get("text") or attrs.get("shortName") or attrs.get("url") or "")
    inner = "".join(adf_text(child, depth + 1) for child in _replies.items(node.get("content")))
    return inner.strip() + "\n" if kind in _ADF_BLOCKS else inner


def comment_of(raw: Mapping[str, Any], me: str) -> DeskComment:
    """A platform `Comment`: internal when JSM says so (`jsdPublic` false) or restricted (`visibility`);
    an agent's when a licensed user (`atlassian`) wrote it; ours by account or by our property."""
    author = _replies.obj(raw.get("author"))
    marked = any(_replies.obj(p).get("key") == MARKER_KEY for p in _replies.items(raw.get("properties")))
    return DeskComment(
        id=str(raw.get("id", "")),
        body=adf_text(raw.get("body")).strip(),
        public=raw.get("jsdPublic") is not False and not raw.get("visibility"),
        by_agent=author.get("accountType") == "atlassian",
        ours=marked or author.get("accountId") == me,
        created_at=_replies.when(raw.get("created")),
        author=str(author.get("displayName") or author.get("accountId") or ""),
    )


def reply_event(headers: Mapping[str, str], body: bytes, secrets: Mapping[str, str], now: datetime) -> str | None:
    """The issue to re-read after the admin webhook's signed `comment_created`, or None for another
    event or a comment the customer cannot see. Jira signs no time: a replay only causes a re-read."""
    _replies.check_prefixed_hmac(
        _replies.header(headers, SIGNATURE_HEADER), _replies.secret(secrets, "webhook_secret"), body, "sha256"
    )
    document = _replies.event(body)
    if document.get("webhookEvent") != "comment_created":
        return None
    issue = _replies.ticket_id(_replies.at(document, "issue", "key"), "issue.key")
    comment = _replies.obj(document.get("comment"))
    return None if comment.get("jsdPublic") is False or comment.get("visibility") else issue


def labels_for(draft: TicketDraft, idempotency_key: str) -> list[str]:
    return [key_label(idempotency_key), *(label(tag) for tag in draft.tags)]


def key_jql(idempotency_key: str) -> str:
    return f'labels = "{key_label(idempotency_key)}" ORDER BY created ASC'


def summary(subject: str) -> str:
    return subject if len(subject) <= SUMMARY_CHARS else subject[: SUMMARY_CHARS - 1] + "…"


def issue_payload(
    draft: TicketDraft,
    idempotency_key: str,
    *,
    project_key: str,
    issue_type: str = "Task",
    priorities: Mapping[Priority, str] = PRIORITY,
) -> dict[str, Any]:
    return {
        "fields": {
            "project": {"key": project_key},
            "issuetype": {"name": issue_type},
            "summary": summary(draft.subject),
            "description": adf_doc(draft.body),
            "labels": labels_for(draft, idempotency_key),
            "priority": {"name": priorities[draft.priority]},
        }
    }


def created_key(body: Mapping[str, Any], vendor: str = VENDOR) -> str:
    """createIssue's `CreatedIssue` → the issue key."""
    return str(field(body, vendor, "key"))


def first_issue_key(body: Mapping[str, Any], vendor: str = VENDOR) -> str | None:
    """A search's `SearchResults` → the key of the first (oldest) issue, if any."""
    issues = body.get("issues")
    if issues is None:
        raise HelpdeskError(f"{vendor}: search response has no issues")
    keys = [str(issue["key"]) for issue in issues if isinstance(issue, dict) and issue.get("key")]
    return keys[0] if keys else None


def status_name(body: Mapping[str, Any], vendor: str = VENDOR) -> str:
    """getIssue's `IssueBean` (with `fields=status`) → the status name."""
    return str(field(body, vendor, "fields", "status", "name"))


def issue_signals(body: Mapping[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """getIssue's `IssueBean` → (labels, resolution name or None while unresolved)."""
    fields = _replies.obj(body.get("fields"))
    resolution = _replies.obj(fields.get("resolution")).get("name")
    return strings(fields.get("labels")), str(resolution) if resolution else None


def issue_state(body: Mapping[str, Any], vendor: str = VENDOR) -> DeskState:
    """getIssue's `IssueBean` (with `fields=status,resolution,labels`) → what the issue says."""
    labels, resolution = issue_signals(body)
    return DeskState(status_name(body, vendor), labels, resolution)


def issue_path(ticket: TicketRef) -> str:
    if not _ISSUE_KEY.match(ticket.id):
        raise HelpdeskError(f"not a Jira issue key: {ticket.id!r}")
    return f"/rest/api/3/issue/{quote(ticket.id)}"


class JiraSite:
    """What Jira and Jira Service Management share: the site, its auth and the platform search."""

    def __init__(self, vendor: str, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.vendor = vendor
        self.base = setting(settings, "url").rstrip("/")
        self.search_path = setting(settings, "search_path", SEARCH_PATH)
        self.priorities = priority_names(settings, "priorities", PRIORITY)
        if not secrets.get("api_token"):
            raise HelpdeskError(f"{vendor} needs the secret 'api_token'")
        self.http = http.session({"Accept": "application/json"})
        self.http.auth = (setting(settings, "email"), secrets["api_token"])
        self._me: str | None = None

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return http.call(self.http, method, f"{self.base}{path}", self.vendor, **kwargs)

    def ref(self, key: str, url: str | None = None) -> TicketRef:
        return TicketRef(self.vendor, key, url or f"{self.base}/browse/{key}")

    def issue(self, ticket: TicketRef, fields: str) -> dict[str, Any]:
        """getIssue with only `fields`."""
        return json_object(self.call("GET", issue_path(ticket), params={"fields": fields}), self.vendor)

    def find(self, idempotency_key: str) -> TicketRef | None:
        params = {"jql": key_jql(idempotency_key), "fields": "status", "maxResults": "1"}
        key = first_issue_key(json_object(self.call("GET", self.search_path, params=params), self.vendor), self.vendor)
        return self.ref(key) if key else None

    def edit(self, ticket: TicketRef, fields: dict[str, Any]) -> None:
        self.call("PUT", issue_path(ticket), json={"fields": fields})

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self.edit(ticket, {"priority": {"name": self.priorities[priority]}})

    def myself(self) -> str:
        """Our account id, asked once per instance: its comments are ours."""
        if self._me is None:
            shown = json_object(self.call("GET", "/rest/api/3/myself"), self.vendor)
            self._me = str(field(shown, self.vendor, "accountId"))
        return self._me

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        """Every comment, oldest first, a page of `COMMENTS_PAGE` at a time (`startAt` until `total`)."""
        found: list[DeskComment] = []
        while True:
            params = {"startAt": len(found), "maxResults": COMMENTS_PAGE, "orderBy": "created", "expand": "properties"}
            page = json_object(self.call("GET", f"{issue_path(ticket)}/comment", params=params), self.vendor)
            items = [c for c in page.get("comments") or [] if isinstance(c, dict)]
            found += [comment_of(c, self.myself()) for c in items]
            total = page.get("total")
            if not items or not isinstance(total, int) or len(found) >= total:
                return found


class Jira:
    VENDOR = VENDOR
    FEATURES = FEATURES

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.site = JiraSite(VENDOR, settings, secrets)
        self.project_key = setting(settings, "project_key")
        self.issue_type = setting(settings, "issue_type", "Task")

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef:
        payload = issue_payload(
            draft,
            idempotency_key,
            project_key=self.project_key,
            issue_type=self.issue_type,
            priorities=self.site.priorities,
        )
        created = json_object(self.site.call("POST", "/rest/api/3/issue", json=payload), VENDOR)
        return self.site.ref(created_key(created))

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        return self.site.find(idempotency_key)

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        self.site.call("POST", f"{issue_path(ticket)}/comment", json={"body": adf_doc(text), "properties": MARKER})

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        return self.site.comments(ticket)

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self.site.set_priority(ticket, priority)

    def reopen(self, ticket: TicketRef) -> None:
        """Not offered (no "reopen" in FEATURES): reopening is a workflow transition per project."""
        raise HelpdeskError("jira: reopen needs a workflow transition; FEATURES has no 'reopen'")

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        return issue_state(self.site.issue(ticket, STATE_FIELDS))


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> Jira:
    return Jira(settings, secrets)
