// The model picker: a text box that filters the router's models as you type (every
// word must appear, in any order), arrow keys and Enter to choose, Escape to leave.
// Any name may be typed, a model the list does not hold included.

import { escapeHtml } from "./markdown.js";

let models = [];
const pickers = new Set();

export function setModels(list) {
  models = list;
  for (const picker of pickers) picker.refresh();
}

export function modelsOf(kind) {
  return models.filter((model) => !kind || model.kinds.includes(kind));
}

function contextLabel(tokens) {
  if (!tokens) return "";
  if (tokens >= 1000000) return `${(tokens / 1000000).toFixed(tokens % 1000000 ? 1 : 0)}M`;
  return `${Math.round(tokens / 1000)}k`;
}

export class Picker {
  // kind: "chat", "image", "speech", "transcribe" (the models listed first)
  constructor(root, { kind = "chat", value = "", placeholder = "model", onChange = () => {} } = {}) {
    this.root = root;
    this.kind = kind;
    this.onChange = onChange;
    this.active = -1;
    root.classList.add("picker");
    root.innerHTML = `
      <input type="text" spellcheck="false" autocomplete="off" role="combobox"
             aria-expanded="false" aria-autocomplete="list">
      <ul class="picker-list" role="listbox" hidden></ul>`;
    this.input = root.querySelector("input");
    this.list = root.querySelector("ul");
    this.input.placeholder = placeholder;
    this.input.setAttribute("aria-label", placeholder);
    this.value = value;
    this.input.value = value;
    this.input.addEventListener("focus", () => {
      this.input.select();
      this.open("");
    });
    this.input.addEventListener("input", () => this.open(this.input.value));
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 120));
    this.list.addEventListener("mousedown", (event) => {
      const item = event.target.closest("li[data-id]");
      if (item) {
        event.preventDefault();
        this.choose(item.dataset.id);
      }
    });
    pickers.add(this);
  }

  set(value) {
    this.value = value;
    this.input.value = value;
  }

  refresh() {
    if (!this.list.hidden) this.open(this.input.value);
  }

  // the models whose id (or owner) holds every word typed: this kind first, then the
  // closest (the id itself, then ids that start with it), then by name
  matches(text) {
    const typed = text.trim().toLowerCase();
    const words = typed.split(/\s+/).filter(Boolean);
    const fits = (model) =>
      words.every((word) => model.id.toLowerCase().includes(word) || (model.owned_by || "").toLowerCase().includes(word));
    const rank = (model) => {
      const id = model.id.toLowerCase();
      const closeness = !typed ? 0 : id === typed ? 0 : id.startsWith(typed) ? 1 : id.includes(typed) ? 2 : 3;
      return (model.kinds.includes(this.kind) ? 0 : 10) + closeness;
    };
    return models
      .filter(fits)
      .map((model, order) => [rank(model), order, model])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, , model]) => model)
      .slice(0, 200);
  }

  open(text) {
    const filtering = text !== this.value;
    const found = this.matches(filtering ? text : "");
    this.found = found;
    const current = found.findIndex((m) => m.id === this.value);
    this.active = filtering && text.trim() ? 0 : current;
    if (!found.length) {
      this.list.innerHTML = `<li class="empty">${models.length ? "no model matches; Enter uses the name as typed" : "loading models…"}</li>`;
    } else {
      this.list.innerHTML = found
        .map((model, index) => {
          const other = model.kinds.includes(this.kind) ? "" : " other";
          const current = model.id === this.value ? " current" : "";
          const context = contextLabel(model.context_length);
          return `<li role="option" data-id="${escapeHtml(model.id)}" data-index="${index}" class="${other}${current}">
            <span class="id">${escapeHtml(model.id)}</span>
            <span class="meta">${escapeHtml(model.owned_by || "")}${context ? ` · ${context}` : ""}</span></li>`;
        })
        .join("");
    }
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.highlight();
  }

  highlight() {
    for (const item of this.list.querySelectorAll("li[data-index]")) {
      const on = Number(item.dataset.index) === this.active;
      item.classList.toggle("active", on);
      if (on) item.scrollIntoView({ block: "nearest" });
    }
  }

  key(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (this.list.hidden) this.open(this.input.value);
      const count = (this.found || []).length;
      if (!count) return;
      this.active = (this.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
      this.highlight();
    } else if (event.key === "Enter") {
      event.preventDefault();
      const chosen = this.found && this.found[this.active];
      this.choose(chosen ? chosen.id : this.input.value.trim());
      this.input.blur();
    } else if (event.key === "Escape") {
      this.close();
      this.input.blur();
    }
  }

  choose(id) {
    if (!id) return;
    const changed = id !== this.value;
    this.set(id);
    this.close();
    if (changed) this.onChange(id);
  }

  close() {
    this.input.value = this.value;
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
  }
}
