"""r9s against plain httpx, the official SDKs and a raw-socket floor, in one run.

    make bench                          # full run: 5 rounds, a few minutes
    make bench BENCH_ARGS=--quick       # 1 small round, for development

Starts ``benchserver.py``, then per round runs each workload for each client in a fresh
process (``bench_client.py``), the clients of one workload back to back (the order rotates
and reverses between rounds, so no client is always first or last), the start-up probes
(``startup.py``) and the CLI. Cells are medians over rounds with their min-max; ratios
are cost relative to plain httpx *in the same round*, then the median of those, so a
noisy round moves both sides. Prints one table and writes it to ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bench_client import SCENARIOS, supports
from startup import PYDANTIC_FLOOR
from workloads import ADAPTERS

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
CLIENTS = (
    "raw",
    "httpx",
    "r9s",
    "r9s-httpx",
    "openai",
    "openai-aiohttp",
    "anthropic",
    "anthropic-aiohttp",
)
"""Table columns; ``raw`` is the floor (and so the server's ceiling). ``r9s`` is r9s as it
comes (async on aiohttp); the ``-httpx`` / ``-aiohttp`` columns are the same SDK's async
client on the other transport (async rows only)."""
BASELINE = "httpx"
LIBRARIES = ("r9s", "httpx", "openai", "anthropic")
"""Clients with a start-up cost (the raw floor has none)."""


@dataclass(frozen=True)
class Metric:
    key: str
    """``scenario.field`` in a client's results, or ``startup.*`` / ``cli.*``."""
    label: str
    rate: bool = False
    """Higher is better (events/s, calls/s); the ratio is then inverted into a cost."""
    target: str = ""
    limit: float | None = None
    """r9s's cost ratio to httpx must be at most this (``None``: no ratio target)."""
    absolute: float | None = None
    """r9s's value must be at least (rates) or at most (costs) this."""
    digits: int = 0
    faster_than: str = ""
    """Another client (a column) that r9s must beat ``speedup``-fold, in the same round."""
    speedup: float = 5.0


METRICS = (
    Metric("chat_call.us", "chat call, µs", target="≤ x1.1", limit=1.1),
    Metric("chat_call.cpu_us", "chat call, client CPU µs", target="≤ x1.1", limit=1.1),
    Metric("message_call.us", "messages call, µs", target="≤ x1.1", limit=1.1),
    Metric("message_call.cpu_us", "messages call, client CPU µs", target="≤ x1.1", limit=1.1),
    Metric(
        "chat_stream.per_s",
        "chat stream, typed chunks/s",
        rate=True,
        target="≥ 25,000/s, ≤ x1.7, > 5x openai",
        limit=1.7,
        absolute=25_000,
        faster_than="openai",
    ),
    Metric(
        "message_stream.per_s",
        "messages stream, typed deltas/s",
        rate=True,
        target="≥ 25,000/s, ≤ x1.7, > 5x anthropic",
        limit=1.7,
        absolute=25_000,
        faster_than="anthropic",
    ),
    Metric("embed_float.us", "embeddings 1536 float, µs/call", target="≤ x1.2", limit=1.2),
    Metric("embed_base64.us", "embeddings 1536 base64, µs/call", target="≤ x1.2", limit=1.2),
    Metric(
        "async_chat.per_s",
        "async chat (gather), calls/s",
        rate=True,
        target="≥ 2.5x httpx, ≥ 2x openai-aiohttp",
        limit=0.4,
        faster_than="openai-aiohttp",
        speedup=2.0,
    ),
    Metric(
        "async_message.per_s",
        "async messages (gather), calls/s",
        rate=True,
        target="≥ 2.5x httpx",
        limit=0.4,
    ),
    Metric("async_chat.cpu_us", "async chat, client CPU µs/call"),
    Metric("async_message.cpu_us", "async messages, client CPU µs/call"),
    Metric(
        "async_chat_stream.per_s",
        "async chat stream, typed chunks/s",
        rate=True,
        target="≥ 2.5x httpx",
        limit=0.4,
    ),
    Metric("async_chat_stream.cpu_us", "async chat stream, client CPU µs/chunk", digits=1),
    Metric("peak_rss.mib", "peak RSS (heaviest workload), MiB", digits=1),
    Metric("startup.import_ms", "import, ms", target="≤ x0.5", limit=0.5, digits=1),
    Metric("startup.import_rss", "RSS after import, MiB", target="≤ 30 MiB", absolute=30, digits=1),
    Metric("startup.client_ms", "import + client construction, ms", digits=1),
    Metric("startup.client_rss", "RSS after import + client construction, MiB", digits=1),
    Metric(
        "startup.first_ms",
        "import + client + first call, ms",
        target="≤ x1.3",
        limit=1.3,
        digits=1,
    ),
    Metric("startup.first_cpu_ms", "import + client + first call, CPU ms", digits=1),
    Metric("startup.first_rss", "RSS after the first call, MiB", digits=1),
    Metric("cli.help_ms", "`r9s --help` wall, ms", target="< 60 ms", absolute=60),
    Metric("cli.chat_help_ms", "`r9s chat --help` wall, ms", target="< 100 ms", absolute=100),
    Metric("cli.chat_ms", "`r9s chat QUESTION` (one-shot, logged) wall, ms"),
    Metric("cli.chat_nolog_ms", "`r9s chat --no-log QUESTION` wall, ms"),
    Metric(
        "cli.web_ms",
        "`r9s web` start to its page served, wall, ms",
        target="< 1000 ms",
        absolute=1000,
    ),  # fmt: skip
)


@dataclass
class Settings:
    rounds: int
    calls: int
    events: int
    repeats: int
    embeds: int
    concurrency: int
    waves: int
    startup_runs: int
    cli_runs: int
    batch_rows: int
    batch_rpm: int
    batch_concurrency: int
    memory_rows: tuple[int, int]


FULL = Settings(
    rounds=5,
    calls=1000,
    events=20_000,
    repeats=3,
    embeds=200,
    concurrency=50,
    waves=16,
    startup_runs=2,
    cli_runs=5,
    batch_rows=20_000,
    batch_rpm=12_000,
    batch_concurrency=64,
    memory_rows=(10_000, 100_000),
)
QUICK = Settings(
    rounds=1,
    calls=50,
    events=2_000,
    repeats=1,
    embeds=40,
    concurrency=20,
    waves=2,
    startup_runs=1,
    cli_runs=2,
    batch_rows=2_000,
    batch_rpm=6_000,
    batch_concurrency=32,
    memory_rows=(1_000, 10_000),
)

Samples = dict[str, dict[str, list[float]]]
"""metric key -> client -> one value per round (missing rounds are absent)."""


# -- running ---------------------------------------------------------------------------


class Server:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [PYTHON, str(HERE / "benchserver.py")], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("READY "):
            self.process.kill()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.url = line.split()[1]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_json(argv: list[str], timeout: float = 600) -> dict[str, Any]:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {timeout:.0f} s"}
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {result.returncode}: {tail}"[:300]}
    parsed: dict[str, Any] = json.loads(lines[-1])
    return parsed


def order_for(round_index: int, names: tuple[str, ...]) -> list[str]:
    """Rotate by the round, and reverse every other round, so no client always runs
    first (cold caches) or last (a busier machine)."""
    shift = round_index % len(names)
    order = list(names[shift:] + names[:shift])
    return order[::-1] if round_index % 2 else order


def wall_ms(argv: list[str], env: dict[str, str] | None = None) -> float | None:
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, cwd=HERE, env=env)
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed if result.returncode == 0 else None


def web_ms(cli: str, env: dict[str, str]) -> float | None:
    """From starting ``r9s web`` to its page served (the URL it prints, fetched), then
    Ctrl-C; None if it failed."""
    import signal
    import urllib.request

    started = time.perf_counter()
    process = subprocess.Popen(
        [cli, "web", "--no-open", "--port", "0"],
        cwd=HERE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("r9s web: http"):
            return None
        with urllib.request.urlopen(line.split(": ", 1)[1].strip(), timeout=10) as page:
            page.read()
        elapsed = (time.perf_counter() - started) * 1000
        process.send_signal(signal.SIGINT)
        return elapsed if process.wait(timeout=15) == 0 else None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def add(samples: Samples, key: str, client: str, value: float | None) -> None:
    if value is not None:
        samples.setdefault(key, {}).setdefault(client, []).append(value)


def run_round(
    index: int, server: Server, settings: Settings, clients: tuple[str, ...], samples: Samples,
    errors: dict[str, str],
) -> None:  # fmt: skip
    peaks: dict[str, float] = {}
    for scenario in SCENARIOS:
        started = time.perf_counter()
        for client in order_for(index, clients):
            if not supports(ADAPTERS[client], scenario):
                continue
            argv = [PYTHON, str(HERE / "bench_client.py"), "--client", client, "--url", server.url]
            argv += ["--scenario", scenario]
            for option in ("calls", "events", "repeats", "embeds", "concurrency", "waves"):
                argv += [f"--{option}", str(getattr(settings, option))]
            results = run_json(argv)
            if "error" in results:
                errors[client] = results["error"]
                continue
            peaks[client] = max(peaks.get(client, 0.0), results.pop("peak_rss")["mib"])
            for fields in results.values():
                if "error" in fields:
                    errors[f"{client} {scenario}"] = fields["error"]
                    continue
                for field, value in fields.items():
                    add(samples, f"{scenario}.{field}", client, value)
        seconds = time.perf_counter() - started
        print(f"  round {index + 1}: {scenario} in {seconds:.1f} s", flush=True)
    for client, peak in peaks.items():
        add(samples, "peak_rss.mib", client, peak)

    libraries = [c for c in order_for(index, LIBRARIES) if c in clients]
    for _ in range(settings.startup_runs):
        for client in libraries:
            for step in ("import", "client", "first"):
                probe = run_json([PYTHON, str(HERE / "startup.py"), step, client, server.url])
                if "error" in probe:
                    errors[f"{client} {step}"] = probe["error"]
                    continue
                add(samples, f"startup.{step}_ms", client, probe["ms"])
                add(samples, f"startup.{step}_cpu_ms", client, probe.get("cpu_ms"))
                add(samples, f"startup.{step}_rss", client, probe["rss_mib"])
        if BASELINE in clients and "r9s" in clients:
            argv = [PYTHON, str(HERE / "startup.py"), "first", PYDANTIC_FLOOR, server.url]
            probe = run_json(argv)
            if "error" in probe:
                errors[f"{PYDANTIC_FLOOR} first"] = probe["error"]
            else:
                add(samples, "startup.first_ms", PYDANTIC_FLOOR, probe["ms"])
        add(samples, "startup.python_ms", BASELINE, wall_ms([PYTHON, "-c", "pass"]))

    cli = shutil.which("r9s", path=str(Path(PYTHON).parent))
    if cli and "r9s" in clients:
        # one-shot chats log into a throwaway HOME (the log's cost: chat_ms - chat_nolog_ms)
        home = tempfile.mkdtemp(prefix="r9s-bench-home-")
        chat_env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,
            "R9S_NO_DOTENV": "1",
            "R9S_BASE_URL": server.url,
            "R9S_API_KEY": "sk-bench-0000000000000000",
        }
        question = ["-m", "gpt-4o-mini", "--max-tokens", "20", "Name three rivers"]
        runs: tuple[tuple[str, list[str], dict[str, str] | None], ...] = (
            ("help_ms", [cli, "--help"], None),
            ("chat_help_ms", [cli, "chat", "--help"], None),
            ("chat_ms", [cli, "chat", *question], chat_env),
            ("chat_nolog_ms", [cli, "chat", "--no-log", *question], chat_env),
        )
        try:
            for _ in range(settings.cli_runs):
                for key, argv, env in runs:
                    elapsed = wall_ms(argv, env)
                    if elapsed is None:
                        errors[f"`{' '.join(['r9s', *argv[1:]])}`"] = "exited with an error"
                    add(samples, f"cli.{key}", "r9s", elapsed)
                if importlib.util.find_spec("starlette") is not None:  # the web extra
                    served = web_ms(cli, chat_env)
                    if served is None:
                        errors["`r9s web`"] = "did not serve its page"
                    add(samples, "cli.web_ms", "r9s", served)
        finally:
            shutil.rmtree(home, ignore_errors=True)


# -- bulk work (r9s batch), once per run -------------------------------------------------


class Mock:
    """``r9s mock`` with a rate limit, in a process of its own (so that the server's
    work does not share the clients' interpreter)."""

    def __init__(self, rpm: int) -> None:
        cli = [PYTHON, "-m", "r9s.cli", "mock", "--port", "0", "--quiet", "--rate-limit", str(rpm)]
        self.process = subprocess.Popen(cli, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("r9s local server listening on "):
            self.process.kill()
            raise RuntimeError(f"r9s mock did not start: {line!r}")
        self.url = line.split()[-1]
        self.root = self.url.removesuffix("/v1")

    def limited(self, reset: bool = False) -> int:
        import urllib.request

        method = "DELETE" if reset else "GET"
        request = urllib.request.Request(self.root + "/__r9s/rate-limit", method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(json.loads(answer.read())["limited"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def send_rows(client: str, url: str, rows: int, concurrency: int) -> dict[str, Any]:
    argv = [PYTHON, str(HERE / "bench_batch.py"), "send", "--client", client, "--url", url]
    return run_json(argv + ["--rows", str(rows), "--concurrency", str(concurrency)], timeout=1800)


def run_batch(settings: Settings, server: Server, errors: dict[str, str]) -> dict[str, Any]:
    """Goodput against a rate-limited mock, r9s batch against openai + gather; requests/s
    against the unlimited benchmark server; peak RSS at two input sizes."""
    found: dict[str, Any] = {}
    rows, concurrency = settings.batch_rows, settings.batch_concurrency
    mock = Mock(settings.batch_rpm)
    try:
        for client in ("r9s", "openai"):
            mock.limited(reset=True)
            result = send_rows(client, mock.url, rows, concurrency)
            if "error" in result:
                errors[f"batch {client}"] = result["error"]
                continue
            result["throttled"] = mock.limited()
            found[f"limited.{client}"] = result
            print(f"  batch: {client} against the limited mock in {result['seconds']:.0f} s",
                  flush=True)  # fmt: skip
    finally:
        mock.stop()
    for client in ("r9s", "openai"):
        result = send_rows(client, server.url + "/v1", rows, concurrency)
        if "error" in result:
            errors[f"batch unlimited {client}"] = result["error"]
            continue
        found[f"unlimited.{client}"] = result
        print(f"  batch: {client} against the unlimited server in {result['seconds']:.0f} s",
              flush=True)  # fmt: skip
    for size in settings.memory_rows:
        result = run_json([PYTHON, str(HERE / "bench_batch.py"), "memory", "--rows", str(size)])
        if "error" in result:
            errors[f"batch memory {size}"] = result["error"]
            continue
        found[f"memory.{size}"] = result
        print(f"  batch: memory at {size:,} rows: {result['rss_mib']:.1f} MiB", flush=True)
    return found


def batch_table(found: dict[str, Any], settings: Settings) -> str:
    rows, rate = settings.batch_rows, settings.batch_rpm / 60

    def get(key: str, field: str) -> float | None:
        value = found.get(key, {}).get(field)
        return float(value) if value is not None else None

    def goodput(key: str) -> float | None:
        ok, seconds = get(key, "ok"), get(key, "seconds")
        return ok / seconds if ok is not None and seconds else None

    def number(value: float | None, digits: int = 0, suffix: str = "") -> str:
        return "-" if value is None else f"{value:,.{digits}f}{suffix}"

    def ratio(mine: float | None, theirs: float | None) -> str:
        return f"x{mine / theirs:.2f}" if mine is not None and theirs else "-"

    mine, theirs = goodput("limited.r9s"), goodput("limited.openai")
    fast_mine, fast_theirs = goodput("unlimited.r9s"), goodput("unlimited.openai")
    small, large = settings.memory_rows
    lines = [
        "| | r9s batch | openai + gather | r9s / openai |",
        "| --- | --- | --- | --- |",
        f"| goodput against a mock limited to {rate:,.0f} req/s, ok rows/s | "
        f"{number(mine, 1)} | {number(theirs, 1)} | {ratio(mine, theirs)} |",
        f"| 429 answers sent by the mock | {number(get('limited.r9s', 'throttled'))} | "
        f"{number(get('limited.openai', 'throttled'))} | |",
        f"| failed rows (of {rows:,}) | {number(get('limited.r9s', 'failed'))} | "
        f"{number(get('limited.openai', 'failed'))} | |",
        f"| wall time, s | {number(get('limited.r9s', 'seconds'), 1)} | "
        f"{number(get('limited.openai', 'seconds'), 1)} | |",
        f"| unlimited server, requests/s of one process | {number(fast_mine, 0)} | "
        f"{number(fast_theirs, 0)} | {ratio(fast_mine, fast_theirs)} |",
        f"| peak RSS of the sending process (unlimited), MiB | "
        f"{number(get('unlimited.r9s', 'peak_rss_mib'), 1)} | "
        f"{number(get('unlimited.openai', 'peak_rss_mib'), 1)} | |",
        f"| peak RSS at {small:,} / {large:,} rows (no network), MiB | "
        f"{number(get(f'memory.{small}', 'rss_mib'), 1)} / "
        f"{number(get(f'memory.{large}', 'rss_mib'), 1)} | - | |",
        f"| runner alone (no network), rows/s at {large:,} rows | "
        f"{number(get(f'memory.{large}', 'rows_per_s'), 0)} | - | |",
    ]
    return "\n".join(lines)


# -- reporting -------------------------------------------------------------------------


def ratios(samples: Samples, metric: Metric, client: str) -> list[float]:
    """Same-round cost ratios to the baseline (needs both values in the same round)."""
    mine = samples.get(metric.key, {}).get(client, [])
    base = samples.get(metric.key, {}).get(BASELINE, [])
    if len(mine) != len(base) or not mine:
        return []
    return [(b / m) if metric.rate else (m / b) for m, b in zip(mine, base, strict=True)]


def fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def cell(samples: Samples, metric: Metric, client: str) -> str:
    values = samples.get(metric.key, {}).get(client)
    if not values:
        return "-"
    text = fmt(statistics.median(values), metric.digits)
    if metric.rate:
        text += "/s"
    ratio = ratios(samples, metric, client)
    if ratio and client != BASELINE and metric.limit is not None or ratio and client == "raw":
        text += f" x{statistics.median(ratio):.2f}"
    if len(values) > 1:
        text += f" ({fmt(min(values), metric.digits)}–{fmt(max(values), metric.digits)})"
    return text


def verdict(samples: Samples, metric: Metric) -> str:
    if not metric.target:
        return ""
    values = samples.get(metric.key, {}).get("r9s")
    if not values:
        return f"{metric.target}: not measured"
    ok = True
    if metric.limit is not None:
        ratio = ratios(samples, metric, "r9s")
        ok = bool(ratio) and statistics.median(ratio) <= metric.limit
    if metric.absolute is not None:
        median = statistics.median(values)
        ok = ok and (median >= metric.absolute if metric.rate else median <= metric.absolute)
    detail = ""
    if metric.faster_than:
        sdk = samples.get(metric.key, {}).get(metric.faster_than, [])
        if len(sdk) == len(values):
            speedup = statistics.median(m / o for m, o in zip(values, sdk, strict=True))
            detail = f" ({speedup:.1f}x {metric.faster_than})"
            ok = ok and speedup >= metric.speedup
        else:
            ok = False
    return f"{metric.target}: {'met' if ok else '**not met**'}{detail}"


def table(samples: Samples, clients: tuple[str, ...]) -> str:
    names = {
        "raw": "raw socket (floor)",
        "httpx": "plain httpx",
        "r9s": "r9s (async: aiohttp)",
        "r9s-httpx": "r9s, async on httpx",
        "openai-aiohttp": "openai, DefaultAioHttpClient",
        "anthropic-aiohttp": "anthropic, DefaultAioHttpClient",
    }
    header = ["", *[names.get(c, c) for c in clients], "r9s target"]
    rows = [header, ["---"] * len(header)]
    for metric in METRICS:
        if metric.key not in samples:
            continue
        rows.append(
            [metric.label, *[cell(samples, metric, c) for c in clients], verdict(samples, metric)]
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    names = [
        "r9s",
        "httpx",
        "httpx-aiohttp",
        "aiohttp",
        "httpcore",
        "pydantic",
        "pydantic-core",
        "openai",
        "anthropic",
        "httpx2",
    ]
    packages = ", ".join(f"{name} {version_of(name)}" for name in names)
    return (
        f"{os.cpu_count()} cores, {cpu}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({platform.python_implementation()}).\n"
        f"Packages: {packages}."
    )


def pydantic_floor(samples: Samples) -> str | None:
    """The first call's floor for a client that returns pydantic models, and where plain
    httpx and r9s stand to it (medians)."""
    first = samples.get("startup.first_ms", {})
    floor, httpx, r9s = first.get(PYDANTIC_FLOOR), first.get(BASELINE), first.get("r9s")
    if not (floor and httpx and r9s):
        return None
    ms = statistics.median(floor)
    return (
        "The first call's floor for any client whose results are pydantic models (plain "
        "httpx's first call with its answer validated by a one-field pydantic model, "
        f"`startup.py first {PYDANTIC_FLOOR}`) took {ms:.1f} ms ({min(floor):.1f}–"
        f"{max(floor):.1f}), x{ms / statistics.median(httpx):.2f} of plain httpx's; r9s's "
        f"first call is x{statistics.median(r9s) / ms:.2f} of that floor."
    )


def report(samples: Samples, clients: tuple[str, ...], settings: Settings, command: str,
           errors: dict[str, str], loads: tuple[float, float], seconds: float,
           batch: dict[str, Any] | None = None) -> str:  # fmt: skip
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    python_ms = samples.get("startup.python_ms", {}).get(BASELINE)
    interpreter = "."
    if python_ms:
        interpreter = f"; the interpreter itself starts in {statistics.median(python_ms):.0f} ms."
    lines = [
        "# Benchmark results",
        "",
        f"`{command}` on {now}, {settings.rounds} round(s), {seconds:.0f} s in all.",
        "",
        machine(),
        f"Load average before/after: {loads[0]:.2f} / {loads[1]:.2f} (a shared machine).",
        "",
        "Cells: median over rounds, `xN` = cost relative to plain httpx in the same round",
        "(median of the per-round ratios; for rates, httpx's rate / this client's rate),",
        "(min–max over rounds). Every answer was checked (text, event count, vector values).",
        "",
        table(samples, clients),
        "",
        "Workloads per round, each in a fresh process per client, clients side by side:",
        f"{settings.calls} sequential chat / messages calls after 20 warm-up calls; one "
        f"{settings.events:,}-event stream of each kind, {settings.repeats} times (the median "
        "counts; after a 200-event warm-up); "
        f"{settings.embeds} embeddings calls per encoding; {settings.waves} waves of "
        f"{settings.concurrency} concurrent calls with `asyncio.gather`; the async chat "
        "stream as the sync one, in an event loop. The raw floor speaks "
        "HTTP/1.1 over one blocking socket and `json.loads` each body or event. openai's "
        "base64 row is its default (it asks for base64 and decodes it); httpx and raw decode "
        "base64 with `array.frombytes`. Start-up figures are in-process times in a fresh "
        "interpreter (OS file cache warm)" + interpreter + " The first call is a chat call "
        "(a messages call for anthropic); r9s loads pydantic and its types on it.",
    ]
    floor = pydantic_floor(samples)
    if floor:
        lines += ["", floor]
    if batch is not None:
        lines += [
            "",
            "## Bulk work: `r9s batch`",
            "",
            batch_table(batch, settings),
            "",
            f"Measured once per run, each in a fresh process. {settings.batch_rows:,} chat "
            f"requests, at most {settings.batch_concurrency} in flight for both clients "
            f"(r9s batch: `--concurrency {settings.batch_concurrency} --max-concurrency "
            f"{settings.batch_concurrency}`, which its AIMD may cut; openai: a semaphore of "
            f"{settings.batch_concurrency} around `asyncio.gather` of every row, the SDK's "
            "default 2 retries honouring Retry-After). The limited server is `r9s mock "
            f"--rate-limit {settings.batch_rpm}` in its own process (a one-second token "
            "bucket answering 429 with Retry-After); the unlimited one is the benchmark "
            "server above. The memory rows run r9s.batch with an in-process transport that "
            "answers at once, so the RSS is the runner's own (reader, key index, journal, "
            "limiter); input and output files grow, the process does not.",
        ]
    if errors:
        lines += ["", "Errors (these cells are empty):", ""]
        lines += [f"- {where}: {message}" for where, message in sorted(errors.items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small round (development)")
    parser.add_argument("--rounds", type=int, help="override the number of rounds")
    parser.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated subset")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"), help="'-' to not write")
    parser.add_argument("--samples", help="also write every per-round value to this JSON file")
    parser.add_argument("--skip-batch", action="store_true", help="leave out the r9s batch rows")
    parser.add_argument("--batch-only", action="store_true", help="only the r9s batch rows")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    if args.rounds:
        settings.rounds = args.rounds
    clients = tuple(c for c in CLIENTS if c in args.clients.split(","))
    command = "make bench" + (f" BENCH_ARGS='{' '.join(sys.argv[1:])}'" if sys.argv[1:] else "")

    # Installed packages have their bytecode; a source tree may not (PYTHONDONTWRITEBYTECODE):
    # compile r9s's now, or every start-up figure would include compiling it.
    compileall.compile_dir(str(HERE.parent / "src" / "r9s"), quiet=1)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    samples: Samples = {}
    errors: dict[str, str] = {}
    server = Server()
    batch: dict[str, Any] | None = None
    try:
        if not args.batch_only:
            for index in range(settings.rounds):
                run_round(index, server, settings, clients, samples, errors)
        if not args.skip_batch:
            batch = run_batch(settings, server, errors)
    finally:
        server.stop()
    text = report(samples, clients, settings, command, errors,
                  (load_before, os.getloadavg()[0]), time.perf_counter() - started,
                  batch)  # fmt: skip
    print()
    print(text)
    if args.samples:
        Path(args.samples).write_text(json.dumps(samples, indent=1))
    if args.output != "-":
        Path(args.output).write_text(text)
        print(f"written to {args.output}")


if __name__ == "__main__":
    main()
