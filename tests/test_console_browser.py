"""The staff console in headless Chromium, with the Rasa stack and the web chat: a caseworker
logs in, filters the queue, opens a request, schedules an appointment that the newcomer reads in
their web chat, and takes a conversation over and hands it back. Screenshots go to docs/.

Needs the Rasa virtualenv, the model and /usr/bin/chromium (`make test` provides all three)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect, sync_playwright

from console.accounts import create_account
from db.session import session_factory
from intake.paths import PROJECT_DIR
from tests.rasa_stack import RasaStack, free_port

pytestmark = pytest.mark.rasa
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "ein langes Passwort 123"
DOCS = PROJECT_DIR / "docs"
LOCALES = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
           for p in (PROJECT_DIR / "locales").glob("*.yml")}


def text_of(language: str, key: str) -> str:
    return str(LOCALES[language][key]).strip()


def serve(module: str, url: str, ready: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", module], cwd=PROJECT_DIR, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + ready, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    stack = RasaStack(tmp_path_factory.mktemp("console-stack"))
    stack.start()
    sessions = session_factory(stack.queue_url)
    create_account(sessions, "mara", "Mara Weber", "caseworker", PASSWORD)
    create_account(sessions, "ki.admin", "Kai Admin", "ki_admin", PASSWORD)
    chat_port, console_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": stack.queue_url, "RASA_URL": stack.url,
           "ACTIONS_URL": stack.actions_url, "CHANNEL_SECRET": "s" * 40,
           "CONSOLE_SECRET": "c" * 40, "WEBCHAT_PORT": str(chat_port),
           "CONSOLE_PORT": str(console_port)}
    chat_url, console_url = f"http://127.0.0.1:{chat_port}", f"http://127.0.0.1:{console_port}"
    processes = [serve("bot.webchat", chat_url, "/health", env, stack.logs / "webchat.log"),
                 serve("console", console_url, "/login", env, stack.logs / "console.log")]
    try:
        yield {"chat": chat_url, "console": console_url}
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        stack.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def newcomer_with_request(browser: Browser, chat_url: str) -> Page:
    """A newcomer who completed a screening in Ukrainian in the web chat."""
    page = browser.new_context(locale="uk-UA", viewport={"width": 360, "height": 740}).new_page()
    page.goto(chat_url)
    page.get_by_role("button", name=text_of("uk", "button_consent_yes")).click()
    script = yaml.safe_load((PROJECT_DIR / "tests/conversations/uk.yml").read_text(encoding="utf-8"))
    for slot in ("municipality", "age", "country_of_origin", "residence_status",
                 "years_in_germany", "has_minor_children", "benefits", "needs"):
        expect(page.locator("#log .msg.pending")).to_have_count(0, timeout=30_000)
        page.fill("#text", script[slot])
        page.press("#text", "Enter")
    expect(page.locator("#log .msg.bot p").filter(
        has_text=text_of("uk", "utter_request_created").split("{")[0][:20]).last).to_be_visible(
        timeout=30_000)
    return page


def caseworker(browser: Browser, console_url: str, username: str = "mara") -> Page:
    page = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(console_url)
    expect(page).to_have_url(f"{console_url}/login")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Warteschlange")).to_be_visible()
    return page


def test_an_appointment_reaches_the_newcomer_in_their_language(urls: dict[str, str],
                                                               browser: Browser) -> None:
    newcomer = newcomer_with_request(browser, urls["chat"])
    staff = caseworker(browser, urls["console"])
    staff.get_by_label("Sprache").select_option("uk")
    staff.get_by_role("button", name="Filtern").click()
    rows = staff.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    staff.screenshot(path=str(DOCS / "console-queue.png"), full_page=True)
    rows.first.get_by_role("link").click()
    expect(staff.get_by_role("heading", name="Antworten")).to_be_visible()
    expect(staff.locator("table.transcript")).to_contain_text("я живу в хаані")
    form = staff.locator("#appointment")
    form.get_by_label("Datum").fill("2026-12-03")
    form.get_by_label("Uhrzeit").fill("10:30")
    form.get_by_label("Art").select_option("office")
    form.get_by_label("Ort").fill("Rathaus Haan, Zimmer 12")
    form.get_by_label("Dolmetschen").select_option("uk")
    form.get_by_role("button", name="Termin senden").click()
    expect(staff.locator("#status")).to_have_text("Termin vereinbart")
    staff.screenshot(path=str(DOCS / "console-request.png"), full_page=True)

    notice = newcomer.locator("#log .msg.staff p")
    expect(notice).to_contain_text("Ваша зустріч", timeout=15_000)
    expect(notice).to_contain_text("03.12.2026")
    expect(notice).to_contain_text("10:30")


def test_a_caseworker_takes_a_conversation_over_and_hands_it_back(urls: dict[str, str],
                                                                  browser: Browser) -> None:
    newcomer = newcomer_with_request(browser, urls["chat"])
    staff = caseworker(browser, urls["console"])
    staff.get_by_label("Sprache").select_option("uk")
    staff.get_by_role("button", name="Filtern").click()
    staff.locator("table.queue tbody tr").first.get_by_role("link").click()
    staff.get_by_role("button", name="Gespräch übernehmen").click()
    expect(staff.get_by_text("Übernommen von mara")).to_be_visible()

    bot_messages = newcomer.locator("#log .msg.bot").count()
    newcomer.fill("#text", "а коли буде зустріч?")
    newcomer.press("#text", "Enter")
    expect(newcomer.locator("#log .msg.pending")).to_have_count(0, timeout=30_000)
    time.sleep(2)
    assert newcomer.locator("#log .msg.bot").count() == bot_messages  # the bot stays silent
    expect(staff.locator("table.transcript")).to_contain_text("а коли буде зустріч?",
                                                             timeout=15_000)  # page refreshes
    staff.get_by_label("Nachricht an die Person").fill("Добрий день! Я зателефоную вам завтра.")
    staff.get_by_role("button", name="Nachricht senden").click()
    expect(newcomer.locator("#log .msg.staff p").last).to_have_text(
        "Добрий день! Я зателефоную вам завтра.", timeout=15_000)

    staff.get_by_role("button", name="An den Bot zurückgeben").click()
    expect(staff.get_by_role("button", name="Gespräch übernehmen")).to_be_visible()
    newcomer.get_by_role("button", name=text_of("uk", "web_status")).click()
    expect(newcomer.locator("#log .msg.bot").nth(bot_messages)).to_be_visible(timeout=30_000)


def test_the_integration_centre_sees_statistics(urls: dict[str, str], browser: Browser) -> None:
    staff = caseworker(browser, urls["console"], "ki.admin")
    staff.get_by_role("link", name="Statistik").click()
    expect(staff.get_by_role("heading", name="Statistik für das KIM-Berichtswesen")).to_be_visible()
    expect(staff.locator("svg[role=img]").first).to_be_visible()
    staff.screenshot(path=str(DOCS / "console-statistics.png"), full_page=True)
    staff.get_by_role("link", name="Protokoll").click()
    expect(staff.locator("table.audit")).to_contain_text("Anfrage angesehen")


def test_the_browser_is_refused_without_login_across_roles_and_without_csrf(
    urls: dict[str, str], browser: Browser
) -> None:
    anonymous = browser.new_context().new_page()
    for path in ("/", "/statistik", "/protokoll", "/statistik.csv"):
        anonymous.goto(urls["console"] + path)
        expect(anonymous).to_have_url(urls["console"] + "/login")
    staff = caseworker(browser, urls["console"])
    response = staff.goto(urls["console"] + "/statistik")
    assert response is not None and response.status == 403
    expect(staff.get_by_role("heading", name="Kein Zugriff")).to_be_visible()
    forged = staff.request.post(urls["console"] + "/anfragen/XXXX-XXXX/abschluss",
                                form={"status": "closed", "reason": "ohne Token"})
    assert forged.status == 403


def test_html_in_an_answer_is_shown_as_text(urls: dict[str, str], browser: Browser) -> None:
    newcomer = browser.new_context(locale="de-DE").new_page()
    newcomer.goto(urls["chat"])
    newcomer.get_by_role("button", name=text_of("de", "button_consent_yes")).click()
    expect(newcomer.locator("#log .msg.pending")).to_have_count(0, timeout=30_000)
    newcomer.fill("#text", "<script>document.title='pwned'</script><b>fett</b>")
    newcomer.press("#text", "Enter")
    expect(newcomer.locator("#log .msg.user p").last).to_have_text(
        "<script>document.title='pwned'</script><b>fett</b>")
    assert newcomer.title() != "pwned"
    newcomer.get_by_role("button", name=text_of("de", "web_restart")).click()
    expect(newcomer.locator("#log .msg.pending")).to_have_count(0, timeout=30_000)
    # A person asks for a caseworker: the request, and the conversation with the HTML, reach the
    # console.
    newcomer.fill("#text", "ich möchte mit einer person sprechen")
    newcomer.press("#text", "Enter")
    expect(newcomer.locator("#log .msg.pending")).to_have_count(0, timeout=30_000)
    staff = caseworker(browser, urls["console"])
    staff.get_by_label("Sprache").select_option("de")
    staff.get_by_role("button", name="Filtern").click()
    staff.locator("table.queue tbody tr").first.get_by_role("link").click()
    transcript = staff.locator("table.transcript")
    expect(transcript).to_contain_text("<script>document.title='pwned'</script><b>fett</b>")
    assert staff.title() != "pwned" and staff.locator("table.transcript b").count() == 0
