"""HTTP load for ``bot bench``: the real app (``bot.web.create_app``) under uvicorn on a loopback port,
driven by N concurrent clients posting ``/api/ask``."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .service import Bot
    from .settings import Settings


def _pct(values: Sequence[float], p: float) -> float | None:
    from .evaluate.metrics import percentile

    return percentile(values, p)


def _one_level(
    url: str, clients: int, n_requests: int, max_seconds: float, payloads: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    import httpx

    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    start = time.perf_counter()
    deadline = start + max_seconds

    def worker() -> None:
        with httpx.Client(timeout=httpx.Timeout(120.0)) as client:
            while True:
                i = next(counter)
                if i >= n_requests or time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                try:
                    r = client.post(url, json=payloads[i % len(payloads)])
                    ok = r.status_code == 200 and "answer" in r.json()
                    status = str(r.status_code) if ok or r.status_code != 200 else "200-bad-body"
                except (httpx.HTTPError, ValueError) as exc:
                    ok, status = False, type(exc).__name__
                ms = (time.perf_counter() - t0) * 1000.0
                with lock:
                    statuses[status] += 1
                    if ok:
                        latencies.append(ms)

    threads = [threading.Thread(target=worker, name=f"bench-client-{i}") for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    done = sum(statuses.values())
    return {
        "clients": clients,
        "requests": done,
        "ok": len(latencies),
        "errors": done - len(latencies),
        "status_counts": dict(statuses),
        "seconds": round(seconds, 3),
        "throughput_rps": round(len(latencies) / seconds, 3) if seconds > 0 else 0.0,
        "p50_ms": _pct(latencies, 50),
        "p95_ms": _pct(latencies, 95),
        "hit_time_limit": done < n_requests,
    }


def _one_level_elsewhere(
    url: str, clients: int, n_requests: int, max_seconds: float, payloads: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """:func:`_one_level` in a separate interpreter: the load generator's threads (HTTP client, JSON) must not
    take the server's GIL, or the benchmark measures its own clients as much as the server."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    job = {"url": url, "clients": clients, "n_requests": n_requests, "max_seconds": max_seconds, "payloads": list(payloads)}
    proc = subprocess.run(
        [sys.executable, "-c", "from bot.bench_load import _client_main; _client_main()"],
        input=json.dumps(job, ensure_ascii=False),
        capture_output=True,
        text=True,
        env=env,
        timeout=max_seconds + 180,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(f"the load-generator process failed: {tail}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _client_main() -> None:
    """Entry of the load-generator process: a job (JSON) on stdin, the level's result (JSON) on stdout."""
    import json
    import sys

    job = json.loads(sys.stdin.read())
    res = _one_level(job["url"], int(job["clients"]), int(job["n_requests"]), float(job["max_seconds"]), job["payloads"])
    print(json.dumps(res))


def http_load(
    bot: Bot,
    settings: Settings,
    questions: Sequence[tuple[str, list[str]]],
    levels: Sequence[int] = (1, 8, 32),
    requests_per_level: int = 20,
    max_seconds: float = 30.0,
) -> dict[str, Any]:
    """Run each concurrency level; ``{"skipped": reason}`` when the web app is not available."""
    try:
        from .web import create_app
        from .web.server import ServerThread
    except ImportError as exc:
        return {"skipped": f"bot.web.create_app is not available ({exc})"}

    served = settings.model_copy(update={"rate_limit_per_min": 1_000_000})
    server = ServerThread(create_app(bot, served))
    try:
        base = server.start(timeout=60)
    except (RuntimeError, TimeoutError) as exc:
        return {"skipped": f"the HTTP server did not start: {exc}"}
    payloads = [{"question": q, "history": h} for q, h in questions]
    url = f"{base}/api/ask"
    try:
        results = [_one_level_elsewhere(url, c, max(requests_per_level, 2 * c), max_seconds, payloads) for c in levels]
    finally:
        server.stop(timeout=15)
    return {
        "skipped": None,
        "endpoint": "POST /api/ask",
        "concurrency_limit": served.concurrency_limit,
        "rate_limit_per_min": served.rate_limit_per_min,
        "requests_per_level": f"max({requests_per_level}, 2 x clients), stop after {max_seconds:g} s",
        "clients_in": "a separate process",
        "levels": results,
    }


__all__ = ["http_load"]
