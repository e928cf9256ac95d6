// The web chat in the browser: no framework, no third-party code. Every text comes from
// /api/texts (locales/ on the server); the conversation id is random and stays in this
// browser only; messages not yet answered wait in an outbox that survives a reload.
"use strict";

(() => {
  const KEY_ID = "kim-intake.conversation";
  const KEY_OUTBOX = "kim-intake.outbox";
  const RETRY_MS = 5000;
  const UPDATES_MS = 4000;
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const notice = $("notice");
  let texts = {};
  let language = document.documentElement.lang;
  let sending = false;

  const randomHex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  const store = {
    id: () => localStorage.getItem(KEY_ID),
    newId: () => { const id = randomHex(16); localStorage.setItem(KEY_ID, id); return id; },
    outbox: () => JSON.parse(localStorage.getItem(KEY_OUTBOX) || "[]"),
    setOutbox: (items) => localStorage.setItem(KEY_OUTBOX, JSON.stringify(items)),
    forget: () => { localStorage.removeItem(KEY_ID); localStorage.removeItem(KEY_OUTBOX); },
  };
  const t = (key) => (texts[language] || texts.de || {})[key] || "";

  function setLanguage(code, direction) {
    if (!code) return;
    language = code;
    document.documentElement.lang = code;
    document.documentElement.dir = direction || (code === "ar" || code === "fa" ? "rtl" : "ltr");
    $("language").value = code;
    for (const [id, key] of [["title", "web_title"], ["intro", "web_intro"],
      ["language-label", "web_language"], ["input-label", "web_input_label"], ["send", "web_send"],
      ["status", "web_status"], ["restart", "web_restart"], ["delete", "web_delete"]]) {
      if (t(key)) $(id).textContent = t(key);
    }
    if (t("web_title")) document.title = t("web_title");
    $("text").placeholder = t("web_input_label");
    $("actions").setAttribute("aria-label", t("web_actions"));
  }

  function say(text, who, buttons, pending) {
    const item = document.createElement("li");
    item.className = `msg ${who}` + (pending ? " pending" : "");
    const label = document.createElement("span");
    label.className = "who";
    const speaker = { bot: "web_bot", "bot staff": "web_staff", user: "web_you" }[who] || "web_you";
    label.textContent = t(speaker) + ": ";
    const body = document.createElement("p");
    body.textContent = text;
    item.append(label, body);
    if (buttons && buttons.length) {
      const choices = document.createElement("div");
      choices.className = "choices";
      for (const button of buttons) {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.title;
        element.addEventListener("click", () => {
          for (const other of choices.querySelectorAll("button")) other.disabled = true;
          send({ button: button.token }, `✓ ${button.title}`);
        });
        choices.append(element);
      }
      item.append(choices);
    }
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  function showReplies(reply) {
    setLanguage(reply.language, reply.direction);
    for (const message of reply.messages || []) say(message.text, "bot", message.buttons);
    if (reply.erased) {
      store.forget();
      for (const old of log.querySelectorAll(".choices button")) old.disabled = true;
      showNotice(t("web_erased"));
    }
  }

  async function post(item) {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(item.body),
    });
    const reply = await response.json().catch(() => ({}));
    return { status: response.status, reply };
  }

  // Sends what waits in the outbox, oldest first; what fails for a reason that may pass
  // (the bot is down, too many messages) stays there and is sent again.
  async function flush() {
    if (sending) return;
    sending = true;
    try {
      let outbox = store.outbox();
      while (outbox.length) {
        const item = outbox[0];
        let result;
        try {
          result = await post(item);
        } catch (error) {
          result = { status: 0, reply: {} };
        }
        if (result.status === 200) {
          showNotice("");
          for (const pending of log.querySelectorAll(".pending")) pending.classList.remove("pending");
          outbox = store.outbox().filter((other) => other.body.message_id !== item.body.message_id);
          store.setOutbox(outbox);
          showReplies(result.reply);
          continue;
        }
        if (result.status === 503 || result.status === 429 || result.status === 0) {
          showNotice(result.reply.message || t("web_retrying"));
          item.body.retry = true;
          store.setOutbox([item, ...store.outbox().slice(1)]);
          setTimeout(flush, RETRY_MS);
          return;
        }
        showNotice(result.reply.message || t("web_bad_request"));
        outbox = store.outbox().slice(1);
        store.setOutbox(outbox);
      }
    } finally {
      sending = false;
    }
  }

  function send(fields, shown) {
    const conversation = store.id() || store.newId();
    const body = {
      conversation, message_id: randomHex(12), ui_language: language,
      locale: navigator.language || "", ...fields,
    };
    if (shown) say(shown, "user", null, true);
    store.setOutbox([...store.outbox(), { body }]);
    flush();
  }

  async function restore() {
    const id = store.id();
    if (!id) {
      send({ command: "start" });
      return;
    }
    try {
      const response = await fetch(`/api/chat/${id}/history`);
      const reply = await response.json();
      if (response.ok) {
        setLanguage(reply.language, reply.direction);
        for (const message of reply.messages) say(message.text, message.from, message.buttons);
      } else {
        showNotice(reply.message || t("web_retrying"));
      }
    } catch (error) {
      showNotice(t("web_retrying"));
    }
    for (const item of store.outbox()) {
      if (item.body.text) say(item.body.text, "user", null, true);
    }
    flush();
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text }, text);
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("language").addEventListener("change", (event) => {
    setLanguage(event.target.value);
    send({ language: event.target.value });
  });
  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => send({ command: button.dataset.command }, button.textContent));
  }

  // Messages a caseworker writes (when they have taken over the conversation) or sends
  // (an appointment) arrive here.
  async function fetchUpdates() {
    const id = store.id();
    if (id && document.visibilityState === "visible") {
      try {
        const response = await fetch(`/api/chat/${id}/updates`);
        if (response.ok) {
          for (const message of (await response.json()).messages) say(message.text, "bot staff");
        }
      } catch (error) { /* the next round tries again */ }
    }
    setTimeout(fetchUpdates, UPDATES_MS);
  }
  setTimeout(fetchUpdates, UPDATES_MS);

  fetch("/api/texts").then((r) => r.json()).then((all) => {
    texts = all;
    setLanguage(language, document.documentElement.dir);
    restore();
  }).catch(() => restore());
})();
