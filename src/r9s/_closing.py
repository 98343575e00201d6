"""``with`` / ``async with`` support for everything that holds a connection."""

from __future__ import annotations

from typing import Self


class Closing:
    """Leaving ``with obj:`` calls ``obj.close()``."""

    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClosing:
    """Leaving ``async with obj:`` awaits ``obj.aclose()``."""

    __slots__ = ()

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
