"""Helpers shared by the index, CLI, fault and Chroma-server tests. Everything they write goes under tmp dirs."""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bot.web.server import free_port  # also used by the tests through helpers

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DEV_SET = REPO / "evals" / "dev.jsonl"
FILE_000 = "000_0feb0f1d8f072487.txt"  # the park press-conference article + the 金口河 article
FILE_001 = "001_ae9b3629b205d340.txt"  # the 2024 park review (海创尚纬, 创智谷, ...)

CLI = [sys.executable, "-c", "from bot.cli import main; main()"]


def squash(text: str) -> str:
    """Text without any whitespace (quotes in evals/dev.jsonl are compared this way)."""
    return re.sub(r"\s+", "", text)


def copy_corpus(dest: Path) -> Path:
    """A private copy of the bundled corpus that a test may edit."""
    shutil.copytree(CORPUS, dest)
    return dest


def hash_settings(tmp: Path, corpus: Path | None = None, **overrides):
    """Settings with the fast 'hash' embedder and every path under ``tmp``."""
    from bot import Settings

    base = dict(corpus_dir=corpus or CORPUS, index_dir=tmp / "index", data_dir=tmp / "data", embedder="hash")
    base.update(overrides)
    return Settings(**base)


def chunk_ids(settings, paths) -> dict[str, str]:
    """chunk id -> source, exactly as ingest would chunk ``paths`` with ``settings``."""
    from bot.chunks import chunk_article
    from bot.corpus import load_corpus

    out: dict[str, str] = {}
    for art in load_corpus(list(paths)).articles:
        for c in chunk_article(art, settings.chunk_chars, settings.overlap_chars):
            out.setdefault(c.id, c.source)
    return out


def chunk_collections(settings) -> list[str]:
    """Names of the chunk collections present in the store (live one and strays)."""
    from bot.index import CHUNKS_PREFIX, make_client

    client = make_client(settings)
    names = [c.name if hasattr(c, "name") else str(c) for c in client.list_collections()]
    return sorted(n for n in names if n.startswith(CHUNKS_PREFIX))


def cli_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``bot`` subprocess: hash embedder, index and data under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_INDEX_DIR=str(tmp / "index"),
        BOT_DATA_DIR=str(tmp / "data"),
        BOT_CORPUS_DIR=str(CORPUS),
        BOT_EMBEDDER="hash",
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def start_cli(args: list[str], env: dict[str, str], cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
    )


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


_POOL = "园区企业项目投资产业创新发展建设科技制造新能源材料电池光伏数字经济平台服务人才政策营商环境改革开放合作基地工厂产能销售利润就业"


def synthetic_corpus(dest: Path, n_files: int, seed: int = 7) -> Path:
    """``n_files`` newspaper-style articles (≈5 chunks each at the default settings), all distinct."""
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        paras = []
        for p in range(5):
            sents = []
            for s in range(4):
                body = "".join(rng.choice(_POOL) for _ in range(rng.randint(20, 50)))
                sents.append(f"第{i}号合成文章第{p}段第{s}句{body}{rng.randint(1, 999)}亿元。")
            paras.append("".join(sents))
        text = f"# 合成测试文章{i}\n\n" + "\n\n".join(paras) + "\n"
        (dest / f"syn_{i:04d}.txt").write_text(text, encoding="utf-8")
    return dest


# --- live processes: a Chroma server, app workers, steady HTTP load --------------------------------------


def chroma_exe() -> str | None:
    here = Path(sys.executable).parent / "chroma"
    return str(here) if here.exists() else shutil.which("chroma")


@contextlib.contextmanager
def chroma_server(tmp: Path, start_timeout_s: float = 30.0):
    """``chroma run`` on a free loopback port with its data under ``tmp``; yields its URL. Skips the test
    when the CLI is missing or the server does not answer its heartbeat in time."""
    import pytest

    exe = chroma_exe()
    if exe is None:
        pytest.skip("the chroma CLI is not installed")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp / "data")],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                pytest.skip(f"chroma run exited with {proc.returncode}: {(tmp / 'server.log').read_text()[-500:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.skip(f"chroma run did not answer its heartbeat within {start_timeout_s:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        stop_process(proc)
        log.close()


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Worker:
    """``python app.py`` on a free loopback port (a serving process, as in production)."""

    def __init__(self, env: dict[str, str], tmp: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "app.py")],
            env={**env, "BOT_HOST": "127.0.0.1", "BOT_PORT": str(self.port)},
            cwd=tmp,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}: {self.log()[-3000:]}")
            try:
                if httpx.get(self.url + "/api/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # still starting
            time.sleep(0.3)
        raise AssertionError(f"worker not ready in {timeout} s: {self.log()[-3000:]}")

    def health(self) -> dict:
        import httpx

        return httpx.get(self.url + "/api/health", timeout=10).json()

    def ask(self, question: str) -> dict:
        import httpx

        r = httpx.post(self.url + "/api/ask", json={"question": question}, timeout=60)
        assert r.status_code == 200, (r.status_code, r.text[:500])
        return r.json()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


class Load:
    """``clients`` threads, each looping ``POST /api/ask`` over ``urls`` in turn until stopped (or
    ``max_requests`` in all). Every response that is not 2xx, and every transport error, is a failure."""

    def __init__(self, urls: list[str], questions: list[str], clients: int = 2, max_requests: int = 2000) -> None:
        self.urls, self.questions, self.max_requests = urls, questions, max_requests
        self.ok = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]

    def _run(self, i: int) -> None:
        import httpx

        n = i
        with httpx.Client(timeout=60) as client:
            while not self._stop.is_set():
                with self._lock:
                    if self.ok + len(self.failures) >= self.max_requests:
                        return
                url = self.urls[n % len(self.urls)]
                question = self.questions[n % len(self.questions)]
                n += 1
                try:
                    r = client.post(url + "/api/ask", json={"question": question})
                    failure = None if 200 <= r.status_code < 300 else f"{url}: {r.status_code} {r.text[:200]}"
                except httpx.HTTPError as exc:
                    failure = f"{url}: {type(exc).__name__}: {exc}"
                with self._lock:
                    if failure is None:
                        self.ok += 1
                    else:
                        self.failures.append(failure)

    @property
    def total(self) -> int:
        return self.ok + len(self.failures)

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(90)
