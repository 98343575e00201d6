"""r9s: the Python SDK for the r9s LLM router.

    from r9s import R9S
    with R9S(api_key="...") as r9s:
        print(r9s.models.list())

Importing this package is cheap: the client, its HTTP stack and the response types
load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from r9s._version import __version__

if TYPE_CHECKING:
    from r9s import errors, models, structured, tools, utils
    from r9s._binary import AsyncBinaryResponse, BinaryResponse
    from r9s._raw import RawResponse
    from r9s._streaming import AsyncEventStream, EventStream, ServerSentEvent
    from r9s._streams.images import AsyncImageStream, ImageStream
    from r9s._streams.messages import AsyncMessageStream, MessageStream
    from r9s._streams.responses import AsyncResponseStream, ResponseStream
    from r9s.client import R9S
    from r9s.tools import Tool, tool
    from r9s.utils import BackoffStrategy, RetryConfig

__all__ = [
    "R9S",
    "AsyncBinaryResponse",
    "AsyncEventStream",
    "AsyncImageStream",
    "AsyncMessageStream",
    "AsyncResponseStream",
    "BinaryResponse",
    "BackoffStrategy",
    "EventStream",
    "ImageStream",
    "MessageStream",
    "RawResponse",
    "ResponseStream",
    "RetryConfig",
    "ServerSentEvent",
    "Tool",
    "__version__",
    "errors",
    "models",
    "structured",
    "tool",
    "tools",
    "utils",
]

VERSION = __version__

_LAZY = {
    "R9S": "r9s.client",
    "EventStream": "r9s._streaming",
    "AsyncEventStream": "r9s._streaming",
    "ServerSentEvent": "r9s._streaming",
    "BinaryResponse": "r9s._binary",
    "AsyncBinaryResponse": "r9s._binary",
    "RawResponse": "r9s._raw",
    "MessageStream": "r9s._streams.messages",
    "AsyncMessageStream": "r9s._streams.messages",
    "ResponseStream": "r9s._streams.responses",
    "AsyncResponseStream": "r9s._streams.responses",
    "ImageStream": "r9s._streams.images",
    "AsyncImageStream": "r9s._streams.images",
    "RetryConfig": "r9s.utils",
    "BackoffStrategy": "r9s.utils",
    "tool": "r9s.tools",
    "Tool": "r9s.tools",
}
_SUBMODULES = ("errors", "models", "utils", "httpclient", "testing", "tools", "structured", "batch")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"r9s.{name}")
    else:
        raise AttributeError(f"module 'r9s' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
