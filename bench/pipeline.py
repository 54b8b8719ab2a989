"""Pipeline benchmark (not a test): prints the figures the README quotes.

    make bench            (or: .venv/bin/python bench/pipeline.py [--mentions N] [--requests N])

1. verify + parse + score CPU per mention on one core (mentions/s), VK deliveries with varied text;
2. the webhook handler in-process against moto's SQS over HTTP, p50/p99, next to a bare handler
   that only does the same SendMessage(Batch) call (ratio = our overhead at the door);
3. the local stack (`make run`): seconds from a webhook POST to its ticket in `GET /tickets`;
4. cold import of `app` in a fresh interpreter next to a bare Chalice app (median of N runs).

Only the results go to stdout; everything the pipeline logs (JSON lines, EMF, moto, the local
stack) goes to `--log` (default build/bench-pipeline.log), named on stderr at the end. Servers
listen on free ports, so the benchmark runs beside `make run` or another benchmark.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXTS = (
    "My order never arrived and nobody answers the phone. I want a refund.",
    "Looks delicious, ordering tonight!",
    "Заказ так и не пришёл, жду уже 3 часа. Верните деньги!",
    "Charged twice for this combo, please fix",
    "Курьер нахамил и уехал с моей пиццей",
    "Great service as always, thank you",
    "The app keeps crashing and I can't log in since the update",
    "Where is my order? It has been two hours.",
)
SECRET = "bench-secret"  # noqa: S105 (a benchmark value, not a credential)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def logs_to(path: Path) -> Iterator[None]:
    """Everything printed or logged inside goes to `path` (the pipeline logs a JSON line per event)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as sink, redirect_stdout(sink), redirect_stderr(sink):
        logging.basicConfig(stream=sink, level=logging.WARNING, force=True)
        yield


def vk_delivery(n: int) -> bytes:
    return json.dumps(
        {
            "type": "wall_reply_new",
            "group_id": 218000001,
            "event_id": f"e{n}",
            "v": "5.199",
            "secret": SECRET,
            "object": {
                "id": n,
                "from_id": 1000 + n % 97,
                "date": 1764237600 + n,
                "post_id": 513,
                "owner_id": -218000001,
                "text": TEXTS[n % len(TEXTS)] + f" #{n}",
            },
        },
        ensure_ascii=False,
    ).encode()


def bench_cpu(count: int) -> float:
    """Mentions per second of verify + parse + score on this core (process time, no I/O)."""
    from functions.connectors import vk
    from functions.core.score import ScoringRules
    from functions.core.scoring import score
    from functions.core.webhooks import WebhookRequest

    rules, secrets, now = ScoringRules(), {"secret": SECRET, "confirmation": "x"}, datetime.now(UTC)
    requests = [WebhookRequest("POST", vk_delivery(n)) for n in range(count)]
    score(vk.parse(requests[0], "acme")[0], rules)  # warm: TextBlob's lexicon loads on first use
    started = time.process_time()
    for request in requests:
        vk.verify(request, secrets, now)
        for mention in vk.parse(request, "acme"):
            score(mention, rules)
    return count / (time.process_time() - started)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def timed(call: Callable[[int], object], first: int, count: int) -> list[float]:
    samples = []
    for n in range(first, first + count):
        started = time.perf_counter()
        call(n)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bench_webhook(count: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """p50/p99 in ms of our webhook handler and of a bare SendMessageBatch, both to moto's SQS."""
    from moto.server import ThreadedMotoServer

    from infra.local import aws_environment, create_resources, seed_secrets

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(aws_environment(f"http://127.0.0.1:{port}", "bench"))
    os.environ["BRANDS_FILE"] = str(ROOT / "functions" / "config" / "brands.json")
    try:
        create_resources("bench")
        seed_secrets({"/mentiondesk/acme/vk/secret": SECRET, "/mentiondesk/acme/vk/confirmation": "x"})
        from functions.api.webhooks import receive
        from functions.core.webhooks import WebhookRequest
        from functions.runtime import aws
        from functions.runtime.settings import settings

        headers = MappingProxyType({"content-type": "application/json"})
        bodies = [vk_delivery(n) for n in range(count)]

        def ours(n: int) -> None:
            response = receive("vk", None, WebhookRequest("POST", bodies[n], headers), datetime.now(UTC))
            assert response.status_code == 200, response.body

        sqs = aws.sqs()  # the same client and connection pool as the handler: only our work differs
        url = sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"]

        def bare(n: int) -> None:
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "0", "MessageBody": bodies[n].decode()}])

        ours(0)  # warm caches, connections and secrets on both sides
        bare(0)
        ours_ms: list[float] = []
        bare_ms: list[float] = []
        for n in range(count):  # interleaved, so both see the same queue length and machine load
            ours_ms += timed(ours, n, 1)
            bare_ms += timed(bare, n, 1)
        return percentiles(ours_ms), percentiles(bare_ms)
    finally:
        server.stop()


def cold_import(statement: str, runs: int) -> float:
    """Median seconds to run `statement` in a fresh interpreter (the Lambda cold-start import)."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(samples)


def _opened(listing: dict[str, Any]) -> int:
    """Tickets the desk has created: a link is listed from its claim ("opening"), before the ticket exists."""
    return sum(1 for link in listing["items"] if link["state"] == "open" and link.get("ticket_id"))


def bench_local_stack(samples: int, log: Path) -> list[float]:
    """Seconds from a VK webhook POST to its ticket showing in `GET /tickets` on `make run`'s stack."""
    import requests

    from infra.local import running

    local_secrets = json.loads((ROOT / "infra" / "local-secrets.json").read_text())
    secret = local_secrets["/mentiondesk/acme/vk/secret"]
    key = {"X-Api-Key": local_secrets["/mentiondesk/local/read-api-key"]}
    with running(free_port(), free_port(), log=log) as url:
        seconds = []
        for n in range(samples):
            body = json.loads(vk_delivery(n))
            body["secret"] = secret
            body["object"]["from_id"] = 5000 + n  # a new author: a new thread, a new ticket
            body["object"]["text"] = "My order never arrived, I want a refund"
            started = time.perf_counter()
            requests.post(f"{url}/webhooks/vk", json=body, timeout=5).raise_for_status()
            while _opened(requests.get(f"{url}/tickets?brand=acme&limit=200", headers=key, timeout=5).json()) <= n:
                time.sleep(0.01)
            seconds.append(time.perf_counter() - started)
        return seconds


def measure(args: argparse.Namespace, out: TextIO) -> None:
    rate = bench_cpu(args.mentions)
    print(
        f"verify+parse+score, one core: {rate:,.0f} mentions/s ({1e6 / rate:.0f} µs per mention, "
        f"{args.mentions} VK deliveries)",
        file=out,
        flush=True,
    )
    (ours50, ours99), (bare50, bare99) = bench_webhook(args.requests)
    print(f"webhook handler (in-process, moto SQS over HTTP): p50 {ours50:.2f} ms, p99 {ours99:.2f} ms", file=out)
    print(f"bare SendMessageBatch to the same queue:          p50 {bare50:.2f} ms, p99 {bare99:.2f} ms", file=out)
    print(
        f"ratio ours/bare: p50 {ours50 / bare50:.2f}x, p99 {ours99 / bare99:.2f}x ({args.requests} requests)",
        file=out,
        flush=True,
    )
    latency = bench_local_stack(args.e2e, args.log)
    print(
        f"local stack, webhook POST → ticket listed: median {statistics.median(latency):.2f} s, "
        f"max {max(latency):.2f} s ({args.e2e} complaints)",
        file=out,
        flush=True,
    )
    ours = cold_import("import app", args.imports)
    bare = cold_import("from chalice import Chalice; Chalice(app_name='bare')", args.imports)
    sdk = cold_import("import boto3; from chalice import Chalice; Chalice(app_name='bare')", args.imports)
    print(
        f"cold import (median of {args.imports}): app {ours * 1000:.0f} ms; bare Chalice app {bare * 1000:.0f} ms "
        f"(ratio {ours / bare:.1f}x); bare Chalice app + boto3 {sdk * 1000:.0f} ms (ratio {ours / sdk:.2f}x)",
        file=out,
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--imports", type=int, default=7)
    parser.add_argument("--e2e", type=int, default=10)
    parser.add_argument("--log", type=Path, default=ROOT / "build" / "bench-pipeline.log")
    args = parser.parse_args()
    out, err = sys.stdout, sys.stderr
    args.log.unlink(missing_ok=True)
    try:
        with logs_to(args.log):
            measure(args, out)
    finally:
        print(f"(logs: {args.log})", file=err)


if __name__ == "__main__":
    main()
