"""Read a hostile answer with the default ``max_response_size``, in a fresh interpreter.

``python -m tests.support.bounded_memory URL CASE MODE`` prints one JSON line: the error
raised and how much the peak RSS grew (MiB) while reading. ``CASE`` is ``line`` (a
stream event of one 100 MB line) or ``bomb`` (a gzip body that decompresses to 1 GiB);
``MODE`` is ``sync`` or ``async``.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from typing import Any

from r9s import R9S, errors

FAULTS = {"line": "huge_event=100000000", "bomb": "gzip_bomb=1073741824"}
USER = [{"role": "user", "content": "hi"}]


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def read_sync(client: R9S, case: str) -> Any:
    headers = {"X-R9S-Fault": FAULTS[case]}
    if case == "line":
        with client.chat.create(model="gpt-4o-mini", messages=USER, stream=True,
                                http_headers=headers) as stream:  # fmt: skip
            return list(stream)
    return client.models.list(http_headers=headers)


async def read_async(client: R9S, case: str) -> Any:
    headers = {"X-R9S-Fault": FAULTS[case]}
    if case == "line":
        stream = await client.chat.create_async(
            model="gpt-4o-mini", messages=USER, stream=True, http_headers=headers
        )
        async with stream:
            return [item async for item in stream]
    return await client.models.list_async(http_headers=headers)


def main(url: str, case: str, mode: str) -> None:
    with R9S(api_key="sk-test-memory", server_url=url, retry_config=None) as client:
        client.models.list()  # everything imported and connected before the baseline
        asyncio.run(client.models.list_async())
        baseline = peak_mib()
        error: BaseException | None = None
        try:
            if mode == "sync":
                read_sync(client, case)
            else:
                asyncio.run(read_async(client, case))
        except (errors.R9SError, MemoryError) as exc:
            error = exc
        growth = peak_mib() - baseline
    print(json.dumps({
        "error": type(error).__name__ if error else None,
        "message": str(error) if error else "",
        "limit": getattr(error, "limit", None),
        "growth_mib": round(growth, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:4])
