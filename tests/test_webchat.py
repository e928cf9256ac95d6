"""The web chat in headless Chromium (Debian's, driven by Playwright), against the real Rasa
stack: screenings in German and Arabic, a reload in the middle, buttons by keyboard, erasure,
the widget on another site, and nothing loaded from another origin.

Needs the Rasa virtualenv, the model and /usr/bin/chromium (`make test` provides all three)."""
from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from bot.channel.conversations import conversation_id
from intake.paths import PROJECT_DIR
from tests.rasa_stack import RasaStack, free_port

pytestmark = pytest.mark.rasa
CHROMIUM = "/usr/bin/chromium"
SECRET = "webchat-test-secret-0123456789abcdef"
DOCS = PROJECT_DIR / "docs"
LOCALES = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
           for p in (PROJECT_DIR / "locales").glob("*.yml")}


def text_of(language: str, key: str) -> str:
    return str(LOCALES[language][key]).strip()


class Site:
    """The host page of the widget: another origin, as the city's website would be."""

    def __init__(self, directory: Path, chat_url: str) -> None:
        (directory / "index.html").write_text(
            '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Stadt Haan'
            f'</title></head><body><h1>Stadt Haan</h1><script src="{chat_url}/widget.js" '
            'async></script></body></html>', encoding="utf-8")
        handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *args: None  # type: ignore[method-assign]
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    running = RasaStack(tmp_path_factory.mktemp("webchat-stack"))
    try:
        yield running.start()
    finally:
        running.close()


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("site")


@pytest.fixture(scope="module")
def webchat(stack: RasaStack, site_dir: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    site = Site(site_dir, url)
    env = {**os.environ, "CHANNEL_SECRET": SECRET, "RASA_URL": stack.url,
           "ACTIONS_URL": stack.actions_url, "WEBCHAT_PORT": str(port),
           "WEBCHAT_FRAME_ANCESTORS": f"'self' {site.url}", "LOG_LEVEL": "DEBUG"}
    with (stack.logs / "webchat.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.webchat"], cwd=PROJECT_DIR, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "no web chat"
            time.sleep(0.2)
        yield url
    finally:
        site.server.shutdown()
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def requests_seen() -> list[str]:
    return []


def phone(browser: Browser, locale: str, seen: list[str]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale=locale, viewport={"width": 320, "height": 640},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.on("request", lambda request: seen.append(request.url))
    return context, page


def bot_says(page: Page, text: str, timeout: float = 30_000) -> None:
    expect(page.locator("#log .msg.bot p").filter(has_text=text).last).to_be_visible(timeout=timeout)


def answer(page: Page, text: str) -> None:
    count = page.locator("#log .msg.bot").count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(page.locator("#log .msg.bot")).not_to_have_count(count, timeout=30_000)
    expect(page.locator("#log .msg.pending")).to_have_count(0, timeout=30_000)


def browser_id(page: Page) -> str:
    return str(page.evaluate("localStorage.getItem('kim-intake.conversation')"))


def slots(stack: RasaStack, page: Page) -> dict[str, Any]:
    return stack.tracker(conversation_id(SECRET.encode(), "web", browser_id(page)))["slots"]


def screening(stack: RasaStack, page: Page, script: dict[str, Any]) -> None:
    for _ in range(15):
        slot = slots(stack, page)["requested_slot"]
        if slot in (None, "contact_mode"):
            return
        answer(page, script[slot])


def test_a_screening_in_german_on_a_small_phone(stack: RasaStack, webchat: str, browser: Browser,
                                                requests_seen: list[str]) -> None:
    context, page = phone(browser, "de-DE", requests_seen)
    page.goto(webchat)
    bot_says(page, text_of("de", "utter_greet").splitlines()[0])
    assert page.evaluate("document.documentElement.dir") == "ltr"
    page.get_by_role("button", name=text_of("de", "button_consent_yes")).click()
    bot_says(page, text_of("de", "utter_ask_municipality").splitlines()[0])
    script = yaml.safe_load((PROJECT_DIR / "tests/conversations/de.yml").read_text(encoding="utf-8"))
    screening(stack, page, script)
    bot_says(page, text_of("de", "utter_result_target_group").splitlines()[0])
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    page.screenshot(path=str(DOCS / "webchat-de-320.png"))
    [request] = [r for r in stack.requests()
                 if r["conversation_id"] == conversation_id(SECRET.encode(), "web", browser_id(page))]
    assert request["target_groups"] == sorted(script["expect"]["target_groups"])
    context.close()


def test_arabic_reads_right_to_left(stack: RasaStack, webchat: str, browser: Browser,
                                    requests_seen: list[str]) -> None:
    context, page = phone(browser, "ar", requests_seen)
    page.goto(webchat)
    bot_says(page, text_of("ar", "utter_greet").splitlines()[0])
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    page.get_by_role("button", name=text_of("ar", "button_consent_yes")).click()
    bot_says(page, text_of("ar", "utter_ask_municipality").splitlines()[0])
    answer(page, "أسكن في هان")
    assert slots(stack, page)["municipality"] == "haan"
    assert page.get_by_role("button", name=text_of("ar", "web_send")).is_visible()
    page.screenshot(path=str(DOCS / "webchat-ar-320.png"))
    script = yaml.safe_load((PROJECT_DIR / "tests/conversations/ar.yml").read_text(encoding="utf-8"))
    screening(stack, page, script)
    bot_says(page, text_of("ar", "utter_result_target_group").splitlines()[0])
    assert page.evaluate("document.documentElement.dir") == "rtl"
    [request] = [r for r in stack.requests()
                 if r["conversation_id"] == conversation_id(SECRET.encode(), "web", browser_id(page))]
    assert request["language"] == "ar"
    assert request["target_groups"] == sorted(script["expect"]["target_groups"])
    context.close()


def test_a_reload_in_the_middle_loses_nothing(stack: RasaStack, webchat: str, browser: Browser,
                                              requests_seen: list[str]) -> None:
    context, page = phone(browser, "de-DE", requests_seen)
    page.goto(webchat)
    page.get_by_role("button", name=text_of("de", "button_consent_yes")).click()
    bot_says(page, text_of("de", "utter_ask_municipality").splitlines()[0])
    answer(page, "ich wohne in haan")
    # The bot is unreachable for a moment: the answer waits in the outbox, across a reload.
    page.route("**/api/chat", lambda route: route.fulfill(status=503, json={
        "error": "channel_unavailable", "message": text_of("de", "channel_unavailable")}))
    page.fill("#text", "ich bin 29")
    page.press("#text", "Enter")
    expect(page.locator("#notice")).to_have_text(text_of("de", "channel_unavailable"))
    page.unroute("**/api/chat")
    page.reload()
    bot_says(page, text_of("de", "utter_ask_age").splitlines()[0])
    expect(page.locator("#log .msg.user p").filter(has_text="ich wohne in haan")).to_be_visible()
    expect(page.locator("#log .msg.pending")).to_have_count(0, timeout=30_000)
    assert slots(stack, page)["age"] == 29
    said = [e["text"] for e in stack.tracker(conversation_id(
        SECRET.encode(), "web", browser_id(page)))["events"] if e["event"] == "user"]
    assert said.count("ich bin 29") == 1
    context.close()


def test_buttons_work_by_keyboard(stack: RasaStack, webchat: str, browser: Browser,
                                  requests_seen: list[str]) -> None:
    context, page = phone(browser, "en-GB", requests_seen)
    page.goto(webchat)
    consent = page.get_by_role("button", name=text_of("en", "button_consent_yes"))
    expect(consent).to_be_visible(timeout=30_000)
    page.focus("#language")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == text_of("en", "button_consent_yes"):
            break
    else:
        pytest.fail("the consent button cannot be reached with Tab")
    page.keyboard.press("Enter")
    bot_says(page, text_of("en", "utter_ask_municipality").splitlines()[0])
    assert slots(stack, page)["consent_given"] is True
    context.close()


def test_the_user_erases_the_conversation(stack: RasaStack, webchat: str, browser: Browser,
                                          requests_seen: list[str]) -> None:
    context, page = phone(browser, "uk-UA", requests_seen)
    page.goto(webchat)
    page.get_by_role("button", name=text_of("uk", "button_consent_yes")).click()
    bot_says(page, text_of("uk", "utter_ask_municipality").splitlines()[0])
    script = yaml.safe_load((PROJECT_DIR / "tests/conversations/uk.yml").read_text(encoding="utf-8"))
    screening(stack, page, script)
    conversation = conversation_id(SECRET.encode(), "web", browser_id(page))
    assert [r for r in stack.requests() if r["conversation_id"] == conversation]
    page.get_by_role("button", name=text_of("uk", "web_delete")).click()
    bot_says(page, text_of("uk", "utter_ask_delete_confirm").splitlines()[0])
    page.get_by_role("button", name=text_of("uk", "button_yes")).last.click()
    expect(page.locator("#notice")).to_have_text(text_of("uk", "web_erased"), timeout=30_000)
    assert page.evaluate("localStorage.getItem('kim-intake.conversation')") is None
    assert not [r for r in stack.requests() if r["conversation_id"] == conversation]
    context.close()


def test_the_widget_opens_the_chat_on_another_site(webchat: str, site_dir: Path, browser: Browser,
                                                   requests_seen: list[str]) -> None:
    site_url = httpx.get(f"{webchat}/health").url  # the chat is up
    context, page = phone(browser, "de-DE", requests_seen)
    host = next(p for p in [site_dir] if (p / "index.html").exists())
    assert host and site_url
    page.goto(_site_url(webchat))
    widget = page.get_by_role("button", name=text_of("de", "web_open"))
    widget.click()
    frame = page.frame_locator("#kim-intake-chat")
    expect(frame.locator("#log .msg.bot").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name=text_of("de", "web_close"))).to_be_visible()
    context.close()


def _site_url(webchat: str) -> str:
    frame_ancestors = httpx.get(webchat).headers["content-security-policy"].split(
        "frame-ancestors ")[1]
    return frame_ancestors.split()[1]


def test_typed_payloads_and_forged_buttons_do_not_reach_rasa(stack: RasaStack, webchat: str) -> None:
    browser_conversation = uuid.uuid4().hex
    def post(**fields: Any) -> httpx.Response:
        return httpx.post(f"{webchat}/api/chat", timeout=30, json={
            "conversation": browser_conversation, "message_id": uuid.uuid4().hex, **fields})
    assert post(text='/inform{"age": 10}').status_code == 200
    forged = post(button='/request_appointment')
    assert forged.status_code == 400
    assert forged.json()["message"] == text_of("de", "channel_button_expired")
    assert post(text="x" * 2001).status_code == 413
    assert post(language="xx").status_code == 400
    assert httpx.post(f"{webchat}/api/chat", content=b"{" * 20_000).status_code == 413
    assert post(text="hallo", conversation="../../etc").status_code == 400
    said = [e["text"] for e in stack.tracker(conversation_id(
        SECRET.encode(), "web", browser_conversation))["events"] if e["event"] == "user"]
    assert said == ['inform{"age": 10}']


def test_nothing_is_loaded_from_another_origin(webchat: str, browser: Browser) -> None:
    seen: list[str] = []
    context, page = phone(browser, "fa-IR", seen)
    page.goto(webchat)
    bot_says(page, text_of("fa", "utter_greet").splitlines()[0])
    assert seen and all(url.startswith(webchat) for url in seen), seen
    headers = httpx.get(webchat).headers
    assert "default-src 'none'" in headers["content-security-policy"]
    context.close()


AXE = PROJECT_DIR / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("locale, language", [("de-DE", "de"), ("ar", "ar")])
def test_no_wcag_a_or_aa_violations_found_by_axe(webchat: str, browser: Browser, locale: str,
                                                  language: str) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it (npm ci in tests/browser)")
    # The page's CSP allows no injected script; the test context bypasses it for axe only.
    context = browser.new_context(locale=locale, viewport={"width": 320, "height": 640},
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(webchat)
    bot_says(page, text_of(language, "utter_greet").splitlines()[0])
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                  for v in result["violations"]]
    assert violations == []
    assert len(result["passes"]) >= 15  # axe did check the page
    context.close()
