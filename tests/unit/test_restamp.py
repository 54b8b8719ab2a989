"""`replay --fresh`: every push network's fixtures, restamped, parse into mentions posted just now."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from functions import connectors
from functions.core.restamp import restamp
from functions.core.webhooks import UnsupportedEventError
from tests.contract import fixtures, secrets_for, signed_request

NOW = datetime(2031, 5, 4, 10, 30, 0, tzinfo=UTC)
CASES = [(net, path) for net in connectors.push_networks() for path in fixtures(net)]


@pytest.mark.parametrize(("network", "path"), CASES, ids=[f"{n}/{p.stem}" for n, p in CASES])
def test_a_restamped_fixture_is_posted_now(network: str, path: Path) -> None:
    connector = connectors.load(network)
    assert connector is not None
    request = signed_request(connector, json.dumps(restamp(json.loads(path.read_bytes()), NOW)).encode(), NOW)
    if connector.handshake(request, secrets_for(connector)) is not None:
        return
    connector.verify(request, secrets_for(connector), NOW)  # still inside every replay window
    try:
        found = connector.parse(request, "acme")
    except UnsupportedEventError:
        return
    posted = [m.created_at for m in found if m.created_at.year > 1970]  # deletes carry no time
    # the newest timestamp (often the delivery's own) is now; the posts are at most a little older
    assert all(NOW - timedelta(hours=1) <= moment <= NOW for moment in posted), posted


def test_every_timestamp_moves_by_the_same_amount_in_its_own_form() -> None:
    document = {
        "object": {"date": 1764237600, "reply": {"date": 1764237000}, "owner_id": -218000001, "id": 9041},
        "entry": [{"time": 1764237600000, "created_at": "2025-11-27T10:00:00.000Z"}],
        "tweet": {"created_at": "Thu Nov 27 10:00:00 +0000 2025", "timestamp_ms": "1764237600000"},
        "text": "posted 2025-11-27T10:00:00Z",
    }
    fresh = restamp(document, NOW)
    assert fresh["object"]["date"] == int(NOW.timestamp())
    assert fresh["object"]["reply"]["date"] == int((NOW - timedelta(minutes=10)).timestamp())
    assert (fresh["object"]["owner_id"], fresh["object"]["id"]) == (-218000001, 9041)  # ids are not times
    assert fresh["entry"][0]["time"] == int(NOW.timestamp()) * 1000
    assert fresh["entry"][0]["created_at"] == "2031-05-04T10:30:00.000Z"
    assert fresh["tweet"]["created_at"] == "Sun May 04 10:30:00 +0000 2031"
    assert fresh["tweet"]["timestamp_ms"] == str(int(NOW.timestamp()) * 1000)
    assert fresh["text"] == document["text"]
    assert restamp({"type": "ping"}, NOW) == {"type": "ping"}
