"""The brand's auto-moderation rule, the audit record, and the reply/moderation brand settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.core.brands import BrandConfigError, load_brands
from functions.core.mention import Action, Author, Kind, Mention
from functions.core.moderation import (
    AutoAction,
    AutoRule,
    ModerationRecord,
    ModerationRules,
    api_by,
    auto_action,
    links,
)
from functions.core.replytext import DEFAULT_CLOSINGS, ReplyRules
from functions.core.score import Priority, Score

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
RULE = AutoRule(enabled=True, own_domains=("acme.com",), scam_domains=("evil.example",))


def mention(text: str, **changes: Any) -> Mention:
    values: dict[str, Any] = {
        "network": "vk",
        "external_id": "wall-1_2_c3",
        "kind": Kind.COMMENT,
        "brand": "acme",
        "author": Author("42"),
        "text": text,
        "url": None,
        "created_at": NOW,
    }
    values.update(changes)
    return Mention(**values)


def score(complaint: bool = False, lang: str = "en") -> Score:
    return Score(-0.5 if complaint else 0.0, complaint, 0.9 if complaint else 0.1, Priority.NORMAL, "other", lang, ())


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        ("win big at bit.ly/3xYz", "en", "scam:shortener:bit.ly"),
        ("check https://clck.ru/abc", "ru", "scam:shortener:clck.ru"),
        ("login at acme-support.com", "en", "scam:lookalike:acme-support.com"),
        ("https://acrne.com/login", "en", "scam:lookalike:acrne.com"),  # rn for m
        ("https://аcme.com/login", "en", "scam:lookalike:аcme.com"),  # Cyrillic а
        ("https://acmme.com", "en", "scam:lookalike:acmme.com"),
        ("https://acme.com.claim-prize.xyz/x", "en", "scam:lookalike:acme.com.claim-prize.xyz"),
        ("see sub.evil.example/page", "en", "scam:domain:sub.evil.example"),
        ("Free giveaway! 100 iPhones, click https://gifts.example.net", "en", "scam:giveaway"),
        ("Congrats, you won a gift card, DM me", "en", "scam:giveaway"),
        ("Розыгрыш призов! Пишите в лс", "ru", "scam:giveaway"),
        ("Çekiliş kazananı sizsiniz! Linke gir: http://x.example.org", "tr", "scam:giveaway"),
        ("cheap pills x.example.org/a x.example.org/a x.example.org/a", "en", "spam:repeated_link"),
        ("fuck you all", "en", "abuse:insult:en"),
        ("админ, ты мудак", "ru", "abuse:insult:ru"),
        ("siktir git", "tr", "abuse:insult:tr"),
        ("Şerefsiz herif", "tr", "abuse:insult:tr"),
    ],
)
def test_the_rule_hides_scams_spam_and_abuse(text: str, lang: str, reason: str) -> None:
    found = auto_action(mention(text), score(lang=lang), RULE)
    assert found is not None
    assert found.action == "hide"
    assert reason in found.reasons


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Great pizza, thank you!", "en"),
        ("our menu is at https://acme.com/menu and https://www.acme.com/deals", "en"),
        ("order at shop.acme.com", "en"),
        ("https://example.org/a and https://example.org/a", "en"),  # twice is not spam
        ("Nice pic of the pizza", "en"),  # "pic" is a Turkish insult folded, not English
        ("I won't visit again, check the menu", "en"),
        ("hello.world was my first program", "en"),
        ("Спасибо, всё вкусно", "ru"),
        ("Teşekkürler, çok lezzetli", "tr"),
        ("Sıkıntı yok, sıkıcı bir gün, amin", "tr"),  # folded "sikinti" is not an insult
        ("https://game.com", "en"),  # not close enough to acme
    ],
)
def test_ordinary_mentions_are_left_alone(text: str, lang: str) -> None:
    assert auto_action(mention(text), score(lang=lang), RULE) is None


@pytest.mark.parametrize(
    "text",
    [
        "fuck you, my pizza never arrived",
        "you scumbags charged me twice, refund at bit.ly/x?",
        "ты мудак, где мой заказ",
        "Free giveaway click https://acme-support.com — where is my refund?",
    ],
)
def test_a_complaint_is_never_moderated_automatically(text: str) -> None:
    assert auto_action(mention(text), score(complaint=True), RULE) is None
    assert auto_action(mention(text), score(complaint=False), RULE) is not None  # the same words otherwise are


def test_the_brands_own_posts_deletions_and_a_disabled_rule_are_left_alone() -> None:
    text = "fuck you bit.ly/x"
    assert auto_action(mention(text, by_brand=True), score(), RULE) is None
    assert auto_action(mention(text, action=Action.DELETE), score(), RULE) is None
    assert auto_action(mention(text), score(), AutoRule()) is None  # off by default


def test_the_action_and_the_checks_follow_the_brand() -> None:
    rule = AutoRule(enabled=True, action="delete", insults=False, spam=False)
    assert auto_action(mention("fuck you"), score(), rule) is None
    assert auto_action(mention("a.example.org/x " * 3), score(), rule) is None
    assert auto_action(mention("bit.ly/x"), score(), rule) == AutoAction("delete", ("scam:shortener:bit.ly",))


def test_links_are_found_with_or_without_a_scheme() -> None:
    assert links("see https://www.Acme.com/a?b=1, and www.x.org. or bit.ly/q and me@mail.com") == [
        ("acme.com", "acme.com/a?b=1"),
        ("x.org", "x.org"),
        ("bit.ly", "bit.ly/q"),
    ]


# ----------------------------------------------------------------------------- the audit record


def test_the_record_round_trips_through_an_item() -> None:
    record = ModerationRecord(
        brand="acme",
        network="vk",
        external_id="wall-1_2_c3",
        action="hide",
        by="auto-rule",
        reason="scam:shortener:bit.ly",
        requested_at=NOW,
    )
    item = record.to_item()
    assert item["identity"] == "acme#vk#wall-1_2_c3" and item["state"] == "requested" and "result_id" not in item
    assert ModerationRecord.from_item(item) == record
    done = record.finished("done", "hidden", "wall-1_2_c3")
    assert ModerationRecord.from_item(json.loads(json.dumps(done.to_item()))) == done
    banned = ModerationRecord("acme", "vk", "c9", "ban", api_by("key-1"), "abuse", NOW, "refused", "no rights")
    assert ModerationRecord.from_item(banned.to_item()) == banned and banned.by == "api:key-1"


@pytest.mark.parametrize(
    "changes",
    [{"action": "burn"}, {"state": "maybe"}, {"by": ""}, {"requested_at": datetime(2026, 1, 1)}],
)
def test_the_record_refuses_what_it_cannot_be(changes: dict[str, Any]) -> None:
    values: dict[str, Any] = {
        "brand": "acme",
        "network": "vk",
        "external_id": "1",
        "action": "hide",
        "by": "agent-7",
        "reason": "",
        "requested_at": NOW,
    }
    with pytest.raises(ValueError):
        ModerationRecord(**(values | changes))


# ----------------------------------------------------------------------------- brand configuration


def brand_file(**settings: Any) -> str:
    return json.dumps({"brands": [{"slug": "acme", **settings}]})


def test_defaults_replies_on_auto_moderation_off() -> None:
    brand = load_brands(brand_file()).by_slug["acme"]
    assert brand.replies == ReplyRules()
    assert brand.replies.enabled and brand.replies.mode == "split" and brand.replies.max_parts == 5
    assert brand.replies.signature_closings == DEFAULT_CLOSINGS
    assert brand.moderation == ModerationRules()
    assert not brand.moderation.auto.enabled and brand.moderation.auto.action == "hide"
    assert brand.moderation.ban_days == 30


def test_the_brand_file_sets_replies_and_moderation() -> None:
    brand = load_brands(
        brand_file(
            replies={
                "enabled": False,
                "mode": "cut",
                "max_parts": 3,
                "signature_closings": ["Cheers", "Ciao"],
                "networks": {"vk": {"limit": 1000}},
            },
            moderation={
                "auto": {
                    "enabled": True,
                    "action": "delete",
                    "scam_domains": ["Evil.example", "https://www.bad.example/x"],
                    "own_domains": ["acme.com"],
                    "insults": False,
                },
                "ban_days": 0,
            },
        )
    ).by_slug["acme"]
    assert brand.replies == ReplyRules(False, "cut", 3, ("Cheers", "Ciao"), {"vk": 1000})
    assert brand.replies.limit_for("vk", 4096) == 1000
    assert brand.replies.limit_for("vk", 500) == 500  # never above the network's own
    assert brand.replies.limit_for("x", 280) == 280
    auto = brand.moderation.auto
    assert (auto.enabled, auto.action, auto.insults, auto.spam) == (True, "delete", False, True)
    assert auto.scam_domains == ("evil.example", "bad.example") and auto.own_domains == ("acme.com",)
    assert brand.moderation.ban_days == 0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"replies": []}, r"brand acme\.replies must be an object"),
        ({"replies": {"mode": "chop"}}, r"brand acme\.replies\.mode must be \"split\" or \"cut\", got 'chop'"),
        ({"replies": {"enabled": "yes"}}, r"brand acme\.replies\.enabled must be true or false"),
        ({"replies": {"max_parts": 0}}, r"brand acme\.replies\.max_parts must be an integer from 1 to 20"),
        ({"replies": {"max_parts": True}}, r"brand acme\.replies\.max_parts"),
        ({"replies": {"modes": "cut"}}, r"brand acme\.replies\.modes is not a reply setting"),
        ({"replies": {"signature_closings": "Cheers"}}, r"brand acme\.replies\.signature_closings must be a list"),
        ({"replies": {"signature_closings": ["ok", " "]}}, r"brand acme\.replies\.signature_closings\[1\]"),
        ({"replies": {"networks": []}}, r"brand acme\.replies\.networks must be an object"),
        ({"replies": {"networks": {"vk": {"limit": 5}}}}, r"brand acme\.replies\.networks\.vk\.limit must be"),
        ({"replies": {"networks": {"vk": {"limt": 500}}}}, r"brand acme\.replies\.networks\.vk must be an object"),
        ({"moderation": "on"}, r"brand acme\.moderation must be an object"),
        ({"moderation": {"ban_days": -1}}, r"brand acme\.moderation\.ban_days must be an integer from 0"),
        ({"moderation": {"bans": 1}}, r"brand acme\.moderation\.bans is not a moderation setting"),
        ({"moderation": {"auto": []}}, r"brand acme\.moderation\.auto must be an object"),
        ({"moderation": {"auto": {"action": "ban"}}}, r"brand acme\.moderation\.auto\.action must be \"hide\" or"),
        ({"moderation": {"auto": {"enabled": 1}}}, r"brand acme\.moderation\.auto\.enabled must be true or false"),
        ({"moderation": {"auto": {"insult": True}}}, r"brand acme\.moderation\.auto\.insult is not a moderation"),
        (
            {"moderation": {"auto": {"scam_domains": ["ok.example", "not a domain"]}}},
            r"brand acme\.moderation\.auto\.scam_domains\[1\] must be a domain name",
        ),
        ({"moderation": {"auto": {"own_domains": "acme.com"}}}, r"brand acme\.moderation\.auto\.own_domains must be"),
    ],
)
def test_bad_reply_and_moderation_settings_name_their_place(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(BrandConfigError, match=message):
        load_brands(brand_file(**settings))
