"""Brand health: `GET /brands/{brand}/health` (JSON) and `GET /brands/{brand}/health.html` (a page).

The page is rendered here, whole: inline CSS and inline SVG charts drawn by the small functions
below, no script, no external asset, so it works offline and under a `default-src 'none'` CSP.
Both routes need a read key that opens the brand (its own key or the agency key, `X-Api-Key`,
`functions.api.auth`); the key is never accepted in the URL. The figures come from
`functions.reports.health.gather`, which the evening digest (`functions.jobs.digest`) sends too, to
the brand's own targets only; its reads are bounded and listed there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from chalice.app import Blueprint, Response

from functions.api.auth import require_key
from functions.core import channels as channel_figures
from functions.core import health
from functions.reports.health import gather
from functions.runtime.brands import brands

bp = Blueprint(__name__)

BLUE, RED, INK, GRID, MUTED = "#3b6fb6", "#c8423b", "#1f2933", "#d9dee5", "#66717e"


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status_code=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


PAGE_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@bp.route("/brands/{brand}/health", methods=["GET"])
@require_key(bp)
def brand_health(brand: str) -> Response:
    found = brands().get(brand)
    if found is None:
        return _json({"error": f"unknown brand {brand!r}"}, 404)
    return _json(gather(found, datetime.now(UTC)))


@bp.route("/brands/{brand}/health.html", methods=["GET"])
@require_key(bp)
def brand_health_page(brand: str) -> Response:
    found = brands().get(brand)
    if found is None:
        return Response(
            f"<!doctype html><title>Not found</title><p>unknown brand {escape(brand)}</p>",
            status_code=404,
            headers=dict(PAGE_HEADERS),
        )
    return Response(render_page(gather(found, datetime.now(UTC))), status_code=200, headers=dict(PAGE_HEADERS))


# --- charts: inline SVG, drawn here -------------------------------------------------------------


def _nice_top(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 × 10^n)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _day_label(day: str) -> str:
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).strftime("%a %d")


def volume_chart(trend: Sequence[Mapping[str, Any]], width: int = 560, height: int = 220) -> str:
    """Stacked bars per day: complaints (red) under the other mentions (blue), counts on top."""
    left, right, top, bottom = 34, 8, 18, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_top(max([int(d["count"]) for d in trend] + [1]))
    slot = plot_w / max(len(trend), 1)
    bar = slot * 0.62

    def y(value: float) -> float:
        return top + plot_h - value / peak * plot_h

    parts = [
        f'<svg id="volume-chart" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-labelledby="volume-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="volume-title">Mentions per day, complaints in red</title>',
    ]
    for tick in (0, peak / 2, peak):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{tick:g}</text>'
        )
    for n, day in enumerate(trend):
        count, complaints = int(day["count"]), int(day["complaints"])
        x = left + n * slot + (slot - bar) / 2
        centre = x + bar / 2
        for klass, low, high, colour in (
            ("bar complaints", 0, complaints, RED),
            ("bar others", complaints, count, BLUE),
        ):
            if high > low:
                parts.append(
                    f'<rect class="{klass}" data-date="{day["date"]}" data-value="{high - low}" x="{x:.1f}" '
                    f'y="{y(high):.1f}" width="{bar:.1f}" height="{y(low) - y(high):.1f}" fill="{colour}">'
                    f"<title>{day['date']}: {high - low} {klass.split()[1]}</title></rect>"
                )
        parts.append(
            f'<text x="{centre:.1f}" y="{y(count) - 4:.1f}" text-anchor="middle" class="value">{count}</text>'
            f'<text x="{centre:.1f}" y="{height - 8}" text-anchor="middle" class="axis">'
            f"{_day_label(str(day['date']))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def sentiment_chart(trend: Sequence[Mapping[str, Any]], width: int = 560, height: int = 220) -> str:
    """Mean sentiment per day on a fixed −1…+1 axis; days without mentions leave a gap."""
    left, right, top, bottom = 34, 8, 22, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(trend), 1)

    def y(value: float) -> float:
        return top + (1 - value) / 2 * plot_h

    parts = [
        f'<svg id="sentiment-chart" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="sentiment-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="sentiment-title">Mean sentiment per day, from -1 to +1</title>',
    ]
    for tick in (-1, 0, 1):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{INK if tick == 0 else GRID}" stroke-dasharray="{"4 3" if tick == 0 else "none"}"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{tick:+d}</text>'.replace(
                ">+0<", ">0<"
            )
        )
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    for n, day in enumerate(trend):
        x = left + n * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="axis">'
            f"{_day_label(str(day['date']))}</text>"
        )
        value = day["mean_sentiment"]
        if value is None:
            segment = []
            segments.append(segment)
            continue
        segment.append(f"{x:.1f},{y(float(value)):.1f}")
    for points in segments:
        if len(points) > 1:
            parts.append(
                f'<polyline class="line" points="{" ".join(points)}" fill="none" stroke="{BLUE}" stroke-width="2"/>'
            )
    for n, day in enumerate(trend):
        value = day["mean_sentiment"]
        if value is None:
            continue
        x, cy = left + n * slot + slot / 2, y(float(value))
        colour = RED if value < 0 else BLUE
        parts.append(
            f'<circle class="point" data-date="{day["date"]}" data-value="{value}" cx="{x:.1f}" cy="{cy:.1f}" r="4" '
            f'fill="{colour}"><title>{day["date"]}: {value:+.2f}</title></circle>'
            f'<text x="{x:.1f}" y="{cy - 8:.1f}" text-anchor="middle" class="value">{value:+.2f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def series_chart(
    ident: str, title: str, points: Sequence[Mapping[str, Any]], key: str, *, percent: bool = False
) -> str:
    """One line per day (30 days of an own channel): a day without a snapshot is a gap, never 0."""
    width, height, left, right, top, bottom = 560, 170, 58, 8, 16, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(p[key]) for p in points if p.get(key) is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high == low:
        low, high = (low * 0.98, high * 1.02) if high else (0.0, 1.0)
    slot = plot_w / max(len(points), 1)

    def y(value: float) -> float:
        return top + (high - value) / (high - low) * plot_h

    def shown(value: float) -> str:
        return f"{value * 100:.2f}%" if percent else f"{value:,.0f}"

    parts = [
        f'<svg id="{escape(ident)}" class="chart series" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (low, high):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{shown(tick)}</text>'
        )
    segments: list[list[str]] = [[]]
    for n, point in enumerate(points):
        x = left + n * slot + slot / 2
        if n % 7 == len(points) % 7 - 1 or n == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" class="axis">'
                f"{escape(str(point['date'])[5:])}</text>"
            )
        value = point.get(key)
        if value is None:
            segments.append([])
            continue
        segments[-1].append(f"{x:.1f},{y(float(value)):.1f}")
        parts.append(
            f'<circle class="point" data-date="{escape(str(point["date"]))}" data-value="{value}" cx="{x:.1f}" '
            f'cy="{y(float(value)):.1f}" r="2.5" fill="{BLUE}"><title>{escape(str(point["date"]))}: '
            f"{shown(float(value))}</title></circle>"
        )
    for line in segments:
        if len(line) > 1:
            joined = " ".join(line)
            parts.append(f'<polyline class="line" points="{joined}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _post_link(row: Mapping[str, Any]) -> str:
    text = escape(str(row.get("text") or row["id"])[:60])
    url = str(row.get("url") or "")
    return f'<a href="{escape(url)}" rel="noreferrer">{text}</a>' if url.startswith("https://") else text


def _post_cells(rows: Sequence[Mapping[str, Any]], group: str) -> str:
    """Posts with their engagement and, beside it, the complaints and negative mentions under them."""
    cells = []
    for row in rows:
        share = "" if row["complaint_share"] is None else f" ({row['complaint_share'] * 100:.0f}%)"
        actions = "n/a" if row["actions"] is None else str(row["actions"])
        cells.append(
            f'<tr class="{group}" data-post="{escape(str(row["id"]))}"><td>{group.replace("-", " ")}</td>'
            f"<td>{_post_link(row)}</td><td>{escape(str(row['created_at'])[:10])}</td><td>{actions}</td>"
            f"<td>{channel_figures.percent(row['rate'])}</td>"
            f'<td class="{"bad" if row["complaints"] else ""}">{row["complaints"]} of {row["mentions"]}{share}</td>'
            f"<td>{row['negative']}</td></tr>"
        )
    return "".join(cells)


def _marks(marks: Mapping[str, str]) -> str:
    if not marks:
        return ""
    items = "".join(f"<li>{escape(name)}: {escape(note)}</li>" for name, note in sorted(marks.items()))
    return f'<ul class="marks muted">{items}</ul>'


def _own_channel(row: Mapping[str, Any]) -> str:
    """One own account: figures with their marks and definition, two 30-day charts, its posts."""
    network, account = str(row["network"]), str(row["account"])
    ident = f"{network}-{account}".replace(" ", "_")
    marks = row.get("marks") or {}
    problem = row.get("problem")
    stale = row.get("stale_days")
    as_of = f"as of {row['as_of']}" if row.get("as_of") else "no snapshot yet"
    if stale:
        as_of += f" ({stale} day(s) old)"
    posts = row["posts"]
    post_rows = (
        _post_cells(posts["complaints_first"], "draws-complaints")
        + _post_cells(posts["top"], "top")
        + _post_cells(posts["bottom"], "bottom")
    )
    post_table = (
        "<table><tr><th></th><th>post</th><th>posted</th><th>actions</th><th>engagement</th>"
        f"<th>complaints under it</th><th>negative</th></tr>{post_rows}</table>"
        if post_rows
        else '<p class="muted">No post of the last 7 days in the latest snapshot.</p>'
    )
    subscribers_chart = series_chart(f"subscribers-chart-{ident}", "Subscribers per day", row["series"], "subscribers")
    rate_chart = series_chart(f"rate-chart-{ident}", "Engagement rate per day", row["series"], "rate", percent=True)
    problem_html = (
        f'<p class="bad problem">{escape(str(problem["kind"]).replace("_", " "))} since '
        f"{escape(str(problem['since']))}: {escape(str(problem['detail']))}</p>"
        if problem
        else ""
    )
    return f"""<section class="own-channel" data-network="{escape(network)}" data-account="{escape(account)}">
<h2>{escape(network)} · {escape(str(row.get("name") or account))}</h2>{problem_html}
<div class="cards">
{_card(f"subscribers-{ident}", "Subscribers", channel_figures.count(row.get("subscribers"), marks), as_of)}
{
        _card(
            f"growth-{ident}",
            "Growth",
            channel_figures.signed(row.get("growth_day")) + " / day",
            f"{channel_figures.signed(row.get('growth_week'))} over 7 days",
        )
    }
{_card(f"rate-{ident}", "Engagement rate", channel_figures.percent(row.get("rate")), row["definition"]["label"])}
{
        _card(
            f"rate-change-{ident}",
            "vs last week",
            channel_figures.points(row.get("rate_change")),
            f"a week ago {channel_figures.percent(row.get('rate_week_ago'))}",
        )
    }
</div>{_marks(marks)}
<p class="muted definition">{escape(row["definition"]["source"])}</p>
<div class="panels">
<div><h3>Subscribers, 30 days</h3>{subscribers_chart}</div>
<div><h3>Engagement rate, 30 days</h3>{rate_chart}</div>
</div>
{post_table}
</section>"""


def _own_channels(report: Mapping[str, Any]) -> str:
    rows = report.get("own_channels") or []
    if not rows:
        return (
            '<section id="own-channels"><h2>Own channels</h2><p class="muted">No own channel is configured '
            "for statistics (a network's STATS_SECRETS in the brand file).</p></section>"
        )
    return '<div id="own-channels">' + "".join(_own_channel(r) for r in rows) + "</div>"


# --- the page ---------------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa;margin:0}
header{background:#1f2933;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c5ccd4;font-size:13px}main{padding:20px 28px;max-width:1200px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-bottom:18px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .label{color:#66717e;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .figure{font-size:26px;font-weight:600;margin-top:2px}.card .note{color:#66717e;font-size:12px}
.warn .figure{color:#c8423b}.panels{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
section{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08);margin-bottom:16px}
section h2{font-size:16px;margin:0 0 8px}svg .axis{font-size:11px;fill:#66717e}svg .value{font-size:11px;fill:#1f2933}
.chart{max-width:100%;height:auto}table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e8ed}th{color:#66717e;font-weight:500}
.muted{color:#66717e}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
.bad{color:#c8423b;font-weight:600}h3{font-size:13px;margin:6px 0;color:#66717e}
footer{color:#66717e;font-size:12px;padding:0 28px 24px}
"""


def _card(ident: str, label: str, figure: str, note: str = "", *, warn: bool = False) -> str:
    return (
        f'<div class="card{" warn" if warn else ""}" id="{ident}"><div class="label">{escape(label)}</div>'
        f'<div class="figure">{escape(figure)}</div><div class="note">{escape(note)}</div></div>'
    )


def _ticket_cell(ticket: Mapping[str, Any]) -> str:
    text = escape(str(ticket.get("ticket_id") or "?"))
    url = str(ticket.get("url") or "")
    if url.startswith(("https://", "http://")):
        return f'<a href="{escape(url)}" rel="noreferrer">{text}</a>'
    return text


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def _sla_rows(report: Mapping[str, Any]) -> str:
    tickets_at_risk = report["sla"]["tickets"]
    if not tickets_at_risk:
        return '<p class="muted">No open ticket is at risk.</p>'
    rows = "".join(
        f'<tr><td>{_ticket_cell(t)}</td><td class="{"bad" if t["state"] == "breached" else ""}">{escape(t["state"])}'
        f"</td><td>{escape(t['priority'])}</td><td>{escape(t['posted_at'] or '')}</td><td>{escape(t['deadline'])}</td>"
        f"<td>{escape(t['status'])}</td></tr>"
        for t in tickets_at_risk
    )
    return (
        "<table><tr><th>ticket</th><th>SLA</th><th>priority</th><th>posted</th><th>deadline</th><th>status</th></tr>"
        f"{rows}</table>"
    )


def _channel_rows(report: Mapping[str, Any]) -> str:
    if not report["channels"]:
        return '<p class="muted">The brand listens on no network.</p>'
    rows = "".join(
        f'<tr data-network="{escape(c["network"])}"><td>{escape(c["network"])}</td>'
        + (
            f"<td>{escape(c['last_delivery'])}</td><td>{health.duration(c['minutes_ago'])} ago</td>"
            f"<td>{c['deliveries']}</td>"
            if c["last_delivery"]
            else '<td colspan="3" class="muted">no delivery recorded</td>'
        )
        + _problem_cell(c.get("problem"))
        + "</tr>"
        for c in report["channels"]
    )
    head = "<th>network</th><th>last delivery</th><th>age</th><th>deliveries</th><th>problem</th>"
    return f"<table><tr>{head}</tr>{rows}</table>"


def _poll_rows(report: Mapping[str, Any]) -> str:
    polls = report.get("polls") or []
    if not polls:
        return '<p class="muted">No source has been polled for this brand.</p>'
    rows = "".join(
        f'<tr data-source="{escape(p["source"])}"><td>{escape(p["source"])}</td><td>{escape(p["target"])}</td>'
        f"<td>{escape(p['newest'] or 'n/a')}</td>"
        + (
            f'<td class="bad">failing ×{p["failures"]}: {escape(p["error"] or "")}</td>'
            if p["state"] == "failing"
            else f'<td class="muted">paused until {escape(p["retry_at"] or "")}</td>'
            if p["state"] == "paused"
            else "<td>ok</td>"
        )
        + "</tr>"
        for p in polls
    )
    return f"<table><tr><th>source</th><th>target</th><th>newest item</th><th>state</th></tr>{rows}</table>"


def _problem_cell(problem: Mapping[str, Any] | None) -> str:
    if not problem:
        return '<td class="muted">none</td>'
    kind, since, detail = (escape(str(problem.get(k) or "")) for k in ("kind", "since", "detail"))
    return f'<td class="bad">{kind.replace("_", " ")} since {since}: {detail}</td>'


def render_page(report: Mapping[str, Any]) -> str:
    """The whole page as one HTML string (every value from `report` escaped)."""
    total, opened, risk = report["totals"], report["open_complaints"], report["sla"]
    response, reach, loyal = report["first_response"], report["engagement"], report["loyalty"]
    oldest = opened["oldest_waiting"]
    name = escape(str(report["name"]))
    truncated = (
        f" Only the newest {report['window']['mention_limit']} mentions are counted."
        if report["window"]["truncated"]
        else ""
    )
    cards = "".join(
        [
            _card("mentions-total", "Mentions, 7 days", str(total["mentions"])),
            _card("complaints-total", "Complaints, 7 days", str(total["complaints"]), warn=total["complaints"] > 0),
            _card("sentiment-mean", "Mean sentiment", _signed(total["mean_sentiment"]), "from −1 to +1"),
            _card(
                "open-complaints",
                "Open complaints",
                str(opened["count"]),
                f"{opened['awaiting_first_response']} awaiting a first response; {opened['incidents']} incidents"
                + (f"; {n} posted before the 7-day window" if (n := opened.get("posted_before_window")) else ""),
            ),
            _card(
                "oldest-waiting",
                "Oldest waiting",
                health.duration(oldest["waiting_minutes"]) if oldest else "none",
                f"ticket {oldest['ticket_id']}" if oldest else "every customer has an answer",
                warn=bool(oldest),
            ),
            _card(
                "sla-risk",
                "SLA breached / at risk",
                f"{risk['breached']} / {risk['at_risk']}",
                "open tickets without a first response",
                warn=bool(risk["breached"]),
            ),
            _card(
                "first-response",
                "First response, median",
                health.duration(response["median_minutes"]) if response["measured"] else "n/a",
                health.first_response_text(response),
            ),
            _card(
                "mention-reach",
                "Mention interactions / author followers",
                health.percent(reach["rate"]),
                f"{reach['mentions_measured']} of {reach['mentions']} mentions carry both; not the channels' "
                "engagement rate (below)",
            ),
            _card(
                "loyalty",
                "Back positive after a solve",
                f"{loyal['turned_positive']} of {loyal['followed_after_resolution']}",
                "rate n/a" if loyal["rate"] is None else f"rate {loyal['rate'] * 100:.0f}%",
            ),
        ]
    )
    trend_rows = "".join(
        f"<tr><td>{escape(d['date'])}</td><td>{d['count']}</td><td>{d['complaints']}</td>"
        f"<td>{_signed(d['mean_sentiment'])}</td></tr>"
        for d in report["trend"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{name} · brand health · mentiondesk</title><style>{STYLE}</style></head>
<body data-brand="{escape(str(report["brand"]))}">
<header><h1 id="brand-name">{name}</h1><p>Brand health for the last {report["window"]["days"]} days
(since {escape(report["window"]["since"])}) · generated {escape(report["generated_at"])}{escape(truncated)}</p></header>
<main>
<div class="cards">{cards}</div>
<div class="panels">
<section><h2>Mention volume</h2><div class="legend muted"><span style="background:{RED}"></span>complaints
<span style="background:{BLUE}"></span>other mentions</div>{volume_chart(report["trend"])}</section>
<section><h2>Sentiment</h2><div class="legend muted">mean per day; gaps are days without mentions</div>
{sentiment_chart(report["trend"])}</section>
</div>
{_own_channels(report)}
<section><h2>SLA at risk</h2>{_sla_rows(report)}</section>
<section><h2>Channels</h2>{_channel_rows(report)}</section>
<section><h2>Polled sources</h2>{_poll_rows(report)}</section>
<section><h2>Per day</h2><table id="trend-table"><tr><th>day (UTC)</th><th>mentions</th><th>complaints</th>
<th>mean sentiment</th></tr>{trend_rows}</table></section>
</main>
<footer>First response is measured from the customer's public post to the brand's first public reply in
their thread on the network (posted from the ticket, or written on the network by hand); tickets
from before replies were tracked keep only their last status change, an upper bound, and say so.
"Mention interactions / author followers" counts only mentions whose network reports interactions
and the author's followers (not reported in this window by:
{escape(", ".join(reach["networks_not_reporting"]) or "none")}); each own channel's engagement rate
is named beside it, and counts a network rounds, hides or lags are marked, never shown as exact.
SLA follows the brand's escalation rules, as the 5-minute sweep does.</footer>
</body></html>
"""
