"""``r9s images`` and ``r9s audio`` (filled in once the SDK's media resources land)."""

from __future__ import annotations

import argparse


def run_images(args: argparse.Namespace) -> int:
    raise NotImplementedError("r9s images needs the SDK's images resource")


def run_audio(args: argparse.Namespace) -> int:
    raise NotImplementedError("r9s audio needs the SDK's audio resource")
