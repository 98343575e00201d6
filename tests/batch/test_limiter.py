"""The limiter: AIMD concurrency, one cut per burst, a pause for everyone, a learned rate."""

from __future__ import annotations

import asyncio
import time

import pytest

from r9s.batch._limiter import AdaptiveLimiter, Pacer, Stopped


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_concurrency_grows_by_one_per_full_window_of_successes() -> None:
    async def main() -> None:
        limiter = AdaptiveLimiter(4, maximum=6)
        grown = []
        for _ in range(20):  # the pool keeps every slot busy, as the runner's workers do
            while limiter.in_flight < int(limiter.limit):
                await limiter.acquire()
            limiter.release(ok=True)
            grown.append(limiter.limit)
        # a window is as many successes as the limit: 4 at 4, then 5 at 5, then capped
        assert grown[:10] == [4, 4, 4, 5, 5, 5, 5, 5, 6, 6] and grown[-1] == 6
        # Successes while the limit was not in use teach nothing.
        idle = AdaptiveLimiter(4)
        for _ in range(50):
            await idle.acquire()
            idle.release(ok=True)
        assert idle.limit == 4

    asyncio.run(main())


def test_a_burst_of_throttles_cuts_once() -> None:
    clock = Clock()
    limiter = AdaptiveLimiter(32, clock=clock)
    sent = clock.now
    clock.now += 1
    assert limiter.throttled(sent, None).cut
    assert limiter.limit == 24
    for _ in range(20):  # answers to requests sent before the cut
        assert not limiter.throttled(sent, None).cut
    assert limiter.limit == 24 and limiter.throttles == 21
    clock.now += 1
    assert limiter.throttled(clock.now, None).cut  # a request sent after it: a new signal
    assert limiter.limit == 18
    for _ in range(30):
        limiter.throttled(clock.now, None)
        clock.now += 1
    assert limiter.limit == 1  # never below the minimum


def test_the_first_throttle_learns_a_rate_from_what_got_through() -> None:
    async def main() -> None:
        clock = Clock()
        limiter = AdaptiveLimiter(8, clock=clock)
        for _ in range(100):  # 50 a second for two seconds
            await limiter.acquire()
            limiter.release(ok=True)
            clock.now += 0.02
        assert limiter.rate is None
        limiter.throttled(clock.now, None)
        assert limiter.rate == pytest.approx(0.9 * 50, rel=0.05)
        for _ in range(100):  # each success adds a little
            limiter.in_flight += 1
            limiter.release(ok=True)
        assert limiter.rate == pytest.approx(0.9 * 50 + 2, rel=0.05)

    asyncio.run(main())


def test_a_retry_after_pauses_every_waiting_request() -> None:
    async def main() -> None:
        limiter = AdaptiveLimiter(8)
        started = time.monotonic()
        limiter.throttled(started, 0.3)
        waited = await asyncio.gather(*(limiter.acquire() for _ in range(5)))
        assert all(at - started >= 0.29 for at in waited)
        # A pause set while requests wait for the rate caps is waited out too.
        capped = AdaptiveLimiter(8, rpm=60 * 1000)
        task = asyncio.ensure_future(capped.acquire())
        capped.pause(0.2)
        assert await task - time.monotonic() <= 0 and time.monotonic() - started >= 0.49

    asyncio.run(main())


def test_requests_beyond_the_limit_wait_for_a_slot_in_order() -> None:
    async def main() -> None:
        limiter = AdaptiveLimiter(2)
        await limiter.acquire()
        await limiter.acquire()
        order: list[int] = []

        async def wait(n: int) -> None:
            await limiter.acquire()
            order.append(n)

        tasks = [asyncio.ensure_future(wait(n)) for n in range(3)]
        await asyncio.sleep(0.01)
        assert order == [] and limiter.in_flight == 2
        limiter.release(ok=False)  # (a success could grow the limit: not this test's point)
        await asyncio.sleep(0.01)
        limiter.release(ok=False)
        await asyncio.sleep(0.01)
        assert order == [0, 1]
        tasks[2].cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        limiter.release()
        limiter.release()
        assert limiter.in_flight == 0

    asyncio.run(main())


def test_closing_admission_stops_every_waiter() -> None:
    async def main() -> None:
        limiter = AdaptiveLimiter(1)
        await limiter.acquire()
        waiting = [asyncio.ensure_future(limiter.acquire()) for _ in range(3)]
        paced = AdaptiveLimiter(1, rpm=60)  # one a second: the second waits
        await paced.acquire()
        paced.release()
        sleeping = asyncio.ensure_future(paced.acquire())
        await asyncio.sleep(0.01)
        limiter.close_admission()
        paced.close_admission()
        results = await asyncio.gather(*waiting, sleeping, return_exceptions=True)
        assert all(isinstance(r, Stopped) for r in results)
        assert paced.in_flight == 0
        with pytest.raises(Stopped):
            await limiter.acquire()

    asyncio.run(main())


def test_rpm_and_tpm_caps_pace_requests() -> None:
    async def main() -> None:
        limiter = AdaptiveLimiter(64, rpm=1200)  # 20 a second, 20 of burst
        started = time.monotonic()
        for _ in range(30):
            await limiter.acquire()
            limiter.release()
        assert time.monotonic() - started >= 0.45
        tokens = AdaptiveLimiter(64, tpm=60_000)  # 1,000 a second
        started = time.monotonic()
        for _ in range(3):
            await tokens.acquire(700)
            tokens.release()
        assert time.monotonic() - started >= 1.0
        tokens.correct_tokens(700, 100)  # usage said less: the difference comes back

    asyncio.run(main())


def test_a_pacer_reserves_in_order_and_refunds() -> None:
    clock = Clock()
    pacer = Pacer(10, clock)
    assert [pacer.reserve(1) for _ in range(10)] == [0.0] * 10
    assert pacer.reserve(1) == pytest.approx(0.1)
    assert pacer.reserve(1) == pytest.approx(0.2)
    pacer.refund(2)
    assert pacer.reserve(1) == pytest.approx(0.1)
    clock.now += 60
    assert pacer.reserve(1) == 0.0


def test_what_other_processes_were_told_is_taken_in() -> None:
    async def main() -> None:
        clock = Clock()
        limiter = AdaptiveLimiter(16, clock=clock)
        limiter.cut_from_elsewhere()
        assert limiter.limit == 12
        limiter.cut_from_elsewhere()  # the same burst, told twice
        assert limiter.limit == 12
        clock.now += 1
        limiter.throttled(clock.now, None)  # its own cut...
        limiter.cut_from_elsewhere()  # ...and the cluster's word of the same burst
        assert limiter.limit == 9
        real = AdaptiveLimiter(16)
        started = time.monotonic()
        real.cut_from_elsewhere(0.2)
        assert await real.acquire() - started >= 0.19
        real.set_caps(rpm=60, tpm=None)  # one a second: the second request waits
        real.release()
        await real.acquire()
        real.release()
        assert await real.acquire() - started >= 1.0

    asyncio.run(main())


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="minimum <= initial <= maximum"):
        AdaptiveLimiter(10, maximum=5)
