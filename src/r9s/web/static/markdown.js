// Markdown to HTML for answers that stream in, and code highlighting. Written for
// r9s web (no library): CommonMark's common blocks (headings, paragraphs, lists with
// nesting and task boxes, quotes, fenced code, tables, rules) and inline marks (code,
// strong, emphasis, strike, links, autolinks). Single line breaks are kept, as chat
// pages show them and as `r9s chat` renders them. Every character of the source is
// escaped; links go only to http(s) and mailto; no image is loaded from elsewhere.
// An unclosed fence (an answer still streaming) is a code block up to the end.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const FENCE = /^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$/;
const TABLE_RULE = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

export function renderMarkdown(source) {
  const text = String(source || "").replace(/\r\n?/g, "\n").replace(/\u0000/g, "");
  return blocks(text.split("\n"));
}

function indentOf(line) {
  let width = 0;
  for (const char of line) {
    if (char === " ") width += 1;
    else if (char === "\t") width += 4 - (width % 4);
    else break;
  }
  return width;
}

function dedent(line, amount) {
  let removed = 0;
  let index = 0;
  while (index < line.length && removed < amount) {
    const char = line[index];
    if (char === " ") removed += 1;
    else if (char === "\t") removed += 4 - (removed % 4);
    else break;
    index += 1;
  }
  return line.slice(index);
}

function startsBlock(line) {
  return (
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line)
  );
}

function blocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const fence = line.match(FENCE);
    if (fence) {
      const [, indent, marks, lang] = fence;
      const body = [];
      i += 1;
      let closed = false;
      while (i < lines.length) {
        const close = lines[i].match(/^ {0,3}(`{3,}|~{3,})[ \t]*$/);
        if (close && close[1][0] === marks[0] && close[1].length >= marks.length) {
          closed = true;
          i += 1;
          break;
        }
        body.push(dedent(lines[i], indent.length));
        i += 1;
      }
      out.push(codeBlock(body.join("\n"), lang, closed));
      continue;
    }
    const heading = line.match(HEADING);
    if (heading) {
      const level = heading[1].length;
      out.push(`<h${level}>${inline(heading[2] || "")}</h${level}>`);
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      out.push("<hr>");
      i += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && lines[i].trim() && (QUOTE.test(lines[i]) || !startsBlock(lines[i]))) {
        inner.push(lines[i].replace(QUOTE, ""));
        i += 1;
      }
      out.push(`<blockquote>${blocks(inner)}</blockquote>`);
      continue;
    }
    if (ITEM.test(line)) {
      i = list(lines, i, out);
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      i = table(lines, i, out);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && (para.length === 0 || !startsBlock(lines[i]))) {
      if (para.length && lines[i].includes("|") && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) break;
      para.push(lines[i].trim());
      i += 1;
    }
    out.push(`<p>${para.map(inline).join("<br>")}</p>`);
  }
  return out.join("\n");
}

function list(lines, start, out) {
  const first = lines[start].match(ITEM);
  const ordered = /\d/.test(first[2]);
  const marker = ordered ? first[2].slice(-1) : first[2];
  const baseIndent = first[1].length;
  const items = [];
  let i = start;
  let loose = false;
  let blankBefore = false;
  while (i < lines.length) {
    const match = lines[i].match(ITEM);
    if (!match || match[1].length > baseIndent + 3 || indentOf(lines[i]) < baseIndent) break;
    const sameKind = ordered ? /\d/.test(match[2]) && match[2].slice(-1) === marker : match[2] === marker;
    if (!sameKind) break;
    if (blankBefore) loose = true; // items apart: their paragraphs are shown apart
    const contentIndent = match[1].length + match[2].length + Math.min(Math.max(match[3].length, 1), 4);
    const body = [match[4]];
    const number = ordered ? parseInt(match[2], 10) : null;
    i += 1;
    let blank = false;
    while (i < lines.length) {
      const next = lines[i];
      if (!next.trim()) {
        blank = true;
        body.push("");
        i += 1;
        continue;
      }
      const indent = indentOf(next);
      if (indent >= contentIndent) {
        if (blank) loose = loose || !ITEM.test(dedent(next, contentIndent));
        body.push(dedent(next, contentIndent));
        blank = false;
        i += 1;
        continue;
      }
      if (blank || startsBlock(next)) break;
      body.push(next.trim()); // a lazy continuation of the item's paragraph
      i += 1;
    }
    while (body.length > 1 && !body[body.length - 1].trim()) body.pop();
    blankBefore = blank;
    items.push({ body, number });
  }
  const tag = ordered ? "ol" : "ul";
  const startAttr = ordered && items[0].number !== 1 ? ` start="${items[0].number}"` : "";
  const rendered = items.map(({ body }) => {
    let task = "";
    const box = body[0].match(/^\[([ xX])\][ \t]+/);
    if (box) {
      task = `<input type="checkbox" disabled${box[1] === " " ? "" : " checked"}> `;
      body[0] = body[0].slice(box[0].length);
    }
    let html = blocks(body);
    if (!loose) html = html.replace(/^<p>([\s\S]*?)<\/p>/, "$1").replace(/\n<p>([\s\S]*?)<\/p>/g, "\n$1");
    return `<li${task ? ' class="task"' : ""}>${task}${html}</li>`;
  });
  out.push(`<${tag}${startAttr}>${rendered.join("")}</${tag}>`);
  return i;
}

function cells(line) {
  let text = line.trim();
  if (text.startsWith("|")) text = text.slice(1);
  if (text.endsWith("|") && !text.endsWith("\\|")) text = text.slice(0, -1);
  const found = [];
  let current = "";
  let code = false;
  for (let k = 0; k < text.length; k += 1) {
    const char = text[k];
    if (char === "\\" && text[k + 1] === "|") {
      current += "|";
      k += 1;
    } else if (char === "`") {
      code = !code;
      current += char;
    } else if (char === "|" && !code) {
      found.push(current.trim());
      current = "";
    } else current += char;
  }
  found.push(current.trim());
  return found;
}

function table(lines, start, out) {
  const head = cells(lines[start]);
  const aligns = cells(lines[start + 1]).map((cell) => {
    const left = cell.startsWith(":");
    const right = cell.endsWith(":");
    return left && right ? "center" : right ? "right" : left ? "left" : "";
  });
  let i = start + 2;
  const rows = [];
  while (i < lines.length && lines[i].trim() && lines[i].includes("|")) {
    rows.push(cells(lines[i]));
    i += 1;
  }
  const cell = (tag, text, k) =>
    `<${tag}${aligns[k] ? ` class="align-${aligns[k]}"` : ""}>${inline(text || "")}</${tag}>`;
  const header = `<tr>${head.map((text, k) => cell("th", text, k)).join("")}</tr>`;
  const body = rows
    .map((row) => `<tr>${head.map((_, k) => cell("td", row[k], k)).join("")}</tr>`)
    .join("");
  out.push(`<div class="table"><table><thead>${header}</thead><tbody>${body}</tbody></table></div>`);
  return i;
}

function codeBlock(code, lang, closed) {
  const name = (lang || "").toLowerCase();
  const label = name ? escapeHtml(name) : "text";
  const state = closed ? "" : ' data-open="true"';
  return (
    `<div class="code"${state}><div class="code-head"><span>${label}</span>` +
    `<button type="button" class="copy" data-copy>Copy</button></div>` +
    `<pre><code class="lang-${label}">${highlight(code, name)}</code></pre></div>`
  );
}

// -- inline ------------------------------------------------------------------------

function safeUrl(url) {
  const trimmed = url.trim();
  if (/^(https?:|mailto:)/i.test(trimmed) || trimmed.startsWith("#")) return trimmed;
  return null;
}

function link(text, url, title) {
  const safe = safeUrl(url);
  if (!safe) return text;
  const hint = title ? ` title="${escapeHtml(title)}"` : "";
  return `<a href="${escapeHtml(safe)}"${hint} target="_blank" rel="noopener noreferrer">${text}</a>`;
}

export function inline(source) {
  const kept = [];
  const keep = (html) => {
    kept.push(html);
    return `\u0000${kept.length - 1}\u0000`;
  };
  let text = source;
  // code spans first: nothing inside them is markup
  text = text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_, ticks, code) => {
    const inner = code.length > 2 && code.startsWith(" ") && code.endsWith(" ") ? code.slice(1, -1) : code;
    return keep(`<code>${escapeHtml(inner)}</code>`);
  });
  text = text.replace(/\\([\\`*_{}\[\]()#+\-.!|~<>])/g, (_, char) => keep(escapeHtml(char)));
  text = text.replace(/<((?:https?|mailto):[^\s<>]+)>/gi, (_, url) => keep(link(escapeHtml(url), url)));
  // images: a data: image is shown; any other address is a link (nothing loads from elsewhere)
  text = text.replace(/!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"([^"]*)")?\s*\)/g, (_, alt, url) => {
    if (/^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=]+$/i.test(url)) {
      return keep(`<img src="${escapeHtml(url)}" alt="${escapeHtml(alt)}">`);
    }
    return keep(link(escapeHtml(alt || url), url));
  });
  text = text.replace(/\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"([^"]*)")?\s*\)/g, (_, label, url, title) =>
    keep(link(emphasis(escapeHtml(label)), url, title)),
  );
  text = text.replace(/\bhttps?:\/\/[^\s<>"'`\u0000]*[^\s<>"'`\u0000.,:;!?)\]*_~]/g, (url) =>
    keep(link(escapeHtml(url), url)),
  );
  text = emphasis(escapeHtml(text));
  for (let round = 0; round < 4 && text.includes("\u0000"); round += 1) {
    text = text.replace(/\u0000(\d+)\u0000/g, (_, n) => kept[Number(n)]);
  }
  return text;
}

function emphasis(html) {
  return html
    .replace(/\*\*\*(?=\S)([\s\S]*?\S)\*\*\*/g, "<strong><em>$1</em></strong>")
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/(^|[^*\w])\*(?=[^\s*])([^*]*?[^\s*])\*(?!\*)/g, "$1<em>$2</em>")
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
}

// -- code highlighting ---------------------------------------------------------------

const C_COMMENT = String.raw`\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)`;
const DQ = String.raw`"(?:\\.|[^"\\\n])*"?`;
const SQ = String.raw`'(?:\\.|[^'\\\n])*'?`;
const NUMBER = String.raw`\b(?:0[xX][\da-fA-F_]+|0[bB][01_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)[a-zA-Z]*\b`;
const FN = String.raw`\b[A-Za-z_$][\w$]*(?=\s*\()`;
const TYPE = String.raw`\b[A-Z][A-Za-z0-9_]*\b`;

function words(list) {
  return String.raw`\b(?:${list.trim().split(/\s+/).join("|")})\b`;
}

function cLike(keywords, literals, extra = []) {
  return [
    ["comment", C_COMMENT],
    ...extra,
    ["string", DQ],
    ["string", SQ],
    ["keyword", words(keywords)],
    ["literal", words(literals)],
    ["number", NUMBER],
    ["fn", FN],
    ["type", TYPE],
  ];
}

const JS_KEYWORDS = `async await break case catch class const continue debugger default delete do else
  export extends finally for from function if import in instanceof let new of return static super
  switch this throw try typeof var void while with yield as type interface enum implements
  private protected public readonly declare namespace keyof`;

const GRAMMARS = {
  python: [
    ["comment", String.raw`#[^\n]*`],
    ["string", String.raw`(?:\b[rRbBuUfF]{1,2})?(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$))`],
    ["string", String.raw`(?:\b[rRbBuUfF]{1,2})?(?:${DQ}|${SQ})`],
    ["meta", String.raw`@[\w.]+`],
    ["keyword", words(`and as assert async await break class continue def del elif else except
      finally for from global if import in is lambda nonlocal not or pass raise return try while
      with yield match case`)],
    ["literal", words("True False None self cls")],
    ["builtin", words(`print len range dict list set tuple str int float bool open isinstance
      enumerate zip map filter sorted sum min max any all type super`)],
    ["number", NUMBER],
    ["fn", FN],
    ["type", TYPE],
  ],
  javascript: cLike(JS_KEYWORDS, "true false null undefined NaN Infinity", [
    ["string", String.raw`\x60(?:\\[\s\S]|[^\x60\\])*\x60?`],
  ]),
  go: cLike(
    `break case chan const continue default defer else fallthrough for func go goto if import
     interface map package range return select struct switch type var`,
    "true false nil iota",
    [["string", String.raw`\x60[^\x60]*\x60?`]],
  ),
  rust: cLike(
    `as async await break const continue crate dyn else enum extern fn for if impl in let loop
     match mod move mut pub ref return self Self static struct super trait type unsafe use where
     while`,
    "true false None Some Ok Err",
    [["meta", String.raw`#!?\[[^\]]*\]`], ["builtin", String.raw`\b[a-z_]+!`]],
  ),
  c: cLike(
    `auto break case catch class const constexpr continue default delete do else enum explicit
     extern for friend goto if inline namespace new noexcept operator private protected public
     register return sizeof static struct switch template this throw try typedef typename union
     using virtual void volatile while int long short char float double unsigned signed bool
     abstract boolean byte extends final finally implements import instanceof interface native
     package super synchronized throws transient var record yield override sealed readonly ref
     out params internal fun val when object companion lateinit suspend func let guard struct
     protocol extension init deinit`,
    "true false null nullptr NULL nil",
    [["meta", String.raw`^[ \t]*#[ \t]*\w+[^\n]*|@\w+`]],
  ),
  bash: [
    ["comment", String.raw`(?<![\w$\\])#[^\n]*`],
    ["string", DQ],
    ["string", SQ],
    ["var", String.raw`\$\{[^}\n]*\}?|\$[\w@#?*!$-]`],
    ["keyword", words(`if then else elif fi for in do done case esac while until function return
      local export readonly select break continue exit set unset source alias`)],
    ["builtin", words("echo printf cd ls cat grep sed awk curl pip python npm git sudo mkdir rm cp mv")],
    ["number", String.raw`\b\d+\b`],
  ],
  json: [
    ["key", String.raw`"(?:\\.|[^"\\\n])*"(?=\s*:)`],
    ["string", DQ],
    ["literal", words("true false null")],
    ["number", String.raw`-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b`],
  ],
  yaml: [
    ["comment", String.raw`(?<!\S)#[^\n]*`],
    ["key", String.raw`^[ \t-]*[\w.\-"' ]+?(?=:(?:\s|$))`],
    ["string", DQ],
    ["string", SQ],
    ["literal", words("true false null yes no on off")],
    ["number", String.raw`\b\d+(?:\.\d+)?\b`],
  ],
  toml: [
    ["comment", String.raw`[#;][^\n]*`],
    ["key", String.raw`^[ \t]*\[[^\]\n]*\]|^[ \t]*[\w.\-"]+(?=[ \t]*=)`],
    ["string", String.raw`"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)`],
    ["string", DQ],
    ["string", SQ],
    ["literal", words("true false")],
    ["number", NUMBER],
  ],
  markup: [
    ["comment", String.raw`<!--[\s\S]*?(?:-->|$)`],
    ["meta", String.raw`<![^>]*>|<\?[\s\S]*?\?>`],
    ["tag", String.raw`<\/?[\w:.-]+|\/?>`],
    ["attr", String.raw`\b[\w:.-]+(?==)`],
    ["string", DQ],
    ["string", SQ],
  ],
  css: [
    ["comment", String.raw`\/\*[\s\S]*?(?:\*\/|$)`],
    ["keyword", String.raw`@[\w-]+|!important`],
    ["key", String.raw`[\w-]+(?=\s*:[^:{]*[;}])`],
    ["string", DQ],
    ["string", SQ],
    ["number", String.raw`#[\da-fA-F]{3,8}\b|-?\b\d+(?:\.\d+)?(?:px|em|rem|%|vh|vw|s|ms|deg|fr)?\b`],
    ["fn", FN],
  ],
  sql: [
    ["comment", String.raw`--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)`],
    ["string", SQ],
    ["string", DQ],
    ["keyword", String.raw`\b(?:select|from|where|and|or|not|insert|into|values|update|set|delete|create|table|index|view|drop|alter|add|primary|key|foreign|references|join|left|right|inner|outer|full|on|group|by|order|having|limit|offset|as|distinct|union|all|case|when|then|else|end|is|null|in|exists|between|like|with|returning|begin|commit|rollback|desc|asc|default|unique|check|if|integer|text|real|varchar|boolean|timestamp)\b`],
    ["number", String.raw`\b\d+(?:\.\d+)?\b`],
    ["fn", FN],
  ],
  diff: [
    ["meta", String.raw`^(?:@@[^\n]*|diff [^\n]*|index [^\n]*|\+\+\+ [^\n]*|--- [^\n]*)`],
    ["inserted", String.raw`^\+[^\n]*`],
    ["deleted", String.raw`^-[^\n]*`],
  ],
};
GRAMMARS.ruby = [
  ["comment", String.raw`#[^\n]*`],
  ["string", DQ],
  ["string", SQ],
  ["var", String.raw`[@$][\w]+|:\w+`],
  ["keyword", words(`def end if elsif else unless while until for in do return class module self
    yield begin rescue ensure case when then require nil true false and or not lambda proc`)],
  ["number", NUMBER],
  ["type", TYPE],
];
GRAMMARS.php = cLike("function return if else elseif foreach for while echo class new public private protected static use namespace as", "true false null", [["var", String.raw`\$\w+`]]);

const ALIASES = {
  py: "python", python3: "python", js: "javascript", jsx: "javascript", mjs: "javascript",
  cjs: "javascript", node: "javascript", ts: "javascript", tsx: "javascript",
  typescript: "javascript", golang: "go", rs: "rust", cpp: "c", "c++": "c", cc: "c",
  h: "c", hpp: "c", java: "c", cs: "c", csharp: "c", "c#": "c", kotlin: "c", kt: "c",
  swift: "c", scala: "c", dart: "c", sh: "bash", shell: "bash", zsh: "bash", console: "bash",
  shellscript: "bash", jsonc: "json", json5: "json", yml: "yaml", ini: "toml", cfg: "toml",
  html: "markup", xml: "markup", svg: "markup", vue: "markup", scss: "css", less: "css",
  patch: "diff", rb: "ruby", postgres: "sql", postgresql: "sql", mysql: "sql", sqlite: "sql",
};

const COMPILED = {};

function grammar(lang) {
  const name = GRAMMARS[lang] ? lang : ALIASES[lang];
  if (!name) return null;
  if (!COMPILED[name]) {
    const rules = GRAMMARS[name];
    const flags = name === "sql" ? "gmi" : "gm";
    COMPILED[name] = {
      regex: new RegExp(rules.map(([, source]) => `(${source})`).join("|"), flags),
      classes: rules.map(([kind]) => kind),
    };
  }
  return COMPILED[name];
}

export function highlight(code, lang) {
  const found = grammar(lang);
  if (!found) return escapeHtml(code);
  const { regex, classes } = found;
  regex.lastIndex = 0;
  let html = "";
  let last = 0;
  let match;
  while ((match = regex.exec(code)) !== null) {
    if (match[0] === "") {
      regex.lastIndex += 1;
      continue;
    }
    const group = match.findIndex((value, k) => k > 0 && value !== undefined);
    html += escapeHtml(code.slice(last, match.index));
    html += `<span class="tok-${classes[group - 1]}">${escapeHtml(match[0])}</span>`;
    last = match.index + match[0].length;
  }
  return html + escapeHtml(code.slice(last));
}
