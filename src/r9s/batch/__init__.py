"""``r9s.batch``: send thousands of requests from a file, resumably, at the rate the API allows.

    import r9s.batch

    summary = r9s.batch.run("requests.jsonl", "results.jsonl")
    print(summary.ok, summary.failed)

The input is OpenAI's batch file (``{"custom_id", "method", "url", "body"}`` lines),
Anthropic's message batch (``{"custom_id", "params"}``), or for quick work a text file
with one prompt a line, or a CSV/JSONL column (``column=``), with ``model=`` (and
``system=``, ``template=``, ``params=``). It is read from disk as it is sent: memory stays
flat for any size.

The output has one line per input row in OpenAI's batch output shape (``{"id",
"custom_id", "response": {"status_code", "request_id", "body"}, "error"}``), each
``custom_id`` written exactly once. Running the same input into the same output again
resumes: rows already answered are skipped, also after a crash or ``kill -9``. An
output made from another input is refused.

Concurrency adapts (it grows while all is well, halves on 429/503, and a ``Retry-After``
pauses every request); ``rpm``/``tpm`` cap the rate and ``max_tokens``/``max_cost`` stop
the run cleanly at a budget (run it again with a higher one to go on). Failures that
retrying cannot fix (400, 404, 422...) are written as records; ``retry_failed`` sends
those rows again. A 401 stops the run at once. Embeddings rows are packed ``pack`` to a
request and split back into one record each.

``run``/``retry_failed`` block; ``run_async``/``retry_failed_async`` are their async twins.
``status(output)`` reads an output back. ``r9s batch`` is the same from the command line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from r9s.batch._errors import BatchError, BatchInputError, OutputConflictError
from r9s.batch._input import URLS, Source
from r9s.batch._run import (
    Control,
    InputOptions,
    RunOptions,
    SendOptions,
    Status,
    Summary,
    retry_failed_async,
    run_async,
    status,
)
from r9s.batch._runner import Settings, Stats
from r9s.batch._usage import Prices

__all__ = [
    "URLS",
    "BatchError",
    "BatchInputError",
    "Control",
    "InputOptions",
    "OutputConflictError",
    "Prices",
    "RunOptions",
    "SendOptions",
    "Settings",
    "Source",
    "Stats",
    "Status",
    "Summary",
    "retry_failed",
    "retry_failed_async",
    "run",
    "run_async",
    "status",
]

if TYPE_CHECKING:
    from r9s.batch._run import PathLike
    from r9s.client import R9S

T = TypeVar("T")


def _blocking(coroutine: Coroutine[Any, Any, T], name: str) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    coroutine.close()
    raise RuntimeError(f"r9s.batch.{name}() cannot run inside an event loop: await {name}_async()")


def run(
    input: PathLike,
    output: PathLike,
    *,
    client: R9S | None = None,
    resume: bool = False,
    overwrite: bool = False,
    allow_changed_input: bool = False,
    **options: Unpack[RunOptions],
) -> Summary:
    """Blocking ``run_async``: the same arguments, the same ``Summary``."""
    job = run_async(
        input, output, client=client, resume=resume, overwrite=overwrite,
        allow_changed_input=allow_changed_input, **options,
    )  # fmt: skip
    return _blocking(job, "run")


def retry_failed(
    output: PathLike,
    *,
    input: PathLike | None = None,
    client: R9S | None = None,
    allow_changed_input: bool = False,
    **options: Unpack[SendOptions],
) -> Summary:
    """Blocking ``retry_failed_async``: the same arguments, the same ``Summary``."""
    job = retry_failed_async(
        output, input=input, client=client, allow_changed_input=allow_changed_input, **options
    )
    return _blocking(job, "retry_failed")
