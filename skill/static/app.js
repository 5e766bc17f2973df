// The page: send each turn to POST /api/ask with the conversation state the last answer returned,
// show and (optionally) speak the answer, and list the content with its lint problems.
// Plain browser JavaScript, no build step. Server text is only ever set as textContent.
"use strict";

(function () {
  const FACET_PHRASES = {
    what: "what it was", who: "who was involved", when: "when it happened",
    why: "why it happened", features: "its key features", effects: "its effects",
  };
  const $ = (id) => document.getElementById(id);
  const log = $("log"), form = $("ask-form"), input = $("question"), send = $("send");
  const errorBox = $("error"), micButton = $("mic"), micStatus = $("mic-status"), speakBox = $("speak");

  let state = {};          // the conversation state, exactly as the last answer returned it
  let busy = false;
  const user = userId();   // keeps quiz progress for this browser

  // --- small helpers ------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  function store(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) { /* storage may be off (private mode): the page works without it */ }
    return null;
  }

  function userId() {
    let id = store("history-revision-user");
    if (!id) {
      const bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      id = "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      store("history-revision-user", id);
    }
    return id;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  // --- conversation -------------------------------------------------------------------------

  async function ask(text) {
    text = text.trim();
    if (!text || busy) return;
    showError("");
    busy = true;
    send.disabled = true;
    log.append(el("li", { class: "turn user" }, el("span", { class: "who" }, "You"), el("p", {}, text)));
    const pending = el("li", { class: "turn assistant pending", "aria-busy": "true" },
      el("span", { class: "who" }, "Assistant"), el("p", {}, "Thinking…"));
    log.append(pending);
    pending.scrollIntoView({ block: "end" });
    try {
      const response = await fetch("/api/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({ text, state, user }),
      });
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      if (!response.ok || !body) {
        // a state the server no longer understands (after an upgrade, say): start afresh next turn
        if (response.status === 400 && body && /"state"/.test(body.message || "")) state = {};
        throw new Error((body && body.message) || `The server answered ${response.status}.`);
      }
      state = body.state || {};
      pending.replaceWith(renderAnswer(body));
      speak(body.text);
      input.value = "";
    } catch (e) {
      pending.remove();
      showError(`Sorry, that did not work: ${e.message}`);
    } finally {
      busy = false;
      send.disabled = false;
      // show the question box, unless that would hide the start of the answer
      form.scrollIntoView({ block: "nearest" });
      const last = log.lastElementChild;
      if (last.getBoundingClientRect().top < 0) last.scrollIntoView({ block: "start" });
    }
  }

  function renderAnswer(a) {
    const item = el("li", { class: "turn assistant", "data-mode": a.mode || "" },
      el("span", { class: "who" }, "Assistant"), el("p", { class: "answer-text" }, a.text));
    const meta = el("dl", { class: "meta" });
    const add = (name, value, cls, title) => meta.append(
      el("div", title ? { class: cls, title } : { class: cls }, el("dt", {}, name), el("dd", {}, value)));
    if (a.topic) {
      add("Topic", a.topic_title || a.topic, "meta-topic");
      if (a.facet) add("Facet", a.facet, "meta-facet", FACET_PHRASES[a.facet]);
      add("Confidence", `${Math.round((a.confidence || 0) * 100)}%`, "meta-confidence");
    } else if (a.mode === "fallback") {
      add("Topic", "none matched", "meta-topic");
    }
    if (a.mode !== "answer") add("Mode", a.mode, "meta-mode");
    item.append(meta);
    if (a.end_session) {
      item.append(el("p", { class: "hint" }, "The conversation has ended. Ask again to start a new one."));
    }
    item.append(el("details", { class: "ssml" },
      el("summary", {}, "Speech markup (SSML)"), el("pre", {}, a.speech)));
    return item;
  }

  function newConversation() {
    state = {};
    if (window.speechSynthesis) window.speechSynthesis.cancel();
    for (const item of Array.from(log.children)) if (!item.classList.contains("intro")) item.remove();
    showError("");
    input.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.value.trim()) {
      showError("Type a question first, or press Speak.");
      input.focus();
      return;
    }
    ask(input.value);
  });
  $("new-conversation").addEventListener("click", newConversation);
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    select($("tab-ask"));
    input.focus();
  });
  for (const button of document.querySelectorAll(".suggestion")) {
    button.addEventListener("click", () => { input.value = button.textContent; ask(button.textContent); });
  }

  // --- speech synthesis: read answers aloud -------------------------------------------------

  const canSpeak = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
  if (!canSpeak) {
    speakBox.disabled = true;
    speakBox.parentElement.append(" (not available in this browser)");
  } else {
    speakBox.checked = store("history-revision-speak") !== "off";
    speakBox.addEventListener("change", () => {
      store("history-revision-speak", speakBox.checked ? "on" : "off");
      if (!speakBox.checked) window.speechSynthesis.cancel();
    });
  }

  function speak(text) {
    if (!canSpeak || !speakBox.checked || !text) return;
    window.speechSynthesis.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = "en-GB";
    const voice = window.speechSynthesis.getVoices().find((v) => v.lang === "en-GB");
    if (voice) utterance.voice = voice;
    window.speechSynthesis.speak(utterance);
  }

  // --- speech recognition: the microphone button --------------------------------------------

  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  let recognizer = null;
  if (Recognition) {
    micButton.hidden = false;
    micButton.setAttribute("aria-label", "Speak your question");
    micButton.addEventListener("click", () => {
      if (recognizer) { recognizer.stop(); return; }
      if (canSpeak) window.speechSynthesis.cancel();   // do not let it hear itself
      recognizer = new Recognition();
      recognizer.lang = "en-GB";
      recognizer.interimResults = true;
      recognizer.maxAlternatives = 1;
      recognizer.onresult = (event) => {
        const result = event.results[event.results.length - 1];
        input.value = result[0].transcript;
        if (result.isFinal) { recognizer.stop(); ask(input.value); }
      };
      recognizer.onerror = (event) => {
        const reasons = {
          "not-allowed": "the microphone is blocked; allow it in the browser's site settings",
          "no-speech": "nothing was heard; try again",
          "network": "speech recognition needs a network connection",
          "audio-capture": "no microphone was found",
        };
        micStatus.textContent = `Could not listen: ${reasons[event.error] || event.error}.`;
      };
      recognizer.onend = () => {
        recognizer = null;
        micButton.setAttribute("aria-pressed", "false");
        micButton.classList.remove("listening");
        if (micStatus.textContent === "Listening…") micStatus.textContent = "";
      };
      micButton.setAttribute("aria-pressed", "true");
      micButton.classList.add("listening");
      micStatus.textContent = "Listening…";
      try { recognizer.start(); } catch (e) { micStatus.textContent = `Could not listen: ${e.message}`; }
    });
  } else {
    micStatus.textContent = "Voice input is not available in this browser; type your question.";
  }

  // --- tabs ---------------------------------------------------------------------------------

  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  function select(tab) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (tab.id === "tab-content") loadContent();
    history.replaceState(null, "", tab.id === "tab-content" ? "#content" : location.pathname);
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step === undefined) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      next.focus();
      select(next);
      event.preventDefault();
    });
  });

  // --- content view -------------------------------------------------------------------------

  let content = null;
  async function fetchContent() {
    if (!content) {
      content = fetch("/api/content", { headers: { "Accept": "application/json" } }).then((r) => {
        if (!r.ok) throw new Error(`The server answered ${r.status}.`);
        return r.json();
      });
      content.catch(() => { content = null; });   // try again next time
    }
    return content;
  }

  let shown = false;
  async function loadContent() {
    if (shown) return;
    try {
      renderContent(await fetchContent());
      shown = true;
    } catch (e) {
      $("content-summary").textContent = "";
      showError(`Sorry, the content could not be loaded: ${e.message}`);
    }
  }

  function renderContent(data) {
    const s = data.summary;
    $("content-summary").textContent =
      `${data.units.map((u) => u.title).join(", ")}: ${s.topics} topics, ${s.facets} answers, ` +
      `${s.glossary} glossary entries, ${s.words.toLocaleString("en-GB")} words. ` +
      `The content check found ${data.errors} error${data.errors === 1 ? "" : "s"} and ` +
      `${data.warnings} warning${data.warnings === 1 ? "" : "s"}.`;
    const head = $("content-head");
    for (const f of data.facets) head.append(el("th", { scope: "col" }, f));
    head.append(el("th", { scope: "col" }, "Problems"));
    const body = $("content-body"), problems = $("problems");
    for (const unit of data.units) {
      for (const t of unit.topics) {
        const row = el("tr", { "data-topic": t.id }, el("th", { scope: "row" }, t.title));
        for (const f of data.facets) {
          const a = t.facets[f];
          if (!a) { row.append(el("td", { class: "missing" }, "missing")); continue; }
          const long = a.seconds > data.long_seconds;
          const detail = `${a.points} points, about ${a.seconds} seconds of speech`;
          row.append(el("td", { class: long ? "long" : "", title: detail },
            `${a.words}`, long ? el("span", { class: "flag" }, " long") : null,
            el("span", { class: "visually-hidden" }, ` words, ${detail}`)));
        }
        row.append(el("td", { class: t.problems.length ? "has-problems" : "" }, t.problems.length || "none"));
        body.append(row);
        for (const p of t.problems) {
          problems.append(el("li", { class: `problem ${p.severity}` },
            el("strong", { class: "severity" }, p.severity), " ",
            el("code", {}, `${p.file}:${p.line}`), " ", el("span", { class: "field" }, p.field), ": ", p.message));
        }
      }
    }
    if (!problems.children.length) problems.append(el("li", {}, "No problems found."));
  }

  // the unit's name in the header, without holding up the page
  fetchContent().then((data) => {
    if (data.units.length) $("unit-title").textContent = data.units.map((u) => u.title).join(", ");
  }, () => { /* shown when the content view is opened */ });

  // the address chooses the view: #content opens the content check
  const fromAddress = () => select($(location.hash === "#content" ? "tab-content" : "tab-ask"));
  window.addEventListener("hashchange", fromAddress);
  if (location.hash === "#content") select($("tab-content"));
})();
