"""The staff console (``intake console``): server-rendered pages for caseworkers (the Haan
queue) and the integration centre (also statistics and the audit log). German only."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys

import httpx
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channel.configuration import ConfigurationError
from bot.channel.texts import ChannelTexts
from console import audit
from console.accounts import authenticate
from console.notify import appointment_message
from console.requests import (
    CLOSING_STATUSES,
    MODES,
    QueueFilter,
    RequestNotFound,
    appointment_time,
    caseworkers,
    change,
    count_new,
    find_request,
    queue,
)
from console.settings import ConsoleSettings, load_settings
from console.transcript import post_events, transcript
from console.web import (
    HERE,
    LoginRequired,
    back_to,
    checked_form,
    csrf_token,
    page,
    sessions_of,
    staff_of,
    templates,
)
from db.messages import hand_back, queue_message, take_over, taken_over_by
from db.models import ROLE_KI_ADMIN, STATUSES, AppointmentRequest
from db.repository import erase_conversation
from db.session import session_factory
from intake.logs import configure_logging

logger = logging.getLogger(__name__)
FAILED_LOGIN_DELAY = 1.0


async def login_page(request: Request) -> Response:
    return page(request, "login.html", None, failed=False)


async def login(request: Request) -> Response:
    form = await checked_form(request)
    username = str(form.get("username") or "")[:64]
    staff = authenticate(sessions_of(request), username, str(form.get("password") or "")[:256])
    if staff is None:
        audit.record(sessions_of(request), username or "?", audit.LOGIN_FAILED)
        await asyncio.sleep(FAILED_LOGIN_DELAY)
        return page(request, "login.html", None, failed=True)
    request.session.clear()
    request.session["username"] = staff.username
    audit.record(sessions_of(request), staff, audit.LOGIN)
    return back_to("/")


async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return back_to("/login")


async def queue_page(request: Request) -> Response:
    staff = staff_of(request)
    params = request.query_params
    wanted = QueueFilter(
        status=params.get("status", ""), target_group=params.get("target_group", ""),
        to_check=params.get("to_check") == "1", referral=params.get("referral", ""),
        language=params.get("language", ""),
        assigned=staff.username if params.get("assigned") == "me" else params.get("assigned", ""),
    )
    rows = queue(sessions_of(request), wanted)
    audit.record(sessions_of(request), staff, audit.VIEW, detail=f"Warteschlange ({len(rows)})")
    return page(request, "queue.html", staff, rows=rows, wanted=wanted, params=params,
                statuses=STATUSES, now=dt.datetime.now(dt.timezone.utc))


async def request_page(request: Request) -> Response:
    staff = staff_of(request)
    reference = request.path_params["reference"]
    found = _request_or_404(request, reference)
    audit.record(sessions_of(request), staff, audit.VIEW, reference)
    settings: ConsoleSettings = request.app.state.settings
    lines = await transcript(settings.rasa_url, found.conversation_id, {"reference": reference})
    return page(request, "request.html", staff, r=found, lines=lines,
                caseworkers=caseworkers(sessions_of(request)), modes=MODES,
                taken_by=taken_over_by(sessions_of(request), found.conversation_id),
                closing=CLOSING_STATUSES, languages=ChannelTexts().languages)


async def assign(request: Request) -> Response:
    staff = staff_of(request)
    form = await checked_form(request)
    reference = request.path_params["reference"]
    found = _request_or_404(request, reference)
    who = str(form.get("assigned_to") or "")
    if who not in {u for u, _ in caseworkers(sessions_of(request))}:
        raise HTTPException(400, "Unbekannte Person")
    status = "assigned" if found.status == "new" else None
    change(sessions_of(request), reference, staff.username, f"zugewiesen an {who}", status,
           assigned_to=who)
    audit.record(sessions_of(request), staff, audit.CHANGE, reference, f"zugewiesen an {who}")
    return back_to(f"/anfragen/{reference}")


async def confirm_groups(request: Request) -> Response:
    staff = staff_of(request)
    form = await checked_form(request)
    reference = request.path_params["reference"]
    _request_or_404(request, reference)
    from console.labels import outcome_labels, target_group_codes

    known = set(target_group_codes())
    chosen = sorted({str(code) for code in form.getlist("target_groups")} & known)
    note = "Zielgruppen bestätigt: " + (", ".join(outcome_labels()[c] for c in chosen) or "keine")
    change(sessions_of(request), reference, staff.username, note, confirmed_target_groups=chosen)
    audit.record(sessions_of(request), staff, audit.CHANGE, reference, note)
    return back_to(f"/anfragen/{reference}")


async def schedule(request: Request) -> Response:
    staff = staff_of(request)
    form = await checked_form(request)
    reference = request.path_params["reference"]
    found = _request_or_404(request, reference)
    mode = str(form.get("mode") or "")
    place = str(form.get("place") or "").strip()[:200]
    interpreter = str(form.get("interpreter") or "") or None
    try:
        at = appointment_time(str(form.get("date") or ""), str(form.get("time") or ""))
    except ValueError:
        raise HTTPException(400, "Datum und Uhrzeit fehlen oder sind ungültig") from None
    if mode not in MODES or not place or (interpreter and interpreter not in ChannelTexts().languages):
        raise HTTPException(400, "Art, Ort oder Dolmetschsprache fehlen oder sind ungültig")
    note = f"Termin {at:%d.%m.%Y %H:%M}, {mode}, {place}" + (f", Dolmetsch {interpreter}" if interpreter else "")
    change(sessions_of(request), reference, staff.username, note, "scheduled", appointment_at=at,
           appointment_mode=mode, appointment_place=place, appointment_interpreter=interpreter)
    message = appointment_message(ChannelTexts(), found.language, reference, at, mode, place,
                                  interpreter)
    await _send_to_user(request, found.conversation_id, message, staff.username)
    audit.record(sessions_of(request), staff, audit.CHANGE, reference, note)
    return back_to(f"/anfragen/{reference}")


async def close(request: Request) -> Response:
    staff = staff_of(request)
    form = await checked_form(request)
    reference = request.path_params["reference"]
    _request_or_404(request, reference)
    status = str(form.get("status") or "")
    reason = str(form.get("reason") or "").strip()[:500]
    if status not in CLOSING_STATUSES or not reason:
        raise HTTPException(400, "Status und Begründung sind nötig")
    change(sessions_of(request), reference, staff.username, reason, status)
    audit.record(sessions_of(request), staff, audit.CHANGE, reference, f"{status}: {reason}")
    return back_to(f"/anfragen/{reference}")


async def takeover(request: Request) -> Response:
    staff = staff_of(request)
    form = await checked_form(request)
    reference = request.path_params["reference"]
    found = _request_or_404(request, reference)
    settings: ConsoleSettings = request.app.state.settings
    action = str(form.get("action") or "")
    try:
        if action == "take":
            await post_events(settings.rasa_url, found.conversation_id, [{"event": "pause"}])
            take_over(sessions_of(request), found.conversation_id, staff.username)
            note = "Gespräch übernommen"
        elif action == "hand_back":
            await post_events(settings.rasa_url, found.conversation_id, [{"event": "resume"}])
            hand_back(sessions_of(request), found.conversation_id)
            note = "Gespräch an den Bot zurückgegeben"
        else:
            raise HTTPException(400, "Unbekannte Aktion")
    except httpx.HTTPError:
        raise HTTPException(503, "Der Bot ist nicht erreichbar; bitte später noch einmal.") from None
    change(sessions_of(request), reference, staff.username, note)
    audit.record(sessions_of(request), staff, audit.CHANGE, reference, note)
    return back_to(f"/anfragen/{reference}#gespraech")


async def send_message(request: Request) -> Response:
    staff = staff_of(request)
    form = await checked_form(request)
    reference = request.path_params["reference"]
    found = _request_or_404(request, reference)
    text = str(form.get("text") or "").strip()[:2000]
    if not text:
        raise HTTPException(400, "Die Nachricht ist leer")
    if taken_over_by(sessions_of(request), found.conversation_id) is None:
        raise HTTPException(409, "Erst das Gespräch übernehmen")
    await _send_to_user(request, found.conversation_id, text, staff.username)
    audit.record(sessions_of(request), staff, audit.MESSAGE, reference)
    return back_to(f"/anfragen/{reference}#gespraech")


async def erase(request: Request) -> Response:
    """Erases everything about the person of a request (they asked by phone, by letter...):
    the request and every other of the conversation, the caseworkers' messages, and, through
    the retention job, the conversation in Rasa's tracker store."""
    staff = staff_of(request)
    form = await checked_form(request)
    reference = request.path_params["reference"]
    found = _request_or_404(request, reference)
    reason = str(form.get("reason") or "").strip()[:500]
    if not reason:
        raise HTTPException(400, "Für das Löschen ist eine Begründung nötig")
    erased = erase_conversation(sessions_of(request), found.conversation_id)
    audit.record(sessions_of(request), staff, audit.ERASURE, reference,
                 f"{erased} Anfrage(n) gelöscht: {reason}")
    return back_to("/")


async def health(request: Request) -> Response:
    """For the service manager or a load balancer: the console and its database answer."""
    try:
        count_new(sessions_of(request))
    except SQLAlchemyError as exc:
        logger.warning("health: the database does not answer (%s)", type(exc).__name__)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def rules_page(request: Request) -> Response:
    """The target-group rules as the bot applies them, in German (from rules.yml)."""
    staff = staff_of(request, ROLE_KI_ADMIN)
    from intake.answers import default_answer_schema
    from intake.rule_prose import describe_rules
    from intake.ruleset import default_ruleset

    rules = default_ruleset()
    return page(request, "rules.html", staff, version=rules.version,
                described=describe_rules(rules, default_answer_schema()))


async def audit_page(request: Request) -> Response:
    staff = staff_of(request, ROLE_KI_ADMIN)
    return page(request, "audit.html", staff, entries=audit.recent(sessions_of(request)))


async def _send_to_user(request: Request, conversation_id: str, text: str, by: str) -> None:
    """Into the conversation's transcript, and to the user's channel (it delivers from the
    outbox)."""
    settings: ConsoleSettings = request.app.state.settings
    try:
        await post_events(settings.rasa_url, conversation_id,
                          [{"event": "bot", "text": text, "metadata": {"staff": by}}])
    except httpx.HTTPError:
        logger.warning("a staff message could not be added to the transcript")
    queue_message(sessions_of(request), conversation_id, text, by)


def _request_or_404(request: Request, reference: str) -> AppointmentRequest:
    try:
        return find_request(sessions_of(request), reference)
    except RequestNotFound:
        raise HTTPException(404, "Diese Anfrage gibt es nicht (mehr).") from None


async def to_login(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/login", status_code=303)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return templates.TemplateResponse(
        request, "error.html", {"staff": None, "csrf": csrf_token(request), "new_count": 0,
                                "status": exc.status_code, "message": exc.detail},
        status_code=exc.status_code)


class SecurityHeaders:
    """Nothing from other origins, no framing, no caching of personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"content-security-policy", (
                        b"default-src 'none'; script-src 'self'; style-src 'self'; "
                        b"img-src 'self' data:; "
                        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
            await send(message)

        if scope["type"] != "http":
            await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, with_headers)


def routes() -> list[Route | Mount]:
    from console.evaluation_pages import evaluation_page, evaluation_picture
    from console.inbox_pages import decide_entry, inbox_page
    from console.statistics_pages import statistics_csv, statistics_page

    return [
        Route("/health", health),
        Route("/login", login_page), Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", queue_page),
        Route("/anfragen/{reference}", request_page),
        Route("/anfragen/{reference}/zuweisen", assign, methods=["POST"]),
        Route("/anfragen/{reference}/zielgruppen", confirm_groups, methods=["POST"]),
        Route("/anfragen/{reference}/termin", schedule, methods=["POST"]),
        Route("/anfragen/{reference}/abschluss", close, methods=["POST"]),
        Route("/anfragen/{reference}/uebernahme", takeover, methods=["POST"]),
        Route("/anfragen/{reference}/nachricht", send_message, methods=["POST"]),
        Route("/anfragen/{reference}/loeschen", erase, methods=["POST"]),
        Route("/protokoll", audit_page),
        Route("/regeln", rules_page),
        Route("/statistik", statistics_page),
        Route("/statistik.csv", statistics_csv),
        Route("/posteingang", inbox_page),
        Route("/posteingang/{entry_id:int}", decide_entry, methods=["POST"]),
        Route("/auswertung", evaluation_page),
        Route("/auswertung/verwechslungen/{language}.png", evaluation_picture),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(settings: ConsoleSettings) -> Starlette:
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=settings.console_secret,
                       session_cookie="kim_console", same_site="strict",
                       https_only=settings.console_secure_cookies,
                       max_age=settings.console_session_hours * 3600),
        ],
        exception_handlers={LoginRequired: to_login, HTTPException: http_error},
    )
    app.state.settings = settings
    app.state.sessions = session_factory(settings.database_url)
    return app


def main() -> int:
    import uvicorn

    configure_logging()
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"console: {exc}", file=sys.stderr)
        return 2
    logger.info("staff console on http://%s:%d", settings.console_host, settings.console_port)
    uvicorn.run(create_app(settings), host=settings.console_host, port=settings.console_port,
                access_log=False, log_level="warning")
    return 0

