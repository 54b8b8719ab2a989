"""Jira Service Management as we use it: servicedeskapi requests plus the platform's JQL search
and issue edit, from the notes in docs/helpdesks.md (the JSM OpenAPI's RequestCreateDTO etc.).

- Basic auth `email:api_token`, else 401 {"errorMessage": ...}.
- One service desk (`service_desk_id`) with one request type (`request_type_id`) whose fields are
  `summary` (required), `description` and `labels`; any other field is a 400, as JSM answers for
  fields not on the request type. `raiseOnBehalfOf` must be an account id (not an e-mail).
- `POST /rest/servicedeskapi/request` → 201 CustomerRequestDTO {issueId, issueKey, currentStatus,
  _links}; `GET /rest/servicedeskapi/request/{key}`; `POST .../request/{key}/comment` {body, public}.
- `PUT /rest/api/3/issue/{key}` {"fields": {priority: {name}, labels}} → 204.
- `GET /rest/api/3/search/jql?jql=labels = "<label>" [ORDER BY created ASC]` → {"issues": [{id, key}],
  "isLast"} (only that JQL form; paging by `nextPageToken`, no `startAt`/`total`: Atlassian's spec).
- `GET /rest/api/3/search` (the old search, CHANGE-2046) → 410 Gone, as Atlassian answers once it is
  removed.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.servers.helpdesks.base import ContractServer, Handler, Rejected, Reply, Request, check_fields, check_strings

PRIORITY_NAMES = ("Lowest", "Low", "Medium", "High", "Highest")
LABEL_JQL = re.compile(r'^labels = "([^"\s]+)"( ORDER BY created ASC)?$')
ACCOUNT_ID = re.compile(r"^[0-9a-f]{24}$|^\d+:[0-9a-f-]{36}$")


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
            "priority": "Medium",
            "reporter": document.get("raiseOnBehalfOf"),
            "_links": {"web": f"{self.url}/servicedesk/customer/portal/1/{key}"},
        }
        self.requests[key] = stored
        self.comments[key] = []
        return Reply(201, stored)

    def _show(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, self._request(match))

    def _comment(self, request: Request, match: re.Match[str]) -> Reply:
        stored = self._request(match)
        document = request.json()
        check_fields(document, "comment", {"body": str}, {"public": bool})
        comment = {"id": str(len(self.comments[stored["issueKey"]]) + 1), "public": True, **document}
        self.comments[stored["issueKey"]].append(comment)
        return Reply(201, comment)

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
