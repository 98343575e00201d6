"""Arguments shared by ``set`` and ``run`` (standard library only)."""

from __future__ import annotations

import argparse

TOOLS_HELP = "claude-code, codex, qwen-code, gemini-cli or opencode (or an alias: claude, qwen...)"


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """``--api-key``, ``--base-url``, ``--model``, ``--small-model``."""
    parser.add_argument("--api-key", metavar="KEY", help="r9s API key (default: $R9S_API_KEY)")
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="r9s base URL, with or without /v1 (default: $R9S_BASE_URL, else https://api.r9s.ai/v1)",
    )
    parser.add_argument(
        "--model",
        metavar="MODEL",
        help="model id (without it: $R9S_MODEL or a pick from the server's list; see below)",
    )
    parser.add_argument(
        "--small-model",
        metavar="MODEL",
        help="small, fast model for background tasks (Claude Code, opencode)",
    )
