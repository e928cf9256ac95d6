"""The inbox of misunderstood messages (ki_admin): list the new ones, label each with its
intent (the example goes into ``nlu/<language>.yml``) or as noise. Every view and decision is
in the audit log."""
from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from console import audit
from console.settings import ConsoleSettings
from console.web import back_to, checked_form, page, sessions_of, staff_of
from db.inbox import (
    AlreadyDecided,
    EntryNotFound,
    InboxEntry,
    decide,
    find_entry,
    new_entries,
)
from db.models import INBOX_NEW, ROLE_KI_ADMIN
from intake.settings import Settings
from intake.training_data import (
    Outcome,
    add_example,
    domain_intents,
    examples_by_intent,
    language_file,
)

VIEWED = "Posteingang angesehen"
DECIDED = "Posteingang entschieden"
HINT_LANGUAGE = "de"


def intent_choices(nlu_dir: Path) -> list[tuple[str, str]]:
    """Every intent of the domain, with its first German example as a hint."""
    try:
        german = examples_by_intent(language_file(nlu_dir, HINT_LANGUAGE))
    except LookupError:
        german = {}
    return [(name, (german.get(name) or [""])[0]) for name in domain_intents()]


async def inbox_page(request: Request) -> Response:
    staff = staff_of(request, ROLE_KI_ADMIN)
    settings: ConsoleSettings = request.app.state.settings
    entries = new_entries(sessions_of(request))
    audit.record(sessions_of(request), staff, VIEWED, detail=f"{len(entries)} neue Nachricht(en)")
    return page(request, "inbox.html", staff, entries=entries,
                intents=intent_choices(settings.nlu_dir),
                decided=request.query_params.get("entschieden", ""),
                retention_days=Settings().retention_inbox_days)


async def decide_entry(request: Request) -> Response:
    staff = staff_of(request, ROLE_KI_ADMIN)
    form = await checked_form(request)
    entry = _new_entry_or_error(request, request.path_params["entry_id"])
    decision = str(form.get("decision") or "")
    if decision == "noise":
        _decide(request, entry, None, staff.username)
        audit.record(sessions_of(request), staff, DECIDED, detail=f"Nr. {entry.id}: Rauschen")
        return back_to("/posteingang?entschieden=rauschen")
    if decision != "accept":
        raise HTTPException(400, "Unbekannte Entscheidung")
    intent = str(form.get("intent") or "")
    if intent not in domain_intents():
        raise HTTPException(400, "Bitte eine Absicht wählen")
    settings: ConsoleSettings = request.app.state.settings
    try:
        path = language_file(settings.nlu_dir, entry.language)
    except LookupError:
        raise HTTPException(409, f"Für die Sprache „{entry.language}“ gibt es keine "
                                 "Trainingsdatei.") from None
    addition = add_example(path, intent, entry.text)
    if addition.outcome is Outcome.UNDER_OTHER_INTENT:
        raise HTTPException(409, f"Dieser Satz steht in nlu/{path.name} schon bei der Absicht "
                                 f"„{addition.intent}“. Bitte dort prüfen.")
    _decide(request, entry, intent, staff.username)
    note = " (stand schon da)" if addition.outcome is Outcome.ALREADY_THERE else ""
    audit.record(sessions_of(request), staff, DECIDED,
                 detail=f"Nr. {entry.id}: Beispiel für {intent} in nlu/{path.name}{note}")
    return back_to("/posteingang?entschieden=beispiel")


def _new_entry_or_error(request: Request, entry_id: int) -> InboxEntry:
    try:
        entry = find_entry(sessions_of(request), entry_id)
    except EntryNotFound:
        raise HTTPException(404, "Diese Nachricht gibt es nicht (mehr).") from None
    if entry.status != INBOX_NEW:
        raise HTTPException(409, "Diese Nachricht ist schon entschieden.")
    return entry


def _decide(request: Request, entry: InboxEntry, intent: str | None, by: str) -> None:
    try:
        decide(sessions_of(request), entry.id, intent, by)
    except EntryNotFound:
        raise HTTPException(404, "Diese Nachricht gibt es nicht (mehr).") from None
    except AlreadyDecided:
        raise HTTPException(409, "Diese Nachricht ist schon entschieden.") from None
