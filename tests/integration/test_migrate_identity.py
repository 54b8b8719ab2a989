"""`migrate-identity` on moto: data stored by the previous release (keys `network#external_id`)
moves to brand-scoped keys; nothing is lost or doubled, open tickets keep growing, queued jobs with
old keys still work, a second run changes nothing, an interrupted one is finished by running again.

The previous release is reproduced by running today's pipeline with its identity
(`legacy_identity`): the rows, links, builtin tickets and queued jobs are the ones it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from functions import cli
from functions.core.mention import Mention, legacy_identity
from functions.runtime.settings import settings
from functions.stores import mentions, tickets
from tests.helpers import deliver, desk_tickets, mentions_stored, queue_depth, table_items, vk_body

COMPLAINT = "wall_reply_new__top_level.json"  # author 553201, thread wall-218000001_513
FOLLOW_UP = "wall_reply_new__reply_in_thread.json"


def _source(driver: Any, queue: str) -> Any:
    (source,) = [s for s in driver.sources if s.queue == queue]
    return source


@pytest.fixture
def legacy(service: str, driver: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What the previous release left: a ticketed thread with a follow-up comment, a plain post,
    and a second complaint whose ticket job is still queued with its old key."""
    monkeypatch.setattr(Mention, "identity", property(lambda m: legacy_identity(m.network, m.external_id)))
    assert deliver(service, "vk", vk_body(COMPLAINT)).status_code == 200
    driver.drain()
    assert deliver(service, "vk", vk_body(FOLLOW_UP)).status_code == 200
    plain = vk_body(COMPLAINT, id=9200, from_id=888, text="Lovely pizza yesterday")
    assert deliver(service, "vk", plain).status_code == 200
    driver.drain()
    # the second complaint is stored, but its ticket job is still queued with the old key
    other = vk_body(COMPLAINT, id=9100, from_id=777, text="Charged twice and no refund, terrible service")
    assert deliver(service, "vk", other).status_code == 200
    while driver.run_once(_source(driver, settings().mentions_queue)):
        pass
    monkeypatch.undo()
    yield


def _report(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The command's report (the last thing on stdout; the pipeline's JSON logs may come before)."""
    out = capsys.readouterr().out
    report: dict[str, Any] = json.loads(out[out.rindex('{\n  "migrate-identity"') :])["migrate-identity"]
    return report


def _snapshot() -> tuple[list[Any], list[Any]]:
    key = json.dumps
    return (
        sorted(key(i, sort_keys=True, default=str) for i in mentions_stored()),
        sorted(key(i, sort_keys=True, default=str) for i in table_items(settings().tickets_table)),
    )


def test_dry_run_counts_and_writes_nothing(legacy: None, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot()
    assert cli.main(["migrate-identity", "--dry-run"]) == 0
    report = _report(capsys)
    assert report["mentions_moved"] == 4 and report["mentions_merged"] == 0 and report["links_rewritten"] >= 1
    assert _snapshot() == before


def test_migration_moves_everything_once_and_the_pipeline_carries_on(
    legacy: None, service: str, driver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    (ticket,) = desk_tickets()
    queued = queue_depth(settings().tickets_queue)
    assert queued >= 1  # a ticket job with an old key is waiting

    assert cli.main(["migrate-identity"]) == 0
    report = _report(capsys)
    assert (report["mentions_moved"], report["mentions_merged"], report["changed_under_us"]) == (4, 0, [])

    stored = [m for m in mentions_stored() if "moved_to" not in m]
    redirects = {m["id"]: m["moved_to"] for m in mentions_stored() if "moved_to" in m}
    assert len(stored) == 4 and all(m["id"].startswith("acme#vk#") for m in stored)
    assert redirects == {legacy_identity(m["network"], m["external_id"]): m["id"] for m in stored}
    first = mentions.get("acme#vk#wall-218000001_513_c9041")
    assert first is not None and mentions.get("vk#wall-218000001_513_c9041") == first  # followed
    assert first.ticket_job_sent

    (link,) = [t for t in tickets.open_links("acme") if t.ticket is not None]
    assert link.opened_by == "acme#vk#wall-218000001_513_c9041"
    assert link.helpdesk_key == "vk#wall-218000001_513_c9041"  # what the builtin desk knows it by
    assert link.mentions == {"acme#vk#wall-218000001_513_c9041", "acme#vk#wall-218000001_513_c9050"}

    # the read API shows the new ids, one per post
    from tests.helpers import read

    shown = read(service, "/mentions?brand=acme").json()["items"]
    assert sorted(m["id"] for m in shown) == sorted(m["id"] for m in stored)

    # the queued old-key job opens its ticket once; redeliveries are duplicates; a new follow-up joins
    driver.drain()
    assert deliver(service, "vk", vk_body(COMPLAINT)).status_code == 200
    assert deliver(service, "vk", vk_body(FOLLOW_UP)).status_code == 200
    later = vk_body(FOLLOW_UP, id=9060, text="Any news? Still no refund.")
    assert deliver(service, "vk", later).status_code == 200
    driver.drain()
    assert queue_depth(f"{settings().tickets_queue}-dlq") == 0
    after = desk_tickets()
    assert len(after) == 2  # the old ticket and the queued complaint's: none doubled
    (same,) = [t for t in after if t["id"] == ticket["id"]]
    assert [c["text"].split("\n")[2] for c in same["comments"]] == [
        "Still waiting, third day now.",
        "Any news? Still no refund.",
    ]
    assert len([m for m in mentions_stored() if "moved_to" not in m]) == 5

    # a second run has nothing to do
    assert cli.main(["migrate-identity"]) == 0
    again = _report(capsys)
    assert again["mentions_moved"] == again["mentions_merged"] == again["links_rewritten"] == 0


def test_an_interrupted_or_raced_run_is_finished_by_running_again(
    legacy: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run that died after copying an item (or new code that stored the post again before the
    migration) leaves both keys: the next run merges them, keeping the old item's ticket."""
    from functions.stores import admin

    old = admin.get_mention_raw("vk#wall-218000001_513_c9041")
    assert old is not None and old.get("ticket")
    copy = {**old, "id": "acme#vk#wall-218000001_513_c9041", "text": "edited later"}
    del copy["ticket"]
    admin.put_mention(copy)
    assert cli.main(["migrate-identity"]) == 0
    report = _report(capsys)
    assert (report["mentions_moved"], report["mentions_merged"]) == (3, 1)
    merged = admin.get_mention_raw("acme#vk#wall-218000001_513_c9041")
    assert merged is not None and merged["text"] == "edited later" and merged["ticket"] == old["ticket"]
    assert len([m for m in mentions_stored() if "moved_to" not in m]) == 4
