"""``kill -9`` at random moments, then resume: every custom_id exactly once, and no request
sent again whose answer had been written."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from r9s.testing import LocalServer
from tests.batch.conftest import KEY, answer_text, by_id, chat_input, sent_ids
from tests.support.cli import R9S, user_env

ROWS = 1500
KILLS = 6


def complete_records(output: Path) -> dict[str, dict[str, object]]:
    """The whole records of an output a kill may have cut short (a torn last line is
    allowed, and nothing else); fails on a custom_id written twice."""
    if not output.exists():
        return {}
    data = output.read_bytes()
    lines = data.split(b"\n")
    found: dict[str, dict[str, object]] = {}
    for number, line in enumerate(lines[:-1], 1):
        record = json.loads(line)  # every line ended by a newline is whole
        key = record["custom_id"]
        assert key not in found, f"{key} written twice (line {number})"
        found[key] = record
    return found


def test_kill_9_at_random_moments_then_resume(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    chance = random.Random(seed)
    source = chat_input(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    command = [*R9S, "batch", "run", str(source), "-o", str(output), "-q", "--concurrency", "16"]
    with LocalServer() as server:
        env = user_env(tmp_path, {"R9S_BASE_URL": server.url, "R9S_API_KEY": KEY})
        kills = 0
        for attempt in range(KILLS):
            answered = complete_records(output)
            if len(answered) == ROWS:
                break
            server.clear()
            # 1500 rows of 50 ms at 16 at once: about 4.7 s of sending in all, more than
            # three runs killed within 1.4 s of starting can do, however fast the machine
            server.inject("delay=0.05", times=ROWS)
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)  # fmt: skip
            time.sleep(chance.uniform(0.25, 1.4))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.communicate(timeout=30)  # also closes its stderr pipe
            sent = sent_ids(server)
            again = set(sent) & set(answered)
            assert not again, f"seed {seed}, run {attempt}: sent again though answered: {again}"
            complete_records(output)  # whole lines, each custom_id once
        answered = complete_records(output)
        server.clear()
        finish = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert finish.returncode == 0, finish.stderr
        assert set(sent_ids(server)).isdisjoint(answered), f"seed {seed}"
        assert len(sent_ids(server)) == ROWS - len(answered)
    found = by_id(output)
    assert set(found) == {f"row-{n}" for n in range(ROWS)}, f"seed {seed}"
    assert all(answer_text(record) == f"Echo: prompt of {key}" for key, record in found.items())
    assert kills >= 3, f"seed {seed}: only {kills} runs were still going when killed"
