// r9s web: the page. Views: Chat, Compare (2-4 models side by side), Images, Audio;
// the History in the sidebar. State that should survive a reload lives in the address
// (#/chat/ID, #/compare/ID) and the log (the server's); the settings in localStorage.

import { ApiError, copyText, getJSON, send, stream } from "./api.js";
import { Composer } from "./composer.js";
import { escapeHtml } from "./markdown.js";
import { initMedia } from "./media.js";
import { modelsOf, Picker, setModels } from "./picker.js";
import { flash, Thread } from "./thread.js";

const $ = (selector, root = document) => root.querySelector(selector);
const PREFS = "r9s-web";

const prefs = (() => {
  try {
    return JSON.parse(localStorage.getItem(PREFS)) || {};
  } catch {
    return {};
  }
})();

function save() {
  try {
    localStorage.setItem(PREFS, JSON.stringify(prefs));
  } catch {
    // private mode or full: the settings last this visit
  }
}

let config = { max_panes: 4, efforts: [], apis: ["chat", "responses", "messages"] };

// -- banner ------------------------------------------------------------------------------

function banner(message, kind = "error") {
  const box = $("#banner");
  box.hidden = !message;
  box.dataset.kind = kind;
  box.textContent = message || "";
}

// -- settings (shared by Chat and Compare) -------------------------------------------

const settings = {
  init() {
    const api = $("#set-api");
    api.innerHTML = config.apis.map((name) => `<option value="${name}">${name}</option>`).join("");
    $("#set-reasoning").innerHTML =
      `<option value="">default</option>` +
      config.efforts.map((effort) => `<option value="${effort}">${effort}</option>`).join("");
    this.show();
    const bind = (selector, key, event = "change") =>
      $(selector).addEventListener(event, (e) => {
        prefs[key] = e.target.value;
        save();
        this.summary();
      });
    bind("#set-api", "api");
    bind("#set-system", "system", "input");
    bind("#set-max", "max_tokens", "input");
    bind("#set-reasoning", "reasoning");
    $("#set-temp").addEventListener("input", (e) => {
      prefs.temperature = e.target.value;
      if (e.target.value !== "") $("#set-temp-range").value = e.target.value;
      save();
      this.summary();
    });
    $("#set-temp-range").addEventListener("input", (e) => {
      prefs.temperature = e.target.value;
      $("#set-temp").value = e.target.value;
      save();
      this.summary();
    });
    $("#set-reset").addEventListener("click", () => {
      for (const key of ["api", "system", "temperature", "max_tokens", "reasoning"]) delete prefs[key];
      save();
      this.show();
    });
    for (const button of document.querySelectorAll("[data-settings]")) {
      button.addEventListener("click", () => this.toggle());
    }
    $("#settings .close").addEventListener("click", () => this.toggle(false));
  },
  toggle(open) {
    const drawer = $("#settings");
    drawer.hidden = open === undefined ? !drawer.hidden : !open;
    document.body.classList.toggle("with-settings", !drawer.hidden);
  },
  show() {
    $("#set-api").value = prefs.api || "chat";
    $("#set-system").value = prefs.system || "";
    $("#set-temp").value = prefs.temperature ?? "";
    $("#set-temp-range").value = prefs.temperature || 1;
    $("#set-max").value = prefs.max_tokens || "";
    $("#set-reasoning").value = prefs.reasoning || "";
    this.summary();
  },
  // the conversation's own settings, when one is reopened
  adopt(conversation) {
    prefs.api = conversation.api;
    prefs.system = conversation.system || "";
    const options = conversation.options || {};
    prefs.temperature = options.temperature ?? "";
    prefs.max_tokens = options.max_tokens ?? "";
    prefs.reasoning = options.reasoning_effort || "";
    save();
    this.show();
  },
  summary() {
    const parts = [prefs.api || "chat"];
    if (prefs.temperature !== undefined && prefs.temperature !== "") parts.push(`temp ${prefs.temperature}`);
    if (prefs.max_tokens) parts.push(`max ${prefs.max_tokens}`);
    if (prefs.reasoning) parts.push(`reasoning ${prefs.reasoning}`);
    if (prefs.system) parts.push("system prompt");
    for (const el of document.querySelectorAll(".settings-summary")) el.textContent = parts.join(" · ");
  },
  ask() {
    return {
      api: prefs.api || "chat",
      system: prefs.system || null,
      options: {
        temperature: prefs.temperature ?? "",
        max_tokens: prefs.max_tokens ?? "",
        reasoning_effort: prefs.reasoning || "",
      },
    };
  },
};

// -- events of an ask --------------------------------------------------------------------

function dispatch(event, answers, on = {}) {
  const answer = answers[event.pane];
  switch (event.type) {
    case "group":
    case "start":
    case "end":
      on[event.type]?.(event);
      break;
    case "delta":
      answer?.delta(event.text);
      break;
    case "reasoning":
      answer?.reasoning(event.text);
      break;
    case "notice":
      answer?.notice(event.text);
      break;
    case "done":
      answer?.done(event);
      on.done?.(event, answer);
      break;
    case "error":
      answer?.error(event.message);
      on.error?.(event);
      break;
    case "stopped": // the server is stopping
      for (const each of answers) each.stopped(`${event.message}: the answer ends here.`);
      break;
    default:
      break;
  }
}

async function runAsk(body, answers, composer, on) {
  const controller = new AbortController();
  composer.taken();
  composer.setBusy(true);
  composer.stop = controller;
  try {
    await stream("/api/chat", body, (event) => dispatch(event, answers, on), controller.signal);
    for (const answer of answers) if (["waiting", "thinking", "streaming"].includes(answer.el.dataset.state)) answer.stopped();
  } catch (error) {
    if (error.name === "AbortError") {
      for (const answer of answers) answer.stopped();
    } else {
      for (const answer of answers) answer.error(error.message);
      if (error instanceof ApiError && error.status === 400) composer.restore();
    }
  } finally {
    composer.setBusy(false);
    history.refresh();
  }
}

// -- Chat ----------------------------------------------------------------------------

const chat = {
  id: null,
  init() {
    this.thread = new Thread($("#chat-thread"), `<h2>Ask anything</h2><p>Answers stream in with Markdown and code. Attach images, PDFs, audio or text files. Every exchange goes into the log, so <code>r9s chat -c ID</code> can go on with it in a terminal.</p>`);
    this.picker = new Picker($("#chat-model"), {
      kind: "chat",
      value: prefs.chatModel || config.default_model,
      placeholder: "model",
      onChange: (model) => {
        prefs.chatModel = model;
        save();
      },
    });
    this.composer = new Composer($("#chat-composer"), {
      placeholder: "Message a model…",
      onSend: (ask) => this.send(ask),
      onStop: () => this.composer.stop?.abort(),
    });
    $("#chat-cli").addEventListener("click", async (event) => {
      if (!this.id) return;
      await copyText(`r9s chat -c ${this.id}`);
      flash(event.currentTarget.querySelector("code"), "copied to the clipboard");
    });
    $("#new-chat").addEventListener("click", () => {
      this.reset();
      location.hash = "#/chat";
    });
  },
  reset() {
    this.id = null;
    this.thread.clear();
    this.showId();
    history.mark(null);
  },
  showId() {
    const hint = $("#chat-cli");
    hint.hidden = !this.id;
    hint.querySelector("code").textContent = this.id ? `r9s chat -c ${this.id}` : "";
  },
  async send({ prompt, attachments, shown }) {
    const model = this.picker.value || config.default_model;
    this.thread.question(prompt, shown);
    const answer = this.thread.answer(model);
    const fresh = this.id === null;
    const body = { panes: [{ model, conversation: this.id }], prompt, attachments, ...settings.ask() };
    await runAsk(body, [answer], this.composer, {
      start: (event) => {
        if (this.id !== event.conversation) {
          this.id = event.conversation;
          history.replace(`#/chat/${this.id}`);
          this.showId();
        }
      },
      error: (event) => {
        if (fresh && event.saved === false) {
          // refused before anything was sent: the conversation does not exist yet
          this.id = null;
          history.replace("#/chat");
          this.showId();
        }
      },
    });
  },
  async open(id) {
    if (id === this.id) return;
    const found = await getJSON(`/api/conversations/${encodeURIComponent(id)}`).catch((error) => {
      banner(error.message);
      return null;
    });
    if (!found) return;
    if (found.kind === "compare") {
      location.hash = `#/compare/${id}`;
      return;
    }
    banner(null);
    this.id = found.id;
    this.thread.load(found.turns);
    this.picker.set(found.model);
    settings.adopt(found);
    this.showId();
    history.mark(found.id);
  },
};

// -- Compare -------------------------------------------------------------------------

const compare = {
  group: null,
  members: [],
  panes: [],
  init() {
    const chatModels = modelsOf("chat").map((m) => m.id);
    const start = prefs.compareModels && prefs.compareModels.length >= 2 ? prefs.compareModels : null;
    this.models = start || [config.default_model, chatModels.find((id) => id !== config.default_model) || config.default_model];
    this.composer = new Composer($("#compare-composer"), {
      placeholder: "One prompt, sent to every model at once…",
      onSend: (ask) => this.send(ask),
      onStop: () => this.composer.stop?.abort(),
    });
    $("#compare-add").addEventListener("click", () => this.add());
    $("#compare-new").addEventListener("click", () => {
      this.reset();
      location.hash = "#/compare";
    });
    this.build();
  },
  reset() {
    this.group = null;
    this.members = [];
    this.build();
    history.mark(null);
  },
  setModels(models) {
    prefs.compareModels = models;
    save();
    this.models = models;
  },
  add() {
    if (this.models.length >= config.max_panes) return;
    const used = new Set(this.models);
    const next = modelsOf("chat").find((m) => !used.has(m.id))?.id || config.default_model;
    this.setModels([...this.models, next]);
    this.reset();
  },
  remove(index) {
    if (this.models.length <= 2) return;
    this.setModels(this.models.filter((_, k) => k !== index));
    this.reset();
  },
  change(index, model) {
    const models = [...this.models];
    models[index] = model;
    this.setModels(models);
    if (this.members.length) {
      this.reset(); // other models: another comparison
      banner("A new comparison starts with these models (the last one is in the history).", "info");
    }
  },
  build() {
    const root = $("#compare-panes");
    root.innerHTML = "";
    root.dataset.count = this.models.length;
    this.panes = this.models.map((model, index) => {
      const pane = document.createElement("section");
      pane.className = "pane";
      pane.dataset.pane = index;
      pane.innerHTML = `
        <header class="pane-head"><div class="pane-model"></div>
          <button type="button" class="icon remove" title="remove this model" aria-label="remove this model">×</button></header>
        <div class="scroll"><div class="pane-thread"></div></div>`;
      root.append(pane);
      const picker = new Picker($(".pane-model", pane), {
        kind: "chat",
        value: model,
        onChange: (chosen) => this.change(index, chosen),
      });
      $(".remove", pane).disabled = this.models.length <= 2;
      $(".remove", pane).addEventListener("click", () => this.remove(index));
      const thread = new Thread($(".pane-thread", pane), index === 0 ? `<h2>Compare models</h2><p>One prompt goes to every model at once. Each answer streams in its column with its time to first token, total time, speed, tokens and cost; pick the best one and it is kept in the log.</p>` : "");
      return { el: pane, picker, thread };
    });
    $("#compare-add").disabled = this.models.length >= config.max_panes;
  },
  async send({ prompt, attachments, shown }) {
    banner(null);
    const answers = this.panes.map(({ thread }, index) => {
      thread.question(prompt, shown);
      return thread.answer(this.models[index]);
    });
    const body = {
      panes: this.models.map((model, index) => ({ model, conversation: this.members[index] || null })),
      group: this.group,
      prompt,
      attachments,
      ...settings.ask(),
    };
    const fresh = !this.members.length;
    let unsaved = 0;
    await runAsk(body, answers, this.composer, {
      group: (event) => {
        this.group = event.group;
        this.members = event.members;
        history.replace(`#/compare/${this.members[0]}`);
        history.mark(this.members[0]);
      },
      error: (event) => {
        if (event.saved === false) unsaved += 1;
      },
    });
    if (fresh && unsaved === answers.length) {
      // refused before anything was sent: the comparison does not exist yet
      this.group = null;
      this.members = [];
      history.replace("#/compare");
    }
    this.finishRound(answers, {});
  },
  // the round is over: mark the best numbers, offer the pick
  finishRound(answers, picks) {
    const done = answers.filter((a) => a.el.dataset.state === "done");
    const stat = (answer, name) => {
      const chip = answer.el.querySelector(`[data-stat="${name}"]`);
      return chip ? chip : null;
    };
    const best = (name, value, lowest) => {
      const scored = done.map((a) => [a, value(a)]).filter(([, v]) => v !== null && v !== undefined);
      if (scored.length < 2) return;
      const target = lowest ? Math.min(...scored.map(([, v]) => v)) : Math.max(...scored.map(([, v]) => v));
      for (const [answer, v] of scored) if (v === target) stat(answer, name)?.classList.add("best");
    };
    best("ttft", (a) => a.stats?.ttft, true);
    best("total", (a) => a.stats?.total, true);
    best("tps", (a) => a.stats?.tps, false);
    best("cost", (a) => a.stats?.cost, true);
    if (!this.members.length) return;
    answers.forEach((answer, index) => {
      if (answer.el.dataset.state !== "done" || answer.seq === undefined || answer.seq === null) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "ghost pick";
      button.textContent = "★ Pick";
      button.title = "keep this answer as the best of this round (saved in the log)";
      answer.el.querySelector(".actions").prepend(button);
      const picked = picks[String(answer.seq)];
      if (picked && picked === this.members[index]) this.showPick(answers, index);
      button.addEventListener("click", async () => {
        try {
          await send("/api/pick", { members: this.members, seq: answer.seq, picked: this.members[index] });
          this.showPick(answers, index);
        } catch (error) {
          banner(error.message);
        }
      });
    });
  },
  showPick(answers, index) {
    answers.forEach((answer, k) => {
      answer.el.classList.toggle("picked", k === index);
      const button = answer.el.querySelector(".pick");
      if (button) button.textContent = k === index ? "★ Picked" : "★ Pick";
    });
  },
  async open(id) {
    if (this.members.includes(id)) return;
    const found = await getJSON(`/api/conversations/${encodeURIComponent(id)}`).catch((error) => {
      banner(error.message);
      return null;
    });
    if (!found) return;
    if (found.kind !== "compare") {
      location.hash = `#/chat/${id}`;
      return;
    }
    banner(null);
    this.group = found.group;
    this.members = found.members.map((m) => m.id);
    this.models = found.members.map((m) => m.model);
    this.build();
    settings.adopt(found);
    const rounds = [];
    found.members.forEach((member, index) => {
      const thread = this.panes[index].thread;
      thread.load(member.turns);
      thread.answers.forEach((answer, k) => {
        answer.stats = member.turns[k].stats;
        (rounds[k] ||= [])[index] = answer;
      });
    });
    for (const round of rounds) this.finishRound(round.map((a) => a || { el: document.createElement("div") }), found.picks || {});
    history.mark(this.members[0]);
  },
};

// -- History -------------------------------------------------------------------------

function ago(seconds) {
  const delta = Date.now() / 1000 - seconds;
  if (delta < 60) return "just now";
  if (delta < 3600) return `${Math.floor(delta / 60)} min ago`;
  if (delta < 86400) return `${Math.floor(delta / 3600)} h ago`;
  return new Date(seconds * 1000).toLocaleDateString();
}

const history = {
  current: null,
  query: "",
  init() {
    let timer;
    $("#history-search").addEventListener("input", (event) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.query = event.target.value.trim();
        this.refresh();
      }, 200);
    });
    $("#history-list").addEventListener("click", async (event) => {
      const remove = event.target.closest("[data-delete]");
      if (!remove) return;
      event.preventDefault();
      const id = remove.dataset.delete;
      if (!confirm("Delete this conversation from the log?")) return;
      await send(`/api/conversations/${encodeURIComponent(id)}`, undefined, { method: "DELETE" }).catch((error) => banner(error.message));
      if (chat.id === id) chat.reset();
      if (compare.members.includes(id)) compare.reset();
      this.refresh();
    });
    this.refresh();
  },
  replace(hash) {
    window.history.replaceState(null, "", hash);
  },
  mark(id) {
    this.current = id;
    for (const item of document.querySelectorAll("#history-list li")) {
      item.classList.toggle("current", item.dataset.id === id);
    }
  },
  async refresh() {
    let found;
    try {
      found = await getJSON(`/api/history${this.query ? `?q=${encodeURIComponent(this.query)}` : ""}`);
    } catch (error) {
      $("#history-list").innerHTML = `<li class="note">${escapeHtml(error.message)}</li>`;
      return;
    }
    $("#history-note").textContent = found.problem || "";
    $("#history-note").hidden = !found.problem;
    const list = $("#history-list");
    if (!found.items.length) {
      list.innerHTML = `<li class="note">${this.query ? "nothing found" : "no conversation yet"}</li>`;
      return;
    }
    list.innerHTML = found.items
      .map((item) => {
        const view = item.kind === "compare" ? "compare" : "chat";
        const models = item.kind === "compare" ? `${item.models.length} models` : item.model;
        const snippet = item.snippet ? `<span class="snippet">${escapeHtml(item.snippet)}</span>` : "";
        const badge = item.kind === "compare" ? `<span class="badge">compare</span>` : "";
        return `<li data-id="${escapeHtml(item.id)}" class="${item.id === this.current ? "current" : ""}">
          <a href="#/${view}/${encodeURIComponent(item.id)}">
            <span class="title">${badge}${escapeHtml(item.title)}</span>
            <span class="meta">${escapeHtml(models)} · ${ago(item.updated)}</span>${snippet}</a>
          <button type="button" class="icon delete" data-delete="${escapeHtml(item.id)}" title="delete" aria-label="delete">×</button></li>`;
      })
      .join("");
  },
};

// -- views and the address -------------------------------------------------------------

const VIEWS = ["chat", "compare", "images", "audio"];

function show(view) {
  for (const name of VIEWS) {
    $(`#view-${name}`).hidden = name !== view;
    document.querySelector(`nav [data-view="${name}"]`).classList.toggle("active", name === view);
  }
  document.body.dataset.view = view;
}

async function route() {
  const [, view = "chat", id] = location.hash.replace(/^#/, "").split("/");
  const name = VIEWS.includes(view) ? view : "chat";
  show(name);
  if (name === "chat" && id) await chat.open(decodeURIComponent(id));
  if (name === "compare" && id) await compare.open(decodeURIComponent(id));
}

function narrowMenu() {
  const close = () => document.body.classList.remove("show-sidebar");
  $("#menu").addEventListener("click", () => document.body.classList.toggle("show-sidebar"));
  $("#sidebar").addEventListener("click", (event) => {
    if (event.target.closest("a, #new-chat")) close();
  });
  window.addEventListener("hashchange", close);
}

function navLinks() {
  for (const link of document.querySelectorAll("nav [data-view]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const view = link.dataset.view;
      if (view === "chat") location.hash = chat.id ? `#/chat/${chat.id}` : "#/chat";
      else if (view === "compare") location.hash = compare.members.length ? `#/compare/${compare.members[0]}` : "#/compare";
      else location.hash = `#/${view}`;
    });
  }
}

async function boot() {
  try {
    config = await getJSON("/api/config");
  } catch (error) {
    banner(`r9s web did not answer: ${error.message}`);
    return;
  }
  const host = (() => {
    try {
      return new URL(config.base_url).host;
    } catch {
      return config.base_url;
    }
  })();
  $("#connection").innerHTML = `<span class="dot"></span> ${escapeHtml(host)} <small>r9s ${escapeHtml(config.version)}</small>`;
  $("#connection").title = `answers from ${config.base_url} (key from ${config.key_source}; it never reaches this page)`;
  try {
    const listed = await getJSON("/api/models");
    setModels(listed.models);
  } catch (error) {
    banner(`The model list could not be loaded: ${error.message}`);
    $("#connection").classList.add("down");
  }
  settings.init();
  chat.init();
  compare.init();
  history.init();
  initMedia({ banner, prefs, save, config });
  navLinks();
  narrowMenu();
  window.addEventListener("hashchange", route);
  await route();
  document.body.classList.add("ready");
}

boot();
