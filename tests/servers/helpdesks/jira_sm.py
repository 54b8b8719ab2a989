"""Jira Service Management as we use it: servicedeskapi requests plus the platform's JQL search
and issue edit, from the notes in docs/helpdesks.md (the JSM OpenAPI's RequestCreateDTO etc.).

- Basic auth `email:api_token`, else 401 {"errorMessage": ...}.
- One service desk (`service_desk_id`) with one request type (`request_type_id`) whose fields are
  `summary` (required), `description` and `labels`; any other field is a 400, as JSM answers for
  fields not on the request type. `raiseOnBehalfOf` must be an account id (not an e-mail).
- `POST /rest/servicedeskapi/request` → 201 CustomerRequestDTO {issueId, issueKey, currentStatus,
  _links}; `GET /rest/servicedeskapi/request/{key}`; `POST .../request/{key}/comment` {body, public}.
- `PUT /rest/api/3/issue/{key}` {"fields": {priority: {name}, labels}} → 204.
- `GET /rest/api/3/issue/{key}?fields=<comma list>` (getIssue) → IssueBean {id, key, self, fields} with
  only the fields asked for among `status` {name, statusCategory}, `resolution` (null or {id, name}),
  `labels`, `priority` {name}, `summary`. The platform status is the request's status here. Agents
  resolve (e.g. "Declined") and label requests in JSM's agent view: `agent_updates`.
- `GET /rest/api/3/search/jql?jql=labels = "<label>" [ORDER BY created ASC]` → {"issues": [{id, key}],
  "isLast"} (only that JQL form; paging by `nextPageToken`, no `startAt`/`total`: Atlassian's spec).
- `GET /rest/api/3/search` (the old search, CHANGE-2046) → 410 Gone, as Atlassian answers once it is
  removed.
- `GET /rest/api/3/issue/{key}/comment` (getComments: `startAt`, `maxResults` ≤ 100 [Jira caps it
  silently; we answer at most `page_cap`], `orderBy` created|-created|+created, `expand`) →
  {startAt, maxResults, total, comments: [Comment]} with ADF bodies, `jsdPublic`, `author.accountType`,
  and `properties` with `expand=properties`; `GET /rest/api/3/myself` → our account. What the API
  writes is by our account (atlassian); tests add what people do in JSM (`agent_reply`,
  `internal_note`, `customer_comment`), and `comment_created_push` is the signed admin webhook.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from typing import Any

from tests.servers.helpdesks.base import ContractServer, Handler, Rejected, Reply, Request, check_fields, check_strings

PRIORITY_NAMES = ("Lowest", "Low", "Medium", "High", "Highest")
LABEL_JQL = re.compile(r'^labels = "([^"\s]+)"( ORDER BY created ASC)?$')
ACCOUNT_ID = re.compile(r"^[0-9a-f]{24}$|^\d+:[0-9a-f-]{36}$")
API_ACCOUNT = {"accountId": "5b10ac8d82e05b22cc7d4e01", "displayName": "mentiondesk API", "accountType": "atlassian"}
AGENT_ACCOUNT = {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Agent A", "accountType": "atlassian"}
CUSTOMER_ACCOUNT = {
    "accountId": "qm:1b2c3d4e-0000-4000-8000-00000000c0de",
    "displayName": "Ivan P.",
    "accountType": "customer",
}
ORDER_BY = ("created", "-created", "+created")


def _jira_error(status: int, message: str) -> Rejected:
    return Rejected(status, message, {"errorMessage": message, "i18nErrorMessage": {"i18nKey": message}})


class JiraServiceManagementServer(ContractServer):
    name = "jira_sm"

    def __init__(
        self,
        email: str = "agent@acme.example",
        api_token: str = "jsm-token",  # noqa: S107 -- test credentials
        service_desk_id: str = "10",
        request_type_id: str = "25",
        project_key: str = "SUP",
    ) -> None:
        super().__init__()
        self.email = email
        self.api_token = api_token
        self.service_desk_id = service_desk_id
        self.request_type_id = request_type_id
        self.project_key = project_key
        self.requests: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(10001)
        self._comment_ids = itertools.count(20001)
        self.page_cap = 100

    def authorize(self, request: Request) -> None:
        if request.basic_auth() != (self.email, self.api_token):
            raise _jira_error(401, "Client must be authenticated to access this resource.")

    def routes(self) -> list[tuple[str, str, Handler]]:
        key = rf"({re.escape(self.project_key)}-\d+)"
        return [
            ("POST", r"/rest/servicedeskapi/request", self._create),
            ("POST", rf"/rest/servicedeskapi/request/{key}/comment", self._comment),
            ("GET", rf"/rest/servicedeskapi/request/{key}", self._show),
            ("PUT", rf"/rest/api/3/issue/{key}", self._edit),
            ("GET", rf"/rest/api/3/issue/{key}", self._issue),
            ("GET", rf"/rest/api/3/issue/{key}/comment", self._comments),
            ("GET", r"/rest/api/3/myself", self._myself),
            ("GET", r"/rest/api/3/search/jql", self._search),
            ("GET", r"/rest/api/3/search", self._removed),
        ]

    def _request(self, match: re.Match[str]) -> dict[str, Any]:
        found = self.requests.get(match.group(1))
        if found is None:
            raise _jira_error(404, "The request could not be found.")
        return found

    @staticmethod
    def _labels(values: Any, where: str) -> list[str]:
        labels = check_strings(values, where)
        for label in labels:
            if not label or any(c.isspace() for c in label) or len(label) > 255:
                raise _jira_error(400, f"{where}: the label {label!r} is not valid")
        return labels

    def _create(self, request: Request, _: re.Match[str]) -> Reply:
        document = request.json()
        check_fields(
            document,
            "request",
            {"serviceDeskId": str, "requestTypeId": str, "requestFieldValues": dict},
            {"raiseOnBehalfOf": str, "requestParticipants": list, "isAdfRequest": bool, "channel": str},
        )
        if document["serviceDeskId"] != self.service_desk_id:
            raise _jira_error(404, f"Service Desk {document['serviceDeskId']} does not exist")
        if document["requestTypeId"] != self.request_type_id:
            raise _jira_error(400, f"Request type {document['requestTypeId']} does not exist in this service desk")
        if "raiseOnBehalfOf" in document and not ACCOUNT_ID.match(document["raiseOnBehalfOf"]):
            raise _jira_error(400, "raiseOnBehalfOf must be a customer account id")
        values = document["requestFieldValues"]
        check_fields(values, "requestFieldValues", {"summary": str}, {"description": str, "labels": list})
        if (
            document.get("isAdfRequest") is not True
            and "description" in values
            and not isinstance(values["description"], str)
        ):
            raise _jira_error(400, "description must be text unless isAdfRequest")
        if not values["summary"].strip() or len(values["summary"]) > 255:
            raise _jira_error(400, "summary must be 1-255 characters")
        key = f"{self.project_key}-{len(self.requests) + 1}"
        stored = {
            "issueId": str(next(self._ids)),
            "issueKey": key,
            "requestTypeId": self.request_type_id,
            "serviceDeskId": self.service_desk_id,
            "currentStatus": {"status": "Waiting for support", "statusCategory": "NEW"},
            "summary": values["summary"],
            "description": values.get("description"),
            "labels": self._labels(values.get("labels", []), "requestFieldValues.labels"),
            "resolution": None,
            "priority": "Medium",
            "reporter": document.get("raiseOnBehalfOf"),
            "_links": {"web": f"{self.url}/servicedesk/customer/portal/1/{key}"},
        }
        self.requests[key] = stored
        self.comments[key] = []
        return Reply(201, stored)

    def _show(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, {k: v for k, v in self._request(match).items() if k != "resolution"})

    def agent_updates(
        self,
        key: str,
        status: str | None = None,
        category: str = "DONE",
        resolution: str | None = None,
        labels: tuple[str, ...] = (),
    ) -> None:
        """An agent in JSM's agent view: a transition (status and category, with a resolution), labels added."""
        with self.lock:
            stored = self.requests[key]
            if status is not None:
                stored["currentStatus"] = {"status": status, "statusCategory": category}
            if resolution is not None:
                stored["resolution"] = resolution
            stored["labels"] = [*stored["labels"], *(label for label in labels if label not in stored["labels"])]

    def _issue(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._request(match)
        unknown = set(request.query) - {"fields", "expand", "properties", "fieldsByKeys", "updateHistory"}
        if unknown:
            raise Rejected(400, f"unknown query parameters: {sorted(unknown)}")
        wanted = [f for f in (request.param("fields") or "").split(",") if f]
        status = stored["currentStatus"]
        resolution = stored["resolution"]
        fields = {
            "status": {"name": status["status"], "statusCategory": {"key": status["statusCategory"].lower()}},
            "resolution": {"id": "10001", "name": resolution} if resolution else None,
            "labels": list(stored["labels"]),
            "priority": {"name": stored["priority"]},
            "summary": stored["summary"],
        }
        shown = {name: fields[name] for name in (wanted or fields) if name in fields}  # Jira skips unknown names
        body = {"id": stored["issueId"], "key": stored["issueKey"]}
        body["self"] = f"{self.url}/rest/api/3/issue/{stored['issueId']}"
        return Reply(200, {**body, "fields": shown})

    def _comment(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._request(match)
        document = request.json()
        check_fields(document, "comment", {"body": str}, {"public": bool})
        comment = self._add(stored["issueKey"], document["body"], document.get("public", True), API_ACCOUNT)
        return Reply(201, {"id": comment["id"], "body": comment["body"], "public": comment["public"]})

    def _add(self, key: str, body: str, public: bool, author: dict[str, str]) -> dict[str, Any]:
        """A comment as JSM keeps it: the servicedeskapi view (`public`) and the author for the platform's."""
        comment_id = next(self._comment_ids)
        comment = {
            "id": str(comment_id),
            "body": body,
            "public": public,
            "author": author,
            "created": f"2026-12-04T10:{comment_id % 60:02d}:00.000+0000",
        }
        self.comments[key].append(comment)
        return comment

    def agent_reply(self, key: str, body: str) -> str:
        """An agent's "Reply to customer" in JSM's agent view; its comment id."""
        with self.lock:
            return str(self._add(key, body, True, AGENT_ACCOUNT)["id"])

    def internal_note(self, key: str, body: str) -> str:
        with self.lock:
            return str(self._add(key, body, False, AGENT_ACCOUNT)["id"])

    def customer_comment(self, key: str, body: str) -> str:
        """The customer answers on the portal."""
        with self.lock:
            return str(self._add(key, body, True, CUSTOMER_ACCOUNT)["id"])

    @staticmethod
    def platform_comment(comment: dict[str, Any], expand: set[str]) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": comment["id"],
            "author": comment["author"],
            "body": {
                "type": "doc",
                "version": 1,
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": comment["body"]}]}],
            },
            "created": comment["created"],
            "updated": comment["created"],
            "jsdPublic": comment["public"],
        }
        if "properties" in expand:
            internal = {"key": "sd.public.comment", "value": {"internal": not comment["public"]}}
            shown["properties"] = [internal]
        return shown

    def _comments(self, request: Request, match: re.Match[str]) -> Reply:
        key = self._request(match)["issueKey"]
        unknown = set(request.query) - {"startAt", "maxResults", "orderBy", "expand"}
        if unknown:
            raise Rejected(400, f"unknown query parameters: {sorted(unknown)}")
        start, size = request.param("startAt") or "0", request.param("maxResults") or "5000"
        if not start.isdigit() or not size.isdigit():
            raise Rejected(400, "startAt and maxResults must be integers", {"errorMessages": ["bad paging"]})
        order = request.param("orderBy") or "created"
        if order not in ORDER_BY:
            raise Rejected(400, f"orderBy must be one of {ORDER_BY}", {"errorMessages": ["bad orderBy"]})
        expand = set((request.param("expand") or "").split(",")) - {""}
        if expand - {"renderedBody", "properties"}:
            raise Rejected(400, f"expand: unknown {sorted(expand)}", {"errorMessages": ["bad expand"]})
        ordered = self.comments[key][::-1] if order == "-created" else self.comments[key]
        page = ordered[int(start) : int(start) + min(int(size), self.page_cap)]
        shown = [self.platform_comment(c, expand) for c in page]
        return Reply(200, {"startAt": int(start), "maxResults": len(page), "total": len(ordered), "comments": shown})

    @staticmethod
    def _myself(request: Request, _: re.Match[str]) -> Reply:
        return Reply(200, {**API_ACCOUNT, "emailAddress": "agent@acme.example", "active": True})

    def _edit(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._request(match)
        document = request.json()
        check_fields(document, "issue", {"fields": dict})
        fields = document["fields"]
        check_fields(fields, "fields", {}, {"priority": dict, "labels": list})
        if "priority" in fields:
            check_fields(fields["priority"], "fields.priority", {"name": str})
            if fields["priority"]["name"] not in PRIORITY_NAMES:
                raise Rejected(
                    400, "unknown priority", {"errorMessages": [], "errors": {"priority": "Invalid priority"}}
                )
            stored["priority"] = fields["priority"]["name"]
        if "labels" in fields:
            stored["labels"] = self._labels(fields["labels"], "fields.labels")
        return Reply(204)

    @staticmethod
    def _removed(request: Request, _: re.Match[str]) -> Reply:
        message = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
        raise _jira_error(410, message)

    def _search(self, request: Request, _: re.Match[str]) -> Reply:
        unknown = set(request.query) - {"jql", "fields", "maxResults", "nextPageToken"}
        if unknown:
            raise Rejected(400, f"unknown query parameters: {sorted(unknown)}")
        max_results = request.param("maxResults") or "50"
        if not max_results.isdigit():
            raise Rejected(400, "maxResults must be an integer")
        matched = LABEL_JQL.match(request.param("jql") or "")
        if matched is None:
            message = f'this server understands only labels = "...", got {request.param("jql")!r}'
            raise Rejected(400, message, {"errorMessages": [message], "errors": {}})
        found = sorted(
            (r for r in self.requests.values() if matched.group(1) in r["labels"]), key=lambda r: int(r["issueId"])
        )
        issues = [
            {"id": r["issueId"], "key": r["issueKey"], "fields": {"status": {"name": r["currentStatus"]["status"]}}}
            for r in found[: int(max_results)]
        ]
        return Reply(200, {"issues": issues, "isLast": len(found) <= int(max_results)})


def comment_created_push(
    server: JiraServiceManagementServer, secret: str, key: str, comment_id: str
) -> tuple[dict[str, str], bytes]:
    """The admin webhook's `comment_created` delivery (REST v2 shape: the body is a string), signed
    `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`; the same for Jira and JSM."""
    comment = next(c for c in server.comments[key] if c["id"] == comment_id)
    request = server.requests[key]
    document = {
        "timestamp": 1764842400000,
        "webhookEvent": "comment_created",
        "comment": {
            "id": comment["id"],
            "self": f"{server.url}/rest/api/2/issue/{request['issueId']}/comment/{comment['id']}",
            "author": comment["author"],
            "body": comment["body"],
            "created": comment["created"],
            "jsdPublic": comment["public"],
        },
        "issue": {"id": request["issueId"], "key": key, "fields": {"summary": request["summary"]}},
    }
    body = json.dumps(document).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Atlassian-Webhook-Identifier": f"wh-{comment['id']}",
        "X-Hub-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }
    return headers, body
