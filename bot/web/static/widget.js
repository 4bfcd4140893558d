/* 园区问答 widget: <script src="https://HOST/widget.js" async></script>
   Adds a floating button that opens the chat (HOST/embed) in an iframe. The chat's origin is taken from
   this script's own src, so the snippet works unchanged on any page the chat allows (BOT_ALLOWED_ORIGINS). */
(function () {
  "use strict";
  if (window.__parkQaWidget) return;
  window.__parkQaWidget = true;

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
  var LABEL = "园区问答";
  var CLOSE = "关闭";
  var SVG = "http://www.w3.org/2000/svg";
  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";

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
  }

  function css(node, styles) {
    for (var k in styles) if (Object.prototype.hasOwnProperty.call(styles, k)) node.style[k] = styles[k];
  }

  function init() {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.id = "park-qa-button";
    label(btn, false);
    btn.setAttribute("aria-expanded", "false");
    btn.setAttribute("aria-label", "打开园区问答（乐山高新区）");
    css(btn, {
      position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483001", border: "0", borderRadius: "24px",
      padding: "12px 18px", background: "#0f766e", color: "#fff", fontSize: "15px", cursor: "pointer",
      boxShadow: "0 6px 18px rgba(15,23,42,.25)", fontFamily: "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif",
    });

    var frame = null;
    var open = false;

    function layout() {
      if (!frame) return;
      var small = window.innerWidth < 520;
      css(frame, small
        ? { left: "0", right: "0", top: "0", bottom: "0", width: "100%", height: "100%", borderRadius: "0" }
        : { left: "auto", top: "auto", right: "20px", bottom: "80px", width: "380px",
            height: Math.min(620, window.innerHeight - 100) + "px", borderRadius: "12px" });
      // full screen on phones: the chat's own × (top right, inside the frame) closes it
      btn.style.display = small && open ? "none" : "block";
    }

    function setOpen(value) {
      open = value;
      if (open && !frame) {
        frame = document.createElement("iframe");
        frame.id = "park-qa-frame";
        frame.title = "园区问答 · 乐山高新区";
        frame.src = origin + "/embed";
        frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups");
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        css(frame, { position: "fixed", zIndex: "2147483000", border: "0", background: "#fff",
          boxShadow: "0 12px 36px rgba(15,23,42,.3)" });
        document.body.appendChild(frame);
      }
      if (frame) frame.style.display = open ? "block" : "none";
      label(btn, open);
      btn.setAttribute("aria-expanded", open ? "true" : "false");
      layout();
    }

    btn.addEventListener("click", function () { setOpen(!open); });
    window.addEventListener("resize", layout);
    window.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && open) setOpen(false); });
    window.addEventListener("message", function (ev) {
      if (frame && ev.origin === origin && ev.source === frame.contentWindow && ev.data && ev.data.type === "park-qa-close") {
        setOpen(false);
      }
    });
    document.body.appendChild(btn);
  }

  if (document.body) init();
  else document.addEventListener("DOMContentLoaded", init);
})();
