// The web chat on another website with one tag:
//   <script src="https://CHAT-ADDRESS/widget.js" async></script>
// A button in the corner opens the chat in a frame from the chat's own address; nothing else
// is loaded and the host page's data is not read.
"use strict";

(() => {
  const script = document.currentScript;
  const origin = new URL(script.src).origin;
  const lang = (document.documentElement.lang || navigator.language || "de").slice(0, 2);
  // Filled in by the server from locales/ (web_open, web_close).
  const labels = __LABELS__;
  const [openLabel, closeLabel] = labels[lang] || labels.de;

  const button = document.createElement("button");
  button.type = "button";
  button.id = "kim-intake-widget";
  button.textContent = "💬 " + openLabel;
  button.setAttribute("aria-expanded", "false");
  Object.assign(button.style, {
    position: "fixed", insetInlineEnd: "1rem", insetBlockEnd: "1rem", zIndex: "2147483000",
    minHeight: "2.75rem", padding: ".5rem 1rem", borderRadius: "1.5rem", border: "2px solid #fff",
    background: "#00465e", color: "#fff", font: "inherit", cursor: "pointer",
  });

  let frame = null;
  function toggle() {
    if (frame) {
      frame.remove();
      frame = null;
      button.textContent = "💬 " + openLabel;
      button.setAttribute("aria-expanded", "false");
      button.focus();
      return;
    }
    frame = document.createElement("iframe");
    frame.src = origin + "/";
    frame.title = openLabel.replace(/^\S+\s/, "") || "Chat";
    frame.id = "kim-intake-chat";
    Object.assign(frame.style, {
      position: "fixed", insetInlineEnd: "1rem", insetBlockEnd: "4.5rem", zIndex: "2147483000",
      width: "min(24rem, calc(100vw - 2rem))", height: "min(36rem, calc(100vh - 6rem))",
      border: "1px solid #6b6f76", borderRadius: ".75rem", background: "#fff",
    });
    document.body.append(frame);
    button.textContent = "✕ " + closeLabel;
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }
  button.addEventListener("click", toggle);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && frame) toggle(); });
  document.body.append(button);
})();
