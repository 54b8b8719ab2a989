"""The channel-statistics requests and fixtures against the networks' own specs (excerpts with their
licences in tests/contracts/channels/): every parameter a connector sends is one the method declares,
every field a fixture carries is one the schema declares, every token type fits the method."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from functions import connectors
from functions.core.polls import Credentials
from functions.runtime.fetch import fetch
from tests.channels import load, load_fake
from tests.fakeapi import fake_api

SPECS = Path(__file__).resolve().parents[1] / "contracts" / "channels"
NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def _spec(name: str) -> Any:
    return json.loads((SPECS / name).read_text())


def _requests(network: str) -> list[Any]:
    fake = load_fake(network, NOW)
    module = connectors.load_channel_source(network)
    assert module is not None
    with fake_api() as server:
        server.handler = fake.handle
        module.channel_stats(
            fetch, Credentials(secrets=fake.SECRET_VALUES), fake.ACCOUNT, fake.settings(server.url), NOW
        )
        return list(server.requests)


def test_vk_requests_use_declared_parameters_and_token_types() -> None:
    methods = {m["name"]: m for m in _spec("vk-api-schema.excerpt.json")["methods"]}
    for seen in _requests("vk"):
        method = methods[seen.path.removeprefix("/method/")]
        declared = {p["name"] for p in method["parameters"]} | {"v", "access_token"}
        if method["name"] == "wall.get":
            declared.add("owner_id")  # omitted by the 5.199 schema, used by every client [secondary]
        assert set(seen.query) <= declared, (method["name"], set(seen.query) - declared)
        assert "service" in method["access_token_type"]  # the brand's service key works for both
    codes = {e["code"] for e in _spec("vk-api-schema.excerpt.json")["errors"].values()}
    assert {5, 6, 7} <= codes


def test_youtube_requests_and_fixtures_match_the_discovery_document() -> None:
    spec = _spec("youtube-v3.excerpt.json")
    paths = {
        "/youtube/v3/channels": "channels.list",
        "/youtube/v3/playlistItems": "playlistItems.list",
        "/youtube/v3/videos": "videos.list",
    }
    for seen in _requests("youtube"):
        declared = set(spec["methods"][paths[seen.path]]["parameters"]) | {"key"}
        assert set(seen.query) <= declared, (seen.path, set(seen.query) - declared)
    channel = load("youtube", "channels.json")["items"][0]
    assert set(channel["statistics"]) <= set(spec["schemas"]["ChannelStatistics"]["properties"])
    assert set(channel["contentDetails"]["relatedPlaylists"]) <= set(
        spec["schemas"]["ChannelContentDetails"]["properties"]["relatedPlaylists"]["properties"]
    )
    for item in load("youtube", "playlistItems.json")["items"]:
        assert set(item["contentDetails"]) <= set(spec["schemas"]["PlaylistItemContentDetails"]["properties"])
    for video in load("youtube", "videos.json")["items"]:
        assert set(video["statistics"]) <= set(spec["schemas"]["VideoStatistics"]["properties"])
        assert set(video["snippet"]) <= set(spec["schemas"]["VideoSnippet"]["properties"])


def test_telegram_requests_and_fixtures_match_the_bot_api() -> None:
    spec = _spec("telegram-bot-api.excerpt.json")
    for seen in _requests("telegram"):
        method = spec["methods"][seen.path.rsplit("/", 1)[-1]]
        assert set(json.loads(seen.body)) <= {f["name"] for f in method["fields"]}
    assert set(load("telegram", "getChat.json")["result"]) <= {
        f["name"] for f in spec["types"]["ChatFullInfo"]["fields"]
    }
    assert spec["methods"]["getChatMemberCount"]["returns"] == ["Integer"]


@pytest.mark.parametrize("network", ["instagram", "facebook"])
def test_meta_requests_send_the_token_as_a_parameter_never_a_path(network: str) -> None:
    for seen in _requests(network):
        assert seen.param("access_token") and seen.param("fields")


def test_x_requests_use_documented_parameters_and_a_bearer_header() -> None:
    # docs.x.com / the OpenAPI (channel-stats.md §7): the users lookup and the user Tweet timeline.
    timeline = {"max_results", "start_time", "end_time", "exclude", "tweet.fields", "pagination_token"}
    for seen in _requests("x"):
        declared = timeline if seen.path.endswith("/tweets") else {"user.fields"}
        assert set(seen.query) <= declared, (seen.path, set(seen.query) - declared)
        assert (seen.header("Authorization") or "").startswith("Bearer ")
    metrics = {"retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count", "impression_count"}
    for tweet in load("x", "tweets.json")["data"]:
        assert set(tweet["public_metrics"]) <= metrics
    assert "followers_count" in load("x", "user.json")["data"]["public_metrics"]


def test_ok_requests_use_the_methods_documented_parameters_in_milliseconds() -> None:
    # apiok/documentation `group.getCounters.md`, `group.getStatTopics.md` ($params), plus the REST envelope.
    methods = {
        "group.getCounters": {"uid", "group_id", "counterTypes"},
        "group.getStatTopics": {"gid", "start_time", "end_time", "anchor", "count", "fields"},
    }
    envelope = {"method", "application_key", "format", "access_token", "sig"}
    for seen in _requests("ok"):
        method = seen.param("method") or ""
        assert set(seen.query) <= methods[method] | envelope, (method, set(seen.query) - methods[method] - envelope)
        for name in ("start_time", "end_time"):
            if seen.param(name):
                assert len(seen.param(name) or "") == 13  # milliseconds, not seconds
        assert len(seen.param("sig") or "") == 32
