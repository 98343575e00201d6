// Where a prompt is written: the text, its attachments (button, drop or paste: images,
// PDFs, audio and text files), Send, and Stop while answers stream.

import { acceptDrops, readAsDataURL } from "./api.js";
import { escapeHtml } from "./markdown.js";

const ACCEPT = "image/*,application/pdf,audio/*,text/*,.md,.csv,.json,.py,.js,.ts,.txt,.yaml,.toml";

function size(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export class Composer {
  constructor(root, { placeholder, onSend, onStop }) {
    this.root = root;
    this.onSend = onSend;
    this.onStop = onStop;
    this.files = [];
    this.busy = false;
    root.classList.add("composer");
    root.innerHTML = `
      <ul class="attached" hidden></ul>
      <div class="box">
        <button type="button" class="icon attach" title="attach images, PDFs, audio or text files" aria-label="attach files">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"/></svg>
        </button>
        <input type="file" multiple hidden>
        <textarea rows="1" spellcheck="true"></textarea>
        <button type="button" class="primary send">Send</button>
        <button type="button" class="danger stop" hidden>Stop</button>
      </div>
      <div class="hint">Enter sends · Shift+Enter for a new line · Esc stops · drop or paste files</div>`;
    this.text = root.querySelector("textarea");
    this.text.placeholder = placeholder;
    this.text.setAttribute("aria-label", placeholder);
    this.input = root.querySelector("input[type=file]");
    this.input.accept = ACCEPT;
    this.list = root.querySelector(".attached");
    this.sendButton = root.querySelector(".send");
    this.stopButton = root.querySelector(".stop");
    root.querySelector(".attach").addEventListener("click", () => this.input.click());
    this.input.addEventListener("change", () => {
      this.add([...this.input.files]);
      this.input.value = "";
    });
    this.text.addEventListener("input", () => this.fit());
    this.text.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.busy) {
        event.preventDefault();
        this.onStop();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.text.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])];
      if (files.length) {
        event.preventDefault();
        this.add(files);
      }
    });
    acceptDrops(root, (files) => this.add(files));
    this.sendButton.addEventListener("click", () => this.submit());
    this.stopButton.addEventListener("click", () => this.onStop());
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove]");
      if (!button) return;
      this.files.splice(Number(button.dataset.remove), 1);
      this.show();
    });
  }

  fit() {
    this.text.style.height = "auto";
    this.text.style.height = `${Math.min(this.text.scrollHeight, 240)}px`;
  }

  async add(files) {
    for (const file of files) {
      const data = await readAsDataURL(file);
      this.files.push({ name: file.name || "pasted", size: file.size, type: file.type, data });
    }
    this.show();
  }

  show() {
    this.list.hidden = !this.files.length;
    this.list.innerHTML = this.files
      .map((file, index) => {
        const preview = file.type.startsWith("image/") ? `<img src="${escapeHtml(file.data)}" alt="">` : "";
        return `<li>${preview}<span>${escapeHtml(file.name)}</span><small>${size(file.size)}</small>
          <button type="button" class="icon" data-remove="${index}" aria-label="remove ${escapeHtml(file.name)}">×</button></li>`;
      })
      .join("");
  }

  submit() {
    if (this.busy) return;
    const prompt = this.text.value;
    if (!prompt.trim() && !this.files.length) {
      this.text.focus();
      return;
    }
    const attachments = this.files.map(({ name, data }) => ({ name, data }));
    const shown = this.files.map((file) =>
      file.type.startsWith("image/") ? { type: "image", url: file.data } : { type: file.type || "file", name: file.name },
    );
    this.onSend({ prompt, attachments, shown });
  }

  // the ask was taken: empty the box (restore() puts it back if it was refused)
  taken() {
    this.last = { value: this.text.value, files: this.files };
    this.text.value = "";
    this.files = [];
    this.show();
    this.fit();
  }

  restore() {
    if (!this.last || this.text.value || this.files.length) return;
    this.text.value = this.last.value;
    this.files = this.last.files;
    this.show();
    this.fit();
  }

  setBusy(busy) {
    this.busy = busy;
    this.sendButton.hidden = busy;
    this.stopButton.hidden = !busy;
    if (!busy) this.text.focus();
  }
}
