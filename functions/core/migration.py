"""The identity migration (`python -m functions.cli migrate-identity`), as pure decisions.

Mentions used to be keyed `network#external_id`; they are keyed `brand#network#external_id` now
(`functions.core.mention.identity`). For the stored data that means:
- a mentions item under an old key is copied to its new key, and the old key becomes a redirect
  (`{"id": <old>, "moved_to": <new>}`, no brand, so outside the `by_brand` index) for ticket jobs
  still queued, or parked in the DLQ, with the old key;
- if the new key already holds the same post (stored by the new code before the migration ran),
  the two are merged: the newer text stays, what was done for the old one (its ticket, ticket
  status, the ticket job sent, an erasure) is kept, so nothing is lost and no ticket is doubled;
- a ticket link's mention ids (`opened_by`, `mentions`, `commenting`) are rewritten through the
  same old → new map, and its old `opened_by` is kept as `helpdesk_key`: the ticket was opened in
  the helpdesk under that key, and a job finishing an interrupted opening must find it there.
Everything is decided from the item itself, so a second run finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from functions.core.mention import identity, legacy_identity

# What the old item says was done for the post; kept when both keys hold it.
BOOKKEEPING = ("ticket", "ticket_status", "deleted", "deleted_at")


@dataclass(frozen=True)
class Move:
    old: str
    new: str


def is_redirect(item: Mapping[str, Any]) -> bool:
    return "moved_to" in item


def mention_move(item: Mapping[str, Any]) -> Move | None:
    """Where a stored mentions item must move; None for a brand-scoped item or a redirect."""
    if is_redirect(item) or not all(isinstance(item.get(k), str) for k in ("brand", "network", "external_id")):
        return None
    if item["id"] != legacy_identity(item["network"], item["external_id"]):
        return None
    return Move(str(item["id"]), identity(item["brand"], item["network"], item["external_id"]))


def moved_item(item: Mapping[str, Any], move: Move) -> dict[str, Any]:
    return {**item, "id": move.new}


def redirect(move: Move, at: str) -> dict[str, Any]:
    return {"id": move.old, "moved_to": move.new, "migrated_at": at}


def merged(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The post stored under both keys, as one: the new item's content (the newer version), the old
    item's bookkeeping where the new has none, the earlier `stored_at`, the ticket job sent if
    either sent it, and an erasure of either applied."""
    result = dict(new)
    for name in BOOKKEEPING:
        if name in old and name not in new:
            result[name] = old[name]
    result["stored_at"] = min(str(old.get("stored_at", "")), str(new.get("stored_at", ""))) or new.get("stored_at")
    result["ticket_job_sent"] = bool(old.get("ticket_job_sent")) or bool(new.get("ticket_job_sent"))
    if old.get("erased") and not new.get("erased"):
        result.update({"text": old["text"], "author": old["author"], "erased": True})
        result.pop("url", None)
    return result


def link_update(link: Mapping[str, Any], moved: Mapping[str, str]) -> dict[str, Any] | None:
    """The rewritten id fields of a ticket link, or None when none of its ids moved."""
    opened_by = str(link["opened_by"])
    ids = {str(m) for m in link.get("mentions") or ()}
    commenting = dict(link.get("commenting") or {})
    if not ({opened_by, *ids, *commenting} & moved.keys()):
        return None
    update: dict[str, Any] = {
        "opened_by": moved.get(opened_by, opened_by),
        "mentions": {moved.get(m, m) for m in ids},
        "commenting": {moved.get(k, k): v for k, v in commenting.items()},
    }
    if opened_by in moved and not link.get("helpdesk_key"):
        update["helpdesk_key"] = opened_by
    return update
