"""The brand's own channels, pure: what a snapshot holds and the figures an SMM manager reads.

A connector that can read its network's channel statistics has, beside its webhook and poll
functions (see `functions/core/polls.py` for the HTTP types and errors it shares):

    STATS_SECRETS: tuple[str, ...]      the secret names it needs (the brand opts in by configuring them)
    ENGAGEMENT: Engagement              how its engagement rate is defined, named beside the figure
    channel_stats(http, credentials, account, settings, now) -> ChannelStats
        Read one own account: subscribers and the posts of the last `settings.get("days", 7)` days
        with their counters. Pure apart from `http`: no clock, no boto3, no retries. Raises the
        poll errors (`TokenInvalidError`, `RateLimitedError`, ...) and `ScopeMissingError` below.

Figures (`history_figures`, `post_figures`) are computed at read time from the stored raw counters:
per network engagement rate as its `Engagement` defines it, subscriber growth day over day and week
over week, top and bottom posts, and the complaint share on each post. What a network hides, rounds
or lags travels with the snapshot as `marks` and is shown with the figure, never as exact. A day
without a snapshot is None in every series (a gap), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from functions.core.mention import format_time, parse_time
from functions.core.polls import PollError

DAYS = 7  # posts of the last DAYS days are read and counted in the rate
TREND_DAYS = 30  # the chart
RETENTION_DAYS = 100  # a snapshot's TTL: a 90-day trend plus the week before it
ACTIONS = ("likes", "comments", "shares")

# What a mark says about a figure. A marked figure is shown with its mark, never as exact.
ROUNDED, HIDDEN, LAGGING, NOT_GIVEN = "rounded", "hidden", "lagging", "not given"


class ScopeMissingError(PollError):
    """The token works but lacks a permission the statistics need (a scope, an admin role)."""


@dataclass(frozen=True)
class Engagement:
    """How a network's engagement rate is computed, and where that definition comes from.

    `basis` is "subscribers" (actions / subscribers at the snapshot) or "impressions" (actions /
    the posts' impressions, X's own definition). `actions` are the counters summed."""

    label: str
    basis: str = "subscribers"
    actions: tuple[str, ...] = ACTIONS
    source: str = "no published definition: actions on the brand's posts of the last 7 days / subscribers"


@dataclass(frozen=True)
class PostStats:
    """One of the brand's own posts, with its counters at the snapshot (None: not given)."""

    id: str
    created_at: datetime
    url: str | None = None
    thread_id: str | None = None  # the `thread.root_id` mentions under this post carry
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    text: str = ""

    def actions(self, names: Sequence[str] = ACTIONS) -> int | None:
        counts = [getattr(self, name) for name in names]
        given = [c for c in counts if c is not None]
        return sum(given) if given else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = format_time(self.created_at)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PostStats:
        def count(name: str) -> int | None:
            value = data.get(name)
            return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

        return cls(
            id=str(data["id"]),
            created_at=parse_time(str(data["created_at"])),
            url=data.get("url"),
            thread_id=data.get("thread_id"),
            likes=count("likes"),
            comments=count("comments"),
            shares=count("shares"),
            views=count("views"),
            text=str(data.get("text") or ""),
        )


@dataclass(frozen=True)
class ChannelStats:
    """One own account on one network at one moment: subscribers, recent posts, and marks."""

    network: str
    account: str
    taken_at: datetime
    subscribers: int | None
    posts: tuple[PostStats, ...] = ()
    name: str | None = None
    marks: Mapping[str, str] = field(default_factory=dict)  # field -> "rounded: why" / "not given: why"...
    days: int = DAYS


def stats_channel(network: str, account: str) -> str:
    """The name one account's statistics problems are recorded under, apart from the webhook's and
    polls' (`problem#<brand>#vk:stats:<account>` in the counters table)."""
    return f"{network}:stats:{account}"


def mark(kind: str, why: str) -> str:
    return f"{kind}: {why}"


def window_posts(stats: ChannelStats) -> list[PostStats]:
    since = stats.taken_at - timedelta(days=stats.days)
    return [p for p in stats.posts if since <= p.created_at <= stats.taken_at]


def summary(stats: ChannelStats, engagement: Engagement) -> dict[str, Any]:
    """The day's figures stored beside the raw counters (and recomputable from them)."""
    posts = window_posts(stats)
    counted = [p.actions(engagement.actions) for p in posts]
    actions = sum(c for c in counted if c is not None) if any(c is not None for c in counted) else None
    views = [p.views for p in posts if p.views is not None]
    rated = actions
    if engagement.basis == "impressions":  # a post without impressions has no place in actions / impressions
        seen = [c for p in posts if p.views is not None and (c := p.actions(engagement.actions)) is not None]
        rated = sum(seen) if seen else None
    return {
        "posts": len(posts),
        "actions": actions,
        "views": sum(views) if views else None,
        "rate": rate(rated, stats.subscribers, sum(views) if views else None, engagement),
    }


def rate(actions: int | None, subscribers: int | None, impressions: int | None, engagement: Engagement) -> float | None:
    """Engagement rate as a fraction (0.032 = 3.2%), or None when a term is not known."""
    denominator = impressions if engagement.basis == "impressions" else subscribers
    if actions is None or not denominator:
        return None
    return round(actions / denominator, 6)


# ----------------------------------------------------------------------------------- read time


def day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def series(days: Mapping[str, Mapping[str, Any]], now: datetime, length: int = TREND_DAYS) -> list[dict[str, Any]]:
    """One entry per UTC day, oldest first, ending today: subscribers and rate, None where no
    snapshot was taken that day (a gap in the chart, never a zero)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for n in range(length - 1, -1, -1):
        key = day(today - timedelta(days=n))
        found = days.get(key)
        out.append(
            {
                "date": key,
                "subscribers": found.get("subscribers") if found else None,
                "rate": (found.get("summary") or {}).get("rate") if found else None,
            }
        )
    return out


def _delta(days: Mapping[str, Mapping[str, Any]], now: datetime, back: int) -> int | None:
    """Subscribers of the latest snapshot minus those `back` days before it; None if either is missing."""
    latest = _latest_day(days, now)
    if latest is None:
        return None
    then = day(parse_time(latest + "T00:00:00Z") - timedelta(days=back))
    new, old = days[latest].get("subscribers"), (days.get(then) or {}).get("subscribers")
    return int(new) - int(old) if isinstance(new, int) and isinstance(old, int) else None


def _latest_day(days: Mapping[str, Mapping[str, Any]], now: datetime) -> str | None:
    present = sorted(d for d in days if d <= day(now))
    return present[-1] if present else None


def history_figures(days: Mapping[str, Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """Subscribers, growth and rate now and a week earlier, from one account's daily snapshots."""
    latest = _latest_day(days, now)
    current = days[latest] if latest else {}
    week_ago = day(parse_time(latest + "T00:00:00Z") - timedelta(days=7)) if latest else None
    before = days.get(week_ago or "") or {}
    rate_now = (current.get("summary") or {}).get("rate")
    rate_then = (before.get("summary") or {}).get("rate")
    return {
        "as_of": current.get("taken_at"),
        "subscribers": current.get("subscribers"),
        "growth_day": _delta(days, now, 1),
        "growth_week": _delta(days, now, 7),
        "rate": rate_now,
        "rate_week_ago": rate_then,
        "rate_change": round(rate_now - rate_then, 6) if rate_now is not None and rate_then is not None else None,
        "summary": current.get("summary"),
        "marks": current.get("marks") or {},
        "stale_days": (now.date() - parse_time(latest + "T00:00:00Z").date()).days if latest else None,
    }


def post_figures(
    posts: Sequence[PostStats],
    subscribers: int | None,
    engagement: Engagement,
    mentions: Iterable[Mapping[str, Any]],
    limit: int = 3,
) -> dict[str, Any]:
    """Top and bottom posts by engagement, each with the share of negative and complaint mentions
    under it; posts that draw complaints come first, whatever their engagement."""
    under: dict[str, list[Mapping[str, Any]]] = {}
    for item in mentions:
        root = (item.get("thread") or {}).get("root_id")
        if root:
            under.setdefault(str(root), []).append(item)
    rows = [_post_row(p, subscribers, engagement, under.get(p.thread_id or p.id, [])) for p in posts]
    ranked = sorted((r for r in rows if r["rate"] is not None), key=lambda r: (-r["rate"], r["id"]))
    complained = sorted((r for r in rows if r["complaints"]), key=lambda r: (-r["complaints"], -(r["rate"] or 0)))
    top = ranked[:limit]
    bottom = [r for r in reversed(ranked[-limit:]) if r not in top]
    return {"complaints_first": complained, "top": top, "bottom": bottom, "count": len(rows)}


def _post_row(
    post: PostStats, subscribers: int | None, engagement: Engagement, mentions: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    actions = post.actions(engagement.actions)
    base = post.views if engagement.basis == "impressions" else subscribers
    negative = sum(1 for m in mentions if _sentiment(m) is not None and (_sentiment(m) or 0) < 0)
    complaints = sum(1 for m in mentions if m.get("complaint"))
    return {
        **post.to_dict(),
        "actions": actions,
        "rate": round(actions / base, 6) if actions is not None and base else None,
        "mentions": len(mentions),
        "negative": negative,
        "complaints": complaints,
        "negative_share": round(negative / len(mentions), 3) if mentions else None,
        "complaint_share": round(complaints / len(mentions), 3) if mentions else None,
    }


def _sentiment(item: Mapping[str, Any]) -> float | None:
    value = (item.get("score") or {}).get("sentiment")
    return float(value) if isinstance(value, int | float) else None


def percent(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def points(value: float | None) -> str:
    """A change of rate in percentage points."""
    return "n/a" if value is None else f"{value * 100:+.2f} pp"


def signed(value: int | None) -> str:
    return "n/a" if value is None else f"{value:+,}"


def count(value: int | None, marks: Mapping[str, str], name: str = "subscribers") -> str:
    """A count with its mark: `≈12,300 (rounded)`, `hidden`, `12,345`."""
    note = marks.get(name, "")
    if value is None:
        return note.split(":", 1)[0] if note else "n/a"
    kind = note.split(":", 1)[0] if note else ""
    return f"≈{value:,} ({kind})" if kind == ROUNDED else f"{value:,} ({kind})" if kind else f"{value:,}"
