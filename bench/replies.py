"""Replies benchmark (not a test): the figures the README quotes for answering in the channel.

    make bench-replies      (or: .venv/bin/python bench/replies.py [--samples N] [--replies N] [--workers N] [--lost P])

1. The local stack (`make run`, builtin desk): seconds from an agent's reply (`POST /tickets/{id}/replies`)
   to VK's contract server (tests/replies/vk_api.py) receiving `wall.createComment`, p50 / p90 / max.
2. Exactly once, in-process against moto's server: `--replies` agent replies on one ticket, `--workers`
   threads syncing that ticket at the same time (as concurrent Lambda invocations would), and the VK
   contract server losing `--lost` of its answers (it creates the comment, then closes the connection
   without answering). Reported: comments VK holds per reply, createComment calls, final part states.
3. The same against Telegram's contract server, which drops no repeats and cannot be searched: a lost
   answer must end `unknown` (the agent is asked to check) and never as a second message.

Only results go to stdout; logs go to `--log` (default build/bench-replies.log).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


COMPLAINT = "My order never arrived and nobody answers. I want a refund!"
VK_SECRET = "bench-vk-secret"  # noqa: S105 (benchmark values, not credentials)
TELEGRAM_FIXTURE = "message__discussion_comment.json"  # a customer's comment in the brand's discussion group


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def logs_to(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as sink, redirect_stdout(sink), redirect_stderr(sink):
        logging.basicConfig(stream=sink, level=logging.WARNING, force=True)
        yield


def brands_file(api: str) -> Path:
    """The shipped brands with acme's VK and Telegram answering through the contract server at `api`."""
    document = json.loads((ROOT / "functions" / "config" / "brands.json").read_text())
    acme = next(b for b in document["brands"] if b["slug"] == "acme")
    vk = acme["networks"]["vk"]
    vk["settings"] = {**vk.get("settings", {}), "api": api}
    vk["secrets"] = {**vk["secrets"], "community_token": "ssm:/mentiondesk/acme/vk/community-token"}
    telegram = acme["networks"]["telegram"]
    telegram["settings"] = {**telegram.get("settings", {}), "bot_api": api}
    telegram["secrets"] = {**telegram["secrets"], "bot_token": "ssm:/mentiondesk/acme/telegram/bot-token"}
    path = Path(tempfile.mkdtemp(prefix="bench-replies-")) / "brands.json"
    path.write_text(json.dumps(document))
    return path


def reply_secrets() -> dict[str, str]:
    from tests.replies import telegram_api, vk_api

    return {
        "/mentiondesk/acme/vk/community-token": vk_api.COMMUNITY_TOKEN,
        "/mentiondesk/acme/telegram/bot-token": telegram_api.TOKEN,
    }


def vk_complaint(n: int, secret: str) -> dict[str, Any]:
    return {
        "type": "wall_reply_new",
        "group_id": 218000001,
        "event_id": f"bench{n}",
        "v": "5.199",
        "secret": secret,
        "object": {
            "id": 70000 + n,
            "from_id": 900000 + n,  # a new author each time: a new thread, a new ticket
            "date": int(time.time()),
            "post_id": 513,
            "owner_id": -218000001,
            "text": COMPLAINT,
        },
    }


# ------------------------------------------------------------------------------------ 1. local stack


def bench_local_stack(samples: int, log: Path) -> list[float]:
    import boto3
    import requests

    from infra.local import running
    from tests.fakeapi import fake_api
    from tests.replies import vk_api

    local = json.loads((ROOT / "infra" / "local-secrets.json").read_text())
    key = {"X-Api-Key": local["/mentiondesk/local/read-api-key"]}
    with fake_api() as network:
        fake = vk_api.Fake(datetime.now(UTC))
        network.handler = fake.handle
        moto_port = free_port()
        with running(free_port(), moto_port, log=log, brands_file=brands_file(network.url)) as url:
            ssm = boto3.client(
                "ssm",
                endpoint_url=f"http://127.0.0.1:{moto_port}",
                region_name="us-east-1",
                aws_access_key_id="local",
                aws_secret_access_key="local",  # noqa: S106 (moto's)
            )
            for name, value in reply_secrets().items():
                ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
            seconds: list[float] = []
            known: set[str] = set()
            for n in range(samples):
                complaint = vk_complaint(n, local["/mentiondesk/acme/vk/secret"])
                requests.post(f"{url}/webhooks/vk", json=complaint, timeout=5).raise_for_status()
                ticket = _wait_for_ticket(url, key, known)
                started = time.perf_counter()
                answer = requests.post(
                    f"{url}/tickets/{ticket}/replies", json={"text": f"Sorry! Refunded ({n}).", "author": "bench"},
                    headers=key, timeout=5,
                )  # fmt: skip
                answer.raise_for_status()
                while len(fake.created) <= n:
                    time.sleep(0.005)
                seconds.append(time.perf_counter() - started)
            return seconds


def _wait_for_ticket(url: str, key: dict[str, str], known: set[str]) -> str:
    """The id of the ticket opened for the complaint just sent (one not in `known`), once it is open."""
    import requests

    while True:
        found = requests.get(f"{url}/tickets?brand=acme&limit=200", headers=key, timeout=5).json()
        fresh = [str(t["ticket_id"]) for t in found["items"] if t.get("ticket_id") and str(t["ticket_id"]) not in known]
        if fresh:
            known.add(fresh[0])
            return fresh[0]
        time.sleep(0.01)


# ------------------------------------------------------------------------------ 2, 3. exactly once


def in_process_stack(api: str) -> Any:
    from moto.server import ThreadedMotoServer

    from infra.local import aws_environment, create_resources, seed_secrets
    from tests.servers.moto_aws.bridges import atomic_dynamodb_writes

    atomic_dynamodb_writes()  # DynamoDB's per-item atomic conditional writes (moto lacks them)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(aws_environment(f"http://127.0.0.1:{port}", "bench"))
    os.environ["BRANDS_FILE"] = str(brands_file(api))
    os.environ["REPLY_LEASE_SECONDS"] = "1"
    create_resources("bench")
    seed_secrets(reply_secrets())
    return server


def ticket_for(mention: Any) -> str:
    """Store a complaint and open its builtin ticket, the way the ingest and ticket workers do."""
    from functions.core.scoring import score
    from functions.jobs import tickets
    from functions.runtime.brands import brands
    from functions.stores import mentions

    brand = brands().get("acme")
    assert brand is not None
    mentions.put_new(mention, score(mention, brand.scoring), datetime.now(UTC))
    tickets.handle_job(json.dumps({"mention": mention.identity}))
    return str(mention.thread_key)


def race(link_key: str, workers: int) -> float:
    """`workers` threads sync the ticket at once until none has anything left; seconds taken."""
    from functions.jobs import replies
    from functions.runtime.brands import brands

    brand = brands().get("acme")
    assert brand is not None
    errors: list[BaseException] = []

    def worker() -> None:
        while True:
            try:
                replies.sync(brand, link_key, datetime.now(UTC))
                return
            except replies.ReplyRetryError:
                time.sleep(0.05)
            except BaseException as error:  # reported below
                errors.append(error)
                return

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def losing(handle: Callable[[Any], Any], share: float, path: str, rng: random.Random) -> Callable[[Any], Any]:
    """The network does the work, then the answer is lost (the connection closes) for `share` of `path`."""
    from tests.fakeapi import Answer

    lost = 0

    def answer(seen: Any) -> Any:
        nonlocal lost
        done = handle(seen)
        if seen.path.endswith(path) and rng.random() < share:
            lost += 1
            return Answer(drop=True)
        return done

    answer.lost = lambda: lost  # type: ignore[attr-defined]
    return answer


def part_states() -> Counter[str]:
    import boto3

    from functions.runtime.settings import settings

    items = boto3.resource("dynamodb").Table(settings().replies_table).scan()["Items"]
    return Counter(str(i["state"]) for i in items if str(i["key"]).startswith("part#"))


def bench_exactly_once(count: int, workers: int, share: float, out: TextIO) -> None:
    from functions.connectors import telegram, vk
    from functions.core.webhooks import WebhookRequest
    from functions.stores import desk
    from functions.stores import tickets as links
    from tests.fakeapi import fake_api
    from tests.replies import telegram_api, vk_api

    rng = random.Random(13)  # noqa: S311 (which answers get lost, reproducibly)
    with fake_api() as network:
        stack = in_process_stack(network.url)
        try:
            fake = vk_api.Fake(datetime.now(UTC))
            network.handler = handle = losing(fake.handle, share, "wall.createComment", rng)
            body = json.dumps(vk_complaint(0, VK_SECRET)).encode()
            (mention,) = vk.parse(WebhookRequest("POST", body, {"content-type": "application/json"}), "acme")
            link = links.get(ticket_for(mention))
            assert link is not None and link.ticket is not None
            texts = [f"Reply {n}: we refunded you, sorry for the wait." for n in range(count)]
            for text in texts:
                desk.add_reply(link.ticket.id, text, "bench", datetime.now(UTC))
            seconds = race(link.key, workers)
            per_reply = Counter(c.text for c in fake.created)
            creates = len([r for r in network.requests if r.path.endswith("wall.createComment")])
            print(
                f"VK, {count} replies, {workers} concurrent workers, {handle.lost()} answers lost "  # type: ignore[attr-defined]
                f"({share:.0%} of createComment): comments on VK per reply min {min(per_reply[t] for t in texts)} "
                f"max {max(per_reply[t] for t in texts)}; createComment calls {creates}; part states "
                f"{dict(part_states())}; {seconds:.1f} s",
                file=out,
                flush=True,
            )

            network.reset()
            fake_tg = telegram_api.Fake(datetime.now(UTC))
            network.handler = handle = losing(fake_tg.handle, share, "sendMessage", rng)
            update = json.loads((ROOT / "tests" / "fixtures" / "telegram" / TELEGRAM_FIXTURE).read_text())
            update["message"]["text"] = COMPLAINT
            fake_tg.seed(update["message"]["chat"], update["message"]["message_id"])
            request = WebhookRequest("POST", json.dumps(update).encode(), {"content-type": "application/json"})
            (message,) = telegram.parse(request, "acme")
            link = links.get(ticket_for(message))
            assert link is not None and link.ticket is not None
            for text in texts:
                desk.add_reply(link.ticket.id, text, "bench", datetime.now(UTC))
            before = part_states()
            seconds = race(link.key, workers)
            sent = Counter(m.text for m in fake_tg.sent)
            states = part_states() - before
            print(
                f"Telegram (no idempotency, no lookup), {count} replies, {workers} workers, {handle.lost()} answers "  # type: ignore[attr-defined]
                f"lost: messages per reply max {max(sent.values(), default=0)}; replies never sent twice "
                f"{sum(1 for t in texts if sent[t] <= 1)}/{count}; part states {dict(states)}; {seconds:.1f} s",
                file=out,
                flush=True,
            )
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--replies", type=int, default=40)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--lost", type=float, default=0.3)
    parser.add_argument("--log", type=Path, default=ROOT / "build" / "bench-replies.log")
    args = parser.parse_args()
    out, err = sys.stdout, sys.stderr
    args.log.unlink(missing_ok=True)
    try:
        with logs_to(args.log):
            seconds = bench_local_stack(args.samples, args.log)
            p50, p90 = statistics.median(seconds), statistics.quantiles(seconds, n=10, method="inclusive")[-1]
            print(
                f"local stack, agent reply → VK createComment: p50 {p50:.2f} s, p90 {p90:.2f} s, "
                f"max {max(seconds):.2f} s ({args.samples} replies)",
                file=out,
                flush=True,
            )
            bench_exactly_once(args.replies, args.workers, args.lost, out)
    finally:
        print(f"(logs: {args.log})", file=err)


if __name__ == "__main__":
    main()
