"""Brand health, pure: the 7-day trend, open complaints, first responses, SLA risk, engagement,
and the short text the evening digest sends. No AWS, no clock: callers pass `now` and the items.

Inputs are the shapes the stores hand back: mention items as `mentions.query` returns them
(`created_at`, `complaint`, `score.sentiment`, `author.followers`, `metrics`) and ticket links as
`TicketView`s. Every figure says what it rests on, and what we cannot know is said, not guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any, Protocol

from functions.core import channels
from functions.core.escalation import EscalationRules, sla, sla_reason
from functions.core.mention import format_time, parse_time
from functions.core.score import Priority

TREND_DAYS = 7
ENGAGEMENT_KEYS = ("likes", "replies", "shares")


def window_start(now: datetime, days: int = TREND_DAYS) -> datetime:
    """Midnight UTC `days - 1` days before today: the trend covers today and the six days before."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


def _sentiment(item: Mapping[str, Any]) -> float | None:
    value = (item.get("score") or {}).get("sentiment")
    return float(value) if isinstance(value, int | float) else None


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def daily_trend(items: Iterable[Mapping[str, Any]], now: datetime, days: int = TREND_DAYS) -> list[dict[str, Any]]:
    """Per UTC day, oldest first: mentions, complaints and mean sentiment (None on a day with none)."""
    start = window_start(now, days)
    buckets: dict[str, tuple[list[float], list[bool]]] = {
        (start + timedelta(days=n)).strftime("%Y-%m-%d"): ([], []) for n in range(days)
    }
    for item in items:
        day = parse_time(str(item["created_at"])).strftime("%Y-%m-%d")
        if day not in buckets:
            continue
        sentiments, complaints = buckets[day]
        complaints.append(bool(item.get("complaint")))
        sentiment = _sentiment(item)
        if sentiment is not None:
            sentiments.append(sentiment)
    return [
        {"date": day, "count": len(flags), "complaints": sum(flags), "mean_sentiment": _mean(sentiments)}
        for day, (sentiments, flags) in buckets.items()
    ]


def totals(trend: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    count = sum(int(d["count"]) for d in trend)
    weighted = [(d["mean_sentiment"], d["count"]) for d in trend if d["mean_sentiment"] is not None]
    mean = round(sum(m * c for m, c in weighted) / sum(c for _, c in weighted), 3) if weighted else None
    return {"mentions": count, "complaints": sum(int(d["complaints"]) for d in trend), "mean_sentiment": mean}


def engagement(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """(likes + replies + shares) / followers over the mentions whose network reports both.

    Networks that report neither (most webhooks carry no counts) are left out of the rate and
    named; `rate` is None ("not reported") when no mention carries both figures.
    """
    interactions = followers = measured = total = 0
    reporting: set[str] = set()
    silent: set[str] = set()
    for item in items:
        total += 1
        metrics = item.get("metrics") or {}
        counts = [metrics.get(k) for k in ENGAGEMENT_KEYS]
        reach = (item.get("author") or {}).get("followers")
        network = str(item.get("network", "?"))
        if any(c is not None for c in counts) and isinstance(reach, int) and reach > 0:
            interactions += sum(int(c) for c in counts if c is not None)
            followers += reach
            measured += 1
            reporting.add(network)
        else:
            silent.add(network)
    return {
        "rate": round(interactions / followers, 4) if followers else None,
        "interactions": interactions,
        "followers": followers,
        "mentions_measured": measured,
        "mentions": total,
        "networks_reporting": sorted(reporting),
        "networks_not_reporting": sorted(silent - reporting),
    }


@dataclass(frozen=True)
class TicketView:
    """What the health figures need from a ticket link (`stores.tickets`), whatever its source."""

    key: str
    ticket_id: str | None
    ticket_url: str | None
    status: str
    priority: str | None
    posted_at: datetime | None
    responded: bool
    solved: bool
    created_at: datetime | None = None
    status_at: datetime | None = None  # the last status change we recorded
    responded_at: datetime | None = None  # the first response, where it was recorded

    @property
    def incident(self) -> bool:
        return self.key.startswith("incident#")

    @classmethod
    def from_item(cls, data: Mapping[str, Any]) -> TicketView:
        """From a stored link item (`tickets.list_links`)."""

        def when(name: str) -> datetime | None:
            raw = data.get(name)
            return parse_time(str(raw)) if raw else None

        return cls(
            key=str(data["key"]),
            ticket_id=data.get("ticket_id"),
            ticket_url=data.get("ticket_url"),
            status=str(data.get("status", "new")),
            priority=data.get("priority"),
            posted_at=when("posted_at"),
            responded=bool(data.get("responded")),
            solved=bool(data.get("solved")),
            created_at=when("created_at"),
            status_at=when("status_at"),
            responded_at=when("responded_at"),
        )


def _minutes(delta: timedelta) -> int:
    return max(int(delta.total_seconds() // 60), 0)


def _ticket(view: TicketView) -> dict[str, Any]:
    return {
        "ticket_id": view.ticket_id,
        "url": view.ticket_url,
        "status": view.status,
        "priority": view.priority or Priority.NORMAL.value,
        "posted_at": format_time(view.posted_at) if view.posted_at else None,
        "incident": view.incident,
    }


def open_complaints(views: Sequence[TicketView], now: datetime, since: datetime | None = None) -> dict[str, Any]:
    """Open (unsolved) complaint tickets, incidents counted apart, and the customer waiting longest.

    Every open ticket counts, however old its post; those posted before `since` (the trend's
    window) are counted too, so "2 open complaints" beside "1 mention, 7 days" explains itself.
    """
    complaints = [v for v in views if not v.incident and not v.solved]
    older = sum(1 for v in complaints if since is not None and v.posted_at is not None and v.posted_at < since)
    waiting = sorted((v for v in complaints if not v.responded and v.posted_at), key=lambda v: v.posted_at or now)
    oldest = None
    if waiting:
        first = waiting[0]
        oldest = {**_ticket(first), "waiting_minutes": _minutes(now - (first.posted_at or now))}
    return {
        "count": len(complaints),
        "awaiting_first_response": len(waiting),
        "incidents": sum(1 for v in views if v.incident and not v.solved),
        "posted_before_window": older,
        "oldest_waiting": oldest,
    }


def sla_risk(views: Sequence[TicketView], rules: EscalationRules, now: datetime) -> dict[str, Any]:
    """Open tickets still without a first response whose SLA is at risk or breached (the sweep's rule)."""
    found: list[dict[str, Any]] = []
    for view in views:
        if view.solved or view.responded or view.posted_at is None:
            continue
        priority = Priority(view.priority or Priority.NORMAL.value)
        state = sla(view.posted_at, priority, rules)
        reason = sla_reason(state, now, frozenset())
        if reason is None:
            continue
        found.append(
            {
                **_ticket(view),
                "state": "breached" if reason == "sla_breached" else "at risk",
                "deadline": format_time(state.deadline),
            }
        )
    found.sort(key=lambda t: t["deadline"])
    return {
        "breached": sum(1 for t in found if t["state"] == "breached"),
        "at_risk": sum(1 for t in found if t["state"] == "at risk"),
        "tickets": found,
    }


def first_response(views: Sequence[TicketView], since: datetime) -> dict[str, Any]:
    """Minutes from the public post to the first response, for complaint tickets opened since `since`.

    Where the first-response moment was recorded (`responded_at`) the figure is exact. Otherwise
    the link only keeps its *last* status change (`status_at`), which is an upper bound of the first
    response: those figures are counted apart and labelled. Tickets without a response are waiting.
    """
    exact: list[int] = []
    bounds: list[int] = []
    waiting = unknown = 0
    for view in views:
        if view.incident or view.posted_at is None or (view.created_at and view.created_at < since):
            continue
        if not view.responded:
            waiting += 1
        elif view.responded_at is not None:
            exact.append(_minutes(view.responded_at - view.posted_at))
        elif view.status_at is not None:
            bounds.append(_minutes(view.status_at - view.posted_at))
        else:
            unknown += 1
    every = exact + bounds
    basis = "exact" if exact and not bounds else "upper bound" if bounds and not exact else "mixed" if every else None
    return {
        "measured": len(every),
        "exact": len(exact),
        "upper_bounds": len(bounds),
        "median_minutes": int(median(every)) if every else None,
        "max_minutes": max(every) if every else None,
        "basis": basis,
        "waiting": waiting,
        "unknown": unknown,
    }


def channel_health(last: Mapping[str, Mapping[str, Any] | None], now: datetime) -> list[dict[str, Any]]:
    """Per network the brand listens on: the last accepted delivery and how long ago, or None, and
    the channel's open problem (token refused, silent while its page is active), or None."""
    rows = []
    for network in sorted(last):
        seen = last[network]
        at = seen.get("at") if seen else None
        rows.append(
            {
                "network": network,
                "last_delivery": at,
                "minutes_ago": _minutes(now - parse_time(str(at))) if at else None,
                "deliveries": int(seen.get("count", 0)) if seen else 0,
                "problem": seen.get("problem") if seen else None,
            }
        )
    return rows


class PolledTarget(Protocol):
    """A poll cursor as the store reports it (functions/stores/cursors.py `TargetStatus`)."""

    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def newest(self) -> str | None: ...
    @property
    def failures(self) -> int: ...
    @property
    def error(self) -> str | None: ...
    @property
    def not_before(self) -> str | None: ...


def poll_health(targets: Iterable[PolledTarget], now: datetime) -> list[dict[str, Any]]:
    """Per polled target of the schedule (backfills left out): the newest item seen and any failure."""
    rows = []
    for target in targets:
        if "#backfill:" in target.target:
            continue
        waiting = target.not_before and parse_time(target.not_before) > now
        rows.append(
            {
                "source": target.source,
                "target": target.target,
                "newest": target.newest,
                "state": "failing" if target.failures else ("paused" if waiting else "ok"),
                "failures": target.failures,
                "error": target.error,
                "retry_at": target.not_before if waiting else None,
            }
        )
    return rows


def duration(minutes: int | None) -> str:
    """`95` → `1 h 35 min`, `3000` → `2 d 2 h`: how people read waiting times."""
    if minutes is None:
        return "n/a"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, rest = divmod(minutes, 24 * 60)
    return f"{days} d {rest // 60} h" if rest // 60 else f"{days} d"


def percent(rate: float | None) -> str:
    return "not reported" if rate is None else f"{rate * 100:.2f}%"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def first_response_text(figures: Mapping[str, Any]) -> str:
    if not figures["measured"]:
        return f"none measured yet ({figures['waiting']} waiting)"
    label = {"exact": "", "upper bound": " (upper bound)", "mixed": " (partly upper bounds)"}[figures["basis"]]
    return (
        f"median {duration(figures['median_minutes'])}, max {duration(figures['max_minutes'])}{label} "
        f"over {figures['measured']}; {figures['waiting']} waiting"
    )


def own_channel_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The digest's own-channel lines: per account subscribers, growth and engagement rate with its
    definition; posts that draw complaints first; channels whose statistics failed."""
    lines = []
    for row in rows:
        name = f"{row['network']} {row.get('name') or row['account']}"
        if row.get("subscribers") is None and row.get("rate") is None:
            lines.append(f"{name}: no snapshot" + (f" ({row['problem']['kind']})" if row.get("problem") else ""))
            continue
        stale = f", {row['stale_days']} day(s) old" if row.get("stale_days") else ""
        lines.append(
            f"{name}: {channels.count(row.get('subscribers'), row.get('marks') or {})} subscribers "
            f"({channels.signed(row.get('growth_day'))} d/d, {channels.signed(row.get('growth_week'))} w/w{stale}), "
            f"engagement {channels.percent(row.get('rate'))} ({channels.points(row.get('rate_change'))} vs last week; "
            f"{row['definition']['label']})"
        )
        for post in row["posts"]["complaints_first"][:2]:
            lines.append(
                f"  draws complaints: {post.get('url') or post['id']}: {post['complaints']} of {post['mentions']} "
                f"mentions, engagement {channels.percent(post['rate'])}"
            )
    broken = [f"{r['network']} {r['account']} {r['problem']['kind']}" for r in rows if r.get("problem")]
    if broken:
        lines.append("Channel statistics problems: " + ", ".join(broken).replace("_", " "))
    return ["Own channels:", *lines] if lines else []


def digest_text(report: Mapping[str, Any]) -> str:
    """The evening digest: a few lines a person reads in Slack or Telegram at a glance."""
    total, opened, risk = report["totals"], report["open_complaints"], report["sla"]
    lines = [
        f"[{report['name']}] daily digest, last {report['window']['days']} days (to {report['generated_at']})",
        f"Mentions {total['mentions']}, complaints {total['complaints']}, "
        f"mean sentiment {_signed(total['mean_sentiment'])}"
        + (" (newest mentions only: more than the query limit)" if report["window"].get("truncated") else ""),
    ]
    today = report["trend"][-1] if report["trend"] else None
    if today:
        lines.append(
            f"Today {today['count']} mentions, {today['complaints']} complaints, "
            f"sentiment {_signed(today['mean_sentiment'])}"
        )
    line = f"Open complaints {opened['count']} ({opened['awaiting_first_response']} awaiting a first response"
    older, days = opened.get("posted_before_window"), report["window"]["days"]
    line += f", {older} posted before the {days}-day window)" if older else ")"
    oldest = opened["oldest_waiting"]
    if oldest:
        line += f"; oldest waiting {duration(oldest['waiting_minutes'])} (ticket {oldest['ticket_id']})"
    lines.append(line)
    lines.append(f"SLA: {risk['breached']} breached, {risk['at_risk']} at risk")
    lines.append(f"First response: {first_response_text(report['first_response'])}")
    lines.append(f"Mention interactions / author followers: {percent(report['engagement']['rate'])}")
    lines += own_channel_lines(report.get("own_channels") or [])
    quiet = [c["network"] for c in report["channels"] if c["last_delivery"] is None]
    heard = [f"{c['network']} {duration(c['minutes_ago'])} ago" for c in report["channels"] if c["last_delivery"]]
    channels = report["channels"]
    broken = [f"{c['network']} {c['problem']['kind']}".replace("_", " ") for c in channels if c.get("problem")]
    lines.append(
        "Channels: " + ", ".join(heard + [f"{n} no delivery recorded" for n in quiet]) if report["channels"] else ""
    )
    if broken:
        lines.append("Channel problems: " + ", ".join(broken))
    failing = [f"{p['source']} {p['target']}" for p in report.get("polls", []) if p["state"] == "failing"]
    if failing:
        lines.append("Polls failing: " + ", ".join(failing))
    loyal = report["loyalty"]
    lines.append(
        f"Loyalty: {loyal['turned_positive']} of {loyal['followed_after_resolution']} came back positive"
        if loyal["followed_after_resolution"]
        else "Loyalty: no customer has posted again after a solve yet"
    )
    return "\n".join(line for line in lines if line)
