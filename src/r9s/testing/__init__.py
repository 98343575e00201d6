"""A local r9s-compatible server for tests, demos and offline use (standard library only).

It speaks the OpenAI wire format under ``/v1`` (chat, completions, responses, embeddings,
images, audio, moderations, search...), Anthropic Messages at ``/v1/messages`` and the
Gemini API under ``/v1beta``. Answers come from a deterministic echo model
(``Echo: <last user input>``), and faults can be injected per request::

    from r9s.testing import LocalServer

    with LocalServer() as server:
        ...  # point a client at server.url (or server.root_url for Anthropic/Gemini)
        server.inject("status=503;retry_after=1", times=2)
        assert server.requests[-1].path == "/v1/chat/completions"

Fault specs (``X-R9S-Fault`` header, ``LocalServer.inject`` or ``POST /__r9s/faults``)
are ``key=value;...`` with keys ``status``, ``body``, ``message``, ``code``, ``retry_after``,
``retry_after_ms``, ``retry_after_date``, ``should_retry``, ``delay``, ``drop``, ``after``,
``malformed``, ``stream_error``, ``truncate``, ``chunk_delay``, ``one_write``, ``trickle``,
``huge_event``, ``gzip_bomb``, ``times``, ``key`` and ``request_id``.
"""

from r9s.testing._faults import FAULT_HEADER
from r9s.testing._models import DEFAULT_MODELS
from r9s.testing._records import RecordedRequest
from r9s.testing.server import LocalServer

__all__ = ["DEFAULT_MODELS", "FAULT_HEADER", "LocalServer", "RecordedRequest"]
