/* 园区问答 widget: <script src="https://HOST/widget.js" async></script>
   Adds a floating button that opens the chat (HOST/embed) in an iframe. The chat's origin is taken from
   this script's own src, so the snippet works unchanged on any page the chat allows (BOT_ALLOWED_ORIGINS).
   On a page the chat does not allow, the button opens a short Chinese notice instead of a frame the browser
   would refuse to show. Opening moves the keyboard focus into the chat's box; closing (the button, the chat's
   own ×, or Escape) brings it back to the button. */
(function () {
  "use strict";
  if (window.__parkQaWidget) return;
  window.__parkQaWidget = true;

  // filled in by the server: {"title": page title, "allowed": origins allowed to show the chat}
  var CONFIG = /*{{CONFIG}}*/{};

  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    script = all[all.length - 1];
  }
  if (!script || !script.src) return;
  var origin;
  try {
    origin = new URL(script.src, window.location.href).origin;
  } catch (e) {
    return;
  }
  var here = window.location.origin;
  var allowed = here === origin || (CONFIG.allowed || []).indexOf(here) >= 0;
  var TITLE = CONFIG.title || "园区问答";
  var LABEL = "园区问答";
  var CLOSE = "关闭";
  var SVG = "http://www.w3.org/2000/svg";
  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  var FONT = "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif";

  if (!allowed && window.console) {
    console.warn("园区问答: 此网站 (" + here + ") 未获授权嵌入问答；请在问答服务的 BOT_ALLOWED_ORIGINS 中加入它。");
  }

  function icon(d, stroke) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    svg.style.verticalAlign = "-4px";
    svg.style.marginRight = "6px";
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    if (stroke) {
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2.4");
      path.setAttribute("stroke-linecap", "round");
    } else {
      path.setAttribute("fill", "currentColor");
    }
    svg.appendChild(path);
    return svg;
  }

  function label(node, open) {
    node.textContent = "";
    node.appendChild(icon(open ? ICON_CLOSE : ICON_CHAT, open));
    node.appendChild(document.createTextNode(open ? CLOSE : LABEL));
    node.setAttribute("aria-label", open ? "关闭" + TITLE : "打开" + TITLE);
  }

  function css(node, styles) {
    for (var k in styles) if (Object.prototype.hasOwnProperty.call(styles, k)) node.style[k] = styles[k];
  }

  // shown instead of the chat on a site that may not embed it
  function refusalBox() {
    var box = document.createElement("div");
    box.id = "park-qa-refused";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    css(box, { position: "fixed", zIndex: "2147483000", background: "#fff", color: "#1f2937", fontFamily: FONT,
      fontSize: "15px", lineHeight: "1.7", padding: "18px 20px", boxShadow: "0 12px 36px rgba(15,23,42,.3)",
      borderTop: "4px solid #b45309", boxSizing: "border-box" });
    var strong = document.createElement("strong");
    strong.textContent = "此网站未获授权嵌入问答";
    css(strong, { display: "block", fontSize: "16px", marginBottom: "6px" });
    var p = document.createElement("p");
    p.textContent = "问答服务只在它允许的网站上显示，因此这里不能打开。";
    css(p, { margin: "0 0 8px" });
    var hint = document.createElement("p");
    hint.textContent = "网站管理员：请在问答服务的设置 BOT_ALLOWED_ORIGINS 中加入 " + here + "，然后重启服务。";
    css(hint, { margin: "0", fontSize: "13px", color: "#64748b" });
    box.appendChild(strong);
    box.appendChild(p);
    box.appendChild(hint);
    return box;
  }

  function init() {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.id = "park-qa-button";
    label(btn, false);
    btn.setAttribute("aria-expanded", "false");
    css(btn, {
      position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483001", border: "0", borderRadius: "24px",
      padding: "12px 18px", background: "#0f766e", color: "#fff", fontSize: "15px", cursor: "pointer",
      boxShadow: "0 6px 18px rgba(15,23,42,.25)", fontFamily: FONT,
    });

    var panel = null; // the iframe, or the refusal box
    var open = false;
    var ready = false; // the chat in the frame said it is there
    var wantFocus = false;

    function focusChat() {
      if (!panel) return;
      if (!allowed) {
        panel.focus();
        return;
      }
      wantFocus = !ready;
      if (ready) {
        panel.focus();
        panel.contentWindow.postMessage({ type: "park-qa-focus" }, origin);
      }
    }

    function layout() {
      if (!panel) return;
      var small = window.innerWidth < 520;
      var height = allowed ? Math.min(620, window.innerHeight - 100) + "px" : "auto";
      css(panel, small
        ? { left: "0", right: "0", top: allowed ? "0" : "auto", bottom: allowed ? "0" : "80px", width: "100%",
            height: allowed ? "100%" : "auto", borderRadius: "0" }
        : { left: "auto", top: "auto", right: "20px", bottom: "80px", width: "380px", height: height,
            borderRadius: "12px" });
      // full screen on phones: the chat's own × (top right, inside the frame) closes it
      btn.style.display = small && open && allowed ? "none" : "block";
    }

    function create() {
      if (!allowed) {
        panel = refusalBox();
      } else {
        panel = document.createElement("iframe");
        panel.id = "park-qa-frame";
        panel.title = TITLE;
        panel.src = origin + "/embed";
        panel.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups");
        panel.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        css(panel, { position: "fixed", zIndex: "2147483000", border: "0", background: "#fff",
          boxShadow: "0 12px 36px rgba(15,23,42,.3)" });
      }
      document.body.appendChild(panel);
    }

    function setOpen(value) {
      var wasOpen = open;
      open = value;
      if (open && !panel) create();
      if (panel) panel.style.display = open ? "block" : "none";
      label(btn, open);
      btn.setAttribute("aria-expanded", open ? "true" : "false");
      layout();
      if (open && !wasOpen) focusChat();
      if (!open && wasOpen) {
        wantFocus = false;
        btn.focus();
      }
    }

    btn.addEventListener("click", function () { setOpen(!open); });
    window.addEventListener("resize", layout);
    window.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && open) setOpen(false); });
    window.addEventListener("message", function (ev) {
      if (!panel || !allowed || ev.origin !== origin || ev.source !== panel.contentWindow) return;
      var type = ev.data && ev.data.type;
      if (type === "park-qa-ready") {
        ready = true;
        panel.contentWindow.postMessage({ type: "park-qa-hello" }, origin);
        if (wantFocus && open) focusChat();
      } else if (type === "park-qa-close") {
        setOpen(false);
      }
    });
    document.body.appendChild(btn);
  }

  if (document.body) init();
  else document.addEventListener("DOMContentLoaded", init);
})();
