"""Check a live update from outside, as staff would do it: a Chroma server, app workers, 2 clients asking in a
loop, then a new article copied into the corpus and ``bot ingest`` run. Prints the requests, the non-2xx
responses and how long until every worker answers from the new article (no restart).

    .venv/bin/python scripts/live_update_check.py                    # e5 (the default embedder), 1 worker
    .venv/bin/python scripts/live_update_check.py --workers 2 --embedder hash

Everything (corpus copy, Chroma data, index files, logs) lives in a temporary directory; loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NEW_FILE = "zz_live_update_check.md"
NEW_ARTICLE = (
    "# 新材料中试基地正式投用\n\n"
    "本报讯 近日，园区新材料中试基地正式投用。基地总面积约1.2万平方米，首批入驻企业9家，"
    "可为企业提供小试、中试和检测服务。\n\n"
    "基地负责人表示，下一步将围绕晶硅光伏和锂电材料，力争三年内孵化科技型企业30家。\n"
)
NEW_QUESTION = "新材料中试基地首批入驻了多少家企业？"
QUESTIONS = ["海创尚纬的注册资本是多少？", "乐山高新区2023年营业收入是多少？", "创智谷孵化器有多大面积？", NEW_QUESTION]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, question: str, timeout: float = 60) -> tuple[int, dict]:
    body = json.dumps({"question": question}).encode("utf-8")
    req = urllib.request.Request(url + "/api/ask", data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def wait_http(url: str, proc: subprocess.Popen, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=3):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up in {limit_s:.0f} s")


def from_new_article(answer: dict) -> bool:
    return not answer.get("refused", True) and any(c.get("source") == NEW_FILE for c in answer.get("citations", []))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--embedder", default="e5")
    ap.add_argument("--switch-limit-s", type=float, default=30.0)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bot-live-check-"))
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        shutil.copytree(REPO / "corpus", tmp / "corpus")
        chroma = Path(sys.executable).parent / "chroma"
        cport = free_port()
        log = open(tmp / "chroma.log", "wb")  # noqa: SIM115 - closed at the end
        logs.append(log)
        procs.append(subprocess.Popen([str(chroma), "run", "--host", "127.0.0.1", "--port", str(cport), "--path",
                                       str(tmp / "chroma")], stdout=log, stderr=subprocess.STDOUT, cwd=tmp))
        wait_http(f"http://127.0.0.1:{cport}/api/v2/heartbeat", procs[0], 60)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update(BOT_CHROMA_URL=f"http://127.0.0.1:{cport}", BOT_CORPUS_DIR=str(tmp / "corpus"),
                   BOT_INDEX_DIR=str(tmp / "index"), BOT_DATA_DIR=str(tmp / "data"), BOT_EMBEDDER=args.embedder,
                   BOT_RATE_LIMIT_PER_MIN="1000000", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
        bot = [sys.executable, "-c", "from bot.cli import main; main()"]
        t0 = time.monotonic()
        subprocess.run([*bot, "ingest", "--quiet"], env=env, cwd=tmp, check=True)
        print(f"first ingest: {time.monotonic() - t0:.1f} s")
        urls = []
        for i in range(args.workers):
            port = free_port()
            wlog = open(tmp / f"worker{i}.log", "wb")  # noqa: SIM115 - closed at the end
            logs.append(wlog)
            procs.append(subprocess.Popen([sys.executable, str(REPO / "app.py")], env={**env, "BOT_PORT": str(port)},
                                          cwd=tmp, stdout=wlog, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(urls, procs[1:], strict=True):
            wait_http(url + "/api/health", proc, 300)

        statuses: list[int] = []
        errors: list[str] = []
        stop = threading.Event()

        def client(i: int) -> None:
            n = i
            while not stop.is_set():
                try:
                    status, _ = post(urls[n % len(urls)], QUESTIONS[n % len(QUESTIONS)])
                    statuses.append(status)
                except OSError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                n += 1

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(3)
        before = len(statuses)
        (tmp / "corpus" / NEW_FILE).write_text(NEW_ARTICLE, encoding="utf-8")
        t0 = time.monotonic()
        subprocess.run([*bot, "ingest", "--quiet"], env=env, cwd=tmp, check=True)
        ingest_s = time.monotonic() - t0
        during = len(statuses) - before
        done = time.monotonic()
        switched: dict[str, float] = {}
        while len(switched) < len(urls) and time.monotonic() - done < args.switch_limit_s:
            for url in urls:
                if url not in switched:
                    status, answer = post(url, NEW_QUESTION)
                    if status == 200 and from_new_article(answer):
                        switched[url] = time.monotonic() - done
            time.sleep(0.2)
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(90)
        bad = [s for s in statuses if not 200 <= s < 300]
        restarted = [p.pid for p in procs[1:] if p.poll() is not None]
        print(f"ingest adding the article: {ingest_s:.1f} s")
        print(f"requests: {len(statuses)} ({during} during the ingest), non-2xx: {len(bad)}, transport errors: "
              f"{len(errors)}")
        for url in urls:
            s = switched.get(url)
            when = f"after {s:.1f} s" if s is not None else "NOT within the limit"
            print(f"{url}: answers from the new article {when}")
        print(f"workers restarted or exited: {len(restarted)}")
        ok = not bad and not errors and len(switched) == len(urls) and not restarted
        print("OK" if ok else "FAILED")
        if not ok:
            sys.exit(1)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for f in logs:
            f.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
