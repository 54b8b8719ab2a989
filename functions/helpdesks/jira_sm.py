"""Jira Service Management customer requests (servicedeskapi + the Jira platform API).

Contract (Atlassian's "Service Management Public REST API" OpenAPI, 2023 copy, read for the notes
in docs/helpdesks.md but not kept; checked in tests against tests/servers/helpdesks/jira_sm.py):
- [confirmed] auth HTTP Basic `email:api_token`;
- [confirmed] create `POST /rest/servicedeskapi/request` (createCustomerRequest) {serviceDeskId,
  requestTypeId, requestFieldValues: {summary, description (plain text), ...}, raiseOnBehalfOf:
  <accountId>} → 201; `raiseOnBehalfOf` takes an account id, not an e-mail;
- [secondary] the 201 body has issueId, issueKey, currentStatus.status, _links.web;
- [confirmed] comment `POST /rest/servicedeskapi/request/{key}/comment` {body, public: false}
  (public false = internal note);
- [confirmed] read `GET /rest/servicedeskapi/request/{key}` → currentStatus.status
  (e.g. "Waiting for support"); a request names no resolution or labels, so the sweep also reads
  the platform's `GET /rest/api/3/issue/{key}?fields=resolution,labels` for the verdict signals
  (the resolution "Declined" or "Not a complaint", the label `not-complaint`): two reads per ticket;
- priority is not a field of every request type [unconfirmed], so it is set right after creation
  with the platform `PUT /rest/api/3/issue/{key}` {"fields": {"priority": {"name"}}} [confirmed path];
  a failure there leaves the request at the project's default priority;
- the servicedeskapi cannot search by an external key: the mention key becomes the label
  `md-<sha256 prefix>` and `find_ticket` uses the platform JQL search (see `jira.py`).
  Labels in `requestFieldValues` need the Labels field on the request type [unconfirmed]; with
  `labels_in_request: false` they are set by the same platform PUT as the priority instead, which
  leaves a window (create succeeded, PUT lost) where a retry cannot find the request.

Replies (docs/helpdesk-replies.md) are read from the platform's comment listing, as for `jira`
(`jsdPublic`, `author.accountType`): servicedeskapi's comments name no account type, so they
cannot tell an agent from a customer. The push is the same signed admin webhook (`jira.reply_event`).

Settings: `url`, `email`, `service_desk_id`, `request_type_id`, `on_behalf_account_id` (optional),
`labels_in_request` (default true), `priorities`, `search_path` (as for `jira`).
Secrets: `api_token`; for the reply push `webhook_secret`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from functions.core.score import Priority
from functions.core.tickets import DeskComment, DeskState, HelpdeskError, TicketDraft, TicketRef, setting
from functions.helpdesks._common import field, json_object
from functions.helpdesks.jira import (
    PRIORITY,
    REPLY_EVENT_HEADER,
    REPLY_EVENT_SECRETS,
    SIGNAL_FIELDS,
    JiraSite,
    issue_path,
    issue_signals,
    labels_for,
    reply_event,
    summary,
)

VENDOR = "jira_sm"
FEATURES = frozenset({"priority", "tags", "external_reference", "comments", "status", "replies"})

__all__ = [
    "FEATURES",
    "PRIORITY",
    "REPLY_EVENT_HEADER",
    "REPLY_EVENT_SECRETS",
    "VENDOR",
    "JiraServiceManagement",
    "create",
    "reply_event",
    "request_payload",
]


def request_payload(
    draft: TicketDraft,
    idempotency_key: str,
    *,
    service_desk_id: str,
    request_type_id: str,
    on_behalf_account_id: str | None = None,
    labels_in_request: bool = True,
) -> dict[str, Any]:
    values: dict[str, Any] = {"summary": summary(draft.subject), "description": draft.body}
    if labels_in_request:
        values["labels"] = labels_for(draft, idempotency_key)
    payload: dict[str, Any] = {
        "serviceDeskId": service_desk_id,
        "requestTypeId": request_type_id,
        "requestFieldValues": values,
    }
    if on_behalf_account_id:
        payload["raiseOnBehalfOf"] = on_behalf_account_id
    return payload


def created_request(body: Mapping[str, Any]) -> tuple[str, str | None]:
    """createCustomerRequest's `CustomerRequestDTO` → (issue key, web link if given)."""
    links = body.get("_links")
    web = links.get("web") if isinstance(links, dict) else None
    return str(field(body, VENDOR, "issueKey")), str(web) if web else None


def request_status(body: Mapping[str, Any]) -> str:
    """getCustomerRequestByIdOrKey's `CustomerRequestDTO` → currentStatus.status."""
    return str(field(body, VENDOR, "currentStatus", "status"))


class JiraServiceManagement:
    VENDOR = VENDOR
    FEATURES = FEATURES

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str]) -> None:
        self.site = JiraSite(VENDOR, settings, secrets)
        self.service_desk_id = setting(settings, "service_desk_id")
        self.request_type_id = setting(settings, "request_type_id")
        self.on_behalf = settings.get("on_behalf_account_id") or None
        labels_in_request = settings.get("labels_in_request", True)
        if not isinstance(labels_in_request, bool):
            raise HelpdeskError("jira_sm setting 'labels_in_request' must be true or false")
        self.labels_in_request = labels_in_request

    def _request_path(self, ticket: TicketRef) -> str:
        issue_path(ticket)  # the same key rules
        return f"/rest/servicedeskapi/request/{quote(ticket.id)}"

    def open_ticket(self, draft: TicketDraft, idempotency_key: str) -> TicketRef:
        payload = request_payload(
            draft,
            idempotency_key,
            service_desk_id=self.service_desk_id,
            request_type_id=self.request_type_id,
            on_behalf_account_id=str(self.on_behalf) if self.on_behalf else None,
            labels_in_request=self.labels_in_request,
        )
        created = json_object(self.site.call("POST", "/rest/servicedeskapi/request", json=payload), VENDOR)
        key, web = created_request(created)
        ticket = self.site.ref(key, web)
        fields: dict[str, Any] = {"priority": {"name": self.site.priorities[draft.priority]}}
        if not self.labels_in_request:
            fields["labels"] = labels_for(draft, idempotency_key)
        self.site.edit(ticket, fields)
        return ticket

    def find_ticket(self, idempotency_key: str) -> TicketRef | None:
        return self.site.find(idempotency_key)

    def add_comment(self, ticket: TicketRef, text: str) -> None:
        self.site.call("POST", f"{self._request_path(ticket)}/comment", json={"body": text, "public": False})

    def set_priority(self, ticket: TicketRef, priority: Priority) -> None:
        self.site.set_priority(ticket, priority)

    def comments(self, ticket: TicketRef) -> list[DeskComment]:
        return self.site.comments(ticket)

    def reopen(self, ticket: TicketRef) -> None:
        """Not offered (no "reopen" in FEATURES): reopening is a workflow transition per project."""
        raise HelpdeskError("jira_sm: reopen needs a workflow transition; FEATURES has no 'reopen'")

    def ticket_state(self, ticket: TicketRef) -> DeskState:
        """The request's status (as JSM shows it) with the issue's labels and resolution."""
        status = request_status(json_object(self.site.call("GET", self._request_path(ticket)), VENDOR))
        labels, resolution = issue_signals(self.site.issue(ticket, SIGNAL_FIELDS))
        return DeskState(status, labels, resolution)


def create(settings: Mapping[str, Any], secrets: Mapping[str, str]) -> JiraServiceManagement:
    return JiraServiceManagement(settings, secrets)
