"""Soak (short CI version): 32 concurrent clients on loopback through the HTTP API, bounded in count and time.

Zero errors, p95 reported, memory flat (RSS growth between the first and last round stays small).
`bot bench` runs the longer load.
"""

from __future__ import annotations

import resource
import threading
import time

import httpx
import pytest

QUESTIONS = [
    "海创尚纬的注册资本是多少?",
    "2023年“一区五园”营业收入是多少?",
    "创智谷孵化器什么时候开园?",
    "乐山明天天气怎么样?",
    "高新区2024年固投增速多少?",
    "<script>alert(1)</script>",
]
CLIENTS = 32
REQUESTS_PER_CLIENT_PER_ROUND = 2
ROUNDS = 4
MAX_SECONDS = 240


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _round(url: str, deadline: float) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        with httpx.Client(timeout=60) as http:
            for j in range(REQUESTS_PER_CLIENT_PER_ROUND):
                if time.monotonic() > deadline:
                    return
                q = QUESTIONS[(i + j) % len(QUESTIONS)]
                t0 = time.perf_counter()
                try:
                    r = http.post(url, json={"question": q})
                    ok = r.status_code == 200 and "answer" in r.json()
                    err = None if ok else f"HTTP {r.status_code}: {r.text[:120]}"
                except Exception as exc:
                    err = f"{type(exc).__name__}: {exc}"
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    if err:
                        errors.append(err)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, deadline - time.monotonic() + 60))
    return latencies, errors


@pytest.mark.slow
def test_soak_32_clients_no_errors_memory_flat(corpus_bot, settings_factory) -> None:
    from bot.web import create_app
    from bot.web.server import ServerThread

    settings = settings_factory(rate_limit_per_min=1_000_000)
    app = create_app(corpus_bot, settings)
    deadline = time.monotonic() + MAX_SECONDS
    rss: list[float] = []
    all_latencies: list[float] = []
    with ServerThread(app) as base:
        url = base + "/api/ask"
        for _ in range(ROUNDS):
            latencies, errors = _round(url, deadline)
            assert not errors, errors[:5]
            all_latencies.extend(latencies)
            rss.append(_rss_mb())
    all_latencies.sort()
    p95 = all_latencies[int(0.95 * (len(all_latencies) - 1))]
    growth = rss[-1] - rss[0]
    print(f"\nsoak: {len(all_latencies)} requests, {CLIENTS} clients, p50 "
          f"{all_latencies[len(all_latencies) // 2]:.0f} ms, p95 {p95:.0f} ms, RSS {rss[0]:.0f} → {rss[-1]:.0f} MB")
    assert len(all_latencies) >= CLIENTS * REQUESTS_PER_CLIENT_PER_ROUND * 2, "the soak ran out of time too early"
    assert growth < 60, f"memory grew {growth:.0f} MB over the soak ({rss})"
