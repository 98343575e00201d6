// A conversation as the page shows it: questions, and answers that stream in as
// Markdown with their reasoning, notices (a retry), error, and numbers. The Chat view
// has one thread; the Compare view one per model, side by side.

import { copyText } from "./api.js";
import { escapeHtml, renderMarkdown } from "./markdown.js";

export function seconds(value) {
  if (value === null || value === undefined) return "–";
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
}

export function money(value) {
  if (value === null || value === undefined) return null;
  if (value === 0) return "$0";
  return value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(4)}`;
}

// The numbers of an answer, each a chip named by data-stat (the Compare view marks the
// best of each kind).
export function statsHtml(stats) {
  if (!stats) return "";
  const chips = [];
  const chip = (name, label, value, title) =>
    chips.push(
      `<span class="stat" data-stat="${name}" title="${escapeHtml(title)}"><b>${label}</b> ${escapeHtml(value)}</span>`,
    );
  if (stats.ttft !== null && stats.ttft !== undefined) {
    const router = stats.router !== null && stats.router !== undefined ? ` (the router answered in ${seconds(stats.router)})` : "";
    chip("ttft", "TTFT", seconds(stats.ttft), `time to the first token${router}`);
  }
  if (stats.total !== null && stats.total !== undefined) chip("total", "Total", seconds(stats.total), "from sending to the last token");
  if (stats.tps) chip("tps", "Speed", `${stats.tps.toFixed(1)} tok/s`, "tokens out per second after the first");
  if (stats.tokens_in !== null && stats.tokens_in !== undefined) {
    chip("tokens", "Tokens", `${stats.tokens_in} in · ${stats.tokens_out ?? 0} out`, "as the router counted them");
  }
  const cost = money(stats.cost);
  if (cost) chip("cost", "Cost", cost, "as the router reported it");
  return chips.join("");
}

function attachmentsHtml(attachments) {
  return (attachments || [])
    .map((item) =>
      item.type === "image"
        ? `<img class="thumb" src="${escapeHtml(item.url)}" alt="attached image">`
        : `<span class="file-chip" data-kind="${escapeHtml(item.type)}">${escapeHtml(item.name || item.type)}</span>`,
    )
    .join("");
}

export class Answer {
  constructor(thread, model) {
    this.thread = thread;
    this.model = model;
    this.text = "";
    this.thinking = "";
    this.pending = false;
    this.el = document.createElement("article");
    this.el.className = "answer";
    this.el.dataset.state = "waiting";
    this.el.innerHTML = `
      <header class="answer-head"><span class="who">${escapeHtml(model)}</span>
        <span class="status"><span class="dots"><i></i><i></i><i></i></span></span></header>
      <ul class="notices"></ul>
      <details class="reasoning" hidden><summary>Reasoning</summary><div class="reasoning-text"></div></details>
      <div class="markdown"></div>
      <p class="ended" hidden></p>
      <div class="error" role="alert" hidden></div>
      <footer class="answer-foot"><div class="stats"></div>
        <div class="actions"><button type="button" class="ghost copy-answer" title="copy the answer's Markdown">Copy</button></div></footer>`;
    this.body = this.el.querySelector(".markdown");
    this.el.querySelector(".copy-answer").addEventListener("click", async (event) => {
      await copyText(this.text);
      flash(event.currentTarget, "Copied");
    });
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.paint();
    });
  }

  paint() {
    const follow = this.thread.nearBottom();
    this.body.innerHTML = renderMarkdown(this.text);
    if (this.thinking) {
      const box = this.el.querySelector(".reasoning");
      box.hidden = false;
      box.querySelector(".reasoning-text").textContent = this.thinking;
    }
    if (follow) this.thread.toBottom();
  }

  delta(text) {
    this.el.dataset.state = "streaming";
    this.text += text;
    this.schedule();
  }

  reasoning(text) {
    if (this.el.dataset.state === "waiting") this.el.dataset.state = "thinking";
    this.thinking += text;
    this.schedule();
  }

  notice(text) {
    const item = document.createElement("li");
    item.textContent = text;
    this.el.querySelector(".notices").append(item);
  }

  finish(state, stats) {
    this.paint();
    this.el.dataset.state = state;
    this.el.querySelector(".status").textContent = {
      done: "",
      error: "failed",
      stopped: "stopped",
    }[state] ?? "";
    this.el.querySelector(".stats").innerHTML = statsHtml(stats);
    this.thread.toBottomIfNear();
  }

  done({ stats, problem, seq }) {
    this.seq = seq;
    this.stats = stats;
    if (problem) this.warn(problem);
    this.finish("done", stats);
  }

  warn(message) {
    const box = this.el.querySelector(".error");
    box.hidden = false;
    box.textContent = message;
  }

  error(message) {
    this.warn(message);
    this.finish("error", null);
  }

  stopped(why = "Stopped: the answer ends here (what came is kept in the log).") {
    if (["done", "error", "stopped"].includes(this.el.dataset.state)) return;
    const ended = this.el.querySelector(".ended");
    ended.hidden = false;
    ended.textContent = why;
    this.finish("stopped", null);
  }
}

export function flash(button, text) {
  const before = button.textContent;
  button.textContent = text;
  setTimeout(() => (button.textContent = before), 1200);
}

export class Thread {
  constructor(root, empty = "") {
    this.root = root;
    this.root.classList.add("thread");
    this.empty = empty;
    this.clear();
    this.root.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-copy]");
      if (!button) return;
      const code = button.closest(".code").querySelector("code");
      await copyText(code.textContent);
      flash(button, "Copied");
    });
  }

  clear() {
    this.root.innerHTML = this.empty ? `<div class="empty">${this.empty}</div>` : "";
    this.answers = [];
  }

  nearBottom() {
    const scroller = this.scroller();
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  scroller() {
    return this.root.closest(".scroll") || this.root;
  }

  toBottom() {
    const scroller = this.scroller();
    scroller.scrollTop = scroller.scrollHeight;
  }

  toBottomIfNear() {
    if (this.nearBottom()) this.toBottom();
  }

  question(prompt, attachments) {
    this.root.querySelector(".empty")?.remove();
    const el = document.createElement("div");
    el.className = "question";
    el.innerHTML = `<div class="bubble">${attachmentsHtml(attachments)}<div class="text"></div></div>`;
    el.querySelector(".text").textContent = prompt || "";
    this.root.append(el);
    this.toBottom();
    return el;
  }

  answer(model) {
    const answer = new Answer(this, model);
    this.root.append(answer.el);
    this.answers.push(answer);
    this.toBottom();
    return answer;
  }

  // turns as the log keeps them (GET /api/conversations/ID)
  load(turns) {
    this.clear();
    for (const turn of turns) {
      if (turn.prompt !== null || turn.attachments.length) this.question(turn.prompt, turn.attachments);
      const answer = this.answer(turn.model);
      answer.seq = turn.seq;
      answer.stats = turn.stats;
      answer.text = turn.response || "";
      if (turn.error) {
        answer.error(turn.error);
        answer.el.querySelector(".stats").innerHTML = statsHtml(turn.stats);
      } else if (turn.interrupted) {
        answer.stopped();
        answer.el.querySelector(".stats").innerHTML = statsHtml(turn.stats);
      } else answer.finish("done", turn.stats);
    }
    this.toBottom();
  }
}
