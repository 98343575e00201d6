"""What ``r9s.batch`` raises: every problem found before a request is sent."""

from __future__ import annotations

__all__ = ["BatchError", "BatchInputError", "OutputConflictError"]


class BatchError(Exception):
    """Base class of the batch runner's own errors (the SDK's come from ``r9s.errors``)."""


class BatchInputError(BatchError, ValueError):
    """The input or the settings cannot make a batch: a duplicate ``custom_id``, an unknown
    URL, a missing ``--model``... Raised before any request is sent."""


class OutputConflictError(BatchError):
    """The output file belongs to another input or run, or is being written right now:
    it is left untouched."""
