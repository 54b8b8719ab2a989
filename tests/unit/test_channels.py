"""Own-channel figures, pure: engagement per the network's definition, growth, gaps, posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from functions.core import channels
from functions.core.channels import ChannelStats, Engagement, PostStats

NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
SUBSCRIBERS = Engagement(label="by subscribers")
IMPRESSIONS = Engagement(label="by impressions", basis="impressions", actions=("likes", "comments", "shares"))


def _post(
    post_id: str,
    days: float,
    likes: int | None,
    *,
    comments: int | None = 0,
    shares: int | None = 0,
    views: int | None = None,
) -> PostStats:
    return PostStats(
        post_id,
        NOW - timedelta(days=days),
        thread_id=post_id,
        likes=likes,
        comments=comments,
        shares=shares,
        views=views,
    )


def _day(days_ago: int, subscribers: int | None, rate: float | None = None) -> tuple[str, dict[str, Any]]:
    on = (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%d")
    return on, {"day": on, "subscribers": subscribers, "summary": {"rate": rate}, "taken_at": f"{on}T17:00:00Z"}


def test_summary_counts_the_weeks_posts_over_subscribers() -> None:
    posts = (_post("a", 1, 10, comments=5, shares=5), _post("b", 6, 20), _post("old", 8, 500))
    stats = ChannelStats("vk", "1", NOW, 1000, posts)
    assert channels.summary(stats, SUBSCRIBERS) == {"posts": 2, "actions": 40, "views": None, "rate": 0.04}


def test_impressions_basis_divides_by_the_posts_views_and_unknowns_stay_unknown() -> None:
    stats = ChannelStats("x", "1", NOW, 1000, (_post("a", 1, 10, comments=5, shares=5, views=400),))
    assert channels.summary(stats, IMPRESSIONS)["rate"] == 0.05
    unviewed = ChannelStats("x", "1", NOW, 1000, (_post("a", 1, 10, views=400), _post("b", 2, 90)))
    assert channels.summary(unviewed, IMPRESSIONS) == {"posts": 2, "actions": 100, "views": 400, "rate": 0.025}
    hidden = ChannelStats("vk", "1", NOW, None, (_post("a", 1, 10),))
    assert channels.summary(hidden, SUBSCRIBERS)["rate"] is None  # hidden subscribers: no rate, not 0
    nothing = ChannelStats("telegram", "1", NOW, 50)
    assert channels.summary(nothing, SUBSCRIBERS) == {"posts": 0, "actions": None, "views": None, "rate": None}


def test_series_leaves_missing_days_as_gaps() -> None:
    days = dict([_day(0, 110, 0.02), _day(2, 100, 0.01)])
    series = channels.series(days, NOW)
    assert len(series) == 30 and series[-1] == {"date": "2026-11-27", "subscribers": 110, "rate": 0.02}
    assert series[-2]["subscribers"] is None and series[-2]["rate"] is None
    assert series[-3]["subscribers"] == 100


def test_growth_day_and_week_need_both_days() -> None:
    days = dict([_day(0, 1100, 0.03), _day(1, 1090), _day(7, 1000, 0.02)])
    found = channels.history_figures(days, NOW)
    assert (found["growth_day"], found["growth_week"]) == (10, 100)
    assert found["rate_change"] == 0.01 and found["stale_days"] == 0
    gap = channels.history_figures(dict([_day(0, 1100), _day(7, 1000)]), NOW)
    assert gap["growth_day"] is None and gap["growth_week"] == 100
    stale = channels.history_figures(dict([_day(2, 900)]), NOW)
    assert stale["subscribers"] == 900 and stale["stale_days"] == 2 and stale["growth_day"] is None


def test_posts_drawing_complaints_come_first_with_their_shares() -> None:
    posts = [_post("calm", 1, 300), _post("angry", 2, 20), _post("quiet", 3, 1), _post("mid", 4, 50)]
    mentions = [
        {"thread": {"root_id": "angry"}, "complaint": True, "score": {"sentiment": -0.6}},
        {"thread": {"root_id": "angry"}, "complaint": False, "score": {"sentiment": -0.2}},
        {"thread": {"root_id": "angry"}, "complaint": False, "score": {"sentiment": 0.5}},
        {"thread": {"root_id": "calm"}, "complaint": False, "score": {"sentiment": 0.8}},
    ]
    found = channels.post_figures(posts, 1000, SUBSCRIBERS, mentions, limit=2)
    (first,) = found["complaints_first"]
    assert first["id"] == "angry" and first["complaints"] == 1 and first["mentions"] == 3
    assert first["complaint_share"] == 0.333 and first["negative"] == 2 and first["rate"] == 0.02
    assert [p["id"] for p in found["top"]] == ["calm", "mid"]
    assert [p["id"] for p in found["bottom"]] == ["quiet", "angry"]


def test_counts_carry_their_marks() -> None:
    assert channels.count(18400, {"subscribers": "rounded: 3 significant figures"}) == "≈18,400 (rounded)"
    assert channels.count(None, {"subscribers": "hidden: the channel hides it"}) == "hidden"
    assert channels.count(12873, {}) == "12,873"
    assert channels.percent(0.0321) == "3.21%" and channels.points(-0.004) == "-0.40 pp"


def test_post_stats_round_trip() -> None:
    post = _post("a", 1, None, comments=3, shares=None, views=10)
    assert PostStats.from_dict(post.to_dict()) == post
