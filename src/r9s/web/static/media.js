// The Images view (generate; edit with several images and a mask) and the Audio view
// (text to speech; speech to text, from a file or the microphone).

import { acceptDrops, copyText, readAsDataURL, send } from "./api.js";
import { escapeHtml } from "./markdown.js";
import { Picker, modelsOf } from "./picker.js";
import { flash } from "./thread.js";

const $ = (selector, root = document) => root.querySelector(selector);

function firstOf(kind, fallback) {
  return modelsOf(kind)[0]?.id || fallback;
}

function showError(form, message) {
  const box = $(".error", form);
  box.hidden = !message;
  box.textContent = message || "";
}

async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = before;
  }
}

// A drop zone that holds files (one, or several), shown as thumbnails or names.
class Drop {
  constructor(root, { multiple, accept, label }) {
    this.root = root;
    this.files = [];
    this.multiple = multiple;
    root.classList.add("drop");
    root.tabIndex = 0;
    root.setAttribute("role", "button");
    root.innerHTML = `<input type="file" hidden ${multiple ? "multiple" : ""} accept="${accept}"><div class="drop-files"></div><span class="drop-label">${label}</span>`;
    this.input = $("input", root);
    root.addEventListener("click", (event) => {
      if (event.target.closest("[data-remove]")) return;
      this.input.click();
    });
    root.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") this.input.click();
    });
    this.input.addEventListener("change", () => {
      this.add([...this.input.files]);
      this.input.value = "";
    });
    acceptDrops(root, (files) => this.add(files));
    root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-remove]");
      if (!button) return;
      event.stopPropagation();
      this.files.splice(Number(button.dataset.remove), 1);
      this.show();
    });
  }

  async add(files) {
    for (const file of files) {
      const data = await readAsDataURL(file);
      const item = { name: file.name || "recording", type: file.type, data };
      if (this.multiple) this.files.push(item);
      else this.files = [item];
    }
    this.show();
  }

  show() {
    this.root.classList.toggle("filled", this.files.length > 0);
    $(".drop-files", this.root).innerHTML = this.files
      .map((file, index) => {
        const preview = file.type.startsWith("image/") ? `<img src="${escapeHtml(file.data)}" alt="">` : "";
        return `<span class="drop-file">${preview}<span>${escapeHtml(file.name)}</span><button type="button" class="icon" data-remove="${index}" aria-label="remove">×</button></span>`;
      })
      .join("");
  }

  payload() {
    return this.files.map(({ name, data }) => ({ name, data }));
  }
}

function images({ prefs, save }) {
  const form = $("#image-form");
  let mode = "generate";
  const picker = new Picker($("#image-model"), {
    kind: "image",
    value: prefs.imageModel || firstOf("image", "gpt-image-1"),
    onChange: (model) => {
      prefs.imageModel = model;
      save();
    },
  });
  const sources = new Drop($("#edit-images"), { multiple: true, accept: "image/*", label: "Drop images here, or click to choose (several: GPT image models)" });
  const mask = new Drop($("#edit-mask"), { multiple: false, accept: "image/png", label: "Optional mask: a PNG, transparent where the image may change" });
  for (const tab of document.querySelectorAll("#view-images [data-mode]")) {
    tab.addEventListener("click", () => {
      mode = tab.dataset.mode;
      for (const other of document.querySelectorAll("#view-images [data-mode]")) other.classList.toggle("active", other === tab);
      for (const part of document.querySelectorAll("#view-images .edit-only")) part.hidden = mode !== "edit";
      $("#image-go").textContent = mode === "edit" ? "Edit" : "Generate";
    });
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, null);
    const body = {
      model: picker.value,
      prompt: $("#image-prompt").value,
      size: $("#image-size").value,
      quality: $("#image-quality").value,
      n: $("#image-n").value,
    };
    if (mode === "edit") {
      if (!sources.files.length) return showError(form, "Add at least one image to edit.");
      body.images = sources.payload();
      if (mask.files.length) body.mask = mask.payload()[0];
    }
    const button = $("#image-go");
    const pending = document.createElement("figure");
    pending.className = "image-card pending";
    pending.innerHTML = `<div class="placeholder"><span class="dots"><i></i><i></i><i></i></span></div><figcaption></figcaption>`;
    $("figcaption", pending).textContent = body.prompt;
    const gallery = $("#image-results");
    gallery.querySelector(".empty")?.remove();
    gallery.prepend(pending);
    try {
      const result = await busy(button, mode === "edit" ? "Editing…" : "Generating…", () =>
        send(`/api/images/${mode}`, body),
      );
      const cards = result.images.map((image, index) => {
        const card = document.createElement("figure");
        card.className = "image-card";
        const extension = (image.type || "image/png").split("/")[1].replace("jpeg", "jpg");
        card.innerHTML = `<img alt="generated image"><figcaption><span class="caption"></span>
          <a class="download" download="r9s-${mode}-${Date.now()}-${index + 1}.${extension}">Download</a></figcaption>`;
        $("img", card).src = image.src;
        $("img", card).alt = body.prompt;
        $(".caption", card).textContent = image.revised_prompt || body.prompt;
        $(".download", card).href = image.src;
        return card;
      });
      pending.replaceWith(...cards);
    } catch (error) {
      pending.remove();
      showError(form, error.message);
    }
  });
}

function speech({ prefs, save, config }) {
  const form = $("#speech-form");
  const picker = new Picker($("#speech-model"), {
    kind: "speech",
    value: prefs.speechModel || firstOf("speech", "gpt-4o-mini-tts"),
    onChange: (model) => {
      prefs.speechModel = model;
      save();
    },
  });
  $("#speech-voice").innerHTML = config.voices.map((v) => `<option>${v}</option>`).join("");
  $("#speech-format").innerHTML = config.speech_formats.map((f) => `<option>${f}</option>`).join("");
  $("#speech-voice").value = prefs.voice || "alloy";
  $("#speech-voice").addEventListener("change", (e) => {
    prefs.voice = e.target.value;
    save();
  });
  let url = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, null);
    const body = {
      model: picker.value,
      input: $("#speech-text").value,
      voice: $("#speech-voice").value,
      format: $("#speech-format").value,
      speed: $("#speech-speed").value,
    };
    try {
      const blob = await busy($("#speech-go"), "Speaking…", () => send("/api/audio/speech", body, { as: "blob" }));
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(blob);
      const result = $("#speech-result");
      result.hidden = false;
      $("audio", result).src = url;
      $("a", result).href = url;
      $("a", result).download = `r9s-speech.${body.format}`;
      $(".size", result).textContent = `${Math.max(1, Math.round(blob.size / 1024))} KB · ${blob.type || body.format}`;
    } catch (error) {
      showError(form, error.message);
    }
  });
}

function transcription({ prefs, save }) {
  const form = $("#transcribe-form");
  const picker = new Picker($("#transcribe-model"), {
    kind: "transcribe",
    value: prefs.transcribeModel || firstOf("transcribe", "whisper-1"),
    onChange: (model) => {
      prefs.transcribeModel = model;
      save();
    },
  });
  const recording = new Drop($("#transcribe-file"), { multiple: false, accept: "audio/*,video/*", label: "Drop a recording here, or click to choose" });
  const record = $("#transcribe-record");
  let recorder = null;
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") record.hidden = true;
  record.addEventListener("click", async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    try {
      const media = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      recorder = new MediaRecorder(media);
      recorder.ondataavailable = (event) => chunks.push(event.data);
      recorder.onstop = async () => {
        media.getTracks().forEach((track) => track.stop());
        const type = recorder.mimeType || "audio/webm";
        const file = new File(chunks, `recording.${type.includes("ogg") ? "ogg" : "webm"}`, { type });
        recorder = null;
        record.textContent = "● Record";
        record.classList.remove("recording");
        await recording.add([file]);
      };
      recorder.start();
      record.textContent = "■ Stop recording";
      record.classList.add("recording");
    } catch (error) {
      showError(form, `The microphone cannot be used: ${error.message}`);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, null);
    if (!recording.files.length) return showError(form, "Choose or record some audio first.");
    const body = {
      model: picker.value,
      file: recording.payload()[0],
      language: $("#transcribe-language").value,
      prompt: $("#transcribe-prompt").value,
      translate: $("#transcribe-translate").checked,
    };
    try {
      const result = await busy($("#transcribe-go"), "Transcribing…", () => send("/api/audio/transcribe", body));
      const box = $("#transcribe-result");
      box.hidden = false;
      $("pre", box).textContent = result.text;
    } catch (error) {
      showError(form, error.message);
    }
  });
  $("#transcribe-copy").addEventListener("click", async (event) => {
    await copyText($("#transcribe-result pre").textContent);
    flash(event.currentTarget, "Copied");
  });
}

export function initMedia(context) {
  images(context);
  speech(context);
  transcription(context);
}
