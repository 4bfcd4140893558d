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
  var notice = document.getElementById("notice");
  var history = [];
  var host = null; // the widget's page, once it said hello (only then the × shows)
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
  // 2024-12-19 -> 2024年12月19日 (other declared dates as they are)
  function displayDate(d) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(d || "").trim());
    return m ? parseInt(m[1], 10) + "年" + parseInt(m[2], 10) + "月" + parseInt(m[3], 10) + "日" : String(d || "").trim();
  }

  // a retrieved passage (source = its file) in the shape of a citation (source = the label for a person)
  function passageView(p) {
    var parts = [p.publisher, p.byline].filter(function (x) { return x && String(x).trim(); });
    if (p.publisher && p.byline && String(p.byline).indexOf(p.publisher) >= 0) parts = [p.byline];
    return {
      title: (p.title || "") + (p.section ? " · " + p.section : ""),
      source: parts.join(" · ") || p.source || "",
      file: p.source || "",
      date: p.date,
      text: p.text,
    };
  }

  // "source · date" for a person: the human source label unless it is only the file name
  function attribution(item) {
    var parts = [];
    if (item.source && item.source !== item.file) parts.push(item.source);
    if (item.date) parts.push(displayDate(item.date));
    return parts.join(" · ");
  }

  function titleOf(item) {
    return item.title || item.source || item.file || "";
  }

  function openPanel(label, item, highlightSpan) {
    document.getElementById("panel-n").textContent = label;
    document.getElementById("panel-title").textContent = titleOf(item);
    document.getElementById("panel-meta").textContent = attribution(item);
    document.getElementById("panel-file").textContent = item.file || "";
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
          return { n: c.n, title: c.title, source: c.source, date: c.date, file: c.file };
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
        li.appendChild(document.createTextNode(" " + titleOf(c)));
        var meta = attribution(c);
        if (meta) li.appendChild(el("span", "source-meta", " — " + meta));
        list.appendChild(li);
      });
    } else if (answer.refused && (answer.retrieved || []).length) {
      list = el("div", "sources closest");
      list.appendChild(el("span", "sources-label", "最接近的段落："));
      answer.retrieved.slice(0, CLOSEST).forEach(function (p) {
        var view = passageView(p);
        var li = el("div", "source-item");
        var btn = el("button", "cite", "原文");
        btn.type = "button";
        btn.addEventListener("click", function () { openPanel("最接近", view, false); });
        li.appendChild(btn);
        li.appendChild(document.createTextNode(" " + titleOf(view)));
        var meta = attribution(view);
        if (meta) li.appendChild(el("span", "source-meta", " — " + meta));
        list.appendChild(li);
      });
    }
    if (list) target.appendChild(list);
    target.appendChild(feedbackButtons(question, answer));
    scrollDown();
  }

  // a notice: apart from the answers, no feedback buttons; replaced by the next one, cleared by the next answer
  function showNotice(message) {
    notice.textContent = message;
    notice.hidden = false;
  }

  function clearNotice() {
    notice.textContent = "";
    notice.hidden = true;
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

  function typing() {
    var t = el("span", "typing");
    t.setAttribute("role", "status");
    t.setAttribute("aria-label", "正在回答");
    t.appendChild(el("i"));
    t.appendChild(el("i"));
    t.appendChild(el("i"));
    return t;
  }

  // Ask: the question shows at once with a typing indicator; asking again waits until this answer is in.
  // If the question is refused (empty, too long, rate limit, an error) both bubbles go away, the reason shows
  // as a notice and the question goes back into the box (unless something new was typed meanwhile).
  function ask(question, fromBox) {
    if (busy) return;
    var raw = String(question == null ? "" : question);
    var q = raw.trim();
    var fits = q.length > 0 && Array.from(raw).length <= maxChars;
    setBusy(true);
    var rows = [];
    var target = null;
    function show() {
      if (target) return;
      var welcome = document.getElementById("welcome");
      if (welcome) welcome.hidden = true;
      var user = bubble("user");
      user.textContent = q;
      target = bubble("bot");
      target.classList.add("streaming");
      target.appendChild(typing());
      target.appendChild(el("span", "thinking", "正在检索资料…"));
      rows = [user.parentNode, target.parentNode];
      if (fromBox && box.value === raw) box.value = "";
    }
    if (fits) show(); // else the server says why (the same words as on the chat page), the text stays
    var partial = "";
    var done = false;

    function refuse(message) {
      done = true;
      rows.forEach(function (r) { if (r && r.parentNode) r.parentNode.removeChild(r); });
      if (!log.querySelector(".msg")) {
        var welcome = document.getElementById("welcome");
        if (welcome) welcome.hidden = false;
      }
      if (fromBox && !box.value.trim()) box.value = raw;
      showNotice(message);
    }

    fetch("/api/ask/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ question: raw, history: history.slice(-MAX_HISTORY) }),
    })
      .then(function (res) {
        if (!res.ok) {
          return res.json().then(
            function (body) { refuse((body && typeof body.detail === "string") ? body.detail : "请求失败，请稍后再试。"); },
            function () { refuse("请求失败，请稍后再试。"); }
          );
        }
        var reader = res.body.getReader();
        var decoder = new TextDecoder("utf-8");
        var buf = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              if (!done) refuse("连接中断，请重试。");
              return;
            }
            buf += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
            var idx;
            while ((idx = buf.indexOf("\n\n")) >= 0) {
              var ev = parseEvent(buf.slice(0, idx));
              buf = buf.slice(idx + 2);
              if (!ev || done) continue;
              if (ev.name === "token") {
                show();
                partial += String(ev.data.text || "");
                target.textContent = partial;
                scrollDown();
              } else if (ev.name === "answer") {
                show();
                done = true;
                clearNotice();
                history.push(q);
                renderAnswer(target, q, ev.data);
              } else if (ev.name === "error") {
                refuse(String((ev.data && ev.data.message) || "请求失败，请稍后再试。"));
              }
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {
        if (!done) refuse("网络错误，请稍后再试。");
      })
      .then(function () {
        setBusy(false);
        box.focus();
      });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    ask(box.value, true);
  });
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      ask(box.value, true);
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.example"), function (btn) {
    btn.addEventListener("click", function () { ask(btn.textContent, false); });
  });
  document.getElementById("new-chat").addEventListener("click", function () {
    if (busy) return;
    history = [];
    closePanel();
    clearNotice();
    Array.prototype.slice.call(log.querySelectorAll(".msg")).forEach(function (n) { n.remove(); });
    var welcome = document.getElementById("welcome");
    if (welcome) welcome.hidden = false;
    box.focus();
  });
  document.getElementById("panel-close").addEventListener("click", closePanel);

  // Inside widget.js's frame (and only there): a × that closes the widget, Escape closes it too, and the
  // widget may move the focus into the box. The widget answers our "ready" with a "hello"; a plain iframe
  // never does, so it shows no × that would do nothing.
  function closeWidget() {
    if (host) window.parent.postMessage({ type: "park-qa-close" }, host);
  }
  document.getElementById("close-widget").addEventListener("click", closeWidget);
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    if (!panel.hidden) closePanel();
    else closeWidget();
  });
  if (window.parent !== window) {
    window.addEventListener("message", function (ev) {
      if (ev.source !== window.parent || !ev.data || typeof ev.data.type !== "string") return;
      if (ev.data.type === "park-qa-hello") {
        host = ev.origin;
        document.getElementById("close-widget").hidden = false;
      } else if (ev.data.type === "park-qa-focus" && host && ev.origin === host) {
        box.focus();
      }
    });
    window.parent.postMessage({ type: "park-qa-ready" }, "*");
  }
})();
