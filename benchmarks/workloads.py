"""One adapter per client: the same operations, each returning what the check needs.

Adapters import their library when built (``make(name, url)``), never at module import,
so the runner can time the import and the work separately. An operation a client does
not offer raises ``NotImplementedError`` and shows as "-" in the table.
"""

from __future__ import annotations

import array
import base64
import json
import socket
import sys
from collections.abc import Callable
from typing import Any

import payloads

API_KEY = "sk-bench-0123456789abcdef"
MESSAGES: Any = [{"role": "user", "content": "Say something."}]
"""Typed ``Any``: the same literal goes to every SDK, each with its own TypedDict."""
MAX_TOKENS = 64
EMBED_INPUT = "The quick brown fox jumps over the lazy dog."

Stream = tuple[int, str]
"""(number of text events, their text joined)."""


class Adapter:
    """The operations measured. Subclasses override what their client can do."""

    name = "?"

    def __init__(self, url: str) -> None:
        """Connect to the benchmark server at ``url`` (``http://host:port``)."""

    def chat(self) -> str:
        raise NotImplementedError

    def message(self) -> str:
        raise NotImplementedError

    def chat_stream(self, n: int) -> Stream:
        raise NotImplementedError

    def message_stream(self, n: int) -> Stream:
        raise NotImplementedError

    def embed(self, encoding: str) -> list[float]:
        raise NotImplementedError

    async def achat(self) -> str:
        raise NotImplementedError

    async def amessage(self) -> str:
        raise NotImplementedError

    async def achat_stream(self, n: int) -> Stream:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None


def _text(block: Any) -> str:
    """The text of a text block or text delta (each SDK types these as a union of block
    kinds; the benchmark server only sends text, and a wrong kind fails here)."""
    if block.type not in ("text", "text_delta"):
        raise TypeError(f"expected text, got a {block.type} block")
    text: str = block.text
    return text


def _floats_from_base64(text: str) -> list[float]:
    values = array.array("f")
    values.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        values.byteswap()
    return values.tolist()


async def _typed_chunks(stream: Any) -> Stream:
    """Read an SDK's async chat stream of typed chunks (r9s's and openai's look alike)."""
    count, parts = 0, list[str]()
    async with stream:
        async for chunk in stream:
            count += 1
            parts.append(chunk.choices[0].delta.content or "")
    return count, "".join(parts)


class R9SAdapter(Adapter):
    """r9s as it comes: its async calls on aiohttp's transport (the default)."""

    name = "r9s"
    transport = "aiohttp"

    def __init__(self, url: str) -> None:
        from r9s import R9S

        self.client = R9S(api_key=API_KEY, server_url=url + "/v1", async_transport=self.transport)

    def chat(self) -> str:
        completion = self.client.chat.create(model=payloads.MODEL, messages=MESSAGES)
        return completion.choices[0].message.content or ""

    def message(self) -> str:
        reply = self.client.messages.create(
            model=payloads.MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES
        )
        return _text(reply.content[0])

    def chat_stream(self, n: int) -> Stream:
        count, parts = 0, list[str]()
        stream = self.client.chat.create(
            model=payloads.MODEL, messages=MESSAGES, max_tokens=n, stream=True
        )
        with stream:
            for chunk in stream:
                count += 1
                parts.append(chunk.choices[0].delta.content or "")
        return count, "".join(parts)

    def message_stream(self, n: int) -> Stream:
        from r9s.models import ContentBlockDeltaEvent

        count, parts = 0, list[str]()
        stream = self.client.messages.create(
            model=payloads.MODEL, max_tokens=n, messages=MESSAGES, stream=True
        )
        with stream:
            for event in stream:
                if isinstance(event, ContentBlockDeltaEvent):
                    count += 1
                    parts.append(_text(event.delta))
        return count, "".join(parts)

    def embed(self, encoding: str) -> list[float]:
        result = self.client.embeddings.create(
            model=payloads.EMBED_MODEL,
            input=EMBED_INPUT,
            encoding_format="base64" if encoding == "base64" else "float",
        )
        return result.data[0].embedding

    async def achat(self) -> str:
        completion = await self.client.chat.create_async(model=payloads.MODEL, messages=MESSAGES)
        return completion.choices[0].message.content or ""

    async def amessage(self) -> str:
        reply = await self.client.messages.create_async(
            model=payloads.MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES
        )
        return _text(reply.content[0])

    async def achat_stream(self, n: int) -> Stream:
        stream = await self.client.chat.create_async(
            model=payloads.MODEL, messages=MESSAGES, max_tokens=n, stream=True
        )
        return await _typed_chunks(stream)

    async def aclose(self) -> None:
        await self.client.aclose()

    def close(self) -> None:
        self.client.close()


class _AsyncOnly:
    """Mixed in first: the sync operations are not measured for this column (they are
    the same client as another column's)."""

    chat = Adapter.chat
    message = Adapter.message
    chat_stream = Adapter.chat_stream
    message_stream = Adapter.message_stream
    embed = Adapter.embed


class R9SHttpxAdapter(_AsyncOnly, R9SAdapter):
    """r9s with ``async_transport="httpx"``: async calls on httpx's own transport."""

    name = "r9s-httpx"
    transport = "httpx"


class OpenAIAdapter(Adapter):
    name = "openai"

    def __init__(self, url: str) -> None:
        from openai import AsyncOpenAI, OpenAI

        self.client = OpenAI(api_key=API_KEY, base_url=url + "/v1")
        self.aclient = AsyncOpenAI(api_key=API_KEY, base_url=url + "/v1")

    def chat(self) -> str:
        completion = self.client.chat.completions.create(model=payloads.MODEL, messages=MESSAGES)
        return completion.choices[0].message.content or ""

    def chat_stream(self, n: int) -> Stream:
        count, parts = 0, list[str]()
        stream = self.client.chat.completions.create(
            model=payloads.MODEL,
            messages=MESSAGES,
            max_tokens=n,
            stream=True,
        )
        with stream:
            for chunk in stream:
                count += 1
                parts.append(chunk.choices[0].delta.content or "")
        return count, "".join(parts)

    def embed(self, encoding: str) -> list[float]:
        # Without encoding_format the SDK asks for base64 and decodes it to floats (its
        # default path); with "base64" it would hand back the undecoded string.
        if encoding == "base64":
            result = self.client.embeddings.create(model=payloads.EMBED_MODEL, input=EMBED_INPUT)
        else:
            result = self.client.embeddings.create(
                model=payloads.EMBED_MODEL, input=EMBED_INPUT, encoding_format="float"
            )
        return result.data[0].embedding

    async def achat(self) -> str:
        completion = await self.aclient.chat.completions.create(
            model=payloads.MODEL,
            messages=MESSAGES,
        )
        return completion.choices[0].message.content or ""

    async def achat_stream(self, n: int) -> Stream:
        stream = await self.aclient.chat.completions.create(
            model=payloads.MODEL, messages=MESSAGES, max_tokens=n, stream=True
        )
        return await _typed_chunks(stream)

    async def aclose(self) -> None:
        await self.aclient.close()

    def close(self) -> None:
        self.client.close()


class OpenAIAioHttpAdapter(_AsyncOnly, OpenAIAdapter):
    """openai's async client on its ``DefaultAioHttpClient`` (aiohttp)."""

    name = "openai-aiohttp"

    def __init__(self, url: str) -> None:
        from openai import AsyncOpenAI, DefaultAioHttpClient

        super().__init__(url)
        self.aclient = AsyncOpenAI(
            api_key=API_KEY, base_url=url + "/v1", http_client=DefaultAioHttpClient()
        )


class AnthropicAdapter(Adapter):
    name = "anthropic"

    def __init__(self, url: str) -> None:
        from anthropic import Anthropic, AsyncAnthropic

        self.client = Anthropic(api_key=API_KEY, base_url=url)
        self.aclient = AsyncAnthropic(api_key=API_KEY, base_url=url)

    def message(self) -> str:
        reply = self.client.messages.create(
            model=payloads.MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,
        )
        return _text(reply.content[0])

    def message_stream(self, n: int) -> Stream:
        count, parts = 0, list[str]()
        stream = self.client.messages.create(
            model=payloads.MODEL,
            max_tokens=n,
            messages=MESSAGES,
            stream=True,
        )
        with stream:
            for event in stream:
                if event.type == "content_block_delta":
                    count += 1
                    parts.append(_text(event.delta))
        return count, "".join(parts)

    async def amessage(self) -> str:
        reply = await self.aclient.messages.create(
            model=payloads.MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,
        )
        return _text(reply.content[0])

    async def aclose(self) -> None:
        await self.aclient.close()

    def close(self) -> None:
        self.client.close()


class AnthropicAioHttpAdapter(_AsyncOnly, AnthropicAdapter):
    """anthropic's async client on its ``DefaultAioHttpClient`` (aiohttp)."""

    name = "anthropic-aiohttp"

    def __init__(self, url: str) -> None:
        from anthropic import AsyncAnthropic, DefaultAioHttpClient

        super().__init__(url)
        self.aclient = AsyncAnthropic(
            api_key=API_KEY, base_url=url, http_client=DefaultAioHttpClient()
        )


class _ChatChunks:
    """Plain httpx's chat stream loop, sync or async: ``json.loads`` each ``data:`` line."""

    __slots__ = ("count", "parts")

    def __init__(self) -> None:
        self.count = 0
        self.parts: list[str] = []

    def take(self, line: str) -> bool:
        """Take one line of the body; ``True`` at the end marker."""
        if not line.startswith("data: "):
            return False
        data = line[6:]
        if data == "[DONE]":
            return True
        chunk = json.loads(data)
        self.count += 1
        self.parts.append(chunk["choices"][0]["delta"].get("content") or "")
        return False


class HttpxAdapter(Adapter):
    """Plain httpx: the baseline. Parse-only loops, no types: ``response.json()`` for
    calls, ``iter_lines`` + ``json.loads`` for streams."""

    name = "httpx"

    def __init__(self, url: str) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {API_KEY}"}
        self.client = httpx.Client(base_url=url + "/v1", headers=headers)
        self.aclient = httpx.AsyncClient(base_url=url + "/v1", headers=headers)

    def chat(self) -> str:
        response = self.client.post(
            "/chat/completions", json={"model": payloads.MODEL, "messages": MESSAGES}
        )
        response.raise_for_status()
        content: str = response.json()["choices"][0]["message"]["content"]
        return content

    def message(self) -> str:
        body = {"model": payloads.MODEL, "max_tokens": MAX_TOKENS, "messages": MESSAGES}
        response = self.client.post("/messages", json=body)
        response.raise_for_status()
        text: str = response.json()["content"][0]["text"]
        return text

    def chat_stream(self, n: int) -> Stream:
        chunks = _ChatChunks()
        body = {"model": payloads.MODEL, "messages": MESSAGES, "max_tokens": n, "stream": True}
        with self.client.stream("POST", "/chat/completions", json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if chunks.take(line):
                    break
        return chunks.count, "".join(chunks.parts)

    def message_stream(self, n: int) -> Stream:
        count, parts = 0, list[str]()
        body = {"model": payloads.MODEL, "max_tokens": n, "messages": MESSAGES, "stream": True}
        with self.client.stream("POST", "/messages", json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                kind = event["type"]
                if kind == "content_block_delta":
                    count += 1
                    parts.append(event["delta"]["text"])
                elif kind == "message_stop":
                    break
        return count, "".join(parts)

    def embed(self, encoding: str) -> list[float]:
        body = {"model": payloads.EMBED_MODEL, "input": EMBED_INPUT, "encoding_format": encoding}
        response = self.client.post("/embeddings", json=body)
        response.raise_for_status()
        embedding = response.json()["data"][0]["embedding"]
        if encoding == "base64":
            return _floats_from_base64(embedding)
        vector: list[float] = embedding
        return vector

    async def achat(self) -> str:
        body = {"model": payloads.MODEL, "messages": MESSAGES}
        response = await self.aclient.post("/chat/completions", json=body)
        response.raise_for_status()
        content: str = response.json()["choices"][0]["message"]["content"]
        return content

    async def amessage(self) -> str:
        body = {"model": payloads.MODEL, "max_tokens": MAX_TOKENS, "messages": MESSAGES}
        response = await self.aclient.post("/messages", json=body)
        response.raise_for_status()
        text: str = response.json()["content"][0]["text"]
        return text

    async def achat_stream(self, n: int) -> Stream:
        chunks = _ChatChunks()
        body = {"model": payloads.MODEL, "messages": MESSAGES, "max_tokens": n, "stream": True}
        async with self.aclient.stream("POST", "/chat/completions", json=body) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if chunks.take(line):
                    break
        return chunks.count, "".join(chunks.parts)

    async def aclose(self) -> None:
        await self.aclient.aclose()

    def close(self) -> None:
        self.client.close()


class RawSocketAdapter(Adapter):
    """The floor: one blocking socket, pre-built requests, the least parsing that still
    checks the answer (``json.loads`` of each body or event)."""

    name = "raw"

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.address = (host, int(port))
        self.sock = self._connect()
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _request(self, path: str, params: dict[str, Any]) -> None:
        body = json.dumps(params).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {API_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.sock.sendall(head.encode() + body)

    def _head(self) -> bytes:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._recv()
        head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
        if not head.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
        return head.lower()

    def _recv(self) -> None:
        data = self.sock.recv(262_144)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buffer += data

    def _json(self, path: str, params: dict[str, Any]) -> Any:
        self._request(path, params)
        head = self._head()
        at = head.index(b"content-length:") + 15
        length = int(head[at:].split(b"\r\n", 1)[0])
        while len(self.buffer) < length:
            self._recv()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(body)

    def _events(
        self, path: str, params: dict[str, Any], last: bytes, text: Callable[[Any], str | None]
    ) -> Stream:
        """``json.loads`` each ``data:`` line until the one starting with ``last``; count
        the events with a text (``text`` returns ``None`` for the others). Chunk-size
        lines are skipped as non-data lines (each chunk here holds whole events)."""
        self._request(path, params)
        self._head()
        count, parts = 0, list[str]()
        while True:
            lines = self.buffer.split(b"\n")
            self.buffer = lines.pop()
            for i, line in enumerate(lines):
                if line[:6] == b"data: ":
                    data = line[6:]
                    if data.startswith(last):
                        self.buffer = b"\n".join([*lines[i + 1 :], self.buffer])
                        self._drain_chunked()
                        return count, "".join(parts)
                    piece = text(json.loads(data))
                    if piece is not None:
                        count += 1
                        parts.append(piece)
            self._recv()

    def _drain_chunked(self) -> None:
        """Skip what is left of the body, up to its last (empty) chunk."""
        while b"\r\n0\r\n\r\n" not in self.buffer:
            self._recv()
        self.buffer = self.buffer.split(b"\r\n0\r\n\r\n", 1)[1]

    def chat(self) -> str:
        body = self._json("/v1/chat/completions", {"model": payloads.MODEL, "messages": MESSAGES})
        content: str = body["choices"][0]["message"]["content"]
        return content

    def message(self) -> str:
        params = {"model": payloads.MODEL, "max_tokens": MAX_TOKENS, "messages": MESSAGES}
        text: str = self._json("/v1/messages", params)["content"][0]["text"]
        return text

    def chat_stream(self, n: int) -> Stream:
        params = {"model": payloads.MODEL, "messages": MESSAGES, "max_tokens": n, "stream": True}
        return self._events(
            "/v1/chat/completions",
            params,
            b"[DONE]",
            lambda chunk: chunk["choices"][0]["delta"].get("content") or "",
        )

    def message_stream(self, n: int) -> Stream:
        params = {"model": payloads.MODEL, "max_tokens": n, "messages": MESSAGES, "stream": True}
        return self._events(
            "/v1/messages",
            params,
            b'{"type":"message_stop"',
            lambda event: (
                event["delta"]["text"] if event["type"] == "content_block_delta" else None
            ),
        )

    def embed(self, encoding: str) -> list[float]:
        params = {"model": payloads.EMBED_MODEL, "input": EMBED_INPUT, "encoding_format": encoding}
        embedding = self._json("/v1/embeddings", params)["data"][0]["embedding"]
        return _floats_from_base64(embedding) if encoding == "base64" else embedding

    def close(self) -> None:
        self.sock.close()


ADAPTERS: dict[str, type[Adapter]] = {
    a.name: a
    for a in (
        R9SAdapter,
        R9SHttpxAdapter,
        OpenAIAdapter,
        OpenAIAioHttpAdapter,
        AnthropicAdapter,
        AnthropicAioHttpAdapter,
        HttpxAdapter,
        RawSocketAdapter,
    )
}
"""Every client measured, by name."""

LIBRARY = {"r9s": "r9s", "openai": "openai", "anthropic": "anthropic", "httpx": "httpx"}
"""The module each client imports (the raw floor imports nothing extra)."""


def make(name: str, url: str) -> Adapter:
    return ADAPTERS[name](url)
