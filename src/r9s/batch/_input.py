"""Reading a batch's input: the three forms, streamed from disk one row at a time.

- OpenAI's batch file: ``{"custom_id", "method", "url", "body"}`` per line.
- Anthropic's message batch: ``{"custom_id", "params"}`` per line (sent to ``/v1/messages``).
- Quick forms: a text file (one prompt a line), or one column of a CSV or JSONL file, made
  into requests with ``model``, ``system``, ``template`` and ``params``.

Rows come out as ``Request`` (to send) or ``BadLine`` (written to the output as an error
naming its line). Nothing is held but the current row, so memory stays flat however big
the file is; ``scan`` reads the file once before anything is sent, to fingerprint it and
to refuse duplicate ``custom_id`` s and unknown URLs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from r9s.batch._errors import BatchInputError

URLS: tuple[str, ...] = (
    "/v1/chat/completions",
    "/v1/responses",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/messages",
)
"""The endpoints a batch row may name (as OpenAI's batch files spell them)."""

Format = Literal["auto", "jsonl", "text", "csv"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "text", "csv")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv", ".tsv")
DEFAULT_MESSAGES_MAX_TOKENS = 1024
"""Anthropic's Messages API requires ``max_tokens``; the quick forms send this unless
``params`` says otherwise."""

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_ .-]*)\}")


@dataclass(frozen=True, slots=True)
class Request:
    """One row to send."""

    custom_id: str
    line: int
    url: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadLine:
    """A row that cannot be sent; it becomes an error record naming its line."""

    custom_id: str | None
    line: int
    message: str

    @property
    def key(self) -> str:
        """What the output knows it by: its ``custom_id``, else its line number."""
        return self.custom_id if self.custom_id is not None else line_key(self.line)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A row that makes the whole input unusable (an unknown URL): refused before any
    request is sent."""

    line: int
    message: str


Row = Request | BadLine | Refusal


def line_key(line: int) -> str:
    """The output key of an input line that has no ``custom_id`` (a malformed one)."""
    return f"#line:{line}"


@dataclass(frozen=True)
class Source:
    """An input file and how its rows become requests.

    ``format="auto"`` goes by the suffix: ``.jsonl``/``.ndjson``/``.json`` are JSON lines,
    ``.csv``/``.tsv`` are CSV, anything else is text (one prompt a line). JSON lines are
    batch rows (OpenAI's or Anthropic's form) unless ``column`` names the field holding a
    prompt. Text, CSV and column inputs need ``model``; ``url`` says which endpoint their
    requests go to. ``template`` (``"Translate: {text}"``) shapes each prompt from the line
    (``{text}``) or the row's columns (``{name}``); ``params`` are added to every body.
    """

    path: Path
    format: Format = "auto"
    model: str | None = None
    system: str | None = None
    template: str | None = None
    column: str | None = None
    id_column: str | None = None
    url: str = "/v1/chat/completions"
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        if self.format not in FORMATS:
            raise BatchInputError(f"unknown input format {self.format!r}; use one of {FORMATS}")

    @property
    def kind(self) -> Literal["jsonl", "text", "csv"]:
        if self.format != "auto":
            return self.format
        suffix = self.path.suffix.lower()
        if suffix in JSONL_SUFFIXES:
            return "jsonl"
        if suffix in CSV_SUFFIXES:
            return "csv"
        return "text"

    @property
    def quick(self) -> bool:
        """Whether rows are prompts made into requests here (not batch rows)."""
        return self.kind != "jsonl" or self.column is not None

    def options(self) -> dict[str, Any]:
        """What, besides the file's bytes, decides the requests: part of the fingerprint."""
        if not self.quick:
            return {"format": "jsonl"}
        return {
            "format": self.kind,
            "model": self.model,
            "system": self.system,
            "template": self.template,
            "column": self.column,
            "id_column": self.id_column,
            "url": self.url,
            "params": dict(self.params),
        }

    def check(self) -> None:
        """Refuse settings that cannot work, before the file is read."""
        if not self.path.is_file():
            what = "is a directory" if self.path.is_dir() else "does not exist"
            raise BatchInputError(f"input {self.path} {what}")
        if not self.quick:
            for name in ("model", "system", "template", "id_column"):
                if getattr(self, name) is not None:
                    flag = name.replace("_", "-")
                    raise BatchInputError(
                        f"--{flag} is for text, CSV or --column inputs; {self.path.name} holds "
                        f"batch rows, which carry their own requests (for a column of "
                        f"prompts in JSON lines, pass --column NAME)"
                    )
            return
        if not self.model:
            raise BatchInputError(
                f"--model is required: {self.path.name} holds prompts, not batch rows"
            )
        if self.url not in URLS:
            raise BatchInputError(f"unknown --url {self.url!r}; use one of {', '.join(URLS)}")
        if self.system is not None and self.url in ("/v1/embeddings", "/v1/completions"):
            raise BatchInputError(f"--system has no place in a {self.url} request")
        if "model" in self.params:
            raise BatchInputError("give the model with --model, not as a parameter")

    def rows(self, sink: IO[bytes] | None = None) -> Iterator[Row]:
        """Every row, streamed. With ``sink``, also copy the file's bytes there (the
        fingerprint is a hash of them)."""
        with open(self.path, "rb") as raw:
            stream: IO[bytes] = raw
            if sink is not None:
                stream = io.BufferedReader(_Tee(raw, sink), 1 << 16)
            kind = self.kind
            if kind == "csv":
                yield from self._csv_rows(stream)
            else:
                yield from self._line_rows(stream, kind)

    # -- JSON lines and text -------------------------------------------------------------

    def _line_rows(self, stream: IO[bytes], kind: str) -> Iterator[Row]:
        template = self.template
        for number, raw in enumerate(stream, 1):
            text_or_error = _decode(raw, number)
            if isinstance(text_or_error, BadLine):
                yield text_or_error
                continue
            text = text_or_error
            if not text.strip():
                continue
            if kind == "text":
                prompt = _fill(template, {"text": text}, number) if template else text
                if isinstance(prompt, BadLine):
                    yield prompt
                else:
                    yield Request(f"line-{number}", number, self.url, self._body(prompt))
                continue
            try:
                value = json.loads(text)
            except ValueError as exc:
                yield BadLine(None, number, f"line {number}: not JSON: {exc}")
                continue
            if self.column is None:
                yield batch_row(value, number)
            else:
                yield self._column_row(value, number)

    def _column_row(self, value: Any, number: int) -> Request | BadLine:
        if not isinstance(value, dict):
            return BadLine(None, number, f"line {number}: expected a JSON object")
        custom_id = f"line-{number}"
        if self.id_column is not None:
            found = value.get(self.id_column)
            if found is None or found == "":
                message = f"line {number}: no {self.id_column!r} (--id-column)"
                return BadLine(None, number, message)
            custom_id = found if isinstance(found, str) else json.dumps(found)
        return self._prompt_row(value, custom_id, number)

    # -- CSV --------------------------------------------------------------------------

    def _csv_rows(self, stream: IO[bytes]) -> Iterator[Row]:
        # Bytes that are not UTF-8 are kept as lone surrogates, so that the row holding
        # them is an error record and the reader goes on with the next one (a decoding
        # error inside the text layer would lose its whole read-ahead, or repeat).
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            yield from self._csv_text_rows(text)
        finally:
            text.detach()  # the file is the caller's to close (a dropped wrapper would warn)

    def _csv_text_rows(self, text: io.TextIOWrapper) -> Iterator[Row]:
        dialect = "excel-tab" if self.path.suffix.lower() == ".tsv" else "excel"
        reader = csv.reader(text, dialect)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise BatchInputError(f"{self.path.name}: cannot read its header: {exc}") from None
        if header is None:
            return
        if _undecodable(header):
            raise BatchInputError(f"{self.path.name}: cannot read its header: not UTF-8")
        names = [name.strip() for name in header]
        self._check_columns(names)
        number = 0
        line = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield BadLine(None, line + 1, f"line {line + 1}: not CSV: {exc}")
                line = reader.line_num
                continue
            first_line, line = line + 1, reader.line_num
            if _undecodable(cells):
                number += 1
                yield BadLine(None, first_line, f"line {first_line}: not UTF-8 text")
                continue
            if not any(cell.strip() for cell in cells):
                continue
            number += 1
            row = dict(zip(names, cells, strict=False))
            custom_id = f"row-{number}"
            if self.id_column is not None:
                custom_id = (row.get(self.id_column) or "").strip()
                if not custom_id:
                    message = f"line {first_line}: empty {self.id_column!r} (--id-column)"
                    yield BadLine(None, first_line, message)
                    continue
            yield self._prompt_row(row, custom_id, first_line)

    def _check_columns(self, names: list[str]) -> None:
        wanted = [self.column, self.id_column]
        if self.template:
            wanted += [m[1] for m in _PLACEHOLDER.finditer(self.template) if m[1] != "text"]
        if self.column is None and len(names) != 1 and not self.template:
            raise BatchInputError(
                f"{self.path.name} has {len(names)} columns ({', '.join(names)}): "
                f"say which holds the prompt with --column NAME (or use --template)"
            )
        for name in wanted:
            if name is not None and name not in names:
                raise BatchInputError(
                    f"{self.path.name} has no column {name!r}; its columns: {', '.join(names)}"
                )

    # -- prompts into requests --------------------------------------------------------

    def _prompt_row(self, row: Mapping[str, Any], custom_id: str, number: int) -> Request | BadLine:
        column = self.column
        if column is None and len(row) == 1:
            column = next(iter(row))
        value: Any = row.get(column) if column is not None else None
        if column is not None and (value is None or value == ""):
            return BadLine(custom_id, number, f"line {number}: no prompt in {column!r}")
        text = value if isinstance(value, str) or value is None else json.dumps(value)
        if self.template:
            fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in row.items()}
            if text is not None:
                fields["text"] = text
            filled = _fill(self.template, fields, number, custom_id)
            if isinstance(filled, BadLine):
                return filled
            text = filled
        assert text is not None
        return Request(custom_id, number, self.url, self._body(text))

    def _body(self, prompt: str) -> dict[str, Any]:
        url, system, params = self.url, self.system, self.params
        body: dict[str, Any] = {"model": self.model}
        if url == "/v1/chat/completions":
            messages = [{"role": "system", "content": system}] if system else []
            body["messages"] = [*messages, {"role": "user", "content": prompt}]
        elif url == "/v1/responses":
            body["input"] = prompt
            if system:
                body["instructions"] = system
        elif url == "/v1/messages":
            body["max_tokens"] = DEFAULT_MESSAGES_MAX_TOKENS
            if system:
                body["system"] = system
            body["messages"] = [{"role": "user", "content": prompt}]
        elif url == "/v1/completions":
            body["prompt"] = prompt
        else:
            body["input"] = prompt
        body.update(params)
        return body


def batch_row(value: Any, number: int) -> Row:
    """One line of a batch file (OpenAI's form or Anthropic's), checked."""
    if not isinstance(value, dict):
        return BadLine(None, number, f"line {number}: expected a JSON object")
    custom_id = value.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        shown = "no custom_id" if custom_id is None else f"custom_id {custom_id!r} is not a string"
        if custom_id == "":
            shown = "an empty custom_id"
        return BadLine(None, number, f"line {number}: {shown}")
    if "params" in value and "body" not in value and "url" not in value:
        url, body = "/v1/messages", value["params"]
    else:
        method = value.get("method", "POST")
        named = value.get("url")
        if not isinstance(named, str):
            if named is None:
                return BadLine(custom_id, number, f"line {number}: no url (and no params)")
            return Refusal(number, f"line {number}: url {named!r} is not a string")
        url = named
        if url not in URLS and "/v1" + url in URLS:
            url = "/v1" + url
        if url not in URLS:
            return Refusal(number, f"line {number}: unknown url {url!r}")
        if method != "POST":
            return Refusal(number, f"line {number}: method {method!r} (batch rows are POST)")
        body = value.get("body")
    if not isinstance(body, dict):
        what = "params" if url == "/v1/messages" and "params" in value else "body"
        return BadLine(custom_id, number, f"line {number}: {what} must be a JSON object")
    if body.get("stream"):
        return BadLine(custom_id, number, f"line {number}: stream=true cannot be batched")
    return Request(custom_id, number, url, body)


def _decode(raw: bytes, number: int) -> str | BadLine:
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        return BadLine(None, number, f"line {number}: not UTF-8 ({exc.reason} at byte {exc.start})")


def _fill(
    template: str, fields: Mapping[str, str], number: int, custom_id: str | None = None
) -> str | BadLine:
    """``template`` with ``{name}`` replaced (``{{``/``}}`` are braces); no other syntax,
    so a prompt can never reach attributes or format specs."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        token = match[0]
        if token in ("{{", "}}"):
            return token[0]
        value = fields.get(match[1])
        if value is None:
            missing.append(match[1])
            return ""
        return value

    filled = _PLACEHOLDER.sub(replace, template)
    if missing:
        return BadLine(custom_id, number, f"line {number}: nothing for {{{missing[0]}}}")
    return filled


class _Tee(io.RawIOBase):
    """Reads from ``raw``, copying every byte read to ``sink`` (a hash)."""

    def __init__(self, raw: IO[bytes], sink: IO[bytes]) -> None:
        self._raw = raw
        self._sink = sink

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self._sink.write(bytes(memoryview(buffer)[:count]))
        return int(count or 0)


class Hasher(io.RawIOBase):
    """A write-only file that hashes what is written (sha256)."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.hash.update(data)
        self.size += len(data)
        return len(data)


def _undecodable(cells: list[str]) -> bool:
    """Whether a CSV row holds bytes that are not UTF-8 (read as lone surrogates)."""
    return any(not cell.isascii() and _SURROGATE.search(cell) for cell in cells)


_SURROGATE = re.compile("[\udc80-\udcff]")
