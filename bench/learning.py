"""The learning loop's costs: the judge tier's throughput under its concurrency limit, and what a model in shadow
adds to checking.

    .venv/bin/python bench/learning.py [--posts 200] [--latency 0.05] [--items 300]

1. Judge: `--posts` distinct posts asked of a local OpenAI-compatible server that answers after `--latency`
   seconds (a stand-in for a model's time to answer), at concurrency 1, 4 and 16: posts/s and the batch's wall
   time. Then the same posts again: all from the answer cache.
2. Shadow: `Service.check` of `--items` text items (SQLite, text detector only, the packaged model) with no model
   in shadow, then with the packaged model registered and run in shadow beside itself: items/s both ways.
Prints the figures and a last JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bastion.core import Item, utcnow
from bastion.learning.registry import register, start_shadow
from bastion.service import Service
from bastion.settings import Settings
from bastion.text.judge.client import CacheKey, Endpoint, Judge
from bastion.text.policy import TvecPolicy

ANSWER = json.dumps(
    {"label": "not_tvec", "category": "benign", "protected_context": "none", "spans": [], "rationale": "bench"}
)


def _server(latency: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(latency)
            body = json.dumps({"choices": [{"message": {"content": ANSWER}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class MemoryCache:
    def __init__(self) -> None:
        self.stored: dict[CacheKey, dict[str, Any]] = {}

    def answers(self, keys: Sequence[CacheKey]) -> dict[CacheKey, dict[str, Any]]:
        return {key: self.stored[key] for key in keys if key in self.stored}

    def remember(self, answers: Mapping[CacheKey, dict[str, Any]]) -> None:
        self.stored.update(answers)


def bench_judge(posts: int, latency: float) -> dict[str, Any]:
    server = _server(latency)
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    texts = [(f"a fictional post number {n} about the weather", "en") for n in range(posts)]
    figures: dict[str, Any] = {"posts": posts, "latency_s": latency}
    for concurrency in (1, 4, 16):
        cache = MemoryCache()
        judge = Judge(Endpoint(url, "bench", concurrency=concurrency), TvecPolicy.load, cache, batch_seconds=600)
        start = time.perf_counter()
        answered = judge.judge_batch(texts)
        seconds = time.perf_counter() - start
        assert all(j.status == "answered" for j in answered)
        start = time.perf_counter()
        again = judge.judge_batch(texts)
        cached = time.perf_counter() - start
        assert all(j.status == "cached" for j in again)
        figures[f"concurrency_{concurrency}"] = {
            "posts_per_s": round(posts / seconds, 1),
            "batch_s": round(seconds, 2),
            "cached_posts_per_s": round(posts / cached),
        }
        print(
            f"judge, concurrency {concurrency:>2}: {posts / seconds:8.1f} posts/s ({seconds:.2f} s for {posts});"
            f" again from the cache {posts / cached:,.0f} posts/s"
        )
    server.shutdown()
    return figures


def bench_shadow(items: int) -> dict[str, Any]:
    texts = [
        "Police said the fictional brigade claimed the attack on the harbour",
        "A quiet afternoon by the river with the dog",
        "Brothers, join the crimson dawn brigade today, the gates are open",
        "We stand together against hate in our town",
    ]
    figures: dict[str, Any] = {"items": items}
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'b.db'}", detectors=["text"])
        service = Service.from_settings(settings)
        batch = [Item(id=f"warm-{n}", text=texts[n % 4]) for n in range(32)]
        service.check(batch)
        for label in ("without_shadow", "with_shadow"):
            if label == "with_shadow":
                with service.db.transaction() as tx:
                    row = register(tx, settings.text_model_dir, "bench", utcnow())
                    start_shadow(tx, row.version, "bench", utcnow())
                service.context.text_models().refresh_now()
            start = time.perf_counter()
            for offset in range(0, items, 32):
                service.check(
                    [Item(id=f"{label}-{offset + n}", text=texts[n % 4] + f" {offset + n}") for n in range(32)]
                )
            seconds = time.perf_counter() - start
            figures[label] = round(items / seconds, 1)
            print(f"check, {label.replace('_', ' ')}: {items / seconds:8.1f} items/s")
        service.db.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--items", type=int, default=320)
    args = parser.parse_args()
    result = {"judge": bench_judge(args.posts, args.latency), "shadow": bench_shadow(args.items)}
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
