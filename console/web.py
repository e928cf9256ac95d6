"""What every console page needs: the logged-in person, roles, CSRF, the templates."""
from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from console import labels
from console.accounts import Staff, find_staff
from console.requests import count_new
from db.models import ROLE_KI_ADMIN

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescapes HTML
templates.env.globals.update(
    status_label=labels.STATUS_LABELS.get, outcome=labels.outcome,
    language_label=lambda code: labels.language_labels().get(code, code),
    mode_label=labels.MODE_LABELS.get, answer_rows=labels.answer_rows,
    target_group_codes=labels.target_group_codes, referral_codes=labels.referral_codes,
    language_codes=labels.language_codes,
)


class LoginRequired(Exception):
    """No (valid) session: the page sends the browser to the login."""


def sessions_of(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions  # type: ignore[no-any-return]


def staff_of(request: Request, role: str | None = None) -> Staff:
    """The logged-in person; a missing login, or a role that does not allow the page, ends
    the request (login page, or 403)."""
    username = request.session.get("username")
    staff = find_staff(sessions_of(request), username) if username else None
    if staff is None:
        request.session.clear()
        raise LoginRequired()
    if role == ROLE_KI_ADMIN and staff.role != ROLE_KI_ADMIN:
        raise HTTPException(403, "Diese Seite ist dem KI Kreis Mettmann vorbehalten.")
    return staff


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The posted form, if it carries this session's CSRF token; else 403."""
    form = await request.form(max_files=0, max_fields=50)
    sent = str(form.get("csrf") or "")
    expected = str(request.session.get("csrf") or "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")
    return form


def page(request: Request, template: str, staff: Staff | None, **context: Any) -> Response:
    return templates.TemplateResponse(request, template, {
        "staff": staff,
        "csrf": csrf_token(request),
        "new_count": count_new(sessions_of(request)) if staff else 0,
        **context,
    })


def back_to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
