"""Domain types, brand configuration and the first scorer."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.core.brands import BrandConfigError, load_brands
from functions.core.mention import Author, Kind, Mention, Thread
from functions.core.score import Priority, ScoringRules
from functions.core.scoring import detect_language, score
from functions.core.tickets import draft_ticket

REPO = Path(__file__).resolve().parents[2]


def mention(text: str, followers: int | None = None, **kwargs: object) -> Mention:
    return Mention(
        network="vk",
        external_id="wall-1_2_c3",
        kind=Kind.COMMENT,
        brand="acme",
        author=Author(id="7", handle="id7", followers=followers),
        text=text,
        url="https://vk.com/wall-1_2?reply=3",
        created_at=datetime(2026, 11, 27, 10, tzinfo=UTC),
        thread=Thread("wall-1_2", "wall-1_2"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_identity_and_thread_key() -> None:
    m = mention("hi")
    assert m.identity == "acme#vk#wall-1_2_c3"
    assert m.thread_key == "acme#vk#wall-1_2#7"


def test_the_same_post_for_two_brands_is_two_identities() -> None:
    """A post that concerns two brands of the agency is two mentions: stored and ticketed per brand."""
    acme, other = mention("hi"), replace(mention("hi"), brand="zeta")
    assert acme.identity != other.identity and acme.thread_key != other.thread_key
    assert other.identity == "zeta#vk#wall-1_2_c3"
    assert replace(acme, external_id="a#b").identity.split("#", 2) == ["acme", "vk", "a#b"]


def test_round_trip_through_dict() -> None:
    m = mention("Привет", followers=12)
    assert Mention.from_dict(json.loads(json.dumps(m.to_dict()))) == m


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Mention("vk", "1", Kind.POST, "acme", Author("1"), "t", None, datetime(2026, 1, 1))


@pytest.mark.parametrize(("text", "lang"), [("hello", "en"), ("привет", "ru"), ("çok kötü ağır", "tr"), ("👍", "und")])
def test_language_by_script(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_complaint_cues_fire_and_are_named() -> None:
    result = score(mention("My order never arrived, I want a refund"), ScoringRules())
    assert result.complaint
    assert {"problem:not_arrived", "request:refund"} <= set(result.reasons)
    assert result.category == "billing"


def test_praise_is_not_a_complaint() -> None:
    result = score(mention("Great pizza, thank you!"), ScoringRules())
    assert not result.complaint
    assert result.priority is Priority.LOW
    assert result.sentiment > 0


def test_russian_complaint() -> None:
    result = score(mention("Заказ не пришёл, верните деньги"), ScoringRules())
    assert result.lang == "ru" and result.complaint


def test_brand_threshold_changes_the_decision() -> None:
    text = "They cancelled my order"
    assert score(mention(text), ScoringRules(complaint_threshold=0.3)).complaint
    assert not score(mention(text), ScoringRules(complaint_threshold=0.9)).complaint


def test_severity_and_reach_raise_priority() -> None:
    assert score(mention("Food poisoning after your pizza, never again"), ScoringRules()).priority is Priority.URGENT
    big = score(mention("my order never arrived", followers=50_000), ScoringRules())
    assert big.priority is Priority.HIGH and "reach:50000" in big.reasons


def test_ticket_draft_has_what_an_agent_needs() -> None:
    m = mention("My order never arrived " + "x" * 200, followers=40)
    draft = draft_ticket(m, score(m, ScoringRules()), "Acme Pizza")
    assert draft.subject.startswith("[Acme Pizza] vk complaint from id7: My order never arrived")
    assert len(draft.subject) < 140
    for fact in ("https://vk.com/wall-1_2?reply=3", "40 followers", "vk#wall-1_2_c3", "problem:not_arrived"):
        assert fact in draft.body
    assert "network:vk" in draft.tags


def test_shipped_brand_file_is_valid() -> None:
    brands = load_brands((REPO / "functions" / "config" / "brands.json").read_text())
    assert brands.owner_of("vk", "218000001") is brands.get("acme")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "non-empty 'brands'"),
        ({"brands": [{"slug": "Bad Slug"}]}, "slug"),
        ({"brands": [{"slug": "a"}, {"slug": "a"}]}, "defined twice"),
        (
            {
                "brands": [
                    {"slug": "a", "networks": {"vk": {"accounts": ["1"]}}},
                    {"slug": "b", "networks": {"vk": {"accounts": ["1"]}}},
                ]
            },
            "belongs to both",
        ),
        ({"brands": [{"slug": "a", "networks": {"vk": {"secrets": {"secret": "hunter2"}}}}]}, "ssm:"),
        ({"brands": [{"slug": "a", "scoring": {"complaint_threshold": 2}}]}, "complaint_threshold"),
        ({"brands": [{"slug": "a", "scoring": {"treshold": 2}}]}, "unknown scoring"),
    ],
)
def test_bad_brand_files_are_rejected_with_the_place(document: object, message: str) -> None:
    with pytest.raises(BrandConfigError, match=message):
        load_brands(json.dumps(document))
