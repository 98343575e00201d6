"""``--since``: a duration back from now (``90m``, ``2h``, ``3d``, ``2w``), a local date or
time (``2025-06-01``, ``2025-06-01T14:00``, ``2025-06-01 14:00``), ``today`` or
``yesterday``."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from r9s.cli.common.i18n import _

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_since(text: str, now: float | None = None) -> float:
    """The Unix time ``text`` means; ValueError says what is accepted."""
    now = time.time() if now is None else now
    value = text.strip().lower()
    match = _DURATION.fullmatch(value)
    if match:
        return now - float(match[1]) * UNITS[match[2]]
    midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if value == "today":
        return midnight.timestamp()
    if value == "yesterday":
        return (midnight - timedelta(days=1)).timestamp()
    try:
        return datetime.fromisoformat(value.upper().replace(" ", "T")).timestamp()
    except ValueError:
        raise ValueError(
            _(
                "--since {text!r}: give a duration (30m, 2h, 3d, 2w), a date (2025-06-01), "
                "a date and time (2025-06-01T14:00), today or yesterday"
            ).format(text=text)
        ) from None
