"""``r9s doctor`` (``status``): is each coding tool installed, pointed at r9s, working?"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from r9s.cli.commands._args import add_connection_arguments
from r9s.cli.common.i18n import N_, _

if TYPE_CHECKING:
    from r9s.cli.tools._base import Tool

EPILOG = N_("""\
For every supported tool: installed or not (and its version), the config file, whether
it points at r9s, the base URL, every model it is set to (main, small, per-tier slots)
and masked key, whether that key works (GET /models) and the router serves those models,
and what could override the file (environment variables, project-level settings). A tool
points at r9s when its base URL is r9s's (--base-url, else as for every command) or on
r9s.ai. Exit status 1 when a key that points at r9s is rejected, the server is
unreachable, or a model setting names a model the router does not list.

With --probe, each tool that points at r9s also sends one minimal real request (one
output token) in the API it speaks, with its own key and model: Anthropic Messages for
Claude Code, OpenAI Responses for Codex, Gemini generateContent for Gemini CLI, Chat
Completions for the others; the latency and the server's exact error are reported, and
a failed probe makes the exit status 1.

examples:
  r9s doctor
  r9s doctor --probe
  r9s status --json
  r9s doctor --base-url http://127.0.0.1:8765 --no-check
""")
PROBE_TIMEOUT = 30.0

VERSION_TIMEOUT = 10.0
CHECK_TIMEOUT = 8.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _(EPILOG)
    add_connection_arguments(
        parser,
        timeout=_("seconds to wait for each key check (default {seconds:g})").format(
            seconds=CHECK_TIMEOUT
        ),
    )
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("--no-check", action="store_true", help=_("do not contact the server"))
    parser.add_argument(
        "--probe",
        action="store_true",
        help=_("send one minimal real request per configured tool, in its own API"),
    )


@dataclass
class ToolReport:
    """What doctor found out about one tool."""

    name: str
    title: str
    installed: str | None = None  # path of the executable
    version: str | None = None
    files: list[str] = field(default_factory=list)
    problem: str | None = None  # a malformed file
    points_at_r9s: bool = False
    base_url: str | None = None
    model: str | None = None
    models: dict[str, str] = field(default_factory=dict)  # every model setting
    unserved: list[str] = field(default_factory=list)  # settings naming unlisted models
    key: str | None = None  # masked
    key_source: str = ""
    key_check: str | None = None
    probe: str | None = None  # what --probe found
    probe_ok: bool | None = None
    api: str = ""
    overrides: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    secret: str | None = field(default=None, repr=False)


def run(args: argparse.Namespace) -> int:
    import os
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from r9s._config import ENV_API_KEY, mask_key
    from r9s.cli.common.settings import base_url, resolve
    from r9s.cli.tools import all_tools

    r9s_base, base_source = base_url(args.base_url)
    assert r9s_base is not None
    r9s_key, key_source = resolve(args.api_key, ENV_API_KEY, flag_name="--api-key")
    reports = [_inspect_safely(tool, r9s_base, Path.home(), os.environ) for tool in all_tools()]
    if args.probe and args.no_check:
        raise ValueError(_("--probe sends requests; it cannot go with --no-check"))

    timeout = args.timeout or CHECK_TIMEOUT
    checks: dict[tuple[str, str], Any] = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = {
            r.name: pool.submit(_version, r.installed) for r in reports if r.installed is not None
        }
        if not args.no_check:
            wanted = [(r9s_base, r9s_key)] + [
                (r.base_url, r.secret) for r in reports if r.points_at_r9s
            ]
            for url, key in wanted:
                if url and key and (url, key) not in checks:
                    checks[url, key] = pool.submit(_check_key, url, key, timeout)
        probes = {
            r.name: pool.submit(_probe, r, args.timeout or PROBE_TIMEOUT)
            for r in reports
            if args.probe and r.points_at_r9s and r.base_url and r.secret and r.model
        }
        results = {pair: future.result() for pair, future in checks.items()}
        for report in reports:
            if report.name in probes:
                found = probes[report.name].result()
                report.probe, report.probe_ok = found.describe(), found.ok
            elif args.probe and report.points_at_r9s:
                report.probe = "not sent: no key or no model configured"
        for report in reports:
            if report.name in versions:
                report.version = versions[report.name].result()
            if report.points_at_r9s and report.base_url and report.secret:
                found = results.get((report.base_url, report.secret))
                if found is not None:
                    report.key_check = found[:2]
                    listed = found[2]
                    report.unserved = [
                        f"{what} {model}"
                        for what, model in report.models.items()
                        if listed is not None and model not in listed
                    ]

    found = results.get((r9s_base, r9s_key)) if r9s_key else None
    r9s_check = found[:2] if found else None
    failed = (
        any(not check[0] for check in results.values())
        or any(r.unserved for r in reports)
        or any(r.probe_ok is False for r in reports)
    )
    if args.json:
        body = {
            "r9s": {
                "base_url": r9s_base,
                "base_url_source": base_source,
                "api_key": mask_key(r9s_key) if r9s_key else None,
                "api_key_source": key_source,
                "key_check": _check_json(r9s_check),
            },
            "tools": [_report_json(r) for r in reports],
        }
        from r9s.cli.common.terminal import json_text

        print(json_text(body, indent=2))
        return 1 if failed else 0
    print(f"r9s          {r9s_base} (from {base_source})")
    key_line = (
        f"{mask_key(r9s_key)} (from {key_source})" if r9s_key else f"not set (${ENV_API_KEY})"
    )
    from r9s.cli.common.terminal import printable

    print(printable(f"API key      {key_line}{_check_text(r9s_check)}"))
    for report in reports:
        print()
        _print_report(report)
    return 1 if failed else 0


def _inspect_safely(tool: Tool, r9s_base: str, home: Any, environ: Any) -> ToolReport:
    """:func:`_inspect`, where anything odd about one tool's files (a FIFO, a device,
    an unreadable folder) is that tool's problem, and the report goes on."""
    import shutil

    from r9s.cli.common.errors import describe

    try:
        return _inspect(tool, r9s_base, home, environ)
    except Exception as exc:
        report = ToolReport(tool.name, tool.title, installed=shutil.which(tool.executable))
        report.problem = describe(exc)
        return report


def _inspect(tool: Tool, r9s_base: str, home: Any, environ: Any) -> ToolReport:
    import os
    import shutil
    from pathlib import Path

    from r9s._config import mask_key
    from r9s.cli.common.files import display
    from r9s.cli.tools._configure import read_configs

    report = ToolReport(tool.name, tool.title, installed=shutil.which(tool.executable))
    report.api = tool.probe_api
    states = read_configs(tool, home, environ)
    for state in states:
        report.files.append(display(state.path) + ("" if state.exists else " (absent)"))
        report.problem = report.problem or state.problem
    docs = [state.values for state in states]
    current = tool.inspect(docs, environ)
    report.base_url = _normalized(current.base_url)
    report.points_at_r9s = _is_r9s(report.base_url, r9s_base)
    report.model = current.model
    report.models = current.models()
    report.secret = current.api_key
    report.key = mask_key(current.api_key) if current.api_key else None
    report.key_source = current.key_source
    for name in tool.overriding_env:
        value = environ.get(name)
        if not value:
            continue
        if name not in current.file_values:
            report.overrides.append(f"${name} is set")
        elif current.file_values[name] == value:
            report.overrides.append(f"${name} is set, to the same value as the file")
        else:
            report.overrides.append(f"${name} is set and wins over the file")
    # Run from HOME, ./.claude/settings.json *is* the user's file: not an override.
    own = {os.path.realpath(state.path) for state in states}
    for relative in tool.project_files:
        path = Path.cwd() / relative
        if path.is_file() and os.path.realpath(path) not in own:
            report.overrides.append(f"{display(path)} exists")
    if tool.env_file_search:
        found = _first_env_file(tool.env_file_search, Path.cwd(), home)
        mine = [state.path for state in states if state.path.name == ".env"]
        if found is not None and mine and os.path.realpath(found) not in own:
            report.overrides.append(f"{display(found)} is read instead of {display(mine[0])}")
    report.notes = tool.warnings(docs)
    return report


def _first_env_file(names: tuple[str, ...], start: Any, home: Any) -> Any:
    """The file a tool that searches upward for ``names`` reads: the first found in
    ``start``, its parents up to /, then ``home`` (Gemini CLI's findEnvFile)."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents, home):
        for name in names:
            if (candidate / name).is_file():
                return candidate / name
    return None


def _normalized(url: str | None) -> str | None:
    from r9s._config import normalize_base_url

    if not url:
        return None
    try:
        return normalize_base_url(url)
    except ValueError:
        return url


def _is_r9s(url: str | None, r9s_base: str) -> bool:
    from urllib.parse import urlsplit

    if not url:
        return False
    host = urlsplit(url).hostname or ""
    return url.rstrip("/") == r9s_base.rstrip("/") or host == "r9s.ai" or host.endswith(".r9s.ai")


def _version(executable: str | None) -> str | None:
    import subprocess

    if executable is None:
        return None
    try:
        done = subprocess.run(
            [executable, "--version"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else None


def _check_key(url: str, key: str, timeout: float) -> tuple[bool, str, set[str] | None]:
    """Whether the key works, what to say, and the ids the router lists."""
    from r9s.cli.common.api import ModelListError, list_models

    try:
        ids = {model.id for model in list_models(url, key, timeout=timeout)}
    except ModelListError as exc:
        return False, str(exc), None
    return True, f"works ({len(ids)} models)", ids


def _probe(report: ToolReport, timeout: float) -> Any:
    from r9s.cli.tools._probe import probe

    assert report.base_url and report.secret and report.model
    return probe(report.api, report.base_url, report.secret, report.model, timeout)


def _check_text(check: tuple[bool, str] | None) -> str:
    if check is None:
        return ""
    return f": {check[1]}" if check[0] else f": FAILED: {check[1]}"


def _check_json(check: tuple[bool, str] | None) -> dict[str, Any] | None:
    return None if check is None else {"ok": check[0], "detail": check[1]}


def _report_json(report: ToolReport) -> dict[str, Any]:
    from dataclasses import asdict

    body = asdict(report)
    body.pop("secret")
    body["key_check"] = _check_json(report.key_check)  # type: ignore[arg-type]
    return body


def _print_report(report: ToolReport) -> None:
    import sys

    from r9s.cli.common.interact import bold
    from r9s.cli.common.terminal import printable

    def print(line: str) -> None:  # what the files and the server say cannot drive the terminal
        sys.stdout.write(printable(line) + "\n")

    sys.stdout.write(bold(f"{report.title} ({report.name})", sys.stdout) + "\n")
    installed = report.installed or "no"
    if report.version:
        installed += f" ({report.version})"
    print(f"  installed    {installed}")
    print(f"  config       {', '.join(report.files)}")
    if report.problem:
        print(f"  problem      {report.problem}")
    if report.points_at_r9s:
        target = f"r9s: {report.base_url}"
    elif report.base_url:
        target = f"not r9s: {report.base_url}"
    else:
        target = "not configured for r9s"
    print(f"  points at    {target}")
    for what, model in report.models.items():
        print(f"  {what:<12} {model}")
    for unserved in report.unserved:
        print(f"  not served   {unserved}: the router does not list it (r9s models)")
    if report.key:
        check = _check_text(report.key_check)  # type: ignore[arg-type]
        print(f"  API key      {report.key} ({report.key_source}){check}")
    if report.probe:
        print(f"  probe        {report.probe}")
    for override in report.overrides:
        print(f"  overridden?  {override}")
    for note in report.notes:
        print(f"  note         {note}")
