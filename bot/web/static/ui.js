() => {
  // Citation markers in the chat (<a class="cite-ref" data-cite-key="T-N">) open the matching passage
  // (<details data-src-key="T-N">) in the source panel. One delegated listener, so it also works for
  // messages rendered later. Keys are checked against /^\d+-\d+$/ before they are used in a selector.
  if (window.__parkCiteHandler) return;
  window.__parkCiteHandler = true;

  const keyOf = (a) => {
    const k = a.getAttribute("data-cite-key") || (a.getAttribute("href") || "").replace(/^#src-/, "");
    return /^\d+-\d+$/.test(k) ? k : null;
  };

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

  document.addEventListener(
    "click",
    (ev) => {
      const target = ev.target instanceof Element ? ev.target.closest("a.cite-ref") : null;
      if (!target) return;
      ev.preventDefault();
      ev.stopPropagation();
      const key = keyOf(target);
      if (key) openSource(key);
    },
    true,
  );
}
