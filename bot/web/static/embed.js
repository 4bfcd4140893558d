// 园区问答 embed page: talks to the JSON/SSE API of its own origin.
// All user and corpus text is put into the page with textContent / createTextNode, never innerHTML.
(function () {
  "use strict";

  var MARKER = /[\[［【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］】]/g;
  var MAX_HISTORY = 8;
  var CLOSEST = 3;

  var app = document.getElementById("app");
  var log = document.getElementById("log");
  var form = document.getElementById("ask-form");
  var box = document.getElementById("q");
  var send = document.getElementById("send");
  var panel = document.getElementById("panel");
  var history = [];
  var busy = false;
  var maxChars = parseInt(app.getAttribute("data-max-chars") || "500", 10) || 500;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function bubble(role) {
    var row = el("div", "msg " + role);
    var b = el("div", "bubble");
    row.appendChild(b);
    log.appendChild(row);
    scrollDown();
    return b;
  }

  // -- source panel ---------------------------------------------------------------------------------------
  function openPanel(label, item, highlightSpan) {
    document.getElementById("panel-n").textContent = label;
    document.getElementById("panel-title").textContent = item.title || item.source || "";
    var meta = [];
    if (item.date) meta.push(item.date);
    if (item.source) meta.push(item.source);
    document.getElementById("panel-meta").textContent = meta.join(" · ");
    var textBox = document.getElementById("panel-text");
    textBox.textContent = "";
    var chars = Array.from(String(item.text || "")); // spans count code points, like Python
    var span = highlightSpan && item.span && item.span.length === 2 ? item.span : null;
    var a = span ? Math.max(0, Math.min(chars.length, span[0] | 0)) : 0;
    var b = span ? Math.max(a, Math.min(chars.length, span[1] | 0)) : 0;
    if (span && b > a) {
      textBox.appendChild(document.createTextNode(chars.slice(0, a).join("")));
      textBox.appendChild(el("mark", null, chars.slice(a, b).join("")));
      textBox.appendChild(document.createTextNode(chars.slice(b).join("")));
    } else {
      textBox.textContent = chars.join("");
    }
    panel.hidden = false;
    var mark = textBox.querySelector("mark");
    if (mark && mark.scrollIntoView) mark.scrollIntoView({ block: "nearest" });
    document.getElementById("panel-close").focus({ preventScroll: true });
  }

  function closePanel() {
    panel.hidden = true;
  }

  function citeButton(n, citation) {
    var btn = el("button", "cite", "[" + n + "]");
    btn.type = "button";
    btn.title = "查看来源 [" + n + "]";
    btn.addEventListener("click", function () {
      openPanel("[" + n + "]", citation, true);
    });
    return btn;
  }

  // answer text with [n] markers turned into buttons; text nodes only
  function answerText(text, byN) {
    var wrap = el("div", "a-text");
    var pos = 0;
    var m;
    MARKER.lastIndex = 0;
    while ((m = MARKER.exec(text)) !== null) {
      var nums = m[1].split(/\s*[,，、]\s*/).map(function (x) { return parseInt(x, 10); });
      var ok = nums.every(function (n) { return byN[n]; });
      if (!ok) continue;
      wrap.appendChild(document.createTextNode(text.slice(pos, m.index)));
      nums.forEach(function (n) { wrap.appendChild(citeButton(n, byN[n])); });
      pos = m.index + m[0].length;
    }
    wrap.appendChild(document.createTextNode(text.slice(pos)));
    return wrap;
  }

  // thumbs icons drawn as SVG (no emoji font needed); static markup only
  var THUMB = "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6c-.4.4-.6.9-.6 1.4v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z";

  function thumbIcon(down) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "15");
    svg.setAttribute("height", "15");
    svg.setAttribute("aria-hidden", "true");
    if (down) svg.setAttribute("transform", "rotate(180)");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", THUMB);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function feedbackButtons(question, answer) {
    var row = el("div", "feedback");
    [["up", "有帮助"], ["down", "没帮助"]].forEach(function (spec) {
      var btn = el("button", "fb fb-" + spec[0]);
      btn.type = "button";
      btn.title = spec[1];
      btn.setAttribute("aria-label", spec[1]);
      btn.appendChild(thumbIcon(spec[0] === "down"));
      btn.addEventListener("click", function () {
        var cites = (answer.citations || []).map(function (c) {
          return { n: c.n, title: c.title, source: c.source, date: c.date };
        });
        fetch("/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question: question, answer: answer.answer || "", rating: spec[0], citations: cites }),
        }).then(function (res) {
          row.textContent = "";
          row.appendChild(el("span", "thanks", res.ok ? "谢谢您的反馈！" : "反馈未能提交"));
        }).catch(function () {});
      });
      row.appendChild(btn);
    });
    return row;
  }

  function renderAnswer(target, question, answer) {
    target.textContent = "";
    target.classList.remove("streaming");
    if (answer.notice) target.appendChild(el("div", "notice", "⚠️ " + answer.notice));
    var byN = {};
    (answer.citations || []).forEach(function (c) { byN[c.n] = c; });
    target.appendChild(answerText(String(answer.answer || ""), byN));
    var list = null;
    if (!answer.refused && (answer.citations || []).length) {
      list = el("div", "sources");
      list.appendChild(el("span", "sources-label", "来源："));
      answer.citations.forEach(function (c) {
        var li = el("div", "source-item");
        li.appendChild(citeButton(c.n, c));
        li.appendChild(document.createTextNode(" " + (c.title || c.source || "") + (c.date ? "（" + c.date + "）" : "")));
        list.appendChild(li);
      });
    } else if (answer.refused && (answer.retrieved || []).length) {
      list = el("div", "sources closest");
      list.appendChild(el("span", "sources-label", "最接近的段落："));
      answer.retrieved.slice(0, CLOSEST).forEach(function (p) {
        var li = el("div", "source-item");
        var btn = el("button", "cite", "原文");
        btn.type = "button";
        btn.addEventListener("click", function () { openPanel("最接近", p, false); });
        li.appendChild(btn);
        var label = (p.title || p.source || "") + (p.section ? " · " + p.section : "") + (p.date ? "（" + p.date + "）" : "");
        li.appendChild(document.createTextNode(" " + label));
        list.appendChild(li);
      });
    }
    if (list) target.appendChild(list);
    target.appendChild(feedbackButtons(question, answer));
    scrollDown();
  }

  function showError(target, message) {
    target.textContent = "";
    target.classList.remove("streaming");
    target.classList.add("warn");
    target.textContent = message;
  }

  // -- asking -----------------------------------------------------------------------------------------------
  function parseEvent(block) {
    var name = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) name = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (!data.length) return null;
    try {
      return { name: name, data: JSON.parse(data.join("\n")) };
    } catch (e) {
      return null;
    }
  }

  function setBusy(on) {
    busy = on;
    send.disabled = on;
    app.classList.toggle("busy", on);
  }

  function ask(question) {
    var q = String(question || "").trim();
    if (!q || busy) {
      box.focus();
      return;
    }
    var welcome = document.getElementById("welcome");
    if (welcome) welcome.hidden = true;
    bubble("user").textContent = q;
    var target = bubble("bot");
    target.classList.add("streaming");
    target.appendChild(el("span", "thinking", "正在检索资料…"));
    box.value = "";
    setBusy(true);
    var partial = "";
    var done = false;

    fetch("/api/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ question: q, history: history.slice(-MAX_HISTORY) }),
    })
      .then(function (res) {
        if (!res.ok) {
          return res.json().then(
            function (body) { showError(target, (body && typeof body.detail === "string") ? body.detail : "请求失败，请稍后再试。"); },
            function () { showError(target, "请求失败，请稍后再试。"); }
          );
        }
        var reader = res.body.getReader();
        var decoder = new TextDecoder("utf-8");
        var buf = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              if (!done) showError(target, "连接中断，请重试。");
              return;
            }
            buf += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
            var idx;
            while ((idx = buf.indexOf("\n\n")) >= 0) {
              var ev = parseEvent(buf.slice(0, idx));
              buf = buf.slice(idx + 2);
              if (!ev) continue;
              if (ev.name === "token") {
                partial += String(ev.data.text || "");
                target.textContent = partial;
                scrollDown();
              } else if (ev.name === "answer") {
                done = true;
                history.push(q);
                renderAnswer(target, q, ev.data);
              } else if (ev.name === "error") {
                done = true;
                showError(target, String(ev.data.message || "请求失败，请稍后再试。"));
              }
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {
        showError(target, "网络错误，请稍后再试。");
      })
      .then(function () {
        setBusy(false);
        box.focus();
      });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    ask(box.value);
  });
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      ask(box.value);
    }
  });
  box.addEventListener("input", function () {
    if (box.value.length > maxChars) box.value = box.value.slice(0, maxChars);
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.example"), function (btn) {
    btn.addEventListener("click", function () { ask(btn.textContent); });
  });
  document.getElementById("new-chat").addEventListener("click", function () {
    if (busy) return;
    history = [];
    closePanel();
    Array.prototype.slice.call(log.querySelectorAll(".msg")).forEach(function (n) { n.remove(); });
    var welcome = document.getElementById("welcome");
    if (welcome) welcome.hidden = false;
    box.focus();
  });
  document.getElementById("panel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !panel.hidden) closePanel();
  });

  // inside the widget's iframe: a close button that asks the host page to hide us
  if (window.parent !== window) {
    var closeBtn = document.getElementById("close-widget");
    closeBtn.hidden = false;
    closeBtn.addEventListener("click", function () {
      window.parent.postMessage({ type: "park-qa-close" }, "*");
    });
  }
})();
