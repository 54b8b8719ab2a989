"""Cross-tenant suite: two brands of one agency, `north` and `south`, on every push network (each
with its own accounts and secrets) and every poll source, over real HTTP and moto.

- content both brands may receive (the same `generic` id, one tweet naming both, a polled post
  matching both queries) is stored once per brand, each copy with its own ticket;
- every forged-ownership variant gets no success: south's secrets for north's URL or accounts, VK
  events with south's secret naming north's wall (new, edit, delete), south's delete of a shared
  tweet, south's read key on north's routes; north's data is untouched by all of them;
- the health page data and the evening digest of one brand hold none of the other's mentions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests

from functions import connectors
from functions.api import auth
from functions.core.health import digest_text
from functions.core.mention import Author, Kind, Mention, Thread
from functions.reports.health import gather
from functions.runtime import secrets
from functions.runtime import settings as settings_module
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import queues
from tests.conftest import FIXTURES, READ_API_KEY, WORK
from tests.contract import fixtures, secrets_for
from tests.helpers import desk_tickets, mentions_stored, queue_depth

# South's own accounts on each network (north has the fixtures' accounts).
SOUTH_ACCOUNTS = {
    "vk": "218000002",
    "facebook": "104000000000009",
    "instagram": "17841400000000009",
    "telegram": "-1009999999999",
    "x": "1590187453124698999",
}
NORTH_VK, SOUTH_VK = 218000001, 218000002
READ_KEYS = {"north": "north-read-key", "south": "south-read-key"}


def _values(brand: str, network: str) -> dict[str, str]:
    """North signs like the fixtures (the contract suite's secrets); south has its own."""
    connector = connectors.load(network)
    assert connector is not None
    if brand == "north":
        return secrets_for(connector)
    return {name: f"south-{network}-{name}" for name in connector.SECRETS}


def _brand(slug: str) -> dict[str, Any]:
    networks: dict[str, Any] = {}
    for network in connectors.push_networks():
        connector = connectors.load(network)
        assert connector is not None
        north_accounts = json.loads((FIXTURES / network / "brand.json").read_text()).get("accounts", [])
        accounts = north_accounts if slug == "north" else [SOUTH_ACCOUNTS[network]] if network in SOUTH_ACCOUNTS else []
        refs = {name: f"ssm:/mentiondesk/{slug}/{network}/{name}" for name in connector.SECRETS}
        networks[network] = {"accounts": accounts, "secrets": refs}
    return {
        "slug": slug,
        "name": slug.title(),
        "keywords": ["acme"],
        "networks": networks,
        "secrets": {"read_keys": f"ssm:/mentiondesk/{slug}/read-keys"},
        "helpdesk": {"vendor": "builtin"},
        "scoring": {"complaint_threshold": 0.4},
    }


@pytest.fixture
def agency(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The deployment serves north and south only, with their secrets in moto's SSM."""
    path = WORK / "agency-brands.json"
    path.write_text(json.dumps({"brands": [_brand("north"), _brand("south")]}))
    ssm = boto3.client("ssm")
    for slug in ("north", "south"):
        ssm.put_parameter(Name=f"/mentiondesk/{slug}/read-keys", Value=READ_KEYS[slug], Type="SecureString")
        for network in connectors.push_networks():
            for name, value in _values(slug, network).items():
                ssm.put_parameter(Name=f"/mentiondesk/{slug}/{network}/{name}", Value=value, Type="SecureString")
    monkeypatch.setenv("BRANDS_FILE", str(path))
    settings_module.settings.cache_clear()
    brands.cache_clear()
    secrets.clear()
    yield
    monkeypatch.undo()
    settings_module.settings.cache_clear()
    brands.cache_clear()
    secrets.clear()


def _send(service: str, network: str, body: bytes, *, url_brand: str | None, signed_by: str) -> requests.Response:
    connector = connectors.load(network)
    assert connector is not None
    signed = connector.sign(body, _values(signed_by, network), datetime.now(UTC))
    url = f"{service}/webhooks/{network}" + (f"/{url_brand}" if url_brand else "")
    return requests.post(url, params=dict(signed.query), data=signed.body, headers=dict(signed.headers), timeout=10)


def _stored() -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in mentions_stored() if "moved_to" not in m}


def _tickets_by_brand() -> dict[str, int]:
    found: dict[str, int] = {}
    for ticket in desk_tickets():
        found[ticket["brand"]] = found.get(ticket["brand"], 0) + 1
    return found


# ------------------------------------------------------------------ content both brands receive


def test_the_same_generic_id_from_two_brands_systems_is_two_mentions_with_two_tickets(
    agency: None, service: str, driver: Any
) -> None:
    body = (FIXTURES / "generic" / "mentions__single_review.json").read_bytes()
    for brand in ("north", "south"):
        for _ in range(2):  # each sender retries once: still one each
            assert _send(service, "generic", body, url_brand=brand, signed_by=brand).status_code == 200
    driver.drain()
    assert set(_stored()) == {
        "north#generic#trustpilot-export:rv-20931",
        "south#generic#trustpilot-export:rv-20931",
    }
    assert _tickets_by_brand() == {"north": 1, "south": 1}


def _tweet_for(brand: str, fixture: str) -> bytes:
    raw = (FIXTURES / "x" / fixture).read_text()
    north_user = json.loads((FIXTURES / "x" / "brand.json").read_text())["accounts"][0]
    return raw.replace(north_user, SOUTH_ACCOUNTS["x"] if brand == "south" else north_user).encode()


def test_one_tweet_naming_two_clients_is_ticketed_for_each_and_a_delete_reaches_only_its_own(
    agency: None, service: str, driver: Any
) -> None:
    for brand in ("north", "south"):
        body = _tweet_for(brand, "tweet_create_events__mention.json")
        assert _send(service, "x", body, url_brand=brand, signed_by=brand).status_code == 200
    driver.drain()
    tweet = "2126370720229228546"
    assert {key for key in _stored() if key.endswith(tweet)} == {f"north#x#{tweet}", f"south#x#{tweet}"}
    assert _tickets_by_brand() == {"north": 1, "south": 1}

    # south's subscription reports the tweet deleted: south's copy is marked, north's is not
    body = _tweet_for("south", "tweet_delete_events__mention_deleted.json")
    assert _send(service, "x", body, url_brand="south", signed_by="south").status_code == 200
    driver.drain()
    stored = _stored()
    assert stored[f"south#x#{tweet}"].get("deleted") is True
    assert not stored[f"north#x#{tweet}"].get("deleted")


@pytest.mark.parametrize("source", connectors.poll_sources())
def test_a_polled_post_matching_both_brands_queries_is_stored_and_ticketed_per_brand(
    agency: None, driver: Any, source: str
) -> None:
    """Every poll source builds its identity from the post alone, so both brands' polls find the
    same external id; each brand keeps its copy (cursors are per brand × source × target too)."""
    now = datetime.now(UTC).replace(microsecond=0)
    posts = [
        Mention(
            source,
            "shared-post-1",
            Kind.POST,
            brand,
            Author("u-1", handle="someone"),
            "acme pizza: my order never arrived and nobody answers, I want a refund",
            None,
            now,
            thread=Thread(root_id="shared-post-1"),
        )
        for brand in ("north", "south", "north")  # north's poll sees it twice: still one
    ]
    queues.send(settings().mentions_queue, [{"mention": m.to_dict()} for m in posts])
    driver.drain()
    assert set(_stored()) == {f"north#{source}#shared-post-1", f"south#{source}#shared-post-1"}
    assert _tickets_by_brand() == {"north": 1, "south": 1}


# ------------------------------------------------------------------ forged ownership: 0 successes


def _vk(event: str, group_id: int, owner: int, comment: int, text: str = "") -> bytes:
    obj: dict[str, Any] = {"id": comment, "owner_id": owner, "post_id": 513}
    if not event.endswith("_delete"):
        obj |= {"from_id": 553201, "date": 1764237600, "text": text, "post_owner_id": owner}
    else:
        obj |= {"deleter_id": 553201}
    return json.dumps({"type": event, "group_id": group_id, "event_id": f"e-{event}-{comment}", "object": obj}).encode()


COMPLAINT = "My order never arrived and nobody answers the phone. I want a refund."


def test_vk_events_with_souths_secret_naming_norths_wall_are_refused_and_change_nothing(
    agency: None, service: str, driver: Any
) -> None:
    norths = _vk("wall_reply_new", NORTH_VK, -NORTH_VK, 9041, COMPLAINT)
    assert _send(service, "vk", norths, url_brand=None, signed_by="north").status_code == 200
    driver.drain()
    before = _stored()
    key = "north#vk#wall-218000001_513_c9041"
    assert before[key]["text"] == COMPLAINT and _tickets_by_brand() == {"north": 1}

    forged = [
        _vk("wall_reply_edit", SOUTH_VK, -NORTH_VK, 9041, "thanks, all good now"),  # rewrite
        _vk("wall_reply_delete", SOUTH_VK, -NORTH_VK, 9041),  # mark deleted
        _vk("wall_reply_new", SOUTH_VK, -NORTH_VK, 9077, "nice"),  # pre-empt a comment not yet delivered
        _vk("wall_reply_edit", NORTH_VK, -NORTH_VK, 9041, "thanks, all good now"),  # north's group, south's secret
        _vk("wall_reply_delete", NORTH_VK, -NORTH_VK, 9041),
    ]
    answers = [_send(service, "vk", body, url_brand=None, signed_by="south") for body in forged]
    answers += [_send(service, "vk", body, url_brand="north", signed_by="south") for body in forged]
    answers += [_send(service, "vk", body, url_brand="south", signed_by="south") for body in forged[:3]]
    assert [a.status_code for a in answers if a.status_code < 400] == []  # 0 successes
    assert all(a.status_code == 403 for a in answers), [a.text for a in answers]
    assert queue_depth(settings().mentions_queue) == 0
    driver.drain()
    assert _stored() == before  # not rewritten, not deleted, nothing added for south

    # north's real delivery of the comment the forger tried to pre-empt is stored, with its ticket
    real = _vk("wall_reply_new", NORTH_VK, -NORTH_VK, 9077, "Charged twice, still no refund, awful")
    assert _send(service, "vk", real, url_brand=None, signed_by="north").status_code == 200
    driver.drain()
    assert "north#vk#wall-218000001_513_c9077" in _stored()


def _first_storing_fixture(network: str) -> bytes:
    for path in fixtures(network):
        golden = json.loads(path.with_name(path.name.replace(".json", ".expected.json")).read_text())
        if isinstance(golden, list) and any(m["action"] == "new" for m in golden):
            return path.read_bytes()
    raise AssertionError(f"{network} has no fixture that stores a mention")


@pytest.mark.parametrize("network", connectors.push_networks())
def test_a_delivery_signed_with_another_brands_secrets_is_refused_on_every_network(
    agency: None, service: str, driver: Any, network: str
) -> None:
    """North's delivery (north's accounts inside), signed with south's secrets: to north's URL and
    to the account-routed URL it is refused; to south's own URL it can at most be south's own
    content (Meta drops the parts of pages south does not own). North's data never changes."""
    body = _first_storing_fixture(network)
    assert _send(service, network, body, url_brand="north", signed_by="north").status_code == 200  # genuine
    driver.drain()
    norths = {key: item for key, item in _stored().items() if item["brand"] == "north"}
    assert norths
    answers = [_send(service, network, body, url_brand=url_brand, signed_by="south") for url_brand in ("north", None)]
    assert [a.status_code for a in answers if a.status_code < 400] == [], [a.text for a in answers]
    assert queue_depth(settings().mentions_queue) == 0
    _send(service, network, body, url_brand="south", signed_by="south")
    driver.drain()
    assert {key: item for key, item in _stored().items() if item["brand"] == "north"} == norths


BRAND_ROUTES = ["/mentions?brand={b}", "/tickets?brand={b}", "/brands/{b}/loyalty", "/brands/{b}/health"]


def test_a_brands_read_key_reads_nothing_of_the_other_brand(agency: None, service: str, driver: Any) -> None:
    body = (FIXTURES / "generic" / "mentions__single_review.json").read_bytes()
    for brand in ("north", "south"):
        assert _send(service, "generic", body, url_brand=brand, signed_by=brand).status_code == 200
    driver.drain()

    def get(path: str, key: str) -> requests.Response:
        return requests.get(f"{service}{path}", headers={auth.HEADER: key}, timeout=10)

    forged = [get(route.format(b="north"), READ_KEYS["south"]) for route in [*BRAND_ROUTES, "/brands/{b}/health.html"]]
    forged.append(get("/health/details", READ_KEYS["south"]))
    assert [f.status_code for f in forged] == [403] * len(forged)  # 0 successes
    for route in BRAND_ROUTES:
        assert get(route.format(b="south"), READ_KEYS["south"]).status_code == 200
    for path in ("/mentions", "/tickets"):
        assert {i["brand"] for i in get(path, READ_KEYS["south"]).json()["items"]} == {"south"}
        assert {i["brand"] for i in get(path, READ_API_KEY).json()["items"]} == {"north", "south"}


def test_health_figures_and_the_digest_hold_only_the_brands_own_mentions(agency: None, driver: Any) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    posts = [
        Mention("generic", f"s:{n}", Kind.POST, brand, Author(f"u{n}"), COMPLAINT, None, now)
        for n, brand in enumerate(["north", "south", "south", "south"])
    ]
    queues.send(settings().mentions_queue, [{"mention": m.to_dict()} for m in posts])
    driver.drain()
    north, south = (brands().get(slug) for slug in ("north", "south"))
    assert north is not None and south is not None
    figures = {b.slug: gather(b, now) for b in (north, south)}
    assert figures["north"]["totals"]["mentions"] == 1 and figures["south"]["totals"]["mentions"] == 3
    assert figures["north"]["open_complaints"]["count"] == 1
    text = digest_text(figures["north"])
    assert text.startswith("[North]") and "Mentions 1," in text and "South" not in text


def test_two_brands_tickets_with_one_id_on_their_own_desks_are_each_found_for_their_brand(aws: str) -> None:
    """North and south each run their own Zendesk: both can have ticket "42". A status event that
    south's token opened must reach south's link, never north's (and north's never south's)."""
    from functions.core.tickets import TicketRef
    from functions.stores import tickets

    now = datetime.now(UTC)
    for slug in ("north", "south"):
        won, link = tickets.claim_opening(
            f"{slug}#x#thread", slug, "zendesk", f"{slug}#x#1", owner="job", now=now, lease_seconds=60
        )
        assert won
        ticket = TicketRef("zendesk", "42", f"https://{slug}.zendesk.example/agent/tickets/42")
        assert tickets.confirm_opened(link, owner="job", ticket=ticket, subject="s", priority="normal", now=now)
    for slug in ("north", "south"):
        found = tickets.find_by_ticket("zendesk", "42", slug)
        assert found is not None and (found.brand, found.key) == (slug, f"{slug}#x#thread")
    assert tickets.find_by_ticket("zendesk", "42", "west") is None
