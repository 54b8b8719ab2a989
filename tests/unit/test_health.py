"""Brand health figures, charts, page and digest text: pure, no AWS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.api.health_page import render_page, sentiment_chart, volume_chart
from functions.core import health
from functions.core.escalation import EscalationRules
from functions.core.mention import format_time
from functions.core.score import Priority
from functions.jobs.digest import digest_hour

NOW = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)


def mention(
    at: datetime,
    *,
    complaint: bool = False,
    sentiment: float = 0.0,
    network: str = "vk",
    followers: int | None = None,
    **metrics: int,
) -> dict[str, Any]:
    return {
        "created_at": format_time(at),
        "complaint": complaint,
        "score": {"sentiment": sentiment},
        "network": network,
        "author": {"id": "a", "followers": followers},
        "metrics": {"likes": None, "replies": None, "shares": None, "views": None, **metrics},
    }


def view(key: str = "acme#vk#1#a", posted: datetime | None = None, **fields: Any) -> health.TicketView:
    base: dict[str, Any] = {
        "key": key,
        "ticket_id": key[-1],
        "ticket_url": None,
        "status": "new",
        "priority": None,
        "posted_at": posted,
        "responded": False,
        "solved": False,
        "created_at": posted,
    }
    return health.TicketView(**{**base, **fields})


def test_window_starts_at_midnight_six_days_before_today() -> None:
    assert health.window_start(NOW) == datetime(2026, 11, 21, tzinfo=UTC)


def test_daily_trend_counts_per_utc_day_and_ignores_older_items() -> None:
    items = [
        mention(NOW - timedelta(hours=1), complaint=True, sentiment=-0.5),
        mention(NOW - timedelta(hours=2), sentiment=0.3),
        mention(NOW - timedelta(days=2), complaint=True, sentiment=-0.2),
        mention(NOW - timedelta(days=9), complaint=True, sentiment=-1.0),  # outside the window
    ]
    trend = health.daily_trend(items, NOW)
    assert [d["date"] for d in trend] == [f"2026-11-{day}" for day in range(21, 28)]
    assert trend[-1] == {"date": "2026-11-27", "count": 2, "complaints": 1, "mean_sentiment": -0.1}
    assert trend[-3] == {"date": "2026-11-25", "count": 1, "complaints": 1, "mean_sentiment": -0.2}
    assert trend[0] == {"date": "2026-11-21", "count": 0, "complaints": 0, "mean_sentiment": None}
    assert health.totals(trend) == {"mentions": 3, "complaints": 2, "mean_sentiment": -0.133}


def test_engagement_is_not_reported_without_counts_and_followers() -> None:
    figures = health.engagement([mention(NOW), mention(NOW, likes=5)])  # likes but no followers
    assert figures["rate"] is None
    assert health.percent(figures["rate"]) == "not reported"
    assert figures["networks_not_reporting"] == ["vk"]


def test_engagement_rate_over_the_mentions_that_report_both() -> None:
    items = [
        mention(NOW, network="generic", followers=1000, likes=10, replies=5, shares=5),
        mention(NOW, network="generic", followers=3000, likes=20),
        mention(NOW, network="vk"),
    ]
    figures = health.engagement(items)
    assert figures["rate"] == 0.01 and (figures["interactions"], figures["followers"]) == (40, 4000)
    assert (figures["mentions_measured"], figures["mentions"]) == (2, 3)
    assert figures["networks_reporting"] == ["generic"] and figures["networks_not_reporting"] == ["vk"]
    assert health.percent(figures["rate"]) == "1.00%"


def test_open_complaints_name_the_customer_waiting_longest() -> None:
    views = [
        view("acme#vk#1#a", NOW - timedelta(hours=3)),
        view("acme#vk#2#b", NOW - timedelta(hours=5)),
        view("acme#vk#3#c", NOW - timedelta(days=2), responded=True),  # answered: not waiting
        view("incident#acme#2026-11-27T10:00:00Z", NOW - timedelta(hours=6), priority="urgent"),
    ]
    figures = health.open_complaints(views, NOW, since=NOW - timedelta(days=1))
    assert (figures["count"], figures["awaiting_first_response"], figures["incidents"]) == (3, 2, 1)
    assert figures["posted_before_window"] == 1  # open for two days: counted, and said to be older
    assert figures["oldest_waiting"]["ticket_id"] == "b"
    assert figures["oldest_waiting"]["waiting_minutes"] == 300


def test_sla_risk_follows_the_brands_rules() -> None:
    rules = EscalationRules(sla_minutes={**EscalationRules().sla_minutes, Priority.NORMAL: 60})
    views = [
        view("acme#vk#1#a", NOW - timedelta(minutes=50)),  # at risk from 45 min
        view("acme#vk#2#b", NOW - timedelta(minutes=70)),  # breached
        view("acme#vk#3#c", NOW - timedelta(minutes=10)),  # fine
        view("acme#vk#4#d", NOW - timedelta(minutes=90), responded=True),  # answered in time or not: not at risk
        view("acme#vk#5#e", NOW - timedelta(minutes=50), priority="low"),  # 1440 min SLA
    ]
    figures = health.sla_risk(views, rules, NOW)
    assert (figures["breached"], figures["at_risk"]) == (1, 1)
    assert [(t["ticket_id"], t["state"]) for t in figures["tickets"]] == [("b", "breached"), ("a", "at risk")]


def test_first_response_separates_exact_figures_from_upper_bounds() -> None:
    since = health.window_start(NOW)
    posted = NOW - timedelta(hours=4)
    views = [
        view("acme#vk#1#a", posted, responded=True, responded_at=posted + timedelta(minutes=20)),
        view("acme#vk#2#b", posted, responded=True, status_at=posted + timedelta(minutes=90)),
        view("acme#vk#3#c", posted),
        view("acme#vk#4#d", NOW - timedelta(days=30), responded=True, status_at=NOW),  # opened before the window
        view("incident#acme#x", posted, responded=True, status_at=posted),
    ]
    figures = health.first_response(views, since)
    assert figures == {
        "measured": 2,
        "exact": 1,
        "upper_bounds": 1,
        "median_minutes": 55,
        "max_minutes": 90,
        "basis": "mixed",
        "waiting": 1,
        "unknown": 0,
    }
    assert "partly upper bounds" in health.first_response_text(figures)
    only_bounds = health.first_response(views[1:3], since)
    assert only_bounds["basis"] == "upper bound"
    assert health.first_response([], since)["median_minutes"] is None


def test_ticket_view_from_a_stored_link_item() -> None:
    item = {
        "key": "acme#vk#1#a",
        "ticket_id": "7",
        "status": "open",
        "posted_at": "2026-11-27T10:00:00Z",
        "status_at": "2026-11-27T10:30:00Z",
        "created_at": "2026-11-27T10:01:00Z",
        "responded": True,
    }
    ticket = health.TicketView.from_item(item)
    assert ticket.posted_at == datetime(2026, 11, 27, 10, tzinfo=UTC) and ticket.responded_at is None
    assert not ticket.incident and ticket.status_at is not None


def test_channel_health_says_when_nothing_was_delivered() -> None:
    problem = {"kind": "token_invalid", "detail": "HTTP 401", "since": "2026-11-27T15:10:00Z"}
    rows = health.channel_health(
        {"vk": {"at": "2026-11-27T15:00:00Z", "count": 4, "problem": problem}, "ok": None}, NOW
    )
    assert rows == [
        {"network": "ok", "last_delivery": None, "minutes_ago": None, "deliveries": 0, "problem": None},
        {"network": "vk", "last_delivery": "2026-11-27T15:00:00Z", "minutes_ago": 30, "deliveries": 4}
        | {"problem": problem},
    ]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(None, "n/a"), (0, "0 min"), (59, "59 min"), (60, "1 h"), (95, "1 h 35 min"), (3000, "2 d 2 h"), (2880, "2 d")],
)
def test_duration(minutes: int | None, text: str) -> None:
    assert health.duration(minutes) == text


def report(**overrides: Any) -> dict[str, Any]:
    trend = health.daily_trend([mention(NOW, complaint=True, sentiment=-0.4), mention(NOW, sentiment=0.6)], NOW)
    base: dict[str, Any] = {
        "brand": "acme",
        "name": "Acme <Pizza>",
        "generated_at": format_time(NOW),
        "window": {"since": "2026-11-21T00:00:00Z", "days": 7, "mention_limit": 1000, "truncated": False},
        "trend": trend,
        "totals": health.totals(trend),
        "open_complaints": health.open_complaints([view("acme#vk#1#a", NOW - timedelta(hours=2))], NOW),
        "sla": health.sla_risk([view("acme#vk#1#a", NOW - timedelta(hours=9))], EscalationRules(), NOW),
        "first_response": health.first_response([], health.window_start(NOW)),
        "engagement": health.engagement([mention(NOW)]),
        "channels": health.channel_health({"vk": {"at": "2026-11-27T15:00:00Z", "count": 2}, "x": None}, NOW),
        "loyalty": {"followed_after_resolution": 0, "turned_positive": 0, "rate": None},
    }
    return {**base, **overrides}


def test_digest_text_is_short_and_names_what_matters() -> None:
    text = health.digest_text(report())
    assert text.splitlines()[0] == "[Acme <Pizza>] daily digest, last 7 days (to 2026-11-27T15:30:00Z)"
    assert "Mentions 2, complaints 1, mean sentiment +0.10" in text
    assert "Open complaints 1 (1 awaiting a first response); oldest waiting 2 h (ticket a)" in text
    assert "SLA: 1 breached, 0 at risk" in text
    assert "Mention interactions / author followers: not reported" in text
    assert "Channels: vk 30 min ago, x no delivery recorded" in text
    assert "no customer has posted again" in text
    assert len(text) < 1000


def test_volume_chart_draws_one_bar_per_part_with_proportional_heights() -> None:
    trend = [
        {"date": "2026-11-26", "count": 4, "complaints": 1, "mean_sentiment": 0.1},
        {"date": "2026-11-27", "count": 2, "complaints": 2, "mean_sentiment": -0.3},
        {"date": "2026-11-28", "count": 0, "complaints": 0, "mean_sentiment": None},
    ]
    svg = volume_chart(trend)
    bars = re.findall(r'<rect class="bar (\w+)" data-date="([\d-]+)" data-value="(\d+)".*? height="([\d.]+)"', svg)
    assert [(kind, day, int(value)) for kind, day, value, _ in bars] == [
        ("complaints", "2026-11-26", 1),
        ("others", "2026-11-26", 3),
        ("complaints", "2026-11-27", 2),
    ]
    heights = [float(h) for *_, h in bars]
    assert heights[1] == pytest.approx(3 * heights[0], rel=0.01) and heights[2] == pytest.approx(2 * heights[0], 0.01)


def test_sentiment_chart_leaves_gaps_for_days_without_mentions() -> None:
    trend = [
        {"date": "2026-11-25", "count": 1, "complaints": 0, "mean_sentiment": 0.5},
        {"date": "2026-11-26", "count": 0, "complaints": 0, "mean_sentiment": None},
        {"date": "2026-11-27", "count": 2, "complaints": 1, "mean_sentiment": -0.5},
        {"date": "2026-11-28", "count": 2, "complaints": 1, "mean_sentiment": 0.0},
    ]
    svg = sentiment_chart(trend)
    assert svg.count('<circle class="point"') == 3
    assert svg.count("<polyline") == 1  # 25th stands alone; 27th-28th are joined


def test_page_escapes_what_it_shows_and_loads_nothing_from_elsewhere() -> None:
    page = render_page(report())
    assert "Acme &lt;Pizza&gt;" in page and "Acme <Pizza>" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page
    assert 'id="volume-chart"' in page and 'id="sentiment-chart"' in page
    assert "no delivery recorded" in page


@pytest.mark.parametrize(("raw", "hour"), [("", 20), ("7", 7), ("0", 0), ("23", 23)])
def test_digest_hour(raw: str, hour: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_HOUR_UTC", raw)
    assert digest_hour() == hour


@pytest.mark.parametrize("raw", ["24", "-1", "8pm"])
def test_digest_hour_refuses_nonsense(raw: str) -> None:
    with pytest.raises(ValueError, match="DIGEST_HOUR_UTC"):
        digest_hour(raw)


def test_poll_health_says_ok_paused_or_failing_and_leaves_backfills_out() -> None:
    @dataclass(frozen=True)
    class Status:
        source: str
        target: str
        newest: str | None = None
        failures: int = 0
        error: str | None = None
        not_before: str | None = None

    rows = health.poll_health(
        [
            Status("reddit", "q:acme", newest="2026-11-27T15:20:00Z"),
            Status("rss", "feed:ab12", not_before="2026-11-27T16:30:00Z"),
            Status("rss", "feed:cd34", not_before="2026-11-27T15:00:00Z"),
            Status("youtube", "channel:UC1", failures=3, error="youtube: HTTP 503", not_before="2026-11-27T16:00:00Z"),
            Status("reddit", "q:acme#backfill:20261101T000000-20261120T000000", failures=1),
        ],
        NOW,
    )
    assert [(r["source"], r["state"]) for r in rows] == [
        ("reddit", "ok"),
        ("rss", "paused"),
        ("rss", "ok"),
        ("youtube", "failing"),
    ]
    assert rows[1]["retry_at"] == "2026-11-27T16:30:00Z" and rows[2]["retry_at"] is None
    text = health.digest_text(report(polls=rows))
    assert "Polls failing: youtube channel:UC1" in text
