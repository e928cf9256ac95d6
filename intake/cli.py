"""The ``intake`` command: assess answers, export the queue, build, migrate, chat."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from intake.answers import AnswerError, load_answer_schema
from intake.conditions import RuleFileError
from intake.eligibility import assess
from intake.ruleset import load_ruleset

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="intake", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p_assess = commands.add_parser("assess", help="answers (JSON on stdin) → outcome (JSON)")
    p_assess.add_argument("--on", type=_date, help="apply the rules valid on YYYY-MM-DD")
    p_assess.set_defaults(run=_assess)

    p_queue = commands.add_parser("queue", help="the Haan queue of appointment requests")
    queue_commands = p_queue.add_subparsers(dest="queue_command", required=True)
    p_export = queue_commands.add_parser("export", help="print every request")
    p_export.add_argument("--format", choices=["json"], default="json")
    p_export.set_defaults(run=_export)

    p_retention = commands.add_parser(
        "retention", help="delete closed requests and quiet conversations past retention"
    )
    p_retention.add_argument("--closed-days", type=int, help="default RETENTION_CLOSED_DAYS or 180")
    p_retention.add_argument(
        "--conversation-days", type=int, help="default RETENTION_CONVERSATION_DAYS or 30"
    )
    p_retention.set_defaults(run=_retention)

    p_db = commands.add_parser("db", help="database schema")
    db_commands = p_db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        run=_db_upgrade
    )

    p_build = commands.add_parser("build", help="write the Rasa responses from locales/")
    p_build.set_defaults(run=_build)

    p_check = commands.add_parser("check", help="check translations and data files")
    p_check.set_defaults(run=_check)

    p_stack = commands.add_parser("stack", help="start actions, Rasa and the terminal chat")
    p_stack.set_defaults(run=_stack)

    p_telegram = commands.add_parser(
        "telegram", help="the Telegram gateway (TELEGRAM_BOT_TOKEN, CHANNEL_SECRET)"
    )
    p_telegram.set_defaults(run=_telegram)

    p_webchat = commands.add_parser("webchat", help="the web chat (CHANNEL_SECRET)")
    p_webchat.set_defaults(run=_webchat)

    p_console = commands.add_parser("console", help="the staff console (CONSOLE_SECRET)")
    p_console.set_defaults(run=_console)

    p_staff = commands.add_parser("staff", help="staff accounts of the console")
    staff_commands = p_staff.add_subparsers(dest="staff_command", required=True)
    p_add = staff_commands.add_parser("add", help="create an account (asks for the password)")
    p_add.add_argument("username")
    p_add.add_argument("--name", required=True, help="the name shown in the console")
    p_add.add_argument("--role", required=True, choices=["caseworker", "ki_admin"])
    p_add.add_argument("--password-stdin", action="store_true",
                       help="read the password from standard input instead of asking")
    p_add.set_defaults(run=_staff_add)
    for name, active in (("disable", False), ("enable", True)):
        p_switch = staff_commands.add_parser(name, help=f"{name} an account")
        p_switch.add_argument("username")
        p_switch.set_defaults(run=_staff_switch, active=active)
    staff_commands.add_parser("list", help="every account").set_defaults(run=_staff_list)

    p_endpoints = commands.add_parser(
        "endpoints", help="write Rasa's endpoints (var/endpoints.yml) from the settings")
    p_endpoints.set_defaults(run=_endpoints)

    p_changes = commands.add_parser(
        "changes", help="what changed in training data and rules since the last model")
    p_changes.add_argument("--save", action="store_true",
                           help="remember the data as the model's (make model does this)")
    p_changes.set_defaults(run=_changes)

    p_evaluate = commands.add_parser(
        "evaluate", help="train on part of nlu/*.yml, test on the rest, write an HTML report")
    p_evaluate.add_argument("--languages", type=_languages,
                            help="only these languages, e.g. de,en (default: all)")
    p_evaluate.add_argument("--share", type=float, default=0.2,
                            help="share of each intent's examples held out (default 0.2)")
    p_evaluate.add_argument("--seed", type=int, default=7, help="random seed of the split")
    p_evaluate.add_argument("--out", type=Path, help="report folder (default: EVALUATION_DIR)")
    p_evaluate.set_defaults(run=_evaluate)

    p_model = commands.add_parser("model", help="the model of the running Rasa server")
    model_commands = p_model.add_subparsers(dest="model_command", required=True)
    p_load = model_commands.add_parser(
        "load", help="load a model into the running Rasa server (keeps the active one)")
    p_load.add_argument("path", nargs="?", type=Path,
                        help="model file (default: the newest models/*.tar.gz)")
    p_restore = model_commands.add_parser("restore", help="load the model the last load replaced")
    p_status = model_commands.add_parser("status", help="the active model and the history")
    for sub, run in ((p_load, _model_load), (p_restore, _model_restore), (p_status, _model_status)):
        sub.add_argument("--url", help="Rasa server (default: RASA_URL)")
        sub.set_defaults(run=run)
    model_commands.add_parser(
        "keep", help="copy models/kim-intake.tar.gz to models/previous/ (make model does this)"
    ).set_defaults(run=_model_keep)

    p_chat = commands.add_parser("chat", help="chat with the running bot in this terminal")
    p_chat.add_argument("--url", help="Rasa server (default: RASA_URL)")
    p_chat.set_defaults(run=_chat)

    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SQLAlchemyError as exc:
        # The error's text can carry stored answers: only its kind is shown.
        return _fail(f"database error ({type(exc).__name__}); check DATABASE_URL and `intake db upgrade`")


def _endpoints(args: argparse.Namespace) -> int:
    from intake.endpoints import write_endpoints
    from intake.settings import Settings
    from intake.stack import ENDPOINTS

    settings = Settings()
    try:
        path = write_endpoints(ENDPOINTS, settings.actions_url, settings.tracker_store_url,
                               settings.redis_url)
    except ValueError as exc:
        return _fail(str(exc))
    print(f"wrote {path}")
    return 0


def _changes(args: argparse.Namespace) -> int:
    from intake.data_changes import SUMMARY_FILE, differences, summarise

    now = summarise()
    if args.save:
        SUMMARY_FILE.parent.mkdir(parents=True, exist_ok=True)
        SUMMARY_FILE.write_text(json.dumps(now, indent=1, sort_keys=True), encoding="utf-8")
        print(f"Stand der Daten für das Modell gespeichert ({SUMMARY_FILE.name})")
        return 0
    if not SUMMARY_FILE.exists():
        return _fail("noch kein Modell mit gespeichertem Datenstand; `make model` legt ihn an")
    lines = differences(json.loads(SUMMARY_FILE.read_text(encoding="utf-8")), now)
    print("\n".join(lines) if lines else "keine Änderungen seit dem letzten Modell")
    return 0


def _languages(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _evaluate(args: argparse.Namespace) -> int:
    from intake.evaluate import EvaluationError, run_evaluation, summary_lines
    from intake.settings import Settings

    out = args.out or Settings().evaluation_dir
    try:
        report = run_evaluation(out, args.languages, args.share, args.seed)
    except EvaluationError as exc:
        return _fail(str(exc))
    print("\n".join(summary_lines(report, out)))
    print(f"Dauer insgesamt: {report['settings']['total_seconds']} s")
    return 0


def _model_load(args: argparse.Namespace) -> int:
    from intake.model_reload import Models, load_model

    path = args.path or Models().newest()
    if path is None:
        return _fail("kein Modell in models/; `make model` trainiert eins")
    return _with_rasa(args, lambda rasa: load_model(rasa, path, print))


def _model_restore(args: argparse.Namespace) -> int:
    from intake.model_reload import restore_model

    return _with_rasa(args, lambda rasa: restore_model(rasa, print))


def _model_status(args: argparse.Namespace) -> int:
    from intake.model_reload import Models

    def show(rasa: Any) -> None:
        status = rasa.status()
        print(f"Rasa unter {rasa.url}: {status.get('model_file')} (Kennung {status.get('model_id')})")
        for entry in Models().history()[-5:]:
            print(f"{entry['at']}  {entry['action']:<7}  {entry['loaded']}  "
                  f"statt {entry.get('replaced') or '?'}")

    return _with_rasa(args, show)


def _model_keep(args: argparse.Namespace) -> int:
    from intake.model_reload import Models

    kept = Models().keep(Models().current)
    if kept:
        print(f"bisheriges Modell aufbewahrt: models/previous/{kept.name}")
    return 0


def _with_rasa(args: argparse.Namespace, step: Any) -> int:
    """Runs ``step`` with the Rasa server of --url or RASA_URL; an unreachable server or a
    model that cannot be loaded is one line on standard error."""
    from intake.model_reload import ModelError, RasaModels, RasaUnreachable
    from intake.settings import Settings

    rasa = RasaModels(args.url or Settings().rasa_url)
    try:
        step(rasa)
    except RasaUnreachable as exc:
        return _fail(f"der Rasa-Server unter {exc} ist nicht erreichbar (läuft `make run`?)")
    except ModelError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return 1
    return 0


def _telegram(args: argparse.Namespace) -> int:
    from bot.telegram.app import main as run_gateway

    return run_gateway()


def _webchat(args: argparse.Namespace) -> int:
    from bot.webchat.app import main as run_webchat

    return run_webchat()


def _console(args: argparse.Namespace) -> int:
    from console.app import main as run_console

    return run_console()


def _staff_add(args: argparse.Namespace) -> int:
    import getpass

    from console.accounts import AccountError, create_account

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass(
        "Passwort (mindestens 12 Zeichen): ")
    try:
        create_account(_queue_sessions(), args.username, args.name, args.role, password)
    except AccountError as exc:
        return _fail(str(exc))
    print(f"Konto {args.username} ({args.role}) angelegt")
    return 0


def _staff_switch(args: argparse.Namespace) -> int:
    from console.accounts import AccountError, set_active

    try:
        set_active(_queue_sessions(), args.username, args.active)
    except AccountError as exc:
        return _fail(str(exc))
    print(f"Konto {args.username} {'aktiv' if args.active else 'gesperrt'}")
    return 0


def _staff_list(args: argparse.Namespace) -> int:
    from console.accounts import list_accounts

    for staff, active in list_accounts(_queue_sessions()):
        print(f"{staff.username}\t{staff.role}\t{'aktiv' if active else 'gesperrt'}\t{staff.display_name}")
    return 0


def _queue_sessions():  # type: ignore[no-untyped-def]
    from db.session import session_factory
    from intake.settings import Settings

    return session_factory(Settings().database_url)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD") from exc


def _fail(message: str) -> int:
    print(f"intake: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _assess(args: argparse.Namespace) -> int:
    try:
        raw: Any = json.loads(sys.stdin.read())
    except json.JSONDecodeError as exc:
        return _fail(f"bad JSON on standard input: {exc.msg} (line {exc.lineno})")
    if not isinstance(raw, dict):
        return _fail("expected one JSON object of answers")
    try:
        answers = load_answer_schema().normalise(raw)
        rules = load_ruleset()
    except AnswerError as exc:
        return _fail(str(exc))
    except RuleFileError as exc:
        return _fail(f"rules: {exc}")
    outcome = assess(rules, answers, args.on or dt.date.today())
    print(json.dumps(outcome.as_dict(), ensure_ascii=False))
    return 0


def _export(args: argparse.Namespace) -> int:
    from db.repository import export_requests
    from db.session import session_factory
    from intake.settings import Settings

    rows = export_requests(session_factory(Settings().database_url))
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


def _retention(args: argparse.Namespace) -> int:
    from intake.retention import apply_retention
    from intake.settings import Settings

    settings = Settings()
    report = apply_retention(
        settings.database_url,
        settings.tracker_store_url,
        closed_days=(
            args.closed_days if args.closed_days is not None else settings.retention_closed_days
        ),
        conversation_days=(
            args.conversation_days
            if args.conversation_days is not None
            else settings.retention_conversation_days
        ),
        audit_days=settings.retention_audit_days,
        inbox_days=settings.retention_inbox_days,
    )
    print(json.dumps(report))
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from db.migrate import upgrade
    from intake.settings import Settings

    upgrade(Settings().database_url)
    return 0


def _build(args: argparse.Namespace) -> int:
    from intake.responses import write_domain_responses

    try:
        path = write_domain_responses()
    except (RuleFileError, ValueError) as exc:
        return _fail(str(exc))
    print(f"wrote {path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    """Every data file the integration centre edits, with the problems in German: the
    translations, the answers, the rules and their test cases, the contacts."""
    from intake.conditions import RuleFileError
    from intake.translations import check_translations

    problems: list[str] = []
    steps = (
        ("Übersetzungen (locales/)", check_translations),
        ("Regeln und Testfälle (data/screening/)", _rule_problems),
        ("Texte mit Kontakten (institutions.yml)", _contact_problems),
    )
    for title, step in steps:
        print(f"… {title}", flush=True)
        try:
            found = list(step())
        except (RuleFileError, ValueError, KeyError) as exc:
            found = [str(exc)]
        problems += found
        print(f"   {'in Ordnung' if not found else f'{len(found)} Problem(e)'}", flush=True)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def _rule_problems() -> list[str]:
    from intake.answers import load_answer_schema
    from intake.rule_cases import failures, load_cases, uncovered_codes
    from intake.ruleset import load_ruleset

    rules, schema, cases = load_ruleset(), load_answer_schema(), load_cases()
    missing = uncovered_codes(rules, cases)
    return failures(rules, schema, cases) + (
        [f"rule_cases.yml: kein Testfall erwartet {', '.join(missing)}"] if missing else [])


def _contact_problems() -> list[str]:
    from intake.responses import build_responses

    build_responses()  # raises for a [[contact]] that institutions.yml does not have
    return []


def _chat(args: argparse.Namespace) -> int:
    from intake.chat import run_chat
    from intake.settings import Settings

    return run_chat(args.url or Settings().rasa_url)


def _stack(args: argparse.Namespace) -> int:
    from intake.stack import run_stack

    return run_stack()


if __name__ == "__main__":
    raise SystemExit(main())
