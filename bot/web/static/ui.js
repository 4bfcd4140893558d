() => {
  // The chat page's own script (Gradio runs it once when the page loads).
  //
  // 1. window.parkQa: the browser halves of asking (see bot/web/ui.py). start() shows the question as a bubble
  //    with a typing indicator at once and locks asking; end() unlocks it and puts a refused question back into
  //    the box. While locked, Enter in the box, 发送, the examples and 新对话 do nothing (the box stays editable).
  // 2. Citation markers in the chat (<a class="cite-ref" data-cite-key="T-N">) open the matching passage
  //    (<details data-src-key="T-N">) in the source panel. Keys are checked against /^\d+-\d+$/.
  // 3. Chinese labels for the few English ones Gradio writes without translation (aria-labels).
  if (window.__parkQaPage) return;
  window.__parkQaPage = true;

  const LOCKED = "#ask-send, .example-q, #new-chat";
  const WATCHDOG_MS = 240000; // unlock even if the server never answered (lost connection)

  const esc = (s) =>
    String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]);
  const message = (role, html) => ({ role, content: [{ type: "text", text: html }], metadata: null, options: null });
  const box = () => document.querySelector("#ask-box textarea");

  const parkQa = {
    busy: false,
    seq: 0,
    current: 0,
    timer: null,
    lock(on) {
      this.busy = on;
      document.body.classList.toggle("park-busy", on);
      document.querySelectorAll(LOCKED).forEach((b) => b.setAttribute("aria-disabled", on ? "true" : "false"));
      const chat = document.getElementById("chat");
      if (chat) chat.setAttribute("aria-busy", on ? "true" : "false");
      clearTimeout(this.timer);
      if (on) this.timer = setTimeout(() => this.lock(false), WATCHDOG_MS);
    },
    start(question, boxText, chat, opts) {
      if (this.busy) return [boxText, chat, { skip: true }];
      const q = String(question == null ? "" : question);
      this.current = ++this.seq;
      this.lock(true);
      const text = q.trim().replace(/\s+/g, " ");
      const fits = text.length > 0 && Array.from(q).length <= opts.max;
      if (!fits) return [boxText, chat, { q, id: this.current }]; // the server says why, the text stays
      const next = (chat || []).concat([
        message("user", '<div class="q-text">' + esc(text) + "</div>"),
        message("assistant", opts.typing),
      ]);
      return [boxText === q ? "" : boxText, next, { q, id: this.current }];
    },
    end(outcome, boxText) {
      if (!outcome || outcome.id !== this.current) return [boxText]; // not the end of the current question
      this.lock(false);
      let text = boxText;
      if (outcome.restore != null && !String(boxText || "").trim()) text = String(outcome.restore);
      setTimeout(() => {
        const b = box();
        if (b) b.focus({ preventScroll: true });
      }, 0);
      return [text];
    },
  };
  window.parkQa = parkQa;

  // while locked: Enter does not submit, the buttons do nothing
  document.addEventListener(
    "keydown",
    (ev) => {
      if (!parkQa.busy || ev.key !== "Enter" || ev.shiftKey || ev.isComposing) return;
      if (ev.target instanceof Element && ev.target.closest("#ask-box")) {
        ev.preventDefault();
        ev.stopPropagation();
      }
    },
    true,
  );
  document.addEventListener(
    "click",
    (ev) => {
      const target = ev.target instanceof Element ? ev.target : null;
      if (!target) return;
      if (parkQa.busy && target.closest(LOCKED)) {
        ev.preventDefault();
        ev.stopPropagation();
        return;
      }
      const ref = target.closest("a.cite-ref");
      if (!ref) return;
      ev.preventDefault();
      ev.stopPropagation();
      const k = ref.getAttribute("data-cite-key") || (ref.getAttribute("href") || "").replace(/^#src-/, "");
      if (/^\d+-\d+$/.test(k)) openSource(k);
    },
    true,
  );

  const openSource = (key) => {
    const entry = document.querySelector('details.src[data-src-key="' + key + '"]');
    if (!entry) return false;
    const turn = entry.closest("details.turn");
    if (turn) turn.open = true;
    document.querySelectorAll("details.src.active").forEach((d) => {
      d.classList.remove("active");
      if (d !== entry) d.open = false;
    });
    entry.open = true;
    entry.classList.add("active");
    entry.scrollIntoView({ behavior: "smooth", block: window.innerWidth < 760 ? "start" : "nearest" });
    const summary = entry.querySelector("summary");
    if (summary) summary.focus({ preventScroll: true });
    return true;
  };

  // Gradio writes a few labels in English without a translation key
  const LABELS = { "chatbot conversation": "对话记录", Textbox: "问题", Chatbot: "对话", "Scroll down": "回到最新" };
  const PREFIXES = [["user's message:", "问题"], ["bot's message:", "回答"]]; // + the message's raw HTML
  const chinese = (v) => {
    if (Object.prototype.hasOwnProperty.call(LABELS, v)) return LABELS[v];
    for (const [prefix, label] of PREFIXES) if (v.startsWith(prefix)) return label;
    return null;
  };
  const relabel = (root) => {
    const nodes = root.matches && root.matches("[aria-label], [title]") ? [root] : [];
    root.querySelectorAll("[aria-label], [title]").forEach((node) => nodes.push(node));
    for (const node of nodes) {
      for (const attr of ["aria-label", "title"]) {
        const v = node.getAttribute(attr);
        const zh = v ? chinese(v) : null;
        if (zh) node.setAttribute(attr, zh);
      }
    }
  };
  relabel(document);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes" && r.target instanceof Element) relabel(r.target);
      r.addedNodes.forEach((n) => {
        if (n instanceof Element) relabel(n.parentElement || n);
      });
    }
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label", "title"] });
}
