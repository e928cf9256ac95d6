"""Statistics for KIM reporting (ki_admin): requests per month by target group, referral,
language and status, as tables, charts and CSV. Small numbers are suppressed (statistics.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from console import audit, labels
from console.statistics import DIMENSIONS, bar_chart_svg, monthly_table, to_csv
from console.web import page, sessions_of, staff_of
from db.models import ROLE_KI_ADMIN, AppointmentRequest

TITLES = {
    "target_group": "Anfragen nach Zielgruppe (bestätigt, sonst Vorschlag)",
    "referral": "Anfragen nach Verweis",
    "language": "Anfragen nach Sprache",
    "status": "Anfragen nach Status",
}


def facts(request: Request) -> list[dict[str, Any]]:
    with sessions_of(request)() as session:
        return [{
            # SQLite gives naive datetimes back; they were stored in UTC.
            "created_at": r.created_at if r.created_at.tzinfo else r.created_at.replace(
                tzinfo=dt.timezone.utc),
            "target_groups": r.confirmed_target_groups
            if r.confirmed_target_groups is not None else r.target_groups,
            "referrals": r.referrals, "language": r.language, "status": r.status,
        } for r in session.scalars(select(AppointmentRequest))]


def names() -> dict[str, str]:
    return {**labels.outcome_labels(), **labels.language_labels(), **labels.STATUS_LABELS,
            "none": "keine"}


async def statistics_page(request: Request) -> Response:
    staff = staff_of(request, ROLE_KI_ADMIN)
    rows = facts(request)
    tables = [monthly_table(rows, dimension) for dimension in DIMENSIONS]
    audit.record(sessions_of(request), staff, audit.VIEW, detail="Statistik")
    return page(request, "statistics.html", staff, tables=tables, titles=TITLES, names=names(),
                charts={t.dimension: bar_chart_svg(t, names(), TITLES[t.dimension]) for t in tables})


async def statistics_csv(request: Request) -> Response:
    staff = staff_of(request, ROLE_KI_ADMIN)
    rows = facts(request)
    csv = to_csv([monthly_table(rows, dimension) for dimension in DIMENSIONS], names())
    audit.record(sessions_of(request), staff, audit.EXPORT, detail="Statistik als CSV")
    return Response(csv, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="kim-statistik.csv"'})
