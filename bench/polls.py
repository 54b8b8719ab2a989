"""Poll runner benchmark: how long a scheduled run takes, and what an unchanged re-poll costs.

    python bench/polls.py [--brands 10] [--hits 300]

Each brand polls Hacker News (the fake Algolia API of the tests, on 127.0.0.1) for `--hits` matching
posts, 100 per page, through the real runner, cursor store and queue on moto's server over HTTP.
Reports: pages per second and milliseconds per page of a first poll (fetch, parse, local query
check, SendMessageBatch, conditional cursor save), how long a default run (PAGE_BUDGET pages) takes
against the 120 s function timeout, and the AWS calls of a second poll of the unchanged source.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _hits(fake: Any, count: int, now: datetime) -> list[dict[str, Any]]:
    """`count` posts naming acme, one a minute back from now."""
    template = fake.hits[0]
    hits = []
    for n in range(count):
        hit = copy.deepcopy(template)
        hit.update(objectID=str(50_000_000 + n), comment_text=f"acme order {n} still not delivered, week {n % 7}")
        fake._place(hit, int((now - timedelta(minutes=n + 1)).timestamp()))
        hits.append(hit)
    return hits


def _consume(stop: threading.Event) -> None:
    """Take messages off the mentions queue as the ingest function would: moto's SQS slows down as a
    queue grows into the thousands, which real SQS does not, and would otherwise be what we measure."""
    import boto3

    from functions.runtime.settings import settings

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=settings().mentions_queue)["QueueUrl"]
    while not stop.is_set():
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--hits", type=int, default=300, help="matching posts per brand (100 per page)")
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    from infra.local import aws_environment, create_resources

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = 5998
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    os.environ.update(aws_environment(f"http://127.0.0.1:{port}", "bench"))
    os.environ["BRANDS_FILE"] = str(ROOT / "functions" / "config" / "brands.json")
    try:
        create_resources("bench")
        report(args.brands, args.hits)
    finally:
        moto.stop()


def report(brand_count: int, hits: int) -> None:
    from functions.core.brands import parse_brands
    from functions.jobs import polls
    from functions.runtime import aws
    from functions.stores import queues
    from tests.fakeapi import fake_api
    from tests.sources.hackernews_api import Fake

    now = datetime.now(UTC)
    fake = Fake(now)
    fake.hits = _hits(fake, hits, now)
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    for client in (aws.dynamodb().meta.client, aws.sqs()):
        client.meta.events.register("before-call.*.*", count)
    sending = [0.0]
    send = queues.send

    def timed_send(queue: str, bodies: Any) -> None:
        started = time.perf_counter()
        send(queue, bodies)
        sending[0] += time.perf_counter() - started

    queues.send = timed_send  # polls calls queues.send through the module: this sees every send
    stop = threading.Event()
    consumer = threading.Thread(target=_consume, args=(stop,), daemon=True)
    consumer.start()
    with fake_api() as server, open(os.devnull, "w") as quiet:  # the runner's JSON logs would drown the figures
        server.handler = fake.handle
        document = {
            "brands": [
                {"slug": f"brand{n}", "query": "acme", "networks": {"hackernews": {"settings": {"api": server.url}}}}
                for n in range(brand_count)
            ]
        }
        brands = parse_brands(document).all()
        stdout, sys.stdout = sys.stdout, quiet
        try:
            started = time.perf_counter()
            first = polls.run(polls.plan("hackernews", brands), now, pages=10_000)
            first_s = time.perf_counter() - started
            calls.clear()
            started = time.perf_counter()
            again = polls.run(polls.plan("hackernews", brands), now + timedelta(minutes=10))
            again_s = time.perf_counter() - started
        finally:
            sys.stdout = stdout
    stop.set()
    consumer.join()
    queues.send = send
    per_page = first_s / max(1, first.pages)
    writes = {k: v for k, v in calls.items() if k in ("PutItem", "UpdateItem", "DeleteItem", "SendMessageBatch")}
    own = (first_s - sending[0]) / max(1, first.pages)
    print(
        f"first poll: {brand_count} brands x {hits} posts = {first.sent} mentions in {first.pages} pages, "
        f"{first_s:.2f} s, {per_page * 1000:.0f} ms per page: {sending[0] / first.pages * 1000:.0f} ms in "
        f"SendMessageBatch to moto (10 calls a page), {own * 1000:.0f} ms the rest (fetch, parse, query "
        "check, cursor read and conditional save)"
    )
    print(
        f"a default run of {polls.PAGE_BUDGET} full pages without the moto SQS time: ~{polls.PAGE_BUDGET * own:.1f} s "
        "(function timeout 120 s; the runner also stops 20 s before it)"
    )
    print(f"unchanged re-poll: {again.pages} pages in {again_s:.2f} s; writes {writes or 0}; reads {dict(calls)}")


if __name__ == "__main__":
    main()
