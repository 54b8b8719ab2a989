"""The agency view: `GET /agency/health` (JSON) and `GET /agency/health.html` (a page), one row per
brand and own account — subscribers, engagement against last week, open complaints, SLA at risk —
the one look before sleep that covers every client. The agency key only (`X-Api-Key`,
`functions.api.auth`, `agency_only`): a brand's key is refused, it would show the other clients.
Rendered like the brand page: inline CSS, no script, the same strict CSP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from chalice.app import Blueprint, Response

from functions.api.auth import require_key
from functions.api.health_page import PAGE_HEADERS, STYLE, _json
from functions.core import channels as figures
from functions.core.mention import format_time
from functions.reports.agency import agency_rows
from functions.runtime.brands import brands

bp = Blueprint(__name__)


def _report(now: datetime) -> dict[str, Any]:
    return {"generated_at": format_time(now), "rows": agency_rows(brands().all(), now)}


@bp.route("/agency/health", methods=["GET"])
@require_key(bp, agency_only=True)
def agency_health() -> Response:
    return _json(_report(datetime.now(UTC)))


@bp.route("/agency/health.html", methods=["GET"])
@require_key(bp, agency_only=True)
def agency_health_page() -> Response:
    return Response(render_agency(_report(datetime.now(UTC))), status_code=200, headers=dict(PAGE_HEADERS))


def _row(row: Mapping[str, Any]) -> str:
    problem = row.get("problem")
    marks = row.get("marks") or {}
    cells = [
        f"<td>{escape(str(row['brand_name']))}</td>",
        f"<td>{escape(str(row.get('network') or '—'))}</td>",
        f"<td>{escape(figures.count(row.get('subscribers'), marks)) if row.get('network') else ''}</td>",
        f"<td>{escape(figures.signed(row.get('growth_week')))}</td>" if row.get("network") else "<td></td>",
        f'<td title="{escape(str(row.get("definition") or ""))}">{escape(figures.percent(row.get("rate")))}</td>'
        if row.get("network")
        else "<td></td>",
        f"<td>{escape(figures.points(row.get('rate_change')))}</td>" if row.get("network") else "<td></td>",
        f'<td class="{"bad" if row["open_complaints"] else ""}">{row["open_complaints"]}</td>',
        f'<td class="{"bad" if row["sla_breached"] else ""}">{row["sla_breached"]} / {row["sla_at_risk"]}</td>',
        f'<td class="bad">{escape(str(problem["kind"]).replace("_", " "))}: {escape(str(problem["detail"]))}</td>'
        if problem
        else '<td class="muted">none</td>',
    ]
    attrs = f'data-brand="{escape(str(row["brand"]))}" data-network="{escape(str(row.get("network") or ""))}"'
    return f"<tr {attrs}>{''.join(cells)}</tr>"


def render_agency(report: Mapping[str, Any]) -> str:
    rows: Sequence[Mapping[str, Any]] = report["rows"]
    head = (
        "<tr><th>brand</th><th>network</th><th>subscribers</th><th>growth, 7 d</th><th>engagement rate</th>"
        "<th>vs last week</th><th>open complaints</th><th>SLA breached / at risk</th><th>channel problem</th></tr>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Agency health · mentiondesk</title><style>{STYLE}</style></head>
<body>
<header><h1 id="agency-title">Every client, one look</h1><p>generated {escape(str(report["generated_at"]))}</p></header>
<main><section><h2>Brands and channels</h2><table id="agency-table">{head}{"".join(_row(r) for r in rows)}</table>
<p class="muted">Engagement rate is each network's own definition (hover the figure); ≈ marks a count the network
rounds. Open complaints and SLA are per brand. A channel without today's snapshot shows its last one.</p>
</section></main></body></html>
"""
