"""``r9s batch run --ray local``: a real local Ray cluster started by the run, 10,000 rows
against the local server with 429s (injected and from its rate limit) and a worker killed
mid-run: every row exactly once, the same answers as a run on one machine, and no Ray
process left behind.

Ray is not in the test venv (it brings click, which changes what ``import httpx`` loads);
``make ray-venv`` (run by ``make test``) builds ``.venv-ray``, whose Python runs the job.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from r9s.testing import LocalServer
from tests.batch.conftest import KEY, answer_text, by_id, chat_input
from tests.support.ci import unavailable

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RAY_VENV = Path(os.environ.get("R9S_RAY_VENV", REPO / ".venv-ray"))
ROWS = 10_000
WORKER = "MapWorker(MapBatches(RequestSender))"


def processes() -> dict[int, str]:
    """Every process on this machine: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                )
            except OSError:
                continue
    return found


def ours(before: set[int]) -> dict[int, str]:
    """Ray processes of this test's Ray (its venv's path in their command line; Ray's
    worker processes rename themselves ``ray::...``) that were not there before."""
    return {
        pid: line
        for pid, line in processes().items()
        if pid not in before and (str(RAY_VENV) in line or line.startswith("ray::"))
    }


@pytest.fixture
def ray_python() -> Iterator[Path]:
    python = RAY_VENV / "bin" / "python"
    probe = (
        subprocess.run([str(python), "-c", "import ray, r9s"], capture_output=True)
        if python.exists()
        else None
    )
    if probe is None or probe.returncode != 0:
        unavailable(f"Ray is not installed in {RAY_VENV} (make ray-venv)")
    before = set(processes())
    yield python
    deadline = time.monotonic() + 20
    while ours(before) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = ours(before)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"Ray processes left behind: {sorted(left.values())[:5]}"


def run(python: Path, server: LocalServer, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "R9S_API_KEY": KEY,
        "R9S_BASE_URL": server.url,
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    return subprocess.Popen(
        [str(python), "-m", "r9s.cli", "batch", "run", *args, "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def test_ten_thousand_rows_on_a_local_ray_cluster_with_429s_and_a_killed_worker(
    tmp_path: Path, ray_python: Path
) -> None:
    source = chat_input(tmp_path / "in.jsonl", ROWS)
    started = time.monotonic()
    with LocalServer() as plain:
        single = run(Path(sys.executable), plain, str(source), "-o", str(tmp_path / "single.jsonl"))
        out, err = single.communicate(timeout=300)
        assert single.returncode == 0, err[-2000:]
    single_seconds = time.monotonic() - started

    output = tmp_path / "ray.jsonl"
    killed: list[int] = []
    with LocalServer(rate_limit="12000") as server:  # 200 a second, and 429s injected besides
        server.inject("status=429;retry_after_ms=300", times=40)
        job = run(ray_python, server, str(source), "-o", str(output), "--ray", "local")
        try:
            deadline = time.monotonic() + 240
            while job.poll() is None and time.monotonic() < deadline:
                written = output.read_bytes().count(b"\n") if output.exists() else 0
                workers = [
                    pid for pid, line in processes().items() if line.startswith(f"ray::{WORKER}")
                ]
                if not killed and written >= ROWS // 4 and workers:
                    os.kill(workers[0], signal.SIGKILL)
                    killed.append(workers[0])
                time.sleep(0.2)
            out, err = job.communicate(timeout=240)
        finally:
            if job.poll() is None:
                os.killpg(job.pid, signal.SIGKILL)
                job.wait()
        limited = server.rate_limit_stats["limited"]
    seconds = time.monotonic() - started - single_seconds
    assert job.returncode == 0, err[-3000:]
    assert killed, "the run ended before a quarter of its rows were written: nothing was killed"
    summary = json.loads(out)
    assert (summary["state"], summary["ok"], summary["failed"]) == ("finished", ROWS, 0), summary
    assert limited > 0 and summary["throttled"] >= 40 + limited
    assert summary["requests"] >= ROWS + summary["throttled"]

    on_ray, alone = by_id(output), by_id(tmp_path / "single.jsonl")  # each custom_id once
    assert set(on_ray) == set(alone) == {f"row-{n}" for n in range(ROWS)}
    for key, record in on_ray.items():
        assert answer_text(record) == answer_text(alone[key]) == f"Echo: prompt of {key}"
        assert record["response"]["body"]["usage"] == alone[key]["response"]["body"]["usage"]
    print(f"\nsingle machine {single_seconds:.0f} s, on Ray {seconds:.0f} s, killed {killed}, "
          f"{limited} 429s from the rate limit; {summary}")  # fmt: skip
